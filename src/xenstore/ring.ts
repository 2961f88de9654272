/**
 * The shared xenstore ring page of a domain (xs_wire.h `struct xenstore_domain_interface`), as
 * the server side of it. The page is guest memory that the guest may change at any moment from
 * another thread: every index is read once per pass with Atomics, checked (`prod - cons <= 1024`
 * in u32 arithmetic), and request bytes are copied out before they are parsed. A bad index or a
 * protocol violation marks the ring broken in the page's `error` word and the ring is ignored
 * from then on, as C xenstored does; nothing a guest writes makes kick() throw or loop.
 */
import { assert } from '../lib/errors.js';
import type { XsTransport } from './connection.js';
import { XsWireError } from './errors.js';
import { XsWireParser, XS_WATCH_EVENT, type XsMessage } from './wire.js';

/** XENSTORE_RING_SIZE: bytes in each direction. */
export const XENSTORE_RING_SIZE = 1024;
/** server_features bits (xs_wire.h). */
export const XENSTORE_SERVER_FEATURE_RECONNECTION = 1;
export const XENSTORE_SERVER_FEATURE_ERROR = 2;
/** Values of the `connection` word. */
export const XENSTORE_CONNECTED = 0;
export const XENSTORE_RECONNECT = 1;
/** Values of the `error` word. */
export const XENSTORE_ERROR_NONE = 0;
export const XENSTORE_ERROR_COMM = 1;
export const XENSTORE_ERROR_RINGIDX = 2;
export const XENSTORE_ERROR_PROTO = 3;

const PAGE_SIZE = 4096;
const REQ_OFF = 0;
const RSP_OFF = 1024;
/** Word indices (u32 at byte offset 4 * i) of the control fields. */
const REQ_CONS = 2048 / 4;
const REQ_PROD = 2052 / 4;
const RSP_CONS = 2056 / 4;
const RSP_PROD = 2060 / 4;
const SERVER_FEATURES = 2064 / 4;
const CONNECTION = 2068 / 4;
const ERROR = 2072 / 4;

/** Above this many queued reply bytes, no more requests are read until the guest drains replies. */
const OUTPUT_SOFT_LIMIT = 16 * 1024;
/** Above this many queued bytes, watch events are dropped: a guest that never reads cannot grow us. */
const OUTPUT_HARD_LIMIT = 64 * 1024;
/**
 * Passes over the request ring per kick, so one busy guest cannot hold Domain-0. Linux notifies
 * after a write only when it finds the server caught up (xb_write: `prod <= req_cons`), so a kick
 * that stops at this limit may leave requests behind with no event to come: it asks for another
 * kick (XsRingOptions.rekick).
 */
const MAX_PASSES = 8;

/** Construction options of a ring transport. */
export interface XsRingOptions {
  /** The 4096-byte ring page, a view into memory the guest shares. */
  readonly page: Uint8Array;
  /** Signals the domain's store event channel. */
  readonly notify: () => void;
  /** Called when handling a request threw (a server bug); the ring is then marked broken. */
  readonly onFault?: (err: unknown) => void;
  /**
   * Arranges for kick() to run again soon (not from inside this call): a kick stopped at its pass
   * limit with requests possibly left unread, which the guest will not signal again.
   */
  readonly rekick: () => void;
}

/** The server end of one domain's xenstore ring. */
export class XsRingTransport implements XsTransport {
  private readonly page: Uint8Array;
  private readonly idx: Int32Array;
  private readonly notify: () => void;
  private readonly onFault: ((err: unknown) => void) | undefined;
  private readonly rekick: () => void;
  private readonly parser = new XsWireParser();
  private deliver: ((msg: XsMessage) => void) | undefined;
  private readonly queue: Uint8Array[] = [];
  private headOffset = 0;
  private queuedBytes = 0;
  private errorCode = XENSTORE_ERROR_NONE;
  /** Watch events dropped because the guest left too many replies unread. */
  droppedEvents = 0;

  constructor(opts: XsRingOptions) {
    assert(opts.page.length === PAGE_SIZE, `xenstore ring page must be ${PAGE_SIZE} bytes, got ${opts.page.length}`);
    assert(opts.page.byteOffset % 4 === 0, 'xenstore ring page must be 4-byte aligned');
    this.page = opts.page;
    this.idx = new Int32Array(opts.page.buffer, opts.page.byteOffset, PAGE_SIZE / 4);
    this.notify = opts.notify;
    this.onFault = opts.onFault;
    this.rekick = opts.rekick;
  }

