/**
 * The FIFO ABI (xen/common/event_fifo.c): per-port event words in guest pages (the event array),
 * one control block per vCPU with a `ready` bitmap and a queue head per priority, and queues that
 * the hypervisor appends to by writing LINK fields of guest words.
 *
 * The guest owns all of that memory and may write anything at any time: every word is read
 * fresh, LINK values are never followed, the link retry loop is bounded exactly as Xen's, and
 * only offsets obtained from GuestPhysMemory when the page was mapped are touched.
 */
import { XEN_EINVAL, XEN_ENOSPC } from '../../../abi/errno.js';
import type { GuestPhysMemory } from '../memory/p2m.js';
import {
  EVTCHN_FIFO_BUSY,
  EVTCHN_FIFO_CONTROL_BLOCK_HEAD,
  EVTCHN_FIFO_EVENT_WORDS_PER_PAGE,
  EVTCHN_FIFO_LINK_MASK,
  EVTCHN_FIFO_LINKED,
  EVTCHN_FIFO_MASKED,
  EVTCHN_FIFO_MAX_EVENT_ARRAY_PAGES,
  EVTCHN_FIFO_MAX_QUEUES,
  EVTCHN_FIFO_NR_CHANNELS,
  EVTCHN_FIFO_PENDING,
  EVTCHN_FIFO_PRIORITY_DEFAULT,
  EVTCHN_FIFO_PRIORITY_MIN,
} from './abi.js';
import { clearBit, testAndSetBit, testBit } from './bitops.js';
import { vcpuMarkEventsPending, type EvtchnDeliveryCounters, type EvtchnGuestHooks, type EvtchnPortOps } from './port_ops.js';
import { PortField, type PortTable } from './port_table.js';

/** A vCPU's control block and queue tails (event_fifo.c struct evtchn_fifo_vcpu). */
interface FifoVcpu {
  /** Host byte offset of the control block, or -1. */
  cb: number;
  gfn: number;
  offset: number;
  /** q->tail of each priority queue (hypervisor-private, as in Xen). */
  readonly tail: number[];
}

/** What save() keeps of the FIFO state: guest frame numbers, re-resolved on restore. */
export interface FifoSavedState {
  readonly vcpus: readonly { readonly gfn: number; readonly offset: number; readonly mapped: boolean; readonly tail: readonly number[] }[];
  readonly pageGfns: readonly number[];
}

const LINKED_BIT = 1 << EVTCHN_FIFO_LINKED;
const BUSY_BIT = 1 << EVTCHN_FIFO_BUSY;

export class EvtchnFifo implements EvtchnPortOps {
  readonly abi = 'fifo';
  readonly maxEvtchns = EVTCHN_FIFO_NR_CHANNELS;
  private readonly vcpus: FifoVcpu[];
  /** Host byte offsets of the event-array pages, and the gfns they came from. */
  private readonly pages: number[] = [];
  private readonly pageGfns: number[] = [];
  private readonly mem: GuestPhysMemory;

  constructor(
    private readonly table: PortTable,
    private readonly g: EvtchnGuestHooks,
    private readonly counters: EvtchnDeliveryCounters,
  ) {
    this.mem = g.mem;
    this.vcpus = Array.from({ length: table.nrVcpus }, () => ({ cb: -1, gfn: 0, offset: 0, tail: new Array<number>(EVTCHN_FIFO_MAX_QUEUES).fill(0) }));
  }

  /** d->evtchn_fifo->num_evtchns. */
  get numEvtchns(): number {
    return this.pages.length * EVTCHN_FIFO_EVENT_WORDS_PER_PAGE;
  }

  /** evtchn_fifo_word_from_port: host byte offset of the port's event word, or -1. */
  private word(port: number): number {
    if (port >= this.numEvtchns) return -1;
    return this.pages[Math.floor(port / EVTCHN_FIFO_EVENT_WORDS_PER_PAGE)]! + (port % EVTCHN_FIFO_EVENT_WORDS_PER_PAGE) * 4;
  }

