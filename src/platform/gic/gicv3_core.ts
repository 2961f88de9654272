/**
 * The interrupt state of a GICv3 and its prioritisation logic, shared by the distributor and
 * redistributor MMIO decoders (gicv3_dist.ts, gicv3_redist.ts) and the CPU interface
 * (gicv3_cpuif.ts). Internal to this folder: the public surface is `GicV3` in gicv3.ts.
 *
 * All state that a snapshot needs lives in typed arrays over one ArrayBuffer, as in the GICv2 model,
 * so save() is a copy of it. Semantics follow Arm IHI 0069 (4.1 interrupt handling state machine,
 * 4.8 priority and preemption) for a single security state (DS = 1).
 */
import type { IrqLine } from '../irq.js';
import { Gicv3Metrics } from './gicv3_metrics.js';
import {
  GICD_CTLR_ENABLE_GRP0, GICD_CTLR_ENABLE_GRP1, GICR_WAKER_CHILDREN_ASLEEP, GICR_WAKER_PROCESSOR_SLEEP,
  ICC_CTLR_EOIMODE, IROUTER_IRM, MIN_BPR0, MIN_BPR1, PRI_SHIFT, SPURIOUS,
} from './gicv3_regs.js';

/** Per-CPU register slots in `cpuRegs`. */
export const R_PMR = 0;
export const R_BPR0 = 1;
export const R_BPR1 = 2;
export const R_CTLR = 3;
export const R_IGRPEN0 = 4;
export const R_IGRPEN1 = 5;
export const R_AP0R0 = 6;
export const R_AP1R0 = 7;
export const R_WAKER = 8;
const R_LAST_IRQ = 9;
const R_LAST_FIQ = 10;
const CPU_REGS = 11;

/** The bit-per-interrupt registers (GICD_* and GICR_*0 share them). */
export type BitReg = 'group' | 'setEnable' | 'clearEnable' | 'setPending' | 'clearPending' | 'setActive' | 'clearActive';

export interface Gicv3CoreOptions {
  readonly cpus: number;
  readonly irqs: number;
  readonly cpuIrq: readonly IrqLine[];
  readonly cpuFiq?: readonly IrqLine[] | undefined;
  /** Told when a CPU deactivates an interrupt (see GicV3Options.deactivated). */
  readonly deactivated?: ((intid: number, cpu: number) => void) | undefined;
}

export class Gicv3Core {
  readonly cpus: number;
  readonly irqs: number;
  readonly metrics = new Gicv3Metrics();
  private readonly cpuIrq: readonly IrqLine[];
  private readonly deactivated: ((intid: number, cpu: number) => void) | undefined;
  private readonly cpuFiq: readonly IrqLine[] | undefined;
  private readonly buffer: ArrayBuffer;
  private readonly header: Uint32Array;
  // Per interrupt slot: each CPU's 32 SGIs/PPIs, then the SPIs (see slot()). The flags are bitmaps,
  // word w covering slots 32w..32w+31 (word `cpu` is that CPU's bank), so a scan tests 32 at once.
  private readonly enabled: Uint32Array;
  private readonly pendLatch: Uint32Array;
  private readonly line: Uint32Array;
  private readonly active: Uint32Array;
  private readonly edge: Uint32Array;
  /** 1 = Group 1 (non-secure, with DS = 1), 0 = Group 0. */
  private readonly group: Uint32Array;
  readonly priority: Uint8Array;
  /** Per SPI: IROUTER low word, high word. */
  readonly irouter: Uint32Array;
  /** Per CPU: CPU_REGS words (R_*). */
  readonly cpuRegs: Uint32Array;
  /** GICD_CTLR enable bits. */
  readonly distCtlr: Uint32Array;
  /** Derived, not saved: the CPU each SPI is delivered to, or -1. Recomputed by updateAll(). */
  private readonly route: Int8Array;
  private routesDirty = true;
  // Result of the last findHighest() (avoids allocating in the hot path).
  private hpIntid = SPURIOUS;
  private hpPrio = 256;
  private hpGroup = 1;

