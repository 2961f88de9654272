/**
 * ARM PL031 real-time clock: a 32-bit seconds counter with a match interrupt. The counter is guest
 * time (the domain's GuestClock) plus an offset set from the host's wall clock at creation and by
 * guest writes to LR, so it stops while the domain is paused and survives migration unchanged.
 */
import type { MmioDevice } from '../bus.js';
import type { GuestClock } from '../guest_clock.js';
import type { IrqLine } from '../irq.js';
import type { TimerHandle, TimerQueue } from '../timer_queue.js';
import { Pl031Metrics } from './metrics.js';
import { restorePl031, savePl031 } from './persist.js';
import { PL031_ID, PL031_ID_BASE, PL031_REGS as R } from './regs.js';

const NS_PER_S = 1e9;

export interface Pl031Options {
  readonly clock: GuestClock;
  readonly timers: TimerQueue;
  readonly irq: IrqLine;
  /** Counter value at guest time zero, in seconds since the epoch (normally the host's wall clock). */
  readonly epochSeconds: number;
}

export class Pl031 implements MmioDevice {
  readonly name = 'pl031';
  readonly metrics = new Pl031Metrics();
  private readonly clock: GuestClock;
  private readonly timers: TimerQueue;
  private readonly irq: IrqLine;
  /** Counter = floor(guest seconds) + offsetSeconds, modulo 2^32. */
  private offsetSeconds: number;
  private match = 0;
  private load = 0;
  private imsc = 0;
  private ris = 0;
  private matchTimer: TimerHandle | null = null;

  constructor(opts: Pl031Options) {
    this.clock = opts.clock;
    this.timers = opts.timers;
    this.irq = opts.irq;
    this.offsetSeconds = opts.epochSeconds;
  }

  private counter(): number {
    return (Math.floor(this.clock.nowNs() / NS_PER_S) + this.offsetSeconds) >>> 0;
  }

  read(offset: number, sizeBytes: number): number {
    this.metrics.reads++;
    if (sizeBytes !== 4 || (offset & 3) !== 0) {
      this.metrics.badAccesses++;
      return 0;
    }
    switch (offset) {
      case R.DR: return this.counter();
      case R.MR: return this.match;
      case R.LR: return this.load;
      case R.CR: return 1; // the counter always runs, as on QEMU's model
      case R.IMSC: return this.imsc;
      case R.RIS: return this.ris;
      case R.MIS: return this.ris & this.imsc;
    }
    if (offset >= PL031_ID_BASE && offset < PL031_ID_BASE + 4 * PL031_ID.length) return PL031_ID[(offset - PL031_ID_BASE) >> 2]!;
    this.metrics.badAccesses++;
    return 0;
  }

  write(offset: number, sizeBytes: number, value: number): void {
    this.metrics.writes++;
    if (sizeBytes !== 4 || (offset & 3) !== 0) {
      this.metrics.badAccesses++;
      return;
    }
    switch (offset) {
      case R.MR: this.match = value >>> 0; this.armMatch(); return;
      case R.LR:
        this.load = value >>> 0;
        this.offsetSeconds = this.load - Math.floor(this.clock.nowNs() / NS_PER_S);
        this.armMatch();
        return;
      case R.CR: return; // writing 0 cannot stop a started PL031; 1 is already the state
      case R.IMSC: this.imsc = value & 1; this.updateIrq(); return;
      case R.ICR: if ((value & 1) !== 0) this.ris = 0; this.updateIrq(); return;
    }
    this.metrics.badAccesses++;
  }

  private updateIrq(): void {
    this.irq.set((this.ris & this.imsc) !== 0);
  }

  /** Schedules the match interrupt for the guest time at which the counter reaches MR. */
  private armMatch(): void {
    this.timers.cancel(this.matchTimer);
    const secondsAhead = (this.match - this.counter()) >>> 0;
    const dueNs = (Math.floor(this.clock.nowNs() / NS_PER_S) + secondsAhead) * NS_PER_S;
    this.matchTimer = this.timers.at(dueNs, () => {
      this.matchTimer = null;
      this.ris = 1;
      this.metrics.matchInterrupts++;
      this.updateIrq();
    });
  }

  save(): Uint8Array {
    return savePl031({
      offsetSeconds: this.offsetSeconds, match: this.match, load: this.load, started: true, imsc: this.imsc, ris: this.ris,
    });
  }

  restore(bytes: Uint8Array): void {
    const s = restorePl031(bytes);
    this.offsetSeconds = s.offsetSeconds;
    this.match = s.match;
    this.load = s.load;
    this.imsc = s.imsc;
    this.ris = s.ris;
    this.updateIrq();
    this.armMatch();
  }
}
