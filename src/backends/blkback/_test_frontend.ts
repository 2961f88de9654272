/**
 * A scriptable blkfront for blkback's tests: guest pages in one buffer, grants as a table the
 * test fills, an event channel that records notifications, and the ring's front end written by
 * hand, so tests can send well-formed requests and hostile ones alike.
 */
import { BlockDiskError, type BlockDisk } from '../../host/common/block_disk.js';
import { Xenstored, XsClient } from '../../xenstore/index.js';
import { FakeGuest } from '../_test_guest.js';
import { RING_HEADER_BYTES } from '../ring/back_ring.js';
import { BlkBackend } from './device.js';
import { BLKIF_REQUEST_BYTES, BLKIF_RESPONSE_BYTES, REQ } from './regs.js';

export const DOMID = 3;
export const FE = `/local/domain/${DOMID}/device/vbd/51712`;
export const BE = `/local/domain/0/backend/vbd/${DOMID}/51712`;

/** A disk in memory that counts flushes and can be told to fail. */
export class MemDisk implements BlockDisk {
  readonly bytes: Uint8Array;
  /** Bytes known stable (copied at each flush). */
  stable: Uint8Array;
  flushes = 0;
  failWrites = false;
  closed = false;
  constructor(readonly sizeBytes: number, readonly readOnly = false, readonly canDiscard = false) {
    this.bytes = new Uint8Array(sizeBytes);
    this.stable = new Uint8Array(sizeBytes);
  }
  async read(offset: number, into: Uint8Array): Promise<void> {
    into.set(this.bytes.subarray(offset, offset + into.length));
  }
  async write(offset: number, from: Uint8Array): Promise<void> {
    if (this.failWrites) throw new BlockDiskError('write', 'mem', 'no space left on the host device');
    this.bytes.set(from, offset);
  }
  async flush(): Promise<void> {
    this.flushes++;
    this.stable = this.bytes.slice();
  }
  async discard(offset: number, length: number): Promise<void> {
    this.bytes.fill(0, offset, offset + length);
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

export interface Response { id: bigint; op: number; status: number }

export class TestFrontend {
  readonly guest = new FakeGuest(64, [7, 8]);
  readonly mem = this.guest.mem;
  readonly grants = this.guest.grants;
  readonly xs: XsClient;
  readonly backend: BlkBackend;
  readonly log: string[] = [];
  private reqProd = 0;
  private rspCons = 0;
  static readonly RING_PAGE = 0;
  static readonly RING_REF = 8;

  constructor(readonly disk: BlockDisk, opts: { cdrom?: boolean } = {}) {
    const xenstored = new Xenstored();
    this.xs = new XsClient(xenstored);
    this.xs.write(`${FE}/state`, '1');
    this.xs.write(`${BE}/state`, '1');
    this.backend = new BlkBackend({
      xs: new XsClient(xenstored), backendPath: BE, frontendPath: FE, disk,
      grants: this.guest.backendGrants, events: this.guest.backendEvents,
      log: (l) => this.log.push(l), ...(opts.cdrom === undefined ? {} : { cdrom: opts.cdrom }),
    });
    // XEN_FRONT_RING_INIT: the events ask for the first response.
    const idx = this.idx();
    idx[1] = 1;
    idx[3] = 1;
    this.grants.set(TestFrontend.RING_REF, { page: TestFrontend.RING_PAGE, writable: true });
  }

  /** Grants mapped now (must drop to zero once requests are answered). */
  get mapped(): number {
    return this.guest.mapped;
  }

  get notifications(): number {
    return this.guest.notifications;
  }

  /** The backend's handlers by the frontend port they bound (7 for the first queue, 8 for a second). */
  get handlers(): Map<number, () => void> {
    return this.guest.handlers;
  }

  idx(): Int32Array {
    return new Int32Array(this.mem.buffer, 0, 4);
  }

  /** The frontend's half of the handshake (talk_to_blkback). */
  async connect(extra: Record<string, string> = {}): Promise<void> {
    if (this.backend.xenbusState !== 2) this.backend.start();
    await settle();
    const keys = { 'ring-ref': String(TestFrontend.RING_REF), 'event-channel': '7', protocol: 'arm-abi', 'feature-persistent': '1', ...extra };
    for (const [k, v] of Object.entries(keys)) this.xs.write(`${FE}/${k}`, v);
    this.xs.write(`${FE}/state`, '3');
    await settle();
  }

  read(path: string): string {
    return this.xs.read(path);
  }

  /** Writes a raw 112-byte request into the next slot (not yet published). */
  put(req: Uint8Array): void {
    const slot = (this.reqProd & 31) * BLKIF_REQUEST_BYTES;
    this.mem.set(req, RING_HEADER_BYTES + slot);
    this.reqProd++;
  }

  /** Publishes the requests and signals the backend, then lets its I/O finish. */
  async push(prod = this.reqProd): Promise<void> {
    Atomics.store(this.idx(), 0, prod);
    this.handlers.get(7)?.();
    await settle();
  }

  /** Responses published since the last call. */
  responses(): Response[] {
    const out: Response[] = [];
    const prod = Atomics.load(this.idx(), 2);
    for (; this.rspCons !== prod; this.rspCons++) {
      const dv = new DataView(this.mem.buffer, RING_HEADER_BYTES + (this.rspCons & 31) * BLKIF_REQUEST_BYTES, BLKIF_RESPONSE_BYTES);
      out.push({ id: dv.getBigUint64(0, true), op: dv.getUint8(8), status: dv.getInt16(10, true) });
    }
    Atomics.store(this.idx(), 3, this.rspCons + 1);
    return out;
  }
}

/** A read/write request: `segs` are [gref, first, last]. */
export function rwRequest(op: number, id: number, sector: number, segs: readonly (readonly [number, number, number])[]): Uint8Array {
  const b = new Uint8Array(BLKIF_REQUEST_BYTES);
  const dv = new DataView(b.buffer);
  dv.setUint8(REQ.OPERATION, op);
  dv.setUint8(REQ.NR_SEGMENTS, segs.length);
  dv.setUint16(REQ.HANDLE, 51712, true);
  dv.setBigUint64(REQ.ID, BigInt(id), true);
  dv.setBigUint64(REQ.SECTOR_NUMBER, BigInt(sector), true);
  segs.forEach(([gref, first, last], i) => {
    dv.setUint32(REQ.SEGMENTS + i * 8, gref, true);
    dv.setUint8(REQ.SEGMENTS + i * 8 + 4, first);
    dv.setUint8(REQ.SEGMENTS + i * 8 + 5, last);
  });
  return b;
}

/**
 * Lets the backend's work run to completion: the in-memory disk, the backend's request handling and
 * xenstore's watch events are all promise chains (no timers, no host I/O), each a few links deep,
 * so enough microtask turns run every one of them out.
 */
export async function settle(): Promise<void> {
  for (let i = 0; i < 64; i++) await Promise.resolve();
}
