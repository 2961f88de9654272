/**
 * A fake guest for the event-channel tests and fuzz target: guest RAM in an ArrayBuffer behind a
 * real GuestPhysMemory, EvtchnGuestHooks that record upcalls, and consumers that read events the
 * way Linux 6.1 does (drivers/xen/events/events_2l.c and events_fifo.c), written from their
 * documented behaviour.
 */
import { XEN_PAGE_SIZE } from '../../../abi/xen.js';
import { GuestPhysMemory, P2mType } from '../memory/p2m.js';
import {
  EVTCHN_FIFO_CONTROL_BLOCK_HEAD,
  EVTCHN_FIFO_EVENT_WORDS_PER_PAGE,
  EVTCHN_FIFO_LINK_MASK,
  EVTCHN_FIFO_LINKED,
  EVTCHN_FIFO_MASKED,
  EVTCHN_FIFO_PENDING,
  SHARED_INFO_EVTCHN_MASK,
  SHARED_INFO_EVTCHN_PENDING,
  VCPU_INFO_EVTCHN_PENDING_SEL,
} from './abi.js';
import type { EvtchnGuestHooks } from './port_ops.js';

/** First guest frame of the fake RAM (arm64 GUEST_RAM0_BASE >> 12). */
export const RAM_GFN = 0x40000;

export class FakeGuest implements EvtchnGuestHooks {
  readonly mem: GuestPhysMemory;
  /** Frame of shared_info once "mapped", else -1. */
  sharedInfoGfn = -1;
  /** Registered vcpu_info GPAs (-1: none; vCPU 0 then uses the shared_info slot). */
  readonly vcpuInfoGpa: number[];
  /** vCPUs whose upcall was raised, in order. */
  readonly upcalls: number[] = [];

  constructor(
    readonly nrVcpus = 1,
    readonly frames = 64,
  ) {
    this.mem = new GuestPhysMemory(new ArrayBuffer(frames * XEN_PAGE_SIZE));
    this.mem.mapRange({ gfn: RAM_GFN, frames, hostOffset: 0, type: P2mType.RAM });
    this.vcpuInfoGpa = new Array<number>(nrVcpus).fill(-1);
  }

  /** Guest-physical address of byte `off` of RAM frame `i`. */
  static gpa(i: number, off = 0): number {
    return (RAM_GFN + i) * XEN_PAGE_SIZE + off;
  }

  sharedInfoOffset(): number {
    return this.sharedInfoGfn < 0 ? -1 : this.mem.offsetOfGfn(this.sharedInfoGfn, true);
  }

  vcpuInfoOffset(v: number): number {
    const gpa = this.vcpuInfoGpa[v] ?? -1;
    if (gpa >= 0) return this.mem.offsetOfGpa(gpa, 48, true);
    return v === 0 ? this.sharedInfoOffset() : -1;
  }

  raiseUpcall(v: number): void {
    this.upcalls.push(v);
  }

  private off(gpa: number, size: number): number {
    const o = this.mem.offsetOfGpa(gpa, size, true);
    if (o < 0) throw new RangeError(`Fake guest: 0x${gpa.toString(16)} is not RAM`);
    return o;
  }

  read32(gpa: number): number {
    return this.mem.dv.getUint32(this.off(gpa, 4), true);
  }

  write32(gpa: number, v: number): void {
    this.mem.dv.setUint32(this.off(gpa, 4), v >>> 0, true);
  }

  read8(gpa: number): number {
    return this.mem.u8[this.off(gpa, 1)]!;
  }

  write8(gpa: number, v: number): void {
    this.mem.u8[this.off(gpa, 1)] = v;
  }

  /** Bit n of a little-endian bitmap at `gpa`. */
  bit(gpa: number, n: number): boolean {
    return ((this.read8(gpa + (n >>> 3)) >>> (n & 7)) & 1) !== 0;
  }

  setBitTo(gpa: number, n: number, on: boolean): void {
    const b = this.read8(gpa + (n >>> 3));
    this.write8(gpa + (n >>> 3), on ? b | (1 << (n & 7)) : b & ~(1 << (n & 7)));
  }

