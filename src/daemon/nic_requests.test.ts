/**
 * The NIC routes' request parsing against hostile input: bodies of the wrong shape, bad MACs,
 * devids and rates, oversized specs, NUL bytes, bad NIC names and percent-encodings, each refused
 * with a 400 (413 for size) and a message naming what was wrong.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { refused } from './_test_refused.js';
import { MAX_SPEC_CHARS, MAX_SPEC_COMPONENTS } from './device_requests.js';
import { parseNicAttach, parseNicDetach } from './nic_requests.js';

const counting = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => 0xf0 + i);
const attach = (body: unknown, nextDevid = 0) => parseNicAttach(body, { nextDevid, random: counting });

test('parseNicAttach() takes a vif spec string, or network-attach\'s components with later keys overriding earlier ones', () => {
  assert.deepEqual(attach({ spec: 'bridge=xenbr1,mac=00:16:3E:74:3d:76' }).nic, { devid: 0, mac: '00:16:3e:74:3d:76', bridge: 'xenbr1' });
  const parts = attach({ spec: ['bridge=xenbr1', 'mac=00:16:3e:00:00:01,ip=10.0.0.2', 'bridge=xenbr2'] }, 3);
  assert.deepEqual(parts.nic, { devid: 3, mac: '00:16:3e:00:00:01', bridge: 'xenbr2', ip: '10.0.0.2' });
  assert.deepEqual(parts.warnings, []);
});

test('parseNicAttach() gives an empty spec every default: the next devid, a random MAC in Xen\'s OUI, xenbr0', () => {
  for (const spec of [[], '', ['', ',']]) {
    assert.deepEqual(attach({ spec }, 4).nic, { devid: 4, mac: '00:16:3e:70:f1:f2', bridge: 'xenbr0' });
  }
  assert.equal(attach({ spec: 'devid=9' }, 4).nic.devid, 9, 'devid= overrides the next free one');
});

test('parseNicAttach() reports the keys xl ignores as warnings, without the line number a file would have', () => {
  assert.deepEqual(attach({ spec: ['brdige=xenbr1', 'accel=x'] }).warnings, [
    'spec: "vif": unrecognized argument "brdige=xenbr1" ignored',
    'spec: "vif": "accel" is not supported by Xenon and is ignored',
  ]);
});

test('parseNicAttach() refuses bodies of the wrong shape, NUL bytes and oversized specs', () => {
  for (const body of [null, 'mac=00:16:3e:00:00:01', 42, [], {}, { spec: 7 }, { spec: null }, { spec: ['bridge=xenbr0', 3] }, { spec: { mac: '00:16:3e:00:00:01' } }]) {
    refused(() => attach(body), /request body must be a JSON object|"spec" must be a vif specification or a list of 0 to 64/);
  }
  refused(() => attach({ spec: Array.from({ length: MAX_SPEC_COMPONENTS + 1 }, () => 'trusted') }), /list of 0 to 64/);
  refused(() => attach({ spec: 'bridge=xenbr0\0,mac=00:16:3e:00:00:01' }), /NUL/);
  refused(() => attach({ spec: `vifname=${'v'.repeat(MAX_SPEC_CHARS)}` }), /"spec" is over 8192 characters/, 413);
  refused(() => attach({ spec: Array.from({ length: 64 }, () => ','.repeat(200)) }), /is over/, 413);
  assert.equal(attach({ spec: ','.repeat(MAX_SPEC_CHARS) }).nic.devid, 0, 'a spec at the bound is parsed');
});

test('parseNicAttach() refuses bad MACs, devids, MTUs, types and rates with the spec quoted', () => {
  for (const mac of ['00:16:3e:00:00', '00:16:3e:00:00:00:00', '00:16:3e:00:00:zz', '001:16:3e:00:00:00', '00-16-3e-00-00-01', '', ' 00:16:3e:00:00:01']) {
    refused(() => attach({ spec: `mac=${mac}` }), new RegExp(`^spec: invalid MAC address ${JSON.stringify(JSON.stringify(mac)).slice(1, -1)} in vif specification`));
  }
  for (const devid of ['-1', '1e3', '0x10', '1234567890', ' 1', '']) refused(() => attach({ spec: ['mac=00:16:3e:00:00:01', `devid=${devid}`] }), /invalid devid/);
  refused(() => attach({ spec: 'mtu=big' }), /invalid mtu "big"/);
  refused(() => attach({ spec: 'type=vwif' }), /invalid type "vwif"/);
  refused(() => attach({ spec: 'rate=99999999999Gb/s' }), /rate overflow/);
});

test('parseNicDetach() takes a devid, or a MAC (any name with a colon, as xl network-detach decides), case-insensitively', () => {
  assert.deepEqual(parseNicDetach('0'), { devid: 0, name: '0' });
  assert.deepEqual(parseNicDetach('123456789'), { devid: 123456789, name: '123456789' });
  assert.deepEqual(parseNicDetach('00:16:3E:0:0:A'), { mac: '00:16:3e:00:00:0a', name: '00:16:3E:0:0:A' });
  assert.deepEqual(parseNicDetach('00%3A16%3a3e%3A00%3A00%3A01'), { mac: '00:16:3e:00:00:01', name: '00:16:3e:00:00:01' });
});

test('parseNicDetach() refuses bad devids, bad MACs and bad percent-encodings', () => {
  for (const name of ['-1', '1234567890', '0x1', '1.0', 'eth0', 'vif1.0', '', '%20', '1%00', '..', '%2e%2e']) refused(() => parseNicDetach(name), /Invalid NIC ".*": give its devid/);
  for (const mac of ['00:16:3e:00:00', '00:16:3e:00:00:01:02', '00:16:3e:00:00:zz', ':', '00:16:3e:00:00:01%00', '00:16:3e:00:00:001']) {
    refused(() => parseNicDetach(mac), /Invalid MAC address/);
  }
  refused(() => parseNicDetach('%zz'), /Malformed NIC name "%zz"/);
  refused(() => parseNicDetach('%E0%A4%A'), /Malformed NIC name/);
});