  constructor(opts: Gicv3CoreOptions) {
    if (!(opts.cpus >= 1 && opts.cpus <= 8)) throw new RangeError(`GICv3 supports 1 to 8 CPUs, not ${opts.cpus}`);
    if (!(opts.irqs >= 64 && opts.irqs <= 1024 && opts.irqs % 32 === 0)) throw new RangeError(`GICv3 interrupt count ${opts.irqs} is invalid`);
    if (opts.cpuIrq.length !== opts.cpus) throw new RangeError('GICv3 needs one IRQ line per CPU');
    if (opts.cpuFiq !== undefined && opts.cpuFiq.length !== opts.cpus) throw new RangeError('GICv3 needs one FIQ line per CPU when FIQs are wired');
    this.cpus = opts.cpus;
    this.irqs = opts.irqs;
    this.cpuIrq = opts.cpuIrq;
    this.deactivated = opts.deactivated;
    this.cpuFiq = opts.cpuFiq;
    const slots = this.cpus * 32 + this.irqs - 32;
    const spis = this.irqs - 32;
    const words = slots / 32;
    const sizes = [8, ...Array<number>(6).fill(words * 4), slots, spis * 8, this.cpus * CPU_REGS * 4, 4];
    this.buffer = new ArrayBuffer(sizes.reduce((a, b) => a + ((b + 7) & ~7), 0));
    let off = 0;
    const take = <T>(make: (o: number) => T, bytes: number): T => {
      const t = make(off);
      off += (bytes + 7) & ~7;
      return t;
    };
    const u8 = (n: number) => take((o) => new Uint8Array(this.buffer, o, n), n);
    const u32 = (n: number) => take((o) => new Uint32Array(this.buffer, o, n), n * 4);
    this.header = u32(2);
    this.enabled = u32(words);
    this.pendLatch = u32(words);
    this.line = u32(words);
    this.active = u32(words);
    this.edge = u32(words);
    this.group = u32(words);
    this.priority = u8(slots);
    this.irouter = u32(spis * 2);
    this.cpuRegs = u32(this.cpus * CPU_REGS);
    this.distCtlr = u32(1);
    this.route = new Int8Array(spis);
    this.reset();
  }

  /**
   * Reset state. Interrupts start in Group 1, as QEMU resets its GIC when it boots a kernel directly
   * without secure firmware (irq_reset_nonsecure); SGIs are edge-triggered, everything else level.
   */
  reset(): void {
    new Uint8Array(this.buffer).fill(0);
    this.header[0] = this.cpus;
    this.header[1] = this.irqs;
    this.group.fill(0xffff_ffff);
    this.routesDirty = true;
    for (let c = 0; c < this.cpus; c++) {
      this.edge[c] = 0xffff;
      const r = c * CPU_REGS;
      this.cpuRegs[r + R_BPR0] = MIN_BPR0;
      this.cpuRegs[r + R_BPR1] = MIN_BPR1;
      this.cpuRegs[r + R_WAKER] = GICR_WAKER_PROCESSOR_SLEEP | GICR_WAKER_CHILDREN_ASLEEP;
    }
    this.updateAll();
  }

  slot(cpu: number, intid: number): number {
    return intid < 32 ? cpu * 32 + intid : this.cpus * 32 + intid - 32;
  }

  reg(cpu: number, r: number): number {
    return this.cpuRegs[cpu * CPU_REGS + r]!;
  }

  setReg(cpu: number, r: number, v: number): void {
    this.cpuRegs[cpu * CPU_REGS + r] = v;
    if (r === R_WAKER || r === R_IGRPEN0 || r === R_IGRPEN1) this.routesDirty = true;
  }

  /** To be called after writing what SPI routing depends on: IROUTER, IGROUPR, GICD_CTLR. */
  invalidateRoutes(): void {
    this.routesDirty = true;
  }

  /** Bitmap word index of the 32 INTIDs starting at `first` (a multiple of 32) in `cpu`'s view. */
  private word(cpu: number, first: number): number {
    return first < 32 ? cpu : this.cpus + ((first - 32) >> 5);
  }

  /** Pending: latched (edge, ISPENDR, SGI) or a level-triggered line that is high. */
  private pendingWord(w: number): number {
    return (this.pendLatch[w]! | (this.line[w]! & ~this.edge[w]!)) >>> 0;
  }

  private static bit(arr: Uint32Array, s: number): number {
    return (arr[s >> 5]! >>> (s & 31)) & 1;
  }

  private static setBit(arr: Uint32Array, s: number, v: number): void {
    const m = 1 << (s & 31);
    arr[s >> 5] = v !== 0 ? arr[s >> 5]! | m : arr[s >> 5]! & ~m;
  }

