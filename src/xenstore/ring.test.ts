import { test } from 'node:test';
import assert from 'node:assert/strict';
import { XsRingTransport, XENSTORE_ERROR_NONE, XENSTORE_ERROR_PROTO, XENSTORE_ERROR_RINGIDX, XENSTORE_SERVER_FEATURE_ERROR } from './ring.js';
import { bytesToLatin1, encodeMessage, encodeStrings, latin1ToBytes, XsWireParser, XS_READ, XS_WATCH, XS_WATCH_EVENT, XS_WRITE, type XsMessage } from './wire.js';
import { Xenstored } from './xenstored.js';
import { XsClient } from './client.js';

/** The guest's side of a ring page in shared memory. */
class FakeGuest {
  readonly page = new Uint8Array(new SharedArrayBuffer(4096));
  readonly idx = new Int32Array(this.page.buffer, 2048, 7);
  private readonly parser = new XsWireParser();
  notifies = 0;
  rekicks = 0;
  readonly ring = new XsRingTransport({ page: this.page, notify: () => this.notifies++, rekick: () => this.rekicks++ });

  /** Writes bytes into the request ring as Linux does, returning how many fit. */
  produce(bytes: Uint8Array): number {
    const cons = this.idx[0]! >>> 0;
    let prod = this.idx[1]! >>> 0;
    let n = 0;
    while (n < bytes.length && ((prod - cons) >>> 0) < 1024) {
      this.page[prod & 1023] = bytes[n++]!;
      prod = (prod + 1) >>> 0;
    }
    Atomics.store(this.idx, 1, prod | 0);
    return n;
  }

  request(type: number, payload: Uint8Array, reqId = 1): void {
    this.produce(encodeMessage({ type, reqId, txId: 0, payload }));
    this.ring.kick();
  }

  /** Reads everything in the response ring. */
  consume(): XsMessage[] {
    const cons = this.idx[2]! >>> 0;
    const prod = this.idx[3]! >>> 0;
    const out = new Uint8Array((prod - cons) >>> 0);
    for (let i = 0; i < out.length; i++) out[i] = this.page[1024 + ((cons + i) & 1023)]!;
    Atomics.store(this.idx, 2, prod | 0);
    return this.parser.feed(out);
  }
}

function introduced(): { srv: Xenstored; g: FakeGuest } {
  const srv = new Xenstored();
  const g = new FakeGuest();
  srv.introduceDomain(0, g.ring);
  return { srv, g };
}

test('attach() advertises the error field and marks the ring connected', () => {
  const { g } = introduced();
  assert.equal(g.idx[4], XENSTORE_SERVER_FEATURE_ERROR);
  assert.equal(g.idx[5], 0);
});

test('kick() consumes requests and writes replies into the response ring, then notifies', () => {
  const { g } = introduced();
  g.request(XS_WRITE, latin1ToBytes('/a\0hello'), 7);
  g.request(XS_READ, encodeStrings(['/a']), 8);
  const replies = g.consume();
  assert.deepEqual(replies.map((m) => [m.type, m.reqId, bytesToLatin1(m.payload)]), [[XS_WRITE, 7, 'OK\0'], [XS_READ, 8, 'hello']]);
  assert.equal(g.idx[0], g.idx[1]);
  assert.ok(g.notifies >= 2);
  assert.equal(g.ring.error, XENSTORE_ERROR_NONE);
});

test('replies that do not fit wait in the queue until the guest consumes', () => {
  const { srv, g } = introduced();
  new XsClient(srv).write('/big', 'v'.repeat(3000));
  g.request(XS_READ, encodeStrings(['/big']), 2);
  assert.equal(g.idx[3]! - g.idx[2]!, 1024); // response ring full, rest queued
  const got: XsMessage[] = [];
  for (let i = 0; i < 5 && got.length === 0; i++) {
    got.push(...g.consume());
    g.ring.kick(); // Linux notifies after consuming from a full ring
  }
  assert.equal(got.length, 1);
  assert.equal(got[0]!.payload.length, 3000);
});

