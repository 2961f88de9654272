/**
 * GICv3 for the `virt` board: distributor, one redistributor per CPU and the system-register CPU
 * interfaces, as QEMU's `gic-version=3` presents it to a non-secure kernel (one security state,
 * affinity routing on, no LPIs/ITS). CPU n has affinity Aff0 = n, Aff1-3 = 0 (the board's
 * `cpu@n` reg values). Group 1 interrupts drive each CPU's IRQ line; Group 0 the optional FIQ line.
 *
 * Wiring: map `distributor` at VIRT.GIC_DIST (GICD_SIZE bytes) and `redistributors` at
 * VIRT.GIC_REDIST (`redistributors.sizeBytes`), and route the CPU's ICC_* system registers to
 * `cpuInterface(n)` through ICC_SYSREGS (gicv3_cpuif.ts).
 */
import type { IrqLine } from '../irq.js';
import { Gicv3Core } from './gicv3_core.js';
import { Gicv3CpuInterface } from './gicv3_cpuif.js';
import { Gicv3Distributor } from './gicv3_dist.js';
import type { Gicv3Metrics } from './gicv3_metrics.js';
import { Gicv3Redistributors } from './gicv3_redist.js';

export { ICC_SYSREGS, Gicv3CpuInterface, iccExtraSysregs, type IccSysreg } from './gicv3_cpuif.js';
export { gicv3Affinity } from './gicv3_redist.js';
export { Gicv3Metrics } from './gicv3_metrics.js';

export interface GicV3Options {
  /** Number of CPUs (and redistributors), 1..8. */
  readonly cpus: number;
  /** Interrupt IDs implemented, a multiple of 32 from 64 to 1024 (QEMU's virt uses 288). */
  readonly irqs: number;
  /** The IRQ line into each CPU (Group 1 interrupts). */
  readonly cpuIrq: readonly IrqLine[];
  /** The FIQ line into each CPU (Group 0 interrupts); without it Group 0 interrupts are never signalled. */
  readonly cpuFiq?: readonly IrqLine[];
  /**
   * Told when a CPU deactivates an interrupt, so the owner of a level input it models by sampling
   * (a hypervisor's event-channel upcall) can drive the line again (KVM's resampler).
   */
  readonly deactivated?: (intid: number, cpu: number) => void;
}

export class GicV3 {
  readonly cpus: number;
  readonly irqs: number;
  /** GICD: 64 KiB of MMIO. */
  readonly distributor: Gicv3Distributor;
  /** All redistributors as one MMIO region of `cpus` * 128 KiB. */
  readonly redistributors: Gicv3Redistributors;
  readonly metrics: Gicv3Metrics;
  private readonly core: Gicv3Core;
  private readonly cpuIfs: readonly Gicv3CpuInterface[];

  constructor(opts: GicV3Options) {
    this.core = new Gicv3Core({ cpus: opts.cpus, irqs: opts.irqs, cpuIrq: opts.cpuIrq, cpuFiq: opts.cpuFiq, deactivated: opts.deactivated });
    this.cpus = opts.cpus;
    this.irqs = opts.irqs;
    this.metrics = this.core.metrics;
    this.distributor = new Gicv3Distributor(this.core);
    this.redistributors = new Gicv3Redistributors(this.core);
    this.cpuIfs = Array.from({ length: this.cpus }, (_, c) => new Gicv3CpuInterface(this.core, c));
  }

  /** The system-register CPU interface of CPU `cpu`. */
  cpuInterface(cpu: number): Gicv3CpuInterface {
    const ci = this.cpuIfs[cpu];
    if (ci === undefined) throw new RangeError(`No GICv3 CPU interface ${cpu}`);
    return ci;
  }

  /**
   * Drives an interrupt input: an SPI (`cpu` ignored) or CPU `cpu`'s PPI (INTID 16-31). SGIs have no
   * input line. Edge-triggered inputs latch pending on a rising edge.
   */
  setLevel(intid: number, level: boolean, cpu = 0): void {
    if (!Number.isInteger(intid) || intid < 16 || intid >= this.irqs || !(cpu >= 0 && cpu < this.cpus)) {
      throw new RangeError(`No GICv3 interrupt input ${intid} on CPU ${cpu}`);
    }
    this.core.setLevel(intid, level, intid < 32 ? cpu : 0);
  }

  /** Back to the reset state (IRQ/FIQ lines are updated). */
  reset(): void {
    this.core.reset();
  }

  /** The whole state as bytes; restore() needs a GicV3 of the same configuration. */
  save(): Uint8Array {
    return this.core.save();
  }

  /** Loads a save() image and re-announces every CPU's IRQ and FIQ line. Throws RangeError on a mismatched image. */
  restore(bytes: Uint8Array): void {
    this.core.restore(bytes);
  }
}
