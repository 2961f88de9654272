/**
 * Save and restore of a domain's event channels: the shared port table, the doorbell, and the
 * owner-thread state of the current ABI (2-level ports raised before shared_info existed; FIFO
 * control blocks, queue tails and event-array frames by gfn; the host's pending and mask bits).
 * Guest memory (bitmaps, event words) is saved with the rest of the domain's RAM.
 *
 * Format: u32 magic "XEVC", u16 version, u8 abi, u8 0, u32 domid, maxPort, nrVcpus, then
 * length-prefixed sections, all little endian.
 */
import type { DomainEventChannels } from './event_channel.js';
import { Evtchn2l } from './event_2l.js';
import { EvtchnFifo, type FifoSavedState } from './event_fifo.js';
import { EvtchnHost } from './event_host.js';
import { XEN_PAGE_SIZE } from '../../../abi/xen.js';
import { EVTCHN_FIFO_CONTROL_BLOCK_BYTES, EVTCHN_FIFO_MAX_QUEUES } from './abi.js';

const MAGIC = 0x43564558; // "XEVC"
const VERSION = 1;
const ABI_CODES = { '2l': 0, fifo: 1, host: 2 } as const;

class Writer {
  private buf = new DataView(new ArrayBuffer(256));
  private at = 0;

  private room(n: number): void {
    if (this.at + n <= this.buf.byteLength) return;
    const next = new DataView(new ArrayBuffer(Math.max(this.buf.byteLength * 2, this.at + n)));
    new Uint8Array(next.buffer).set(new Uint8Array(this.buf.buffer, 0, this.at));
    this.buf = next;
  }

  u8(v: number): void {
    this.room(1);
    this.buf.setUint8(this.at++, v);
  }

  u32(v: number): void {
    this.room(4);
    this.buf.setUint32(this.at, v >>> 0, true);
    this.at += 4;
  }

  /** A frame number (below 2^53). */
  f64(v: number): void {
    this.room(8);
    this.buf.setFloat64(this.at, v, true);
    this.at += 8;
  }

  words(a: Int32Array | readonly number[]): void {
    this.u32(a.length);
    for (const w of a) this.u32(w);
  }

  bytes(a: Uint8Array): void {
    this.u32(a.length);
    this.room(a.length);
    new Uint8Array(this.buf.buffer).set(a, this.at);
    this.at += a.length;
  }

  done(): Uint8Array {
    return new Uint8Array(this.buf.buffer.slice(0, this.at));
  }
}

class Reader {
  private at = 0;
  private readonly dv: DataView;

  constructor(private readonly b: Uint8Array) {
    this.dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }

  private need(n: number): void {
    if (this.at + n > this.b.byteLength) throw new RangeError('Saved event-channel state is truncated');
  }

  u8(): number {
    this.need(1);
    return this.dv.getUint8(this.at++);
  }

  u32(): number {
    this.need(4);
    const v = this.dv.getUint32(this.at, true);
    this.at += 4;
    return v;
  }

  f64(): number {
    this.need(8);
    const v = this.dv.getFloat64(this.at, true);
    this.at += 8;
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError('Saved event-channel state has a bad frame number');
    return v;
  }

  words(): Int32Array {
    const n = this.u32();
    this.need(n * 4);
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.u32() | 0;
    return out;
  }

  bytes(): Uint8Array {
    const n = this.u32();
    this.need(n);
    const out = this.b.slice(this.at, this.at + n);
    this.at += n;
    return out;
  }

  end(): void {
    if (this.at !== this.b.byteLength) throw new RangeError('Saved event-channel state has trailing bytes');
  }
}

/** The bytes of save(). */
export function saveEventChannels(d: DomainEventChannels): Uint8Array {
  const w = new Writer();
  w.u32(MAGIC);
  w.u32(VERSION | (ABI_CODES[d.ops.abi] << 16));
  w.u32(d.domid);
  w.u32(d.table.maxPort);
  w.u32(d.nrVcpus);
  w.words(d.table.snapshot());
  w.words(Int32Array.from(d.doorbell.words));
  const ops = d.ops;
  if (ops instanceof Evtchn2l) {
    w.words(ops.earlyPorts());
  } else if (ops instanceof EvtchnFifo) {
    const s = ops.save();
    for (const v of s.vcpus) {
      w.u8(v.mapped ? 1 : 0);
      w.f64(v.gfn);
      w.u32(v.offset);
      w.words(v.tail);
    }
    w.u32(s.pageGfns.length);
    for (const g of s.pageGfns) w.f64(g);
  } else if (ops instanceof EvtchnHost) {
    const s = ops.save();
    w.bytes(s.pending);
    w.bytes(s.masked);
  }
  return w.done();
}

/** Loads bytes from save() into a freshly constructed domain with the same shape. */
export function restoreEventChannels(d: DomainEventChannels, bytes: Uint8Array): void {
  const r = new Reader(bytes);
  if (r.u32() !== MAGIC) throw new RangeError('Saved event-channel state has a bad magic number');
  const hdr = r.u32();
  if ((hdr & 0xffff) !== VERSION) throw new RangeError(`Saved event-channel state has unknown version "${hdr & 0xffff}"`);
  const abi = hdr >>> 16;
  if (r.u32() !== d.domid || r.u32() !== d.table.maxPort || r.u32() !== d.nrVcpus) throw new RangeError('Saved event-channel state belongs to a different domain shape');
  if ((abi === ABI_CODES.host) !== (d.ops instanceof EvtchnHost)) throw new RangeError('Saved event-channel state is for a different kind of domain');
  d.table.load(r.words());
  const bell = r.words();
  if (bell.length !== d.doorbell.words.length) throw new RangeError('Saved event-channel doorbell does not match this domain');
  for (let i = 0; i < bell.length; i++) Atomics.store(d.doorbell.words, i, bell[i]!);
  if (abi === ABI_CODES['2l'] && d.ops instanceof Evtchn2l) {
    d.ops.loadEarlyPorts([...r.words()].filter((p) => p > 0 && p < d.table.recordCount));
  } else if (abi === ABI_CODES.fifo) {
    const vcpus: FifoSavedState['vcpus'][number][] = [];
    for (let v = 0; v < d.nrVcpus; v++) {
      const mapped = r.u8() !== 0;
      const gfn = r.f64();
      const offset = r.u32();
      const tail = [...r.words()];
      if (tail.length !== EVTCHN_FIFO_MAX_QUEUES || offset % 8 !== 0 || offset > XEN_PAGE_SIZE - EVTCHN_FIFO_CONTROL_BLOCK_BYTES) throw new RangeError('Saved FIFO control block is malformed');
      vcpus.push({ mapped, gfn, offset, tail });
    }
    const pageGfns = Array.from({ length: r.u32() }, () => r.f64());
    d.restoreFifo({ vcpus, pageGfns });
  } else if (abi === ABI_CODES.host && d.ops instanceof EvtchnHost) {
    d.ops.load(r.bytes(), r.bytes());
  } else {
    throw new RangeError(`Saved event-channel state has unknown ABI "${abi}"`);
  }
  r.end();
}
