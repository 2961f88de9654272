/**
 * A scriptable netfront for netback's tests and fuzz target: its TX and RX rings written by hand
 * in guest pages (FakeGuest), so tests can transmit well-formed packets (with GSO and checksum
 * flags, over several slots) and hostile ones, post receive buffers, and read back what arrived.
 */
import { Xenstored, XsClient } from '../../xenstore/index.js';
import { FakeGuest, PAGE } from '../_test_guest.js';
import type { Packet } from '../net/packet.js';
import { RING_HEADER_BYTES } from '../ring/back_ring.js';
import { settle } from '../blkback/_test_frontend.js';
import { NetBackend } from './device.js';
import { EXTRA, EXTRA_TYPE, GSO_TYPE, NETRXF, NETTXF, RXRSP, RX_ENTRY_BYTES, TXREQ, TX_ENTRY_BYTES } from './regs.js';

export const DOMID = 4;
export const FE = `/local/domain/${DOMID}/device/vif/0`;
export const BE = `/local/domain/0/backend/vif/${DOMID}/0`;
const RING = 256;
const TX_RING_PAGE = 0;
const RX_RING_PAGE = 1;
export const TX_RING_REF = 1;
export const RX_RING_REF = 2;
export const TX_PORT = 5;
export const RX_PORT = 6;
/** TX data pages are 8.. (refs 1000+i), RX buffers 64.. (refs 2000+i). */
const TX_DATA_PAGE = 8;
const TX_DATA_PAGES = 40;
const RX_BUF_PAGE = 64;
const RX_BUF_PAGES = 64;

export interface TxResponse { id: number; status: number }
export interface RxPacket { frame: Uint8Array; flags: number; gso: { type: number; mss: number } | null; status: number }
export interface TxOptions { csumBlank?: boolean; gso?: { type: number; mss: number }; slotBytes?: number }

export class TestNetfront {
  readonly guest = new FakeGuest(RX_BUF_PAGE + RX_BUF_PAGES, [TX_PORT, RX_PORT, 7, 8, 9]);
  readonly xs: XsClient;
  readonly backend: NetBackend;
  readonly log: string[] = [];
  /** Packets the backend handed to its switch port. */
  readonly transmitted: Packet[] = [];
  private txProd = 0;
  private txRspCons = 0;
  private rxProd = 0;
  private rxRspCons = 0;
  private nextTxPage = 0;
  private nextId = 0;

  constructor(xenstored = new Xenstored(), opts: { frontendPath?: string; backendPath?: string; name?: string } = {}) {
    this.xs = new XsClient(xenstored);
    this.fe = opts.frontendPath ?? FE;
    this.be = opts.backendPath ?? BE;
    this.xs.write(`${this.fe}/state`, '1');
    this.xs.write(`${this.be}/state`, '1');
    this.backend = new NetBackend({
      xs: new XsClient(xenstored), backendPath: this.be, frontendPath: this.fe, name: opts.name ?? `vif${DOMID}.0`,
      grants: this.guest.backendGrants, events: this.guest.backendEvents, log: (l) => this.log.push(l),
    });
    this.backend.onTransmit = (p) => this.transmitted.push(p);
    this.guest.grants.set(TX_RING_REF, { page: TX_RING_PAGE, writable: true });
    this.guest.grants.set(RX_RING_REF, { page: RX_RING_PAGE, writable: true });
    for (let i = 0; i < TX_DATA_PAGES; i++) this.guest.grants.set(1000 + i, { page: TX_DATA_PAGE + i, writable: false });
    for (let i = 0; i < RX_BUF_PAGES; i++) this.guest.grants.set(2000 + i, { page: RX_BUF_PAGE + i, writable: true });
    // XEN_FRONT_RING_INIT on both rings: events for the first request and response.
    for (const p of [TX_RING_PAGE, RX_RING_PAGE]) {
      const idx = this.idx(p);
      idx[1] = 1;
      idx[3] = 1;
    }
  }

  readonly fe: string;
  readonly be: string;

  idx(page: number): Int32Array {
    return new Int32Array(this.guest.mem.buffer, page * PAGE, 4);
  }

