/**
 * The AArch64 CPU (system mode) as a `virt` vCPU. A power-on (boot or PSCI CPU_ON) builds a fresh
 * Cpu, which starts in the architectural reset state the boot protocol asks for (EL1h, DAIF masked,
 * MMU off); translated code is shared by all vCPUs of the machine.
 */
import { CodeCache, type CodeCacheStats } from '../../arch/arm64/code_cache.js';
import { jitAreaOffset } from '../../arch/arm64/jit/guest_memory.js';
import { guestRamBytes } from '../../arch/arm64/mmu/translator.js';
import { InnerShareable } from '../../arch/arm64/mmu/inner_shareable.js';
import { Cpu, type ExtraSysreg } from '../../arch/arm64/cpu.js';
import type { VcpuExit } from '../../arch/arm64/exit.js';
import { iccExtraSysregs } from '../gic/gicv3.js';
import type { VcpuFactory, VcpuFactoryOptions, VirtVcpu } from './machine_types.js';

class CpuVcpu implements VirtVcpu {
  private cpu: Cpu;
  private irq = false;
  /** Instructions retired by the Cpus of earlier power-ons. */
  private retired = 0;
  private readonly icc: ExtraSysreg[] | undefined;

  constructor(private readonly opts: VcpuFactoryOptions, private readonly code: CodeCache, private readonly shareable: InnerShareable) {
    this.icc = opts.icc === undefined ? undefined : iccExtraSysregs(opts.icc);
    this.cpu = this.build();
  }

  private build(): Cpu {
    const o = this.opts;
    const system = { mpidr: o.index, timer: o.timer, shareable: this.shareable, ...(this.icc === undefined ? {} : { icc: this.icc }) };
    const jitArea = o.bus.jit === undefined ? null : jitAreaOffset(o.bus.jit, o.index);
    const cpu = new Cpu({ bus: o.bus, system, code: this.code, cpuIndex: o.index, ...(jitArea === null ? {} : { jitArea }) });
    cpu.setIrq(this.irq);
    return cpu;
  }

  /** The Cpu behind this vCPU (replaced at each power-on), for traces and tests. */
  get current(): Cpu {
    return this.cpu;
  }

  reset(entryPa: number, x0: bigint): void {
    this.retired += this.cpu.icount;
    this.cpu = this.build();
    this.cpu.state.pc = entryPa;
    this.cpu.state.x64[0] = BigInt.asUintN(64, x0);
  }

  run(budget: number): VcpuExit {
    return this.cpu.run(budget);
  }

  setIrq(level: boolean): void {
    this.irq = level;
    this.cpu.setIrq(level);
  }

  readX(n: number): bigint {
    return this.cpu.state.x64[n]!;
  }

  writeX(n: number, value: bigint): void {
    this.cpu.state.x64[n] = BigInt.asUintN(64, value);
  }

  injectUndefined(): void {
    this.cpu.injectUndefined();
  }

  dropWriteMappingsForLog(): void {
    this.cpu.dropWriteMappingsForLog();
  }

  get icount(): number {
    return this.retired + this.cpu.icount;
  }

  get codeStats(): CodeCacheStats {
    return this.code.stats;
  }

  sweepCodeIfDue(nowNs: number): void {
    this.code.sweepIfDue(nowNs);
  }

  get pc(): number {
    return this.cpu.state.pc;
  }
}

/** A factory of real vCPUs sharing one code cache over `ramBytes` of RAM, and broadcast TLB maintenance. */
export function cpuVcpuFactory(): VcpuFactory {
  let code: CodeCache | null = null;
  const shareable = new InnerShareable();
  return (opts) => {
    code ??= new CodeCache(guestRamBytes(opts.bus));
    return new CpuVcpu(opts, code, shareable);
  };
}