  /** XENSTORE_ERROR_* of a broken ring, or XENSTORE_ERROR_NONE. */
  get error(): number {
    return this.errorCode;
  }

  get broken(): boolean {
    return this.errorCode !== XENSTORE_ERROR_NONE;
  }

  attach(deliver: (msg: XsMessage) => void): void {
    this.deliver = deliver;
    Atomics.store(this.idx, SERVER_FEATURES, XENSTORE_SERVER_FEATURE_ERROR);
    Atomics.store(this.idx, CONNECTION, XENSTORE_CONNECTED);
  }

  detach(): void {
    this.deliver = undefined;
    this.queue.length = 0;
    this.queuedBytes = 0;
  }

  send(bytes: Uint8Array): void {
    if (this.broken || this.deliver === undefined) return;
    if (bytes[0] === XS_WATCH_EVENT && this.queuedBytes >= OUTPUT_HARD_LIMIT) {
      this.droppedEvents++;
      return;
    }
    this.queue.push(bytes);
    this.queuedBytes += bytes.length;
    this.flush();
  }

  /** Processes what the guest produced and pushes pending replies (call on each store event). */
  kick(): void {
    if (this.broken || this.deliver === undefined) return;
    this.flush();
    for (let pass = 0; !this.broken && this.queuedBytes < OUTPUT_SOFT_LIMIT; pass++) {
      if (pass === MAX_PASSES) {
        this.rekick();
        return;
      }
      const chunk = this.takeRequests();
      if (chunk === undefined || chunk.length === 0) return;
      this.handle(chunk);
    }
    // Stopped with a full reply backlog: the guest, reading replies from a full ring, notifies (xb_read).
  }

  /** Copies out everything between req_cons and req_prod and consumes it. */
  private takeRequests(): Uint8Array | undefined {
    const cons = Atomics.load(this.idx, REQ_CONS) >>> 0;
    const prod = Atomics.load(this.idx, REQ_PROD) >>> 0;
    const avail = (prod - cons) >>> 0;
    if (avail > XENSTORE_RING_SIZE) return this.fail(XENSTORE_ERROR_RINGIDX);
    const chunk = new Uint8Array(avail);
    for (let i = 0; i < avail; i++) chunk[i] = this.page[REQ_OFF + ((cons + i) & (XENSTORE_RING_SIZE - 1))]!;
    Atomics.store(this.idx, REQ_CONS, prod | 0);
    // Linux waits for space only when its ring was full; only then does it need to hear from us.
    if (avail === XENSTORE_RING_SIZE) this.notify();
    return chunk;
  }

  private handle(chunk: Uint8Array): void {
    let msgs: XsMessage[];
    try {
      msgs = this.parser.feed(chunk);
    } catch (err) {
      if (!(err instanceof XsWireError)) throw err;
      this.fail(XENSTORE_ERROR_PROTO);
      return;
    }
    for (const msg of msgs) {
      if (this.broken || this.deliver === undefined) return;
      try {
        this.deliver(msg);
      } catch (err) {
        // A throwing handler is a server bug: stop serving this domain rather than the host.
        this.fail(XENSTORE_ERROR_PROTO);
        this.onFault?.(err);
      }
    }
  }

  /** Writes as much queued output as the response ring has room for, then notifies the guest. */
  private flush(): void {
    let wrote = false;
    while (this.queue.length > 0 && !this.broken) {
      const cons = Atomics.load(this.idx, RSP_CONS) >>> 0;
      const prod = Atomics.load(this.idx, RSP_PROD) >>> 0;
      const used = (prod - cons) >>> 0;
      if (used > XENSTORE_RING_SIZE) {
        this.fail(XENSTORE_ERROR_RINGIDX);
        return;
      }
      const head = this.queue[0]!;
      const n = Math.min(XENSTORE_RING_SIZE - used, head.length - this.headOffset);
      if (n === 0) break;
      for (let i = 0; i < n; i++) this.page[RSP_OFF + ((prod + i) & (XENSTORE_RING_SIZE - 1))] = head[this.headOffset + i]!;
      Atomics.store(this.idx, RSP_PROD, (prod + n) | 0);
      wrote = true;
      this.headOffset += n;
      this.queuedBytes -= n;
      if (this.headOffset === head.length) {
        this.queue.shift();
        this.headOffset = 0;
      }
    }
    if (wrote) this.notify();
  }

  private fail(code: number): undefined {
    this.errorCode = code;
    this.queue.length = 0;
    this.queuedBytes = 0;
    Atomics.store(this.idx, ERROR, code);
    return undefined;
  }
}