  /** xennet_connect's keys (one queue, split channels), then Connected. */
  async connect(extra: Record<string, string> = {}): Promise<void> {
    if (this.backend.xenbusState !== 2) this.backend.start();
    const keys: Record<string, string> = {
      'multi-queue-num-queues': '1', 'tx-ring-ref': String(TX_RING_REF), 'rx-ring-ref': String(RX_RING_REF),
      'event-channel-tx': String(TX_PORT), 'event-channel-rx': String(RX_PORT), 'request-rx-copy': '1',
      'feature-rx-notify': '1', 'feature-sg': '1', 'feature-gso-tcpv4': '1', 'feature-gso-tcpv6': '1',
      'feature-ipv6-csum-offload': '1', ...extra,
    };
    for (const [k, v] of Object.entries(keys)) {
      if (v === '') this.xs.rm(`${this.fe}/${k}`);
      else this.xs.write(`${this.fe}/${k}`, v);
    }
    this.xs.write(`${this.fe}/state`, '4');
    await settle();
  }

  /** Moves the frontend to `state` and lets the backend's watch run. */
  async setState(state: number): Promise<void> {
    this.xs.write(`${this.fe}/state`, String(state));
    await settle();
  }

  read(path: string): string {
    return this.xs.read(path);
  }

  /** Writes a raw TX ring entry into the next slot (not yet published). */
  putTx(entry: Uint8Array): void {
    this.guest.mem.set(entry, TX_RING_PAGE * PAGE + RING_HEADER_BYTES + (this.txProd % RING) * TX_ENTRY_BYTES);
    this.txProd++;
  }

  /** A TX request entry. */
  static txRequest(gref: number, offset: number, flags: number, id: number, size: number): Uint8Array {
    const b = new Uint8Array(TX_ENTRY_BYTES);
    const dv = new DataView(b.buffer);
    dv.setUint32(TXREQ.GREF, gref, true);
    dv.setUint16(TXREQ.OFFSET, offset, true);
    dv.setUint16(TXREQ.FLAGS, flags, true);
    dv.setUint16(TXREQ.ID, id, true);
    dv.setUint16(TXREQ.SIZE, size, true);
    return b;
  }

  /** A GSO extra-info entry. */
  static gsoExtra(type: number, mss: number, more = false): Uint8Array {
    const b = new Uint8Array(TX_ENTRY_BYTES);
    b[EXTRA.TYPE] = EXTRA_TYPE.GSO;
    b[EXTRA.FLAGS] = more ? 1 : 0;
    new DataView(b.buffer).setUint16(EXTRA.GSO_SIZE, mss, true);
    b[EXTRA.GSO_TYPE] = type;
    return b;
  }

  /** Queues `frame` as xennet_start_xmit would: in slots of `slotBytes` (one granted page each). */
  queueFrame(frame: Uint8Array, o: TxOptions = {}): void {
    const slotBytes = o.slotBytes ?? PAGE;
    const chunks: Uint8Array[] = [];
    for (let at = 0; at < frame.length; at += slotBytes) chunks.push(frame.subarray(at, at + slotBytes));
    if (chunks.length === 0) chunks.push(frame);
    chunks.forEach((chunk, i) => {
      const page = this.nextTxPage++ % TX_DATA_PAGES;
      this.guest.mem.set(chunk, (TX_DATA_PAGE + page) * PAGE);
      let flags = i < chunks.length - 1 ? NETTXF.MORE_DATA : 0;
      if (i === 0) {
        if (o.csumBlank === true) flags |= NETTXF.CSUM_BLANK | NETTXF.DATA_VALIDATED;
        if (o.gso !== undefined) flags |= NETTXF.EXTRA_INFO;
      }
      this.putTx(TestNetfront.txRequest(1000 + page, 0, flags, this.nextId++ % RING, i === 0 ? frame.length : chunk.length));
      if (i === 0 && o.gso !== undefined) this.putTx(TestNetfront.gsoExtra(o.gso.type, o.gso.mss));
    });
  }

