import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectPair, RecordingTransport, WireClient } from './_harness.js';
import {
  XS_CONTROL, XS_DIRECTORY, XS_DIRECTORY_PART, XS_ERROR, XS_GET_DOMAIN_PATH, XS_GET_PERMS, XS_INTRODUCE,
  XS_IS_DOMAIN_INTRODUCED, XS_MKDIR, XS_READ, XS_RELEASE, XS_RESET_WATCHES, XS_RESUME, XS_RM, XS_SET_PERMS,
  XS_SET_TARGET, XS_TRANSACTION_START, XS_WATCH, XS_WATCH_EVENT, XS_WRITE,
} from './wire.js';
import { Xenstored } from './xenstored.js';

const W = WireClient.writePayload;

test('XS_READ returns raw value bytes and echoes req_id and tx_id', () => {
  const { dom0 } = connectPair(new Xenstored());
  assert.equal(dom0.result(XS_WRITE, W('/a', 'v\x01')), 'OK\0');
  const r = dom0.req(XS_READ, ['/a']);
  assert.deepEqual([r.type, r.text, r.txId], [XS_READ, 'v\x01', 0]);
  assert.equal(dom0.result(XS_READ, ['/missing']), 'error:ENOENT');
  assert.equal(dom0.result(XS_READ, ['/a/']), 'error:EINVAL');
  assert.equal(dom0.result(XS_READ, ['/a', '/b']), 'error:EINVAL');
  assert.equal(dom0.result(XS_READ, new Uint8Array([0x2f])), 'error:EINVAL'); // no NUL
});

test('XS_WRITE creates missing parents and XS_DIRECTORY lists children in creation order', () => {
  const { dom0 } = connectPair(new Xenstored());
  dom0.req(XS_WRITE, W('/x/b/c', '1'));
  dom0.req(XS_WRITE, W('/x/a', '2'));
  assert.equal(dom0.result(XS_DIRECTORY, ['/x']), 'b\0a\0');
  assert.equal(dom0.result(XS_READ, ['/x/b']), '');
  assert.equal(dom0.result(XS_DIRECTORY, ['/x/a']), '');
  assert.equal(dom0.result(XS_WRITE, new Uint8Array([0x2f, 0x61])), 'error:EINVAL');
  assert.equal(dom0.result(XS_WRITE, W('@introduceDomain', '')), 'error:EINVAL');
});

test('XS_MKDIR leaves an existing node alone', () => {
  const { dom0 } = connectPair(new Xenstored());
  dom0.req(XS_WRITE, W('/m', 'keep'));
  assert.equal(dom0.result(XS_MKDIR, ['/m']), 'OK\0');
  assert.equal(dom0.result(XS_READ, ['/m']), 'keep');
  assert.equal(dom0.result(XS_MKDIR, ['/n/o']), 'OK\0');
  assert.equal(dom0.result(XS_READ, ['/n/o']), '');
});

test('XS_RM removes subtrees; a missing node is OK only if its parent exists; "/" is refused', () => {
  const { dom0 } = connectPair(new Xenstored());
  dom0.req(XS_WRITE, W('/r/a/b', '1'));
  assert.equal(dom0.result(XS_RM, ['/r/a']), 'OK\0');
  assert.equal(dom0.result(XS_READ, ['/r/a/b']), 'error:ENOENT');
  assert.equal(dom0.result(XS_DIRECTORY, ['/r']), '');
  assert.equal(dom0.result(XS_RM, ['/r/gone']), 'OK\0');
  assert.equal(dom0.result(XS_RM, ['/r/gone/deeper']), 'error:ENOENT');
  assert.equal(dom0.result(XS_RM, ['/']), 'error:EINVAL');
});

