/**
 * Fuzz target for the xenstore wire surface (style.md §6: one target per attack surface). The
 * bytes are fed, in chunks they choose themselves, as the request stream of an unprivileged
 * domain, of a Domain-0 client, and as the content of a ring page. Framing errors drop the
 * connection, which is the expected outcome; anything else thrown is a bug, as is a reply the
 * server frames wrongly or a store left inconsistent.
 */
import { BugIndicatingError } from '../lib/errors.js';
import type { XsTransport } from './connection.js';
import { XsWireError } from './errors.js';
import { childPath } from './path.js';
import { XsRingTransport } from './ring.js';
import { XENSTORE_PAYLOAD_MAX, XsWireParser, type XsMessage } from './wire.js';
import { Xenstored } from './xenstored.js';

/** A transport that records and checks everything the server sends. */
class CheckingTransport implements XsTransport {
  deliver: ((msg: XsMessage) => void) | undefined;
  private readonly replies = new XsWireParser();
  attach(deliver: (msg: XsMessage) => void): void {
    this.deliver = deliver;
  }
  send(bytes: Uint8Array): void {
    // Throws XsWireError if the server framed an oversize message: that is a server bug here.
    const msgs = this.replies.feed(bytes);
    if (msgs.length !== 1 || msgs[0]!.payload.length > XENSTORE_PAYLOAD_MAX) throw new BugIndicatingError('xenstored sent a malformed frame');
  }
  detach(): void {
    this.deliver = undefined;
  }
}

function feedStream(bytes: Uint8Array, connect: (t: XsTransport) => void): void {
  const t = new CheckingTransport();
  connect(t);
  const parser = new XsWireParser();
  let off = 0;
  while (off < bytes.length && t.deliver !== undefined) {
    const n = 1 + (bytes[off]! % 97);
    let msgs: XsMessage[];
    try {
      msgs = parser.feed(bytes.subarray(off, off + n));
    } catch (err) {
      if (err instanceof XsWireError) return; // xenstored drops such a connection
      throw err;
    }
    for (const m of msgs) t.deliver?.(m);
    off += n;
  }
}

function checkStore(srv: Xenstored): void {
  for (const n of srv.store.walk()) {
    for (const c of n.children) {
      if (srv.store.get(childPath(n.path, c)) === undefined) throw new BugIndicatingError(`Store lost child "${c}" of "${n.path}"`);
    }
  }
}

/** Runs one fuzz input; throws only on a server bug. */
export function fuzzWire(bytes: Uint8Array): void {
  const srv = new Xenstored({ quotas: { nodes: 50, watches: 8, transactions: 3, transactionNodes: 40 } });
  feedStream(bytes, (t) => srv.connect(t));
  feedStream(bytes, (t) => srv.introduceDomain(1, t));
  checkStore(srv);

  const page = new Uint8Array(4096);
  for (let i = 0; i < page.length; i++) page[i] = bytes.length === 0 ? 0 : bytes[i % bytes.length]!;
  const ring = new XsRingTransport({ page, notify: () => undefined, rekick: () => undefined, onFault: (err) => { throw new BugIndicatingError(`xenstored handler threw: ${String(err)}`); } });
  srv.introduceDomain(2, ring);
  for (let i = 0; i < 4 && !ring.broken; i++) {
    ring.kick();
    // Let the "guest" consume replies and produce the next stretch of the same bytes.
    const idx = new Int32Array(page.buffer, 2048, 4);
    Atomics.store(idx, 2, Atomics.load(idx, 3));
    Atomics.add(idx, 1, 1 + (bytes[i] ?? 0) * 4);
  }
  checkStore(srv);
}