  /** Publishes the TX requests and signals the backend. */
  pushTx(prod = this.txProd): void {
    Atomics.store(this.idx(TX_RING_PAGE), 0, prod);
    this.guest.signal(TX_PORT);
  }

  send(frame: Uint8Array, o: TxOptions = {}): void {
    this.queueFrame(frame, o);
    this.pushTx();
  }

  txResponses(): TxResponse[] {
    const out: TxResponse[] = [];
    const prod = Atomics.load(this.idx(TX_RING_PAGE), 2);
    // A backend that moved the producer by more than a ring wrote nothing we can trust: start over from it.
    if (((prod - this.txRspCons) >>> 0) > RING) this.txRspCons = prod;
    for (; this.txRspCons !== prod; this.txRspCons++) {
      const dv = new DataView(this.guest.mem.buffer, TX_RING_PAGE * PAGE + RING_HEADER_BYTES + (this.txRspCons % RING) * TX_ENTRY_BYTES, 4);
      out.push({ id: dv.getUint16(0, true), status: dv.getInt16(2, true) });
    }
    Atomics.store(this.idx(TX_RING_PAGE), 3, this.txRspCons + 1);
    return out;
  }

  /** Posts `n` receive buffers (xennet_alloc_rx_buffers) and signals if the backend asked. */
  postRx(n: number, gref?: (slot: number) => number): void {
    for (let i = 0; i < n; i++) {
      const slot = this.rxProd % RING;
      const b = new DataView(this.guest.mem.buffer, RX_RING_PAGE * PAGE + RING_HEADER_BYTES + slot * RX_ENTRY_BYTES, RX_ENTRY_BYTES);
      b.setUint16(0, slot, true);
      b.setUint32(4, gref === undefined ? 2000 + (this.rxProd % RX_BUF_PAGES) : gref(slot), true);
      this.rxProd++;
    }
    Atomics.store(this.idx(RX_RING_PAGE), 0, this.rxProd);
    this.guest.signal(RX_PORT);
  }

  /** Packets received since the last call, reassembled as xennet_get_responses does. */
  received(): RxPacket[] {
    const out: RxPacket[] = [];
    const prod = Atomics.load(this.idx(RX_RING_PAGE), 2);
    if (((prod - this.rxRspCons) >>> 0) > RING) this.rxRspCons = prod;
    let current: { parts: Uint8Array[]; flags: number; gso: RxPacket['gso']; status: number } | null = null;
    for (; this.rxRspCons !== prod; this.rxRspCons++) {
      const slot = this.rxRspCons % RING;
      const at = RX_RING_PAGE * PAGE + RING_HEADER_BYTES + slot * RX_ENTRY_BYTES;
      const dv = new DataView(this.guest.mem.buffer, at, RX_ENTRY_BYTES);
      if (current !== null && (current.flags & NETRXF.EXTRA_INFO) !== 0 && current.gso === null) {
        current.gso = { type: dv.getUint8(EXTRA.GSO_TYPE), mss: dv.getUint16(EXTRA.GSO_SIZE, true) };
        continue;
      }
      const offset = dv.getUint16(RXRSP.OFFSET, true);
      const flags = dv.getUint16(RXRSP.FLAGS, true);
      const status = dv.getInt16(RXRSP.STATUS, true);
      const bufPage = RX_BUF_PAGE + (this.rxRspCons % RX_BUF_PAGES);
      const part = status > 0 ? this.guest.mem.slice(bufPage * PAGE + offset, bufPage * PAGE + offset + status) : new Uint8Array(0);
      if (current === null) current = { parts: [], flags, gso: null, status };
      else if (status < 0) current.status = status;
      current.parts.push(part);
      if ((flags & NETRXF.MORE_DATA) === 0) {
        const len = current.parts.reduce((n, p) => n + p.length, 0);
        const frame = new Uint8Array(len);
        let o = 0;
        for (const p of current.parts) {
          frame.set(p, o);
          o += p.length;
        }
        out.push({ frame, flags: current.flags, gso: current.gso, status: current.status });
        current = null;
      }
    }
    Atomics.store(this.idx(RX_RING_PAGE), 3, this.rxRspCons + 1);
    return out;
  }
}

export { GSO_TYPE };