  /** Drives an interrupt input; edge-triggered inputs latch pending on a rising edge. */
  setLevel(intid: number, level: boolean, cpu: number): void {
    const s = this.slot(cpu, intid);
    const B = Gicv3Core;
    if (level && B.bit(this.line, s) === 0 && B.bit(this.edge, s) === 1) B.setBit(this.pendLatch, s, 1);
    B.setBit(this.line, s, level ? 1 : 0);
    if (intid < 32) {
      this.updateCpu(cpu);
      return;
    }
    // A line change only matters to the CPU the SPI is routed to.
    if (this.routesDirty) this.computeRoutes();
    const target = this.route[intid - 32]!;
    if (target >= 0) this.updateCpu(target);
  }

  // ---- routing and prioritisation ----

  private groupEnabled(cpu: number, group: number): boolean {
    const dist = this.distCtlr[0]! & (group === 0 ? GICD_CTLR_ENABLE_GRP0 : GICD_CTLR_ENABLE_GRP1);
    return dist !== 0 && (this.reg(cpu, group === 0 ? R_IGRPEN0 : R_IGRPEN1) & 1) === 1;
  }

  /**
   * IROUTER to CPU. Aff1-Aff3 are 0 and Aff0 is the CPU number on this board. IRM = 1 (1 of N)
   * picks the lowest-numbered CPU that participates: its redistributor is awake and its CPU
   * interface has the interrupt's group enabled; with none, the SPI waits pending.
   */
  private computeRoutes(): void {
    this.routesDirty = false;
    for (let i = 0; i < this.route.length; i++) {
      const lo = this.irouter[2 * i]!;
      let target = -1;
      if ((lo & IROUTER_IRM) !== 0) {
        const grp = Gicv3Core.bit(this.group, this.cpus * 32 + i);
        for (let c = 0; c < this.cpus && target < 0; c++) {
          if ((this.reg(c, R_WAKER) & GICR_WAKER_PROCESSOR_SLEEP) === 0 && this.groupEnabled(c, grp)) target = c;
        }
      } else if (this.irouter[2 * i + 1] === 0 && (lo & 0xffff00) === 0 && (lo & 0xff) < this.cpus) {
        target = lo & 0xff;
      }
      this.route[i] = target;
    }
  }

  /** Group priority mask for `group` on `cpu` (ICC_BPR0 for Group 0, ICC_BPR1 for Group 1; CBPR = 0). */
  groupPriorityMask(cpu: number, group: number): number {
    return group === 0 ? (0xff << (this.reg(cpu, R_BPR0) + 1)) & 0xff : (0xff << this.reg(cpu, R_BPR1)) & 0xff;
  }

  /** Running priority: the highest active group priority from the APRs, or 256 when idle. */
  runningPriority(cpu: number): number {
    const bits = (this.reg(cpu, R_AP0R0) | this.reg(cpu, R_AP1R0)) >>> 0;
    if (bits === 0) return 256;
    return (31 - Math.clz32(bits & -bits)) << PRI_SHIFT;
  }

  /** Finds the highest-priority pending, enabled, inactive interrupt of an enabled group for `cpu` (ties: lowest INTID). */
  private findHighest(cpu: number): void {
    let best = SPURIOUS;
    let bestPrio = 256;
    let bestGroup = 1;
    const g0 = this.groupEnabled(cpu, 0);
    const g1 = this.groupEnabled(cpu, 1);
    if (this.routesDirty) this.computeRoutes();
    if (g0 || g1) {
      // Word `cpu` is this CPU's SGI/PPI bank; words cpus.. are the SPIs, filtered by route.
      const lastWord = this.cpus + (this.irqs - 32) / 32;
      for (let w = cpu; w < lastWord; w = w === cpu ? this.cpus : w + 1) {
        let cand = this.pendingWord(w) & this.enabled[w]! & ~this.active[w]!;
        if (!(g0 && g1)) cand &= g1 ? this.group[w]! : ~this.group[w]!;
        while (cand !== 0) {
          const b = 31 - Math.clz32(cand & -cand);
          cand &= cand - 1;
          const s = w * 32 + b;
          const intid = w === cpu ? b : s - this.cpus * 32 + 32;
          if (intid >= 32 && this.route[intid - 32] !== cpu) continue;
          const prio = this.priority[s]!;
          if (prio >= bestPrio) continue;
          best = intid;
          bestPrio = prio;
          bestGroup = Gicv3Core.bit(this.group, s);
        }
      }
    }
    this.hpIntid = best;
    this.hpPrio = bestPrio;
    this.hpGroup = bestGroup;
  }

