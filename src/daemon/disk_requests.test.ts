/**
 * The disk routes' request parsing against hostile input: bodies of the wrong shape, bad and
 * oversized specs, relative and empty images, NUL bytes, bad disk names and percent-encodings,
 * and bad `force` values, each refused with a 400 and a message naming what was wrong.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { refused } from './_test_refused.js';
import { MAX_SPEC_CHARS, MAX_SPEC_COMPONENTS } from './device_requests.js';
import { parseDiskAttach, parseDiskDetach } from './disk_requests.js';

test('parseDiskAttach() takes an xl disk spec string, or block-attach\'s components each scanned on its own', () => {
  const one = parseDiskAttach({ spec: 'format=raw,vdev=xvdb,access=ro,target=/img/a,b.img' });
  assert.deepEqual([one.spec.vdev, one.spec.devid, one.spec.readwrite, one.image], ['xvdb', 51728, false, '/img/a,b.img']);
  const parts = parseDiskAttach({ spec: ['target=/img/c.img', 'vdev=xvdc', 'qcow2'] });
  assert.deepEqual([parts.spec.vdev, parts.spec.format, parts.image], ['xvdc', 'qcow2', '/img/c.img'], 'target= ends with its component');
  assert.equal(parseDiskAttach({ spec: ['/img/d.img', 'qcow2', 'xvdd'] }).spec.devid, 51760);
});

test('parseDiskAttach() refuses bodies of the wrong shape', () => {
  for (const body of [null, 'xvdb', 42, [], ['/a.img,,xvdb'], {}, { spec: 7 }, { spec: null }, { spec: [] }, { spec: ['/a.img', 3] }, { spec: { target: '/a.img' } }]) {
    refused(() => parseDiskAttach(body), /request body must be a JSON object|"spec" must be a disk specification/);
  }
  refused(() => parseDiskAttach({ spec: Array.from({ length: MAX_SPEC_COMPONENTS + 1 }, () => 'rw') }), /list of 1 to 64/);
  refused(() => parseDiskAttach({ spec: '/a.img\0,,xvdb' }), /NUL/);
  // The scanner's trailing context makes `raw:raw:…` quadratic: a long spec is refused before it is scanned.
  refused(() => parseDiskAttach({ spec: 'raw:'.repeat(MAX_SPEC_CHARS / 4 + 1) }), /"spec" is over 8192 characters/, 413);
  refused(() => parseDiskAttach({ spec: Array.from({ length: 64 }, () => 'raw:'.repeat(40)) }), /is over/, 413);
  refused(() => parseDiskAttach({ spec: 'raw:'.repeat(MAX_SPEC_CHARS / 4) }), /no vdev specified/);
});

test('parseDiskAttach() refuses bad specs with libxlu\'s messages, and relative or empty images', () => {
  refused(() => parseDiskAttach({ spec: '/a.img' }), /^spec: no vdev specified in disk specification "\/a\.img"$/);
  refused(() => parseDiskAttach({ spec: '/a.img,vpc,xvdb' }), /unknown value for format near "vpc"/);
  refused(() => parseDiskAttach({ spec: '/a.img,,xvd' }), /invalid or unsupported virtual disk identifier/);
  refused(() => parseDiskAttach({ spec: ['/a.img,,xvdb', 'vdev=xvdc'] }), /vdev respecified/);
  refused(() => parseDiskAttach({ spec: 'x'.repeat(MAX_SPEC_CHARS - 1) }), /no vdev specified/);
  refused(() => parseDiskAttach({ spec: 'disk.img,raw,xvdb' }), /target "disk\.img" must be an absolute path/);
  refused(() => parseDiskAttach({ spec: '../../etc/shadow,raw,xvdb' }), /must be an absolute path/);
  refused(() => parseDiskAttach({ spec: ',hdc:cdrom,r' }), /empty drives are not supported yet/);
});

test('parseDiskDetach() takes a vdev or a device number, as xl block-detach does, and force=0|1', () => {
  const q = new URLSearchParams();
  assert.deepEqual(parseDiskDetach('xvdb', q), { devid: 51728, vdev: 'xvdb', force: false });
  assert.deepEqual(parseDiskDetach('51728', q), { devid: 51728, vdev: '51728', force: false });
  assert.equal(parseDiskDetach('d0p1', q).devid, 51713);
  assert.equal(parseDiskDetach('xvdb', new URLSearchParams('force=1')).force, true);
  assert.equal(parseDiskDetach('xvdb', new URLSearchParams('force=0')).force, false);
});

test('parseDiskDetach() refuses bad disk names, bad percent-encodings and bad force values', () => {
  const q = new URLSearchParams();
  for (const name of ['xvd', 'nosuch', '-1', '4294967296', 'xvdb%00', '%2e%2e', '']) refused(() => parseDiskDetach(name, q), /Invalid or unsupported virtual disk identifier/);
  refused(() => parseDiskDetach('%zz', q), /Malformed disk name "%zz"/);
  refused(() => parseDiskDetach('%E0%A4%A', q), /Malformed disk name/);
  for (const f of ['yes', 'true', '', '2']) refused(() => parseDiskDetach('xvdb', new URLSearchParams(`force=${f}`)), /"force" must be 0 or 1/);
});
