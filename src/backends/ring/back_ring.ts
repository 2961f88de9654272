/**
 * The back end of Xen's generic shared ring (xen/include/public/io/ring.h), over a page of guest
 * memory the frontend granted: a 64-byte header {req_prod, req_event, rsp_prod, rsp_event} and
 * then the entries. The frontend writes requests and req_prod at any time from another thread,
 * so every index is read with Atomics and checked, and each request is copied out of the ring
 * before it is looked at: a value read twice could have changed in between.
 */

const REQ_PROD = 0;
const REQ_EVENT = 1;
const RSP_PROD = 2;
const RSP_EVENT = 3;
/** Entries start after the header (ring.h's `__pad` makes it 64 bytes on every architecture). */
export const RING_HEADER_BYTES = 64;

/** Entries in a ring of `ringBytes` holding entries of `entryBytes` (__RING_SIZE: the largest power of two that fits). */
export function ringEntries(ringBytes: number, entryBytes: number): number {
  const fit = Math.floor((ringBytes - RING_HEADER_BYTES) / entryBytes);
  return fit <= 0 ? 0 : 2 ** Math.floor(Math.log2(fit));
}

export class BackRing {
  /** Entries in the ring (a power of two). */
  readonly size: number;
  /** Views of the page as last seen; rebuilt when the mapping hands out another page (revoked: scratch memory). */
  private seen: Uint8Array;
  private idxView: Int32Array;
  private reqCons = 0;
  private rspProdPvt = 0;
  private brokenReason: string | null = null;

  /**
   * @param page the shared ring page (a revocable view: read `page()` afresh for each access)
   * @param entryBytes the size of the request/response union
   */
  constructor(
    private readonly page: () => Uint8Array,
    readonly entryBytes: number,
  ) {
    const p = page();
    if (p.byteOffset % 4 !== 0) throw new RangeError('A shared ring must be 4-byte aligned');
    this.size = ringEntries(p.byteLength, entryBytes);
    if (this.size === 0) throw new RangeError(`A ${p.byteLength}-byte page holds no ${entryBytes}-byte ring entry`);
    this.seen = p;
    this.idxView = new Int32Array(p.buffer, p.byteOffset, 4);
    // BACK_RING_ATTACH, as Linux's backends connect: carry on from the responses already on the
    // ring (zero on a fresh ring), so a frontend that reconnects with its ring as it was (after a
    // kexec, or a backend restart) is served from where it stood.
    this.rspProdPvt = this.reqCons = Atomics.load(this.idxView, RSP_PROD) >>> 0;
  }

  private get idx(): Int32Array {
    const p = this.page();
    if (p !== this.seen) {
      this.seen = p;
      this.idxView = new Int32Array(p.buffer, p.byteOffset, 4);
    }
    return this.idxView;
  }

  /** Why the ring stopped being served (a frontend broke the protocol), or null. */
  get broken(): string | null {
    return this.brokenReason;
  }

  /**
   * Copies the next request into `into` (entryBytes long) and returns true, or returns false when
   * there is none. A producer index more than a ring ahead of what we answered is a broken or
   * hostile frontend (RING_REQUEST_PROD_OVERFLOW / RING_REQUEST_CONS_OVERFLOW in Linux's
   * backends): the ring is marked broken and serves nothing more.
   */
  takeRequest(into: Uint8Array): boolean {
    if (this.brokenReason !== null) return false;
    const prod = Atomics.load(this.idx, REQ_PROD) >>> 0;
    if (prod === this.reqCons) return false;
    // Requests consumed but unanswered plus new ones can never exceed the ring: the frontend has no room for more.
    if (((prod - this.rspProdPvt) >>> 0) > this.size) {
      this.brokenReason = `the frontend's request producer (${prod}) is more than ${this.size} requests ahead of our responses (${this.rspProdPvt})`;
      return false;
    }
    const slot = (this.reqCons & (this.size - 1)) * this.entryBytes;
    into.set(this.page().subarray(RING_HEADER_BYTES + slot, RING_HEADER_BYTES + slot + this.entryBytes));
    this.reqCons = (this.reqCons + 1) >>> 0;
    return true;
  }

  /**
   * Requests published and not yet taken (RING_HAS_UNCONSUMED_REQUESTS). A count larger than the
   * ring breaks it as takeRequest does, and reads as 0.
   */
  pending(): number {
    if (this.brokenReason !== null) return 0;
    const prod = Atomics.load(this.idx, REQ_PROD) >>> 0;
    if (((prod - this.rspProdPvt) >>> 0) > this.size) {
      this.brokenReason = `the frontend's request producer (${prod}) is more than ${this.size} requests ahead of our responses (${this.rspProdPvt})`;
      return 0;
    }
    return (prod - this.reqCons) >>> 0;
  }

  /**
   * Asks for an event when the frontend publishes its next request (netback's wait for receive
   * buffers: req_event = req_prod + 1), then returns how many are pending, so buffers published
   * during the re-arm are not missed.
   */
  armForNextRequest(): number {
    if (this.brokenReason !== null) return 0;
    Atomics.store(this.idx, REQ_EVENT, ((Atomics.load(this.idx, REQ_PROD) >>> 0) + 1) | 0);
    return this.pending();
  }

  /**
   * RING_FINAL_CHECK_FOR_REQUESTS: asks for an event at the next request, then looks again, so a
   * request written between our last look and the re-arm is not stranded. True if one is waiting.
   */
  finalCheckForRequests(): boolean {
    if (this.brokenReason !== null) return false;
    Atomics.store(this.idx, REQ_EVENT, (this.reqCons + 1) | 0);
    return (Atomics.load(this.idx, REQ_PROD) >>> 0) !== this.reqCons;
  }

  /** Writes a response into the next response slot (not yet visible to the frontend: see push). */
  putResponse(bytes: Uint8Array): void {
    if (bytes.length > this.entryBytes) throw new RangeError('A response is larger than a ring entry');
    const slot = (this.rspProdPvt & (this.size - 1)) * this.entryBytes;
    this.page().set(bytes, RING_HEADER_BYTES + slot);
    this.rspProdPvt = (this.rspProdPvt + 1) >>> 0;
  }

  /**
   * RING_PUSH_RESPONSES_AND_CHECK_NOTIFY: publishes the responses written so far; true when the
   * frontend asked (rsp_event) to be notified of one of them.
   */
  pushResponses(): boolean {
    const old = Atomics.load(this.idx, RSP_PROD) >>> 0;
    const now = this.rspProdPvt;
    if (old === now) return false;
    Atomics.store(this.idx, RSP_PROD, now | 0);
    const event = Atomics.load(this.idx, RSP_EVENT) >>> 0;
    return ((now - event) >>> 0) < ((now - old) >>> 0);
  }
}
