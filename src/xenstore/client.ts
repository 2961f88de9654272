/**
 * The in-process xenstore client for Domain-0 code (toolstack, device backends), in the spirit of
 * libxenstore's xs_* calls. It speaks the real wire protocol to the server over a direct,
 * synchronous transport, so it exercises exactly what socket and ring clients exercise. Requests
 * return their result or throw XsError carrying the errno name. Watch callbacks run from a
 * microtask after the request that caused them, never inside another client's request.
 */
import { assert } from '../lib/errors.js';
import type { XsConnection, XsTransport } from './connection.js';
import { XsError } from './errors.js';
import { isAtOrBelow } from './path.js';
import {
  decodeHeader, encodeStrings, isXsErrno, latin1ToBytes, splitStrings, XSD_SOCKMSG_SIZE,
  XS_DIRECTORY, XS_ERROR, XS_GET_PERMS, XS_MKDIR, XS_READ, XS_RM, XS_SET_PERMS, XS_TRANSACTION_END,
  XS_TRANSACTION_START, XS_UNWATCH, XS_WATCH, XS_WATCH_EVENT, XS_WRITE, type XsMessage,
} from './wire.js';
import type { Xenstored } from './xenstored.js';

/** Called with the event path (relative if the watch was) and the watch's token. */
export type XsWatchCallback = (path: string, token: string) => void;

/** Per-request options. */
export interface XsRequestOptions {
  /** Transaction id from transactionStart(); 0 or absent for none. */
  readonly tx?: number;
}

const utf8 = { encoder: new TextEncoder(), decoder: new TextDecoder() };

/** A privileged (Domain-0) connection to a Xenstored in the same process. */
export class XsClient {
  private readonly conn: XsConnection;
  private deliver: ((msg: XsMessage) => void) | undefined;
  private reply: XsMessage | undefined;
  private nextReqId = 1;
  private closed = false;
  private readonly watches: { path: string; token: string; callback: XsWatchCallback }[] = [];
  private readonly events: { path: string; token: string }[] = [];

  constructor(private readonly server: Xenstored) {
    const transport: XsTransport = {
      attach: (deliver) => { this.deliver = deliver; },
      send: (bytes) => this.receive(bytes),
      detach: () => { this.closed = true; },
    };
    this.conn = server.connect(transport);
  }

  /** The value of `path` as UTF-8 text. */
  read(path: string, opts?: XsRequestOptions): string {
    return utf8.decoder.decode(this.readBytes(path, opts));
  }

  /** The value of `path` as raw bytes. */
  readBytes(path: string, opts?: XsRequestOptions): Uint8Array {
    return this.request(XS_READ, encodeStrings([path]), `read "${path}"`, opts).payload;
  }

  /** Sets `path` (creating it and its parents); strings are written as UTF-8. */
  write(path: string, value: string | Uint8Array, opts?: XsRequestOptions): void {
    const v = typeof value === 'string' ? utf8.encoder.encode(value) : value;
    const p = latin1ToBytes(`${path}\0`);
    const payload = new Uint8Array(p.length + v.length);
    payload.set(p);
    payload.set(v, p.length);
    this.request(XS_WRITE, payload, `write "${path}"`, opts);
  }

  /** Creates an empty node if it does not exist. */
  mkdir(path: string, opts?: XsRequestOptions): void {
    this.request(XS_MKDIR, encodeStrings([path]), `mkdir "${path}"`, opts);
  }

  /** Removes `path` and everything below it. */
  rm(path: string, opts?: XsRequestOptions): void {
    this.request(XS_RM, encodeStrings([path]), `remove "${path}"`, opts);
  }

  /** Child names of `path`. */
  directory(path: string, opts?: XsRequestOptions): string[] {
    return this.strings(this.request(XS_DIRECTORY, encodeStrings([path]), `list "${path}"`, opts));
  }

  /** Permission entries of `path`, such as ["n0", "r2"]. */
  getPerms(path: string, opts?: XsRequestOptions): string[] {
    return this.strings(this.request(XS_GET_PERMS, encodeStrings([path]), `get permissions of "${path}"`, opts));
  }

  /** Replaces the permission entries of `path`; the first names the owner. */
  setPerms(path: string, perms: readonly string[], opts?: XsRequestOptions): void {
    this.request(XS_SET_PERMS, encodeStrings([path, ...perms]), `set permissions of "${path}"`, opts);
  }

  /** Opens a transaction and returns its id. */
  transactionStart(): number {
    const reply = this.request(XS_TRANSACTION_START, encodeStrings(['']), 'start a transaction');
    return Number(this.strings(reply)[0]);
  }

  /** Commits (throws XsError "EAGAIN" on conflict: retry the transaction) or aborts. */
  transactionEnd(tx: number, commit: boolean): void {
    this.request(XS_TRANSACTION_END, encodeStrings([commit ? 'T' : 'F']), `end transaction ${tx}`, { tx });
  }

  /** Registers a watch; `callback` runs once at once (as xenstored fires new watches) and then per change. */
  watch(path: string, token: string, callback: XsWatchCallback): void {
    this.request(XS_WATCH, encodeStrings([path, token]), `watch "${path}"`);
    this.watches.push({ path, token, callback });
  }

  /** Removes a watch; events already queued for it are not delivered. */
  unwatch(path: string, token: string): void {
    this.request(XS_UNWATCH, encodeStrings([path, token]), `unwatch "${path}"`);
    const i = this.watches.findIndex((w) => w.path === path && w.token === token);
    if (i >= 0) this.watches.splice(i, 1);
  }

  /** Disconnects: the server drops this client's watches and transactions. */
  close(): void {
    this.server.disconnect(this.conn);
    this.closed = true;
  }

  private request(type: number, payload: Uint8Array, action: string, opts?: XsRequestOptions): XsMessage {
    if (this.closed || this.deliver === undefined) throw new XsError('EIO', `Cannot ${action}: xenstore client is closed`);
    const reqId = this.nextReqId++ >>> 0;
    this.reply = undefined;
    this.deliver({ type, reqId, txId: opts?.tx ?? 0, payload });
    const reply = this.reply as XsMessage | undefined;
    assert(reply !== undefined && reply.reqId === reqId, 'xenstored did not answer an in-process request synchronously');
    if (reply.type === XS_ERROR) {
      const name = this.strings(reply)[0];
      throw new XsError(isXsErrno(name) ? name : 'EINVAL', `Cannot ${action}: ${name}`);
    }
    return reply;
  }

  private strings(reply: XsMessage): string[] {
    // A list reply is NUL-terminated names; an empty payload is an empty list.
    return splitStrings(reply.payload) ?? [];
  }

  private receive(bytes: Uint8Array): void {
    const h = decodeHeader(bytes);
    const msg = { type: h.type, reqId: h.reqId, txId: h.txId, payload: bytes.subarray(XSD_SOCKMSG_SIZE) };
    if (h.type !== XS_WATCH_EVENT) {
      this.reply = msg;
      return;
    }
    const [path, token] = splitStrings(msg.payload) ?? [];
    if (path === undefined || token === undefined) return;
    if (this.events.push({ path, token }) === 1) void Promise.resolve().then(() => this.drainEvents());
  }

  private drainEvents(): void {
    for (const e of this.events.splice(0)) {
      for (const w of [...this.watches]) {
        if (w.token === e.token && (isAtOrBelow(e.path, w.path) || e.path === w.path)) w.callback(e.path, e.token);
      }
    }
  }
}