  /** Highest pending interrupt of `group` (ICC_HPPIRn_EL1): no PMR or preemption check. */
  highestPending(cpu: number, group: number): number {
    this.findHighest(cpu);
    return this.hpGroup === group ? this.hpIntid : SPURIOUS;
  }

  /** The interrupt that would be taken now (beats PMR and preempts the running priority), or -1. */
  private signalled(cpu: number): number {
    this.findHighest(cpu);
    if (this.hpIntid === SPURIOUS || this.hpPrio >= this.reg(cpu, R_PMR)) return -1;
    if ((this.hpPrio & this.groupPriorityMask(cpu, this.hpGroup)) >= this.runningPriority(cpu)) return -1;
    return this.hpIntid;
  }

  /** Recomputes every CPU's IRQ/FIQ output, announcing only changes. */
  updateAll(): void {
    for (let c = 0; c < this.cpus; c++) this.updateCpu(c);
  }

  /** Recomputes CPU `c`'s IRQ/FIQ output: enough after a change that only its bank or CPU interface sees. */
  updateCpu(c: number): void {
    const taken = this.signalled(c) >= 0;
    const irq = taken && this.hpGroup === 1 ? 1 : 0;
    const fiq = taken && this.hpGroup === 0 ? 1 : 0;
    if (this.reg(c, R_LAST_IRQ) !== irq) {
      this.setReg(c, R_LAST_IRQ, irq);
      this.cpuIrq[c]!.set(irq === 1);
    }
    if (this.reg(c, R_LAST_FIQ) !== fiq) {
      this.setReg(c, R_LAST_FIQ, fiq);
      this.cpuFiq?.[c]!.set(fiq === 1);
    }
  }

  // ---- CPU interface actions ----

  /** ICC_IARn_EL1: acknowledges the signalled interrupt if it belongs to `group`, else returns 1023. */
  acknowledge(cpu: number, group: number): number {
    const intid = this.signalled(cpu);
    if (intid < 0 || this.hpGroup !== group) {
      this.metrics.spurious++;
      return SPURIOUS;
    }
    const s = this.slot(cpu, intid);
    Gicv3Core.setBit(this.pendLatch, s, 0); // a level interrupt stays pending while its line is high
    Gicv3Core.setBit(this.active, s, 1);
    const bit = 1 << ((this.hpPrio & this.groupPriorityMask(cpu, group)) >>> PRI_SHIFT);
    const apr = group === 0 ? R_AP0R0 : R_AP1R0;
    this.setReg(cpu, apr, (this.reg(cpu, apr) | bit) >>> 0);
    this.metrics.acknowledged++;
    this.updateCpu(cpu); // an SPI acknowledged here was routed here, so no other CPU sees a change
    return intid;
  }

  /**
   * ICC_EOIRn_EL1: drops the running priority (the lowest set APR bit) if it belongs to `group`, then
   * with EOImode = 0 deactivates `intid`. As QEMU, an EOI whose group does not own the running
   * priority is ignored entirely.
   */
  endOfInterrupt(cpu: number, group: number, intid: number): void {
    const bits = (this.reg(cpu, R_AP0R0) | this.reg(cpu, R_AP1R0)) >>> 0;
    const apr = group === 0 ? R_AP0R0 : R_AP1R0;
    const lowest = bits & -bits;
    if (bits === 0 || (this.reg(cpu, apr) & lowest) === 0) return;
    this.setReg(cpu, apr, (this.reg(cpu, apr) & ~lowest) >>> 0);
    if ((this.reg(cpu, R_CTLR) & ICC_CTLR_EOIMODE) === 0) this.deactivate(cpu, intid);
    this.updateAfterDeactivate(cpu, intid);
  }

  /** An SPI may have been rerouted since it was acknowledged, so its deactivation concerns every CPU. */
  updateAfterDeactivate(cpu: number, intid: number): void {
    if (intid < 32) this.updateCpu(cpu);
    else this.updateAll();
  }

  /** Clears the active state of `intid` (the CPU's own bank for SGIs and PPIs). */
  deactivate(cpu: number, intid: number): void {
    if (intid >= this.irqs) return;
    Gicv3Core.setBit(this.active, this.slot(cpu, intid), 0);
    this.deactivated?.(intid, cpu);
  }

