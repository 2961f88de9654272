import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectPair, WireClient } from './_harness.js';
import { formatPerms, parsePerm, permForCaller, XS_PERM_BOTH, XS_PERM_NONE, XS_PERM_OWNER, XS_PERM_READ } from './perms.js';
import { XS_DIRECTORY, XS_GET_PERMS, XS_MKDIR, XS_READ, XS_RM, XS_SET_PERMS, XS_WRITE } from './wire.js';
import { Xenstored } from './xenstored.js';

const W = WireClient.writePayload;
const dom = (domid: number, target?: number) => ({ domid, target, privileged: false });

test('parsePerm() accepts <n|r|w|b><domid> only', () => {
  assert.deepEqual(parsePerm('r12'), { perms: XS_PERM_READ, domid: 12 });
  for (const bad of ['x1', 'r', 'r-1', 'r1a', 'r65536', ' r1']) assert.equal(parsePerm(bad), undefined, bad);
  assert.equal(formatPerms([parsePerm('n0')!, parsePerm('b3')!]), 'n0,b3');
});

test('permForCaller(): owner and privileged get all, listed domains their entry, others the default', () => {
  const perms = [parsePerm('r5')!, parsePerm('n6')!, parsePerm('w7')!];
  assert.equal(permForCaller(dom(5), perms), XS_PERM_BOTH | XS_PERM_OWNER);
  assert.equal(permForCaller({ domid: 0, target: undefined, privileged: true }, perms), XS_PERM_BOTH | XS_PERM_OWNER);
  assert.equal(permForCaller(dom(6), perms), XS_PERM_NONE);
  assert.equal(permForCaller(dom(9), perms), XS_PERM_READ);
  assert.equal(permForCaller(dom(9, 5), perms), XS_PERM_BOTH | XS_PERM_OWNER);
});

function setup() {
  const srv = new Xenstored();
  const { dom0, domU } = connectPair(srv, 2);
  dom0.req(XS_MKDIR, ['/local/domain/2']);
  dom0.req(XS_SET_PERMS, ['/local/domain/2', 'n0', 'r2']);
  dom0.req(XS_MKDIR, ['/local/domain/2/data']);
  dom0.req(XS_SET_PERMS, ['/local/domain/2/data', 'n2']);
  return { srv, dom0, domU };
}

test('an unprivileged domain is denied what its permissions do not grant', () => {
  const { dom0, domU } = setup();
  dom0.req(XS_WRITE, W('/local/domain/2/name', 'guest'));
  assert.equal(domU.result(XS_READ, ['name']), 'guest');
  assert.equal(domU.result(XS_WRITE, W('name', 'evil')), 'error:EACCES');
  assert.equal(domU.result(XS_RM, ['name']), 'error:EACCES');
  assert.equal(domU.result(XS_READ, ['/tool/xenstored']), 'error:EACCES');
  assert.equal(domU.result(XS_DIRECTORY, ['/']), 'error:EACCES');
  assert.equal(domU.result(XS_GET_PERMS, ['/']), 'error:EACCES');
  assert.equal(domU.result(XS_WRITE, W('/local/domain/0/x', '1')), 'error:EACCES');
});

test('a missing node reads as ENOENT only where the caller could read the parent (errno_from_parents)', () => {
  const { domU } = setup();
  assert.equal(domU.result(XS_READ, ['nothing']), 'error:ENOENT');
  assert.equal(domU.result(XS_READ, ['/local/domain/0/nothing']), 'error:EACCES');
});

test('new nodes inherit the parent\'s permissions; an unprivileged creator becomes the owner', () => {
  const { dom0, domU } = setup();
  assert.equal(domU.result(XS_WRITE, W('data/x/y', '1')), 'OK\0');
  assert.equal(dom0.result(XS_GET_PERMS, ['/local/domain/2/data/x/y']), 'n2\0');
  dom0.req(XS_WRITE, W('/local/domain/2/device/vbd', ''));
  assert.equal(dom0.result(XS_GET_PERMS, ['/local/domain/2/device/vbd']), 'n0\0r2\0');
  dom0.req(XS_MKDIR, ['/local/domain/2/device/vbd/1']);
  dom0.req(XS_SET_PERMS, ['/local/domain/2/device/vbd/1', 'n0', 'b2']);
  assert.equal(domU.result(XS_WRITE, W('device/vbd/1/ring-ref', '8')), 'OK\0');
  assert.equal(dom0.result(XS_GET_PERMS, ['/local/domain/2/device/vbd/1/ring-ref']), 'n2\0b2\0');
});

test('only the owner may set permissions, and an unprivileged owner cannot give a node away', () => {
  const { dom0, domU } = setup();
  assert.equal(domU.result(XS_SET_PERMS, ['data', 'n2', 'r0']), 'OK\0');
  assert.equal(domU.result(XS_SET_PERMS, ['data', 'n3']), 'error:EPERM');
  assert.equal(domU.result(XS_SET_PERMS, ['/local/domain/2', 'n2']), 'error:EACCES');
  assert.equal(dom0.result(XS_SET_PERMS, ['/local/domain/2/data', 'n3']), 'OK\0');
});
