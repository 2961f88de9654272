/**
 * A domain's event-channel records (Xen's `struct evtchn` array, sched.h) in a SharedArrayBuffer,
 * so that a domain on another thread can bind to, close against or allocate in this domain with
 * Atomics, while delivery stays on the owner thread.
 *
 * Layout (Int32 words): a header, then the per-vCPU VIRQ table (`v->virq_to_evtchn`), then one
 * record per port 0..maxPort. The state word of a record packs the ECS_* state, the remote domid
 * (unbound: the domain allowed to bind; interdomain: the peer) and a lock bit, so "is this port
 * unbound and waiting for me" is a single compare-exchange. The lock bit stands in for Xen's
 * per-channel lock (evtchn_write_lock): every change of a state word is made under it, pairs are
 * locked in (domid, port) order like double_evtchn_lock, and it is held only for a few stores.
 */
import { XEN_EINVAL, XEN_ENOSPC } from '../../../abi/errno.js';
import { NR_VIRQS } from '../../../abi/xen.js';
import { ECS_FREE, ECS_RESERVED, EVTCHNS_PER_BUCKET } from './abi.js';

/** Fields of a port record. PENDING, PRIORITY and LASTQ mirror struct evtchn's FIFO fields. */
export const enum PortField {
  /** ECS_* | remote domid << 8 | LOCK_BIT. */
  STATE = 0,
  REMOTE_PORT = 1,
  NOTIFY_VCPU = 2,
  PRIORITY = 3,
  /** The VIRQ (ECS_VIRQ) or PIRQ (ECS_PIRQ) number. */
  VIRQ = 4,
  /** event_fifo.c evtchn->pending: raised while its event-array page did not exist. */
  PENDING = 5,
  /** event_fifo.c evtchn->fifo_lastq: last vCPU << 8 | last priority. */
  LASTQ = 6,
}

const REC_WORDS = 8;
const H_MAGIC = 0;
const H_MAX_PORT = 1;
const H_NR_VCPUS = 2;
/** d->valid_evtchns: ports below it have records Xen would consider allocated (port_is_valid). */
const H_VALID = 3;
/** max_evtchns(d): 4096 for 2-level, 131072 once FIFO is on (event_channel.h). */
const H_MAX_EVTCHNS = 4;
/** d->is_dying: get_free_port() fails with -EINVAL. */
const H_DYING = 5;
const HEADER_WORDS = 8;
const TABLE_MAGIC = 0x45564354; // "EVCT"

const LOCK_BIT = 1 << 30;
const STATE_MASK = 0xff;

/** Builds a state word. */
export function stateWord(state: number, domid = 0): number {
  return state | ((domid & 0xffff) << 8);
}

/** The ECS_* state in a state word. */
export function wordState(w: number): number {
  return w & STATE_MASK;
}

/** The remote domid in a state word. */
export function wordDomid(w: number): number {
  return (w & ~LOCK_BIT) >>> 8;
}

export class PortTable {
  /** The raw words (shared with other threads through the descriptor). */
  readonly words: Int32Array;
  readonly maxPort: number;
  readonly nrVcpus: number;
  /** Records in the table: max_evtchn_port + 1 rounded up to whole buckets. */
  readonly recordCount: number;
  private readonly recBase: number;

  private constructor(words: Int32Array) {
    this.words = words;
    this.maxPort = words[H_MAX_PORT]!;
    this.nrVcpus = words[H_NR_VCPUS]!;
    this.recBase = HEADER_WORDS + this.nrVcpus * NR_VIRQS;
    this.recordCount = (words.length - this.recBase) / REC_WORDS;
  }

  /**
   * Records exist for whole buckets, as in Xen: valid_evtchns can pass max_evtchn_port + 1, and a
   * port above max_evtchn_port but inside the last bucket is valid (status reports it closed).
   */
  private static wordCount(maxPort: number, nrVcpus: number): number {
    const records = Math.ceil((maxPort + 1) / EVTCHNS_PER_BUCKET) * EVTCHNS_PER_BUCKET;
    return HEADER_WORDS + nrVcpus * NR_VIRQS + records * REC_WORDS;
  }

  /** A fresh table: every port free except port 0, which Xen reserves (evtchn_init). */
  static create(maxPort: number, nrVcpus: number, maxEvtchns: number): PortTable {
    const words = new Int32Array(new SharedArrayBuffer(PortTable.wordCount(maxPort, nrVcpus) * 4));
    words[H_MAGIC] = TABLE_MAGIC;
    words[H_MAX_PORT] = maxPort;
    words[H_NR_VCPUS] = nrVcpus;
    words[H_VALID] = EVTCHNS_PER_BUCKET;
    words[H_MAX_EVTCHNS] = maxEvtchns;
    const t = new PortTable(words);
    words[t.recBase] = ECS_RESERVED;
    return t;
  }

  /** A view of a table created on another thread (from its descriptor). */
  static attach(buffer: SharedArrayBuffer): PortTable {
    const words = new Int32Array(buffer);
    if (words.length < HEADER_WORDS || words[H_MAGIC] !== TABLE_MAGIC) throw new RangeError('Event-channel port table has a bad header');
    if (words.length !== PortTable.wordCount(words[H_MAX_PORT]!, words[H_NR_VCPUS]!)) throw new RangeError('Event-channel port table has a bad size');
    return new PortTable(words);
  }