  /**
   * ICC_SGI0R_EL1 / ICC_SGI1R_EL1 from `cpu`: TargetList [15:0], Aff1 [23:16], INTID [27:24],
   * Aff2 [39:32], IRM [40], RS [47:44], Aff3 [55:48]. IRM = 1 targets every CPU but the sender.
   * A target whose SGI is configured in the other group does not receive it.
   */
  sendSgi(cpu: number, lo: number, hi: number, group: number): void {
    const intid = (lo >>> 24) & 0xf;
    const irm = (hi >>> 8) & 1;
    const rs = (hi >>> 12) & 0xf;
    const upperAff = ((lo >>> 16) & 0xff) | (hi & 0xff) | ((hi >>> 16) & 0xff);
    for (let t = 0; t < this.cpus; t++) {
      const hit = irm === 1 ? t !== cpu : upperAff === 0 && t >> 4 === rs && ((lo >>> (t & 15)) & 1) === 1;
      if (!hit) continue;
      const s = this.slot(t, intid);
      if (Gicv3Core.bit(this.group, s) !== group) {
        this.metrics.sgisDropped++;
        continue;
      }
      Gicv3Core.setBit(this.pendLatch, s, 1);
      this.metrics.sgisSent++;
    }
    this.updateAll();
  }

  // ---- bit-per-interrupt registers, for INTIDs first..first+31 in `cpu`'s bank ----

  readBits(kind: BitReg, cpu: number, first: number): number {
    const w = this.word(cpu, first);
    switch (kind) {
      case 'group': return this.group[w]!;
      case 'setEnable': case 'clearEnable': return this.enabled[w]!;
      case 'setPending': case 'clearPending': return this.pendingWord(w);
      case 'setActive': case 'clearActive': return this.active[w]!;
    }
  }

  writeBits(kind: BitReg, cpu: number, first: number, v: number): void {
    const w = this.word(cpu, first);
    switch (kind) {
      case 'group': this.group[w] = v; this.routesDirty = true; break;
      case 'setEnable': this.enabled[w]! |= v; break;
      case 'clearEnable': this.enabled[w]! &= ~v; break;
      case 'setPending': this.pendLatch[w]! |= v; break;
      case 'clearPending': this.pendLatch[w]! &= ~v; break;
      case 'setActive': this.active[w]! |= v; break;
      case 'clearActive': this.active[w]! &= ~v; break;
    }
    if (first < 32) this.updateCpu(cpu);
    else this.updateAll();
  }

  /** ICFGR word for INTIDs first..first+15: 0b10 per edge-triggered interrupt. */
  readConfig(cpu: number, first: number): number {
    let v = 0;
    for (let i = 0; i < 16; i++) if (Gicv3Core.bit(this.edge, this.slot(cpu, first + i)) === 1) v |= 2 << (2 * i);
    return v >>> 0;
  }

  /** SGI configuration is fixed (edge); PPIs and SPIs take bit 1 of each field. */
  writeConfig(cpu: number, first: number, v: number): void {
    for (let i = 0; i < 16; i++) if (first + i >= 16) Gicv3Core.setBit(this.edge, this.slot(cpu, first + i), (v >>> (2 * i + 1)) & 1);
  }

  // ---- snapshot ----

  save(): Uint8Array {
    return new Uint8Array(this.buffer.slice(0));
  }

  restore(bytes: Uint8Array): void {
    if (bytes.byteLength !== this.buffer.byteLength) {
      throw new RangeError(`GICv3 state must be ${this.buffer.byteLength} bytes for this configuration, got ${bytes.byteLength}`);
    }
    const [cpus, irqs] = new Uint32Array(bytes.slice(0, 8).buffer);
    if (cpus !== this.cpus || irqs !== this.irqs) {
      throw new RangeError(`GICv3 state is for ${cpus} CPUs and ${irqs} interrupts, not ${this.cpus} and ${this.irqs}`);
    }
    new Uint8Array(this.buffer).set(bytes);
    this.routesDirty = true;
    // Re-announce every line: the receiver does not share our saved "last level".
    for (let c = 0; c < this.cpus; c++) {
      this.setReg(c, R_LAST_IRQ, 2);
      this.setReg(c, R_LAST_FIQ, 2);
    }
    this.updateAll();
  }
}