  /** The vcpu_info GPA vCPU v currently uses. */
  vcpuInfo(v: number): number {
    const gpa = this.vcpuInfoGpa[v] ?? -1;
    return gpa >= 0 ? gpa : this.sharedInfoGfn * XEN_PAGE_SIZE;
  }

  /**
   * Linux's 2-level upcall on vCPU v (events_2l.c evtchn_2l_handle_events, simplified to one
   * pass): clear upcall_pending, take the selector, and handle pending & ~mask ports, acking each.
   */
  consume2l(v: number): number[] {
    const vi = this.vcpuInfo(v);
    const si = this.sharedInfoGfn * XEN_PAGE_SIZE;
    this.write8(vi, 0);
    const out: number[] = [];
    for (let w = 0; w < 64; w++) {
      if (!this.bit(vi + VCPU_INFO_EVTCHN_PENDING_SEL, w)) continue;
      this.setBitTo(vi + VCPU_INFO_EVTCHN_PENDING_SEL, w, false);
      for (let b = 0; b < 64; b++) {
        const p = w * 64 + b;
        if (this.bit(si + SHARED_INFO_EVTCHN_PENDING, p) && !this.bit(si + SHARED_INFO_EVTCHN_MASK, p)) {
          this.setBitTo(si + SHARED_INFO_EVTCHN_PENDING, p, false);
          out.push(p);
        }
      }
    }
    return out;
  }
}

/** Linux's FIFO consumer for one vCPU (events_fifo.c __evtchn_fifo_handle_events / consume_one_event). */
export class LinuxFifoConsumer {
  private readonly localHead = new Array<number>(16).fill(0);

  constructor(
    private readonly g: FakeGuest,
    private readonly cbGpa: number,
    private readonly arrayGpas: readonly number[],
  ) {}

  wordGpa(port: number): number {
    const page = this.arrayGpas[Math.floor(port / EVTCHN_FIFO_EVENT_WORDS_PER_PAGE)];
    if (page === undefined) throw new RangeError(`Fake guest: port ${port} has no event-array page`);
    return page + (port % EVTCHN_FIFO_EVENT_WORDS_PER_PAGE) * 4;
  }

  /** Handles events until the queues are empty; returns the ports handled, in order. */
  handleEvents(limit = 10_000): number[] {
    const out: number[] = [];
    let ready = this.g.read32(this.cbGpa);
    this.g.write32(this.cbGpa, 0);
    while (ready !== 0 && out.length < limit) {
      const q = 31 - Math.clz32(ready & -ready);
      ready = this.consumeOne(q, ready, out);
      ready |= this.g.read32(this.cbGpa);
      this.g.write32(this.cbGpa, 0);
    }
    return out;
  }

  private consumeOne(q: number, ready: number, out: number[]): number {
    let head = this.localHead[q]!;
    if (head === 0) head = this.g.read32(this.cbGpa + EVTCHN_FIFO_CONTROL_BLOCK_HEAD + 4 * q);
    const port = head;
    const wgpa = this.wordGpa(port);
    const w = this.g.read32(wgpa);
    // clear_linked(): drop LINKED and LINK in one update, keep the LINK that was there.
    this.g.write32(wgpa, w & ~((1 << EVTCHN_FIFO_LINKED) | EVTCHN_FIFO_LINK_MASK));
    head = w & EVTCHN_FIFO_LINK_MASK;
    if (head === 0) ready &= ~(1 << q);
    const now = this.g.read32(wgpa);
    if ((now >>> EVTCHN_FIFO_PENDING) & 1 && !((now >>> EVTCHN_FIFO_MASKED) & 1)) {
      // The handler acks (clears PENDING) as Linux's irq handling does.
      this.g.write32(wgpa, now & ~(1 << EVTCHN_FIFO_PENDING));
      out.push(port);
    }
    this.localHead[q] = head;
    return ready;
  }
}
