/**
 * Test harness: a recording transport and helpers to speak raw wire messages to a Xenstored, so
 * tests check exactly what a guest or socket client would receive.
 */
import type { XsTransport } from './connection.js';
import {
  bytesToLatin1, decodeHeader, encodeStrings, latin1ToBytes, XSD_SOCKMSG_SIZE, XS_ERROR, XS_WATCH_EVENT, type XsMessage,
} from './wire.js';
import type { Xenstored } from './xenstored.js';

/** A reply or event as tests look at it. */
export interface Received {
  readonly type: number;
  readonly reqId: number;
  readonly txId: number;
  readonly payload: Uint8Array;
  /** The payload as Latin-1 text, NULs kept. */
  readonly text: string;
}

/** A transport that records every frame the server sends. */
export class RecordingTransport implements XsTransport {
  deliver: ((msg: XsMessage) => void) | undefined;
  readonly received: Received[] = [];
  detached = false;
  attach(deliver: (msg: XsMessage) => void): void {
    this.deliver = deliver;
  }
  send(bytes: Uint8Array): void {
    const h = decodeHeader(bytes);
    const payload = bytes.slice(XSD_SOCKMSG_SIZE);
    if (h.len !== payload.length) throw new Error(`Frame length ${h.len} does not match payload ${payload.length}`);
    this.received.push({ type: h.type, reqId: h.reqId, txId: h.txId, payload, text: bytesToLatin1(payload) });
  }
  detach(): void {
    this.detached = true;
  }
}

/** One client (a domain or dom0) speaking raw requests. */
export class WireClient {
  private reqId = 100;
  constructor(readonly t: RecordingTransport) {}

  /** Sends `type` with the strings NUL-terminated (or raw bytes) and returns the reply. */
  req(type: number, args: readonly string[] | Uint8Array, txId = 0): Received {
    const payload = args instanceof Uint8Array ? args : encodeStrings(args);
    const reqId = ++this.reqId;
    const before = this.t.received.length;
    this.t.deliver!({ type, reqId, txId, payload });
    const reply = this.t.received.slice(before).find((m) => m.type !== XS_WATCH_EVENT);
    if (reply === undefined || reply.reqId !== reqId) throw new Error(`No reply to request ${reqId}`);
    return reply;
  }

  /** Like req() but returns the error name, or "OK"-style text for success. */
  result(type: number, args: readonly string[] | Uint8Array, txId = 0): string {
    const r = this.req(type, args, txId);
    return r.type === XS_ERROR ? `error:${r.text.replace(/\0$/, '')}` : r.text;
  }

  /** XS_WRITE payload: path, NUL, raw value. */
  static writePayload(path: string, value: string): Uint8Array {
    return latin1ToBytes(`${path}\0${value}`);
  }

  /** Watch events received so far, as [path, token] pairs, and forgets them. */
  takeEvents(): [string, string][] {
    const ev: [string, string][] = [];
    for (let i = this.t.received.length - 1; i >= 0; i--) {
      const m = this.t.received[i]!;
      if (m.type !== XS_WATCH_EVENT) continue;
      const [p, tok] = m.text.split('\0');
      ev.unshift([p!, tok!]);
      this.t.received.splice(i, 1);
    }
    return ev;
  }
}

/** A dom0 client and a domU client (introduced as `domid`) on `srv`. */
export function connectPair(srv: Xenstored, domid = 1): { dom0: WireClient; domU: WireClient } {
  const t0 = new RecordingTransport();
  srv.connect(t0);
  const tU = new RecordingTransport();
  srv.introduceDomain(domid, tU);
  return { dom0: new WireClient(t0), domU: new WireClient(tU) };
}
