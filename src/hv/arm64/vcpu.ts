/**
 * One vCPU of an arm64 domain: the CPU at EL1 over the domain's stage 2, its generic timer, and the
 * scheduler's view of it (powered on through PSCI, blocked in WFI or SCHEDOP_block). A power-on
 * builds a fresh Cpu in the reset state Xen gives a vCPU (EL1h, DAIF masked, MMU off).
 */
import type { CodeCache } from '../../arch/arm64/code_cache.js';
import type { InnerShareable } from '../../arch/arm64/mmu/inner_shareable.js';
import { Cpu, type ExtraSysreg } from '../../arch/arm64/cpu.js';
import { jitAreaOffset } from '../../arch/arm64/jit/guest_memory.js';
import type { GenericTimer } from '../../arch/arm64/generic_timer.js';
import type { Stage2 } from '../../arch/arm64/mmu/mmu.js';
import type { PhysicalBus } from '../../arch/arm64/mmu/translator.js';
import { VcpuRunstate } from '../common/runstate.js';

export interface ArmVcpuOptions {
  readonly index: number;
  /** MPIDR affinity (bit 31 is added by the CPU). */
  readonly affinity: number;
  readonly bus: PhysicalBus;
  readonly stage2: Stage2;
  readonly timer: GenericTimer;
  readonly code: CodeCache;
  /** The domain's vCPUs, for broadcast TLB maintenance. */
  readonly shareable: InnerShareable;
  readonly icc?: readonly ExtraSysreg[];
}

export class ArmVcpu {
  readonly index: number;
  readonly affinity: number;
  readonly timer: GenericTimer;
  cpu: Cpu;
  power: 'on' | 'off' = 'off';
  /** Waiting in WFI (or SCHEDOP_block) for an interrupt. */
  waiting = false;
  /** SCHEDOP_poll's timeout in guest ns while waiting, else Infinity. */
  wakeAtNs = Infinity;
  /** Level of the IRQ line from the vGIC. */
  irq = false;
  /** Its runstate, and the guest VA its area was last written at (null: never). */
  readonly runstate = new VcpuRunstate();
  runstateWrittenVa: number | null = null;
  /** Instructions retired by the Cpus of earlier power-ons. */
  private retired = 0;

  constructor(private readonly opts: ArmVcpuOptions) {
    this.index = opts.index;
    this.affinity = opts.affinity;
    this.timer = opts.timer;
    this.cpu = this.build();
  }

  private build(): Cpu {
    const o = this.opts;
    const jitArea = o.bus.jit === undefined ? null : jitAreaOffset(o.bus.jit, o.index);
    const cpu = new Cpu({
      bus: o.bus, code: o.code, cpuIndex: o.index, ...(jitArea === null ? {} : { jitArea }),
      system: { mpidr: o.affinity, timer: o.timer, stage2: o.stage2, shareable: o.shareable, ...(o.icc === undefined ? {} : { icc: o.icc }) },
    });
    cpu.setIrq(this.irq);
    return cpu;
  }

  /** Powers on at `entry` (an IPA: the MMU is off) with x0 = `x0` (boot: the DTB; PSCI: the context id). */
  powerOn(entry: number, x0: bigint): void {
    this.retired += this.cpu.icount;
    this.cpu = this.build();
    this.cpu.state.pc = entry;
    this.cpu.state.x64[0] = BigInt.asUintN(64, x0);
    this.power = 'on';
    this.waiting = false;
    this.wakeAtNs = Infinity;
  }

  setIrq(level: boolean): void {
    this.irq = level;
    this.cpu.setIrq(level);
  }

  get icount(): number {
    return this.retired + this.cpu.icount;
  }
}