test('a request split across kicks is reassembled', () => {
  const { g } = introduced();
  const msg = encodeMessage({ type: XS_READ, reqId: 3, txId: 0, payload: encodeStrings(['/']) });
  g.produce(msg.subarray(0, 5));
  g.ring.kick();
  assert.equal(g.consume().length, 0);
  g.produce(msg.subarray(5));
  g.ring.kick();
  assert.equal(g.consume()[0]!.reqId, 3);
});

test('hostile indices mark the ring broken (RINGIDX) and never throw', () => {
  for (const [cons, prod] of [[0, 1025], [0, 0x7fffffff], [100, 50], [-1, 2000]] as const) {
    const { g } = introduced();
    Atomics.store(g.idx, 0, cons);
    Atomics.store(g.idx, 1, prod);
    assert.doesNotThrow(() => g.ring.kick());
    assert.equal(g.ring.error, XENSTORE_ERROR_RINGIDX, `cons ${cons} prod ${prod}`);
    assert.equal(g.idx[6], XENSTORE_ERROR_RINGIDX);
    g.ring.kick(); // ignored from now on
  }
});

test('a corrupt response index breaks the ring when the server next writes', () => {
  const { g } = introduced();
  Atomics.store(g.idx, 2, 5000);
  g.request(XS_READ, encodeStrings(['/']));
  assert.equal(g.ring.error, XENSTORE_ERROR_RINGIDX);
});

test('a header announcing more than 4096 bytes breaks the ring (PROTO)', () => {
  const { g } = introduced();
  const h = new Uint8Array(16);
  new DataView(h.buffer).setUint32(12, 5000, true);
  g.produce(h);
  g.ring.kick();
  assert.equal(g.ring.error, XENSTORE_ERROR_PROTO);
});

test('garbage bytes with a valid length get ENOSYS replies, not a crash', () => {
  const { g } = introduced();
  const garbage = encodeMessage({ type: 0xdeadbeef, reqId: 9, txId: 0xffffffff, payload: new Uint8Array([1, 2, 3]) });
  g.produce(garbage);
  g.ring.kick();
  const r = g.consume();
  assert.equal(bytesToLatin1(r[0]!.payload), 'ENOSYS\0');
  assert.equal(r[0]!.txId, 0xffffffff);
});

test('a guest that never reads cannot grow the server: events are dropped past the bound', () => {
  const srv = new Xenstored();
  const g = new FakeGuest();
  srv.introduceDomain(0, g.ring);
  g.request(XS_WATCH, encodeStrings(['/', 'tok']));
  const writer = new FakeGuest();
  srv.introduceDomain(1, writer.ring);
  for (let i = 0; i < 5000; i++) srv.handleMessage(srv.domainConnection(0)!, { type: XS_WRITE, reqId: i, txId: 0, payload: latin1ToBytes(`/n\0${i}`) });
  assert.ok(g.ring.droppedEvents > 0);
  const got = g.consume();
  assert.ok(got.length > 0 && got.every((m) => m.type === XS_WATCH_EVENT || m.type === XS_WRITE || m.type === XS_WATCH));
});

test('a kick that stops at its pass limit asks to be run again, so requests the guest added meanwhile are not stranded', () => {
  // Linux (xb_write) notifies only when it finds the server caught up; a guest producing on its own
  // thread while Domain-0 serves it can leave a request behind the last pass with no event to come.
  const g = new FakeGuest();
  let handled = 0;
  g.ring.attach((msg) => {
    handled++;
    if (handled < 20) g.produce(encodeMessage({ type: XS_READ, reqId: msg.reqId + 1, txId: 0, payload: encodeStrings(['/x']) }));
  });
  g.produce(encodeMessage({ type: XS_READ, reqId: 1, txId: 0, payload: encodeStrings(['/x']) }));
  g.ring.kick();
  assert.equal(handled, 8, 'one kick serves at most 8 passes');
  assert.equal(g.rekicks, 1, 'and then asks for another kick');
  for (let k = 0; k < 10 && handled < 20; k++) g.ring.kick();
  assert.equal(handled, 20, 'the rekicks serve every request');
  assert.equal(g.rekicks, 2, '8 + 8 + 4 requests: two kicks stopped at the limit');
  g.ring.kick();
  assert.equal(g.rekicks, 2, 'an idle kick asks for nothing more');
});