  get validEvtchns(): number {
    return Atomics.load(this.words, H_VALID);
  }

  get maxEvtchns(): number {
    return Atomics.load(this.words, H_MAX_EVTCHNS);
  }

  set maxEvtchns(n: number) {
    Atomics.store(this.words, H_MAX_EVTCHNS, n);
  }

  get dying(): boolean {
    return Atomics.load(this.words, H_DYING) !== 0;
  }

  set dying(d: boolean) {
    Atomics.store(this.words, H_DYING, d ? 1 : 0);
  }

  /** event.h port_is_valid(): the port has a record. Guest numbers of any size are fine here. */
  isValid(port: number): boolean {
    return Number.isInteger(port) && port >= 0 && port < this.validEvtchns;
  }

  private at(port: number, f: PortField): number {
    return this.recBase + port * REC_WORDS + f;
  }

  get(port: number, f: PortField): number {
    return Atomics.load(this.words, this.at(port, f));
  }

  set(port: number, f: PortField, value: number): void {
    Atomics.store(this.words, this.at(port, f), value);
  }

  /** The ECS_* state of a port (without the lock bit). */
  state(port: number): number {
    return this.get(port, PortField.STATE) & STATE_MASK;
  }

  /** The remote domid packed in the state word (unbound and interdomain ports). */
  remoteDomid(port: number): number {
    return wordDomid(this.get(port, PortField.STATE));
  }

  /** Takes the port's lock; returns its state word. Holders never block, so the spin is short. */
  lock(port: number): number {
    const i = this.at(port, PortField.STATE);
    for (;;) {
      const w = Atomics.load(this.words, i);
      if ((w & LOCK_BIT) === 0 && Atomics.compareExchange(this.words, i, w, w | LOCK_BIT) === w) return w;
    }
  }

  /** Takes the lock only if the state word is exactly `expected` (unlocked); returns success. */
  tryLockIf(port: number, expected: number): boolean {
    return Atomics.compareExchange(this.words, this.at(port, PortField.STATE), expected, expected | LOCK_BIT) === expected;
  }

  /** Releases the lock, publishing `word` (from stateWord()) as the new state. */
  unlock(port: number, word: number): void {
    Atomics.store(this.words, this.at(port, PortField.STATE), word & ~LOCK_BIT);
  }

  /** d->virq_to_evtchn[virq] of vCPU v (0 = unbound). */
  virqPort(v: number, virq: number): number {
    return Atomics.load(this.words, HEADER_WORDS + v * NR_VIRQS + virq);
  }

  setVirqPort(v: number, virq: number, port: number): void {
    Atomics.store(this.words, HEADER_WORDS + v * NR_VIRQS + virq, port);
  }

  /**
   * event_channel.c get_free_port(): the lowest port that is free (and, under FIFO, not still
   * LINKED on a queue: `isBusy`), growing valid_evtchns by whole buckets as evtchn_allocate_port
   * does. Returns the port with its lock held (the caller publishes the new state), or -errno.
   */
  allocate(isBusy: (port: number) => boolean): number {
    if (this.dying) return -XEN_EINVAL;
    const limit = Math.min(this.maxPort, this.maxEvtchns - 1);
    for (let port = 0; port <= limit; port++) {
      const valid = this.validEvtchns;
      if (port < valid) {
        if (this.state(port) !== ECS_FREE || isBusy(port)) continue;
      } else {
        this.growValid(port);
      }
      if (this.tryLockIf(port, stateWord(ECS_FREE))) return port;
    }
    return -XEN_ENOSPC;
  }

  /** Makes `port` valid (evtchn_allocate_port's bucket loop); valid_evtchns only grows. */
  private growValid(port: number): void {
    for (;;) {
      const valid = this.validEvtchns;
      if (port < valid) return;
      const next = (Math.floor(port / EVTCHNS_PER_BUCKET) + 1) * EVTCHNS_PER_BUCKET;
      if (Atomics.compareExchange(this.words, H_VALID, valid, next) === valid) return;
    }
  }

  /** Copy of every word, for save. */
  snapshot(): Int32Array {
    return Int32Array.from(this.words);
  }

  /** Loads words from a snapshot of a table with the same shape (restore). */
  load(words: Int32Array): void {
    if (words.length !== this.words.length || words[H_MAGIC] !== TABLE_MAGIC || words[H_MAX_PORT] !== this.maxPort || words[H_NR_VCPUS] !== this.nrVcpus) {
      throw new RangeError('Event-channel port table in the saved state does not match this domain');
    }
    for (let i = 0; i < words.length; i++) Atomics.store(this.words, i, words[i]!);
    // A saved state never holds a lock; one in the bytes would make every later lock() spin.
    for (let p = 0; p < this.recordCount; p++) Atomics.and(this.words, this.at(p, PortField.STATE), ~LOCK_BIT);
  }
}