test('XS_GET_PERMS and XS_SET_PERMS round-trip permission strings, special nodes included', () => {
  const { dom0 } = connectPair(new Xenstored());
  dom0.req(XS_WRITE, W('/p', ''));
  assert.equal(dom0.result(XS_SET_PERMS, ['/p', 'n5', 'r6', 'b7']), 'OK\0');
  assert.equal(dom0.result(XS_GET_PERMS, ['/p']), 'n5\0r6\0b7\0');
  assert.equal(dom0.result(XS_SET_PERMS, ['/p', 'x5']), 'error:EINVAL');
  assert.equal(dom0.result(XS_SET_PERMS, ['/p']), 'error:EINVAL');
  assert.equal(dom0.result(XS_GET_PERMS, ['@releaseDomain']), 'n0\0');
  assert.equal(dom0.result(XS_SET_PERMS, ['@releaseDomain', 'n0', 'r1']), 'OK\0');
});

test('XS_DIRECTORY_PART pages child names with the node generation and an end marker', () => {
  const { dom0 } = connectPair(new Xenstored());
  for (let i = 0; i < 300; i++) dom0.req(XS_WRITE, W(`/big/child-with-a-longish-name-${i}`, ''));
  const names: string[] = [];
  let off = 0;
  let gen: string | undefined;
  for (;;) {
    const parts = dom0.result(XS_DIRECTORY_PART, ['/big', String(off)]).split('\0');
    gen ??= parts[0];
    assert.equal(parts[0], gen);
    const chunk = parts.slice(1, -1);
    if (chunk.at(-1) === '') {
      names.push(...chunk.slice(0, -1));
      break;
    }
    names.push(...chunk);
    off += chunk.reduce((n, c) => n + c.length + 1, 0);
  }
  assert.equal(names.length, 300);
  assert.equal(names[299], 'child-with-a-longish-name-299');
  assert.equal(dom0.result(XS_DIRECTORY_PART, ['/big', '999999']), `${gen}\0\0`);
  assert.equal(dom0.result(XS_DIRECTORY, ['/big']), 'error:E2BIG');
});

test('XS_GET_DOMAIN_PATH, XS_IS_DOMAIN_INTRODUCED, XS_RESUME, XS_RELEASE follow C xenstored', () => {
  const srv = new Xenstored();
  const { dom0 } = connectPair(srv, 4);
  assert.equal(dom0.result(XS_GET_DOMAIN_PATH, ['4']), '/local/domain/4\0');
  assert.equal(dom0.result(XS_GET_DOMAIN_PATH, ['x']), 'error:EINVAL');
  assert.equal(dom0.result(XS_IS_DOMAIN_INTRODUCED, ['4']), 'T\0');
  assert.equal(dom0.result(XS_IS_DOMAIN_INTRODUCED, ['5']), 'F\0');
  assert.equal(dom0.result(XS_IS_DOMAIN_INTRODUCED, ['32752']), 'T\0'); // DOMID_SELF
  assert.equal(dom0.result(XS_RESUME, ['4']), 'OK\0');
  assert.equal(dom0.result(XS_RESUME, ['0']), 'error:EINVAL');
  assert.equal(dom0.result(XS_RELEASE, ['5']), 'error:ENOENT');
  assert.equal(dom0.result(XS_RELEASE, ['4']), 'OK\0');
  assert.equal(srv.isDomainIntroduced(4), false);
});

test('XS_INTRODUCE maps the ring through mapRing, or answers ENOSYS without one', () => {
  const mapped: unknown[] = [];
  const srv = new Xenstored({ mapRing: (domid, ring) => { mapped.push([domid, ring.gfn, ring.port]); return new RecordingTransport(); } });
  const { dom0 } = connectPair(srv);
  assert.equal(dom0.result(XS_INTRODUCE, ['7', '233473', '3']), 'OK\0');
  assert.deepEqual(mapped, [[7, 233473n, 3]]);
  assert.ok(srv.isDomainIntroduced(7));
  assert.equal(dom0.result(XS_INTRODUCE, ['8', '1', '0']), 'error:EINVAL');
  const { dom0: other } = connectPair(new Xenstored());
  assert.equal(other.result(XS_INTRODUCE, ['7', '1', '3']), 'error:ENOSYS');
});

