/**
 * The Arm generic timer of one vCPU (Arm ARM DDI0487, D11 "The Generic Timer in AArch64 state"):
 * the physical and virtual counters, and the EL1 physical and virtual timers with their interrupt
 * outputs. Time comes from the domain's clock as nanoseconds of guest time, so the counters stop
 * while the domain is paused and carry on unchanged after a restore.
 */

/** 62.5 MHz, as QEMU's `virt` (16 ns per tick: exact integer conversion from nanoseconds). */
export const CNTFRQ_HZ = 62_500_000;
const NS_PER_TICK = 1e9 / CNTFRQ_HZ;

const CTL_ENABLE = 1;
const CTL_IMASK = 2;
const CTL_ISTATUS = 4;

export type TimerKind = 'phys' | 'virt';
const KINDS = ['phys', 'virt'] as const;

export interface GenericTimerOptions {
  /** Guest time in nanoseconds. */
  readonly nowNs: () => number;
  /** Interrupt outputs (PPI 30 for the physical timer, 27 for the virtual one on `virt`). */
  readonly irq: Readonly<Record<TimerKind, (level: boolean) => void>>;
}

interface TimerState {
  ctl: number;
  cval: bigint;
  level: boolean;
}

export class GenericTimer {
  private readonly nowNs: () => number;
  private readonly irq: Readonly<Record<TimerKind, (level: boolean) => void>>;
  private readonly timers: Record<TimerKind, TimerState> = {
    phys: { ctl: 0, cval: 0n, level: false },
    virt: { ctl: 0, cval: 0n, level: false },
  };
  /** CNTVOFF: virtual count = physical count - offset (set by a hypervisor; 0 on a bare board). */
  cntvoff = 0n;
  /** CNTKCTL_EL1: EL0 access controls and the event stream. */
  cntkctl = 0n;

  constructor(opts: GenericTimerOptions) {
    this.nowNs = opts.nowNs;
    this.irq = opts.irq;
  }

  /**
   * CNTPCT_EL0 as the guest reads it. Every guest read that reveals the time (the counters, TVAL,
   * CTL.ISTATUS) first drives the interrupt outputs from the same sample, so a guest that sees its
   * timer condition met also finds the interrupt already asserted, not pending until the board's
   * next `update()` between time slices.
   */
  physicalCount(): bigint {
    const p = this.ticks();
    this.drive(p);
    return p;
  }

  /** CNTPCT_EL0 or CNTVCT_EL0 as the guest reads it (drives the outputs first, as `physicalCount`). */
  count(kind: TimerKind): bigint {
    const p = this.ticks();
    this.drive(p);
    return this.countFrom(kind, p);
  }

  /** CNTx_CTL_EL0 with ISTATUS (drives the outputs first, as `physicalCount`). */
  readCtl(kind: TimerKind): bigint {
    const p = this.ticks();
    this.drive(p);
    const t = this.timers[kind];
    return BigInt(t.ctl | (this.conditionMet(kind, p) ? CTL_ISTATUS : 0));
  }

  writeCtl(kind: TimerKind, v: bigint): void {
    this.timers[kind].ctl = Number(v & BigInt(CTL_ENABLE | CTL_IMASK));
    this.update();
  }

  readCval(kind: TimerKind): bigint {
    return this.timers[kind].cval;
  }

  writeCval(kind: TimerKind, v: bigint): void {
    this.timers[kind].cval = BigInt.asUintN(64, v);
    this.update();
  }

  /** TVAL reads as the signed 32-bit distance from the count to CVAL (drives the outputs first, as `physicalCount`). */
  readTval(kind: TimerKind): bigint {
    const p = this.ticks();
    this.drive(p);
    return BigInt.asUintN(32, this.timers[kind].cval - this.countFrom(kind, p));
  }

  writeTval(kind: TimerKind, v: bigint): void {
    this.writeCval(kind, this.countFrom(kind, this.ticks()) + BigInt.asIntN(32, v));
  }

  /** The physical count now, with no effect on the outputs. */
  private ticks(): bigint {
    return BigInt(Math.floor(this.nowNs() / NS_PER_TICK));
  }

  private countFrom(kind: TimerKind, physical: bigint): bigint {
    return kind === 'phys' ? physical : BigInt.asUintN(64, physical - this.cntvoff);
  }

  private conditionMet(kind: TimerKind, physical: bigint): boolean {
    const t = this.timers[kind];
    return (t.ctl & CTL_ENABLE) !== 0 && this.countFrom(kind, physical) >= t.cval;
  }

  /** Re-evaluates both interrupt outputs; the board calls it when guest time passes a deadline. */
  update(): void {
    this.drive(this.ticks());
  }

  /** Sets each output to its condition at physical count `physical`, calling out only on a change. */
  private drive(physical: bigint): void {
    for (const kind of KINDS) {
      const t = this.timers[kind];
      const level = (t.ctl & CTL_IMASK) === 0 && this.conditionMet(kind, physical);
      if (level !== t.level) {
        t.level = level;
        this.irq[kind](level);
      }
    }
  }

  /** Guest time (ns) at which the next enabled, unmasked timer fires; Infinity if none is pending. */
  nextDeadlineNs(): number {
    let best = Infinity;
    for (const kind of KINDS) {
      const t = this.timers[kind];
      if ((t.ctl & (CTL_ENABLE | CTL_IMASK)) !== CTL_ENABLE || t.level) continue;
      const physCval = kind === 'phys' ? t.cval : t.cval + this.cntvoff;
      best = Math.min(best, Number(physCval) * NS_PER_TICK);
    }
    return best;
  }

  save(): Uint8Array {
    const out = new Uint8Array(48);
    const dv = new DataView(out.buffer);
    dv.setUint32(0, this.timers.phys.ctl, true);
    dv.setUint32(4, this.timers.virt.ctl, true);
    dv.setBigUint64(8, this.timers.phys.cval, true);
    dv.setBigUint64(16, this.timers.virt.cval, true);
    dv.setBigUint64(24, this.cntvoff, true);
    dv.setBigUint64(32, this.cntkctl, true);
    return out;
  }

  restore(bytes: Uint8Array): void {
    if (bytes.byteLength !== 48) throw new RangeError(`Generic timer state must be 48 bytes, got ${bytes.byteLength}`);
    const dv = new DataView(bytes.buffer, bytes.byteOffset, 48);
    this.timers.phys.ctl = dv.getUint32(0, true) & 3;
    this.timers.virt.ctl = dv.getUint32(4, true) & 3;
    this.timers.phys.cval = dv.getBigUint64(8, true);
    this.timers.virt.cval = dv.getBigUint64(16, true);
    this.cntvoff = dv.getBigUint64(24, true);
    this.cntkctl = dv.getBigUint64(32, true);
    this.timers.phys.level = this.timers.virt.level = false;
    this.update();
  }
}