  /** try_set_link: [1 linked | 0 tail not linked | -1 raced, with the fresh word]. */
  private trySetLink(wi: number, w: number, link: number): [number, number] {
    if ((w & LINKED_BIT) === 0) return [0, w];
    const nw = (w & ~(BUSY_BIT | EVTCHN_FIFO_LINK_MASK)) | link;
    const got = Atomics.compareExchange(this.mem.i32, wi, w, nw);
    return got === w ? [1, got] : [-1, got];
  }

  /**
   * evtchn_fifo_set_link: link the tail word to `link` iff it is still LINKED. After one failed
   * attempt the word is marked BUSY so the guest cannot unmask it, leaving it at most four more
   * changes (set/clear MASKED, clear PENDING, clear LINKED); after those Xen gives up and calls it linked.
   */
  private setLink(wordOff: number, link: number): boolean {
    const i32 = this.mem.i32;
    const wi = wordOff >>> 2;
    let [ret, w] = this.trySetLink(wi, Atomics.load(i32, wi), link);
    if (ret >= 0) return ret === 1;
    Atomics.or(i32, wi, BUSY_BIT);
    w = Atomics.load(i32, wi);
    for (let attempt = 0; attempt < 4; attempt++) {
      [ret, w] = this.trySetLink(wi, w, link);
      if (ret >= 0) {
        if (ret === 0) Atomics.and(i32, wi, ~BUSY_BIT);
        return ret === 1;
      }
    }
    Atomics.and(i32, wi, ~BUSY_BIT);
    return true;
  }

  /** evtchn_fifo_set_pending. One owner thread, so Xen's queue-lock retry loop is not needed. */
  setPending(v: number, port: number): void {
    const word = this.word(port);
    if (word < 0) {
      this.table.set(port, PortField.PENDING, 1);
      return;
    }
    const i32 = this.mem.i32;
    const priority = this.table.get(port, PortField.PRIORITY) & EVTCHN_FIFO_PRIORITY_MIN;
    const lastq = this.table.get(port, PortField.LASTQ);
    const oldV = this.vcpus[lastq >>> 8] ?? this.vcpus[0]!;
    const oldPriority = lastq & EVTCHN_FIFO_PRIORITY_MIN;
    const fv = this.vcpus[v]!;
    testAndSetBit(i32, word, EVTCHN_FIFO_PENDING);
    // No control block: the guest must not unmask before it has one, so the event just stays pending.
    if (fv.cb < 0) return;
    let linked = true;
    if (!testBit(i32, word, EVTCHN_FIFO_MASKED) && !testAndSetBit(i32, word, EVTCHN_FIFO_LINKED)) {
      // If this port was the old queue's tail, that queue is now empty: forget the tail so that
      // appending there cannot corrupt the queue the port moves to.
      if (oldV.tail[oldPriority] === port) oldV.tail[oldPriority] = 0;
      if (oldV !== fv || oldPriority !== priority) this.table.set(port, PortField.LASTQ, (v << 8) | priority);
      linked = false;
      const tail = fv.tail[priority]!;
      if (tail !== 0) {
        const tailWord = this.word(tail);
        linked = tailWord >= 0 && this.setLink(tailWord, port);
      }
      if (!linked) Atomics.store(i32, (fv.cb + EVTCHN_FIFO_CONTROL_BLOCK_HEAD + 4 * priority) >>> 2, port);
      fv.tail[priority] = port;
    }
    if (!linked && !testAndSetBit(i32, fv.cb, priority)) vcpuMarkEventsPending(this.g, v, this.counters);
  }

  /** Just clears P: the guest unlinks and ignores words that are not pending. */
  clearPending(port: number): void {
    const word = this.word(port);
    if (word >= 0) clearBit(this.mem.i32, word, EVTCHN_FIFO_PENDING);
  }

  /** EVTCHNOP_unmask: clear M and relink if pending. */
  unmask(port: number): void {
    const word = this.word(port);
    if (word < 0) return;
    clearBit(this.mem.i32, word, EVTCHN_FIFO_MASKED);
    if (testBit(this.mem.i32, word, EVTCHN_FIFO_PENDING)) this.setPending(this.table.get(port, PortField.NOTIFY_VCPU), port);
  }

  isPending(port: number): boolean {
    const word = this.word(port);
    return word >= 0 && testBit(this.mem.i32, word, EVTCHN_FIFO_PENDING);
  }

