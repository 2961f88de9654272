import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectPair, WireClient } from './_harness.js';
import { XS_MKDIR, XS_SET_PERMS, XS_WATCH, XS_WRITE } from './wire.js';
import { Xenstored } from './xenstored.js';

const W = WireClient.writePayload;

function guestHome(quotas: ConstructorParameters<typeof Xenstored>[0]) {
  const srv = new Xenstored(quotas);
  const { dom0, domU } = connectPair(srv, 2);
  dom0.req(XS_MKDIR, ['/local/domain/2']);
  dom0.req(XS_SET_PERMS, ['/local/domain/2', 'n2']);
  return { srv, dom0, domU };
}

test('the nodes quota counts nodes a domain owns; reaching it is ENOSPC, dom0 is exempt', () => {
  const { dom0, domU } = guestHome({ quotas: { nodes: 4 } });
  // The domain already owns its home: it may create two more, as C xenstored's "val >= quota" allows.
  assert.equal(domU.result(XS_WRITE, W('a', '')), 'OK\0');
  assert.equal(domU.result(XS_WRITE, W('b', '')), 'OK\0');
  assert.equal(domU.result(XS_WRITE, W('c', '')), 'error:ENOSPC');
  assert.equal(domU.result(XS_WRITE, W('x/y/z', '')), 'error:ENOSPC');
  for (let i = 0; i < 10; i++) assert.equal(dom0.result(XS_WRITE, W(`/d0/${i}`, '')), 'OK\0');
});

test('the node-size quota limits value plus child names plus permissions', () => {
  const { domU } = guestHome({ quotas: { nodeSize: 100 } });
  assert.equal(domU.result(XS_WRITE, W('v', 'x'.repeat(60))), 'OK\0');
  assert.equal(domU.result(XS_WRITE, W('v', 'x'.repeat(76))), 'error:ENOSPC');
});

test('the default node size (2048) refuses a 2048-byte value from a guest but not from dom0', () => {
  const { dom0, domU } = guestHome({});
  assert.equal(domU.result(XS_WRITE, W('big', 'x'.repeat(2048))), 'error:ENOSPC');
  assert.equal(dom0.result(XS_WRITE, W('/big', 'x'.repeat(4000))), 'OK\0');
});

test('the watches quota limits registrations per domain', () => {
  const { domU } = guestHome({ quotas: { watches: 3 } });
  assert.equal(domU.result(XS_WATCH, ['/a', '1']), 'OK\0');
  assert.equal(domU.result(XS_WATCH, ['/a', '2']), 'OK\0');
  assert.equal(domU.result(XS_WATCH, ['/a', '3']), 'error:ENOSPC');
});

test('the node-permissions quota limits permission list length', () => {
  const { domU } = guestHome({ quotas: { nodePermissions: 3 } });
  domU.req(XS_WRITE, W('p', ''));
  assert.equal(domU.result(XS_SET_PERMS, ['p', 'n2', 'r1']), 'OK\0');
  assert.equal(domU.result(XS_SET_PERMS, ['p', 'n2', 'r1', 'r3']), 'error:ENOSPC');
});

test('the path-max quota counts only the part below the domain home', () => {
  const { domU } = guestHome({ quotas: { pathMax: 10 } });
  assert.equal(domU.result(XS_WRITE, W('123456789', '')), 'OK\0');
  assert.equal(domU.result(XS_WRITE, W('1234567890', '')), 'error:EINVAL');
});
