import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectPair, RecordingTransport, WireClient } from './_harness.js';
import { XS_MKDIR, XS_RM, XS_SET_PERMS, XS_UNWATCH, XS_WATCH, XS_WATCH_EVENT, XS_WRITE } from './wire.js';
import { Xenstored } from './xenstored.js';

const W = WireClient.writePayload;

test('XS_WATCH replies OK then fires once with the path as registered', () => {
  const { dom0 } = connectPair(new Xenstored());
  const before = dom0.t.received.length;
  assert.equal(dom0.result(XS_WATCH, ['/w', 'tok\x01en']), 'OK\0');
  const frames = dom0.t.received.slice(before);
  assert.deepEqual(frames.map((f) => [f.type, f.reqId, f.txId]), [[XS_WATCH, frames[0]!.reqId, 0], [XS_WATCH_EVENT, 0, 0]]);
  assert.equal(frames[1]!.text, '/w\0tok\x01en\0');
  assert.equal(dom0.result(XS_WATCH, ['/w', 'tok\x01en']), 'error:EEXIST');
});

test('a change fires watches on the node and its ancestors with the changed path', () => {
  const { dom0 } = connectPair(new Xenstored());
  dom0.req(XS_WATCH, ['/a', 'A']);
  dom0.req(XS_WATCH, ['/a/b/c', 'C']);
  dom0.req(XS_WATCH, ['/ab', 'X']);
  dom0.takeEvents();
  dom0.req(XS_WRITE, W('/a/b', '1'));
  assert.deepEqual(dom0.takeEvents(), [['/a/b', 'A']]);
  dom0.req(XS_SET_PERMS, ['/a/b', 'n0']);
  assert.deepEqual(dom0.takeEvents(), [['/a/b', 'A']]);
});

test('removing an ancestor fires a watch below it with the watch\'s own path', () => {
  const { dom0 } = connectPair(new Xenstored());
  dom0.req(XS_WRITE, W('/r/x/y', '1'));
  dom0.req(XS_WATCH, ['/r/x/y/z', 'deep']);
  dom0.req(XS_WATCH, ['/r', 'top']);
  dom0.takeEvents();
  dom0.req(XS_RM, ['/r/x']);
  assert.deepEqual(dom0.takeEvents(), [['/r/x/y/z', 'deep'], ['/r/x', 'top']]);
});

test('a relative watch is reported relative to the domain home', () => {
  const srv = new Xenstored();
  const { dom0, domU } = connectPair(srv, 3);
  dom0.req(XS_MKDIR, ['/local/domain/3']);
  dom0.req(XS_SET_PERMS, ['/local/domain/3', 'n0', 'r3']);
  assert.equal(domU.result(XS_WATCH, ['device', 'fe']), 'OK\0');
  assert.deepEqual(domU.takeEvents(), [['device', 'fe']]);
  dom0.req(XS_WRITE, W('/local/domain/3/device/vbd/51712/state', '1'));
  assert.deepEqual(domU.takeEvents(), [['device/vbd/51712/state', 'fe']]);
  dom0.req(XS_RM, ['/local/domain/3']);
  assert.deepEqual(domU.takeEvents(), [['device', 'fe']]);
});

test('a watcher without read access to the node or its parent gets no event', () => {
  const { dom0, domU } = connectPair(new Xenstored(), 2);
  dom0.req(XS_WRITE, W('/secret/key', 'v'));
  assert.equal(domU.result(XS_WATCH, ['/secret', 's']), 'OK\0');
  domU.takeEvents();
  dom0.req(XS_WRITE, W('/secret/key', 'v2'));
  assert.deepEqual(domU.takeEvents(), []);
  dom0.req(XS_SET_PERMS, ['/secret', 'n0', 'r2']);
  assert.deepEqual(domU.takeEvents(), [['/secret', 's']]);
  dom0.req(XS_WRITE, W('/secret/key', 'v3'));
  assert.deepEqual(domU.takeEvents(), [['/secret/key', 's']]); // parent /secret is readable now
});

test('XS_UNWATCH removes exactly the matching watch; unknown watch is ENOENT', () => {
  const { dom0 } = connectPair(new Xenstored());
  dom0.req(XS_WATCH, ['/u', 'one']);
  dom0.req(XS_WATCH, ['/u', 'two']);
  assert.equal(dom0.result(XS_UNWATCH, ['/u', 'one']), 'OK\0');
  assert.equal(dom0.result(XS_UNWATCH, ['/u', 'one']), 'error:ENOENT');
  dom0.takeEvents();
  dom0.req(XS_WRITE, W('/u', '1'));
  assert.deepEqual(dom0.takeEvents(), [['/u', 'two']]);
});

test('@introduceDomain and @releaseDomain fire on introduce and release, for privileged watchers only', () => {
  const srv = new Xenstored();
  const { dom0, domU } = connectPair(srv, 1);
  dom0.req(XS_WATCH, ['@introduceDomain', 'i']);
  dom0.req(XS_WATCH, ['@releaseDomain', 'r']);
  domU.req(XS_WATCH, ['@releaseDomain', 'u']);
  dom0.takeEvents();
  domU.takeEvents();
  srv.introduceDomain(9, new RecordingTransport());
  assert.deepEqual(dom0.takeEvents(), [['@introduceDomain', 'i']]);
  srv.releaseDomain(9);
  assert.deepEqual(dom0.takeEvents(), [['@releaseDomain', 'r']]);
  assert.deepEqual(domU.takeEvents(), []);
  assert.throws(() => srv.releaseDomain(9), { name: 'XsError', errno: 'ENOENT' });
  assert.throws(() => srv.introduceDomain(1, new RecordingTransport()), { errno: 'EEXIST' });
});