  isMasked(port: number): boolean {
    const word = this.word(port);
    return word < 0 || testBit(this.mem.i32, word, EVTCHN_FIFO_MASKED);
  }

  isBusy(port: number): boolean {
    const word = this.word(port);
    return word >= 0 && testBit(this.mem.i32, word, EVTCHN_FIFO_LINKED);
  }

  /** evtchn_fifo_set_priority: takes effect for the next link; a queued event stays where it is. */
  readonly setPriority = (port: number, priority: number): number => {
    if (priority > EVTCHN_FIFO_PRIORITY_MIN) return -XEN_EINVAL;
    this.table.set(port, PortField.PRIORITY, priority);
    return 0;
  };

  printState(port: number): string {
    const word = this.word(port);
    if (word < 0) return '?     ';
    const w = Atomics.load(this.mem.i32, word >>> 2);
    const busy = (w & BUSY_BIT) !== 0 ? 'B' : ' ';
    return (w & LINKED_BIT) !== 0 ? `${busy} ${(w & EVTCHN_FIFO_LINK_MASK).toString().padEnd(4)}` : `${busy} -   `;
  }

  /** map_control_block; the caller has validated vcpu and offset. */
  mapControlBlock(v: number, gfn: number, offset: number): number {
    const fv = this.vcpus[v]!;
    if (fv.cb >= 0) return -XEN_EINVAL;
    const base = this.mem.offsetOfGfn(gfn, true);
    if (base < 0) return -XEN_EINVAL;
    fv.cb = base + offset;
    fv.gfn = gfn;
    fv.offset = offset;
    return 0;
  }

  /**
   * setup_ports, run right after the switch from 2-level: remember which ports were pending in
   * shared_info and give every valid port the default priority.
   */
  setupPorts(prevEvtchns: number, wasPending: (port: number) => boolean): void {
    for (let port = 1; port < prevEvtchns && this.table.isValid(port); port++) {
      if (wasPending(port)) this.table.set(port, PortField.PENDING, 1);
      this.table.set(port, PortField.PRIORITY, EVTCHN_FIFO_PRIORITY_DEFAULT);
    }
  }

  /** add_page_to_event_array: append a page, then re-raise its ports that were raised without one. */
  addPage(gfn: number): number {
    if (this.pages.length >= EVTCHN_FIFO_MAX_EVENT_ARRAY_PAGES) return -XEN_ENOSPC;
    const base = this.mem.offsetOfGfn(gfn, true);
    if (base < 0) return -XEN_EINVAL;
    const first = this.numEvtchns;
    this.pages.push(base);
    this.pageGfns.push(gfn);
    for (let port = first; port < this.numEvtchns && this.table.isValid(port); port++) {
      if (this.table.get(port, PortField.PENDING) !== 0) this.setPending(this.table.get(port, PortField.NOTIFY_VCPU), port);
    }
    return 0;
  }

  save(): FifoSavedState {
    return {
      vcpus: this.vcpus.map((fv) => ({ gfn: fv.gfn, offset: fv.offset, mapped: fv.cb >= 0, tail: [...fv.tail] })),
      pageGfns: [...this.pageGfns],
    };
  }

  /** Re-resolves the saved frames; throws RangeError when they are no longer backed. */
  load(s: FifoSavedState): void {
    if (s.vcpus.length !== this.vcpus.length || s.pageGfns.length > EVTCHN_FIFO_MAX_EVENT_ARRAY_PAGES) throw new RangeError('Saved FIFO state does not match this domain');
    s.vcpus.forEach((sv, v) => {
      if (sv.mapped && this.mapControlBlock(v, sv.gfn, sv.offset) !== 0) throw new RangeError(`Saved FIFO control block of vCPU ${v} is not backed`);
      sv.tail.forEach((t, q) => (this.vcpus[v]!.tail[q] = t & EVTCHN_FIFO_LINK_MASK));
    });
    for (const gfn of s.pageGfns) {
      const base = this.mem.offsetOfGfn(gfn, true);
      if (base < 0) throw new RangeError(`Saved FIFO event-array frame 0x${gfn.toString(16)} is not backed`);
      this.pages.push(base);
      this.pageGfns.push(gfn);
    }
  }
}