test('XS_SET_TARGET lets a device model act as its target domain', () => {
  const srv = new Xenstored();
  const { dom0, domU: dm } = connectPair(srv, 5);
  srv.introduceDomain(6, new RecordingTransport());
  dom0.req(XS_WRITE, W('/local/domain/6/secret', 's'));
  dom0.req(XS_SET_PERMS, ['/local/domain/6/secret', 'n6']);
  assert.equal(dm.result(XS_READ, ['/local/domain/6/secret']), 'error:EACCES');
  assert.equal(dom0.result(XS_SET_TARGET, ['5', '6']), 'OK\0');
  assert.equal(dm.result(XS_READ, ['/local/domain/6/secret']), 's');
  assert.equal(dom0.result(XS_SET_TARGET, ['5', '9']), 'error:ENOENT');
});

test('privileged-only requests answer EACCES to a domU; unknown types answer ENOSYS', () => {
  const { domU } = connectPair(new Xenstored());
  for (const t of [XS_CONTROL, XS_INTRODUCE, XS_RELEASE, XS_IS_DOMAIN_INTRODUCED, XS_RESUME, XS_SET_TARGET]) {
    assert.equal(domU.result(t, ['1']), 'error:EACCES', `type ${t}`);
  }
  for (const t of [XS_WATCH_EVENT, XS_ERROR, 20, 23, 0xffff]) assert.equal(domU.result(t, ['x']), 'error:ENOSYS');
});

test('XS_CONTROL runs print, log, quota and help; unknown commands get EINVAL', () => {
  const logged: string[] = [];
  const srv = new Xenstored({ log: (l) => logged.push(l) });
  const { dom0 } = connectPair(srv);
  assert.equal(dom0.result(XS_CONTROL, ['print', 'marker']), 'OK\0');
  assert.deepEqual(logged, ['control: marker']);
  assert.equal(dom0.result(XS_CONTROL, ['log', 'on']), 'OK\0');
  dom0.req(XS_READ, ['/']);
  assert.match(logged.at(-1)!, /type 2/);
  assert.match(dom0.result(XS_CONTROL, ['quota']), /nodes\s+:\s+1000/);
  assert.equal(dom0.result(XS_CONTROL, ['quota', 'set', 'watches', '3']), 'OK\0');
  assert.equal(srv.quotas.watches, 3);
  assert.match(dom0.result(XS_CONTROL, ['quota', '1']), /^Domain 1:\nnodes/);
  assert.match(dom0.result(XS_CONTROL, ['help']), /print/);
  assert.equal(dom0.result(XS_CONTROL, ['check']), 'OK\0');
  assert.equal(dom0.result(XS_CONTROL, ['live-update']), 'error:EINVAL');
});

test('XS_RESET_WATCHES drops the caller\'s watches and transactions', () => {
  const { dom0 } = connectPair(new Xenstored());
  dom0.req(XS_WATCH, ['/w', 't']);
  const tx = Number(dom0.result(XS_TRANSACTION_START, ['']).replace('\0', ''));
  assert.equal(dom0.result(XS_RESET_WATCHES, ['']), 'OK\0');
  dom0.takeEvents();
  dom0.req(XS_WRITE, W('/w', '1'));
  assert.deepEqual(dom0.takeEvents(), []);
  assert.equal(dom0.result(XS_READ, ['/w'], tx), 'error:ENOENT');
});

test('a disconnected client is forgotten: its watches no longer fire', () => {
  const srv = new Xenstored();
  const t = new RecordingTransport();
  const conn = srv.connect(t);
  const c = new WireClient(t);
  c.req(XS_WATCH, ['/d', 'tok']);
  srv.disconnect(conn);
  assert.ok(t.detached);
  const { dom0 } = connectPair(srv, 2);
  const before = t.received.length;
  dom0.req(XS_WRITE, W('/d', 'x'));
  assert.equal(t.received.length, before);
});
