/**
 * GICv3 redistributors (GICR) MMIO decoding, Arm IHI 0069 12.10-12.11: one 128 KiB region per CPU,
 * CPU n at n * 0x20000, each an RD_base frame then an SGI_base frame. No LPIs: GICR_CTLR,
 * PROPBASER, PENDBASER and the LPI maintenance registers are RAZ/WI.
 *
 * Accepted widths as in the distributor: 32-bit aligned, plus 8-bit for GICR_IPRIORITYR<n>. Anything
 * else, and any offset without a register, reads as zero, ignores writes and counts as a bad access.
 */
import type { MmioDevice } from '../bus.js';
import { R_WAKER, type BitReg, type Gicv3Core } from './gicv3_core.js';
import {
  GICR, GICR_FRAME_SIZE, GICR_PIDR0, GICR_SGI, GICR_STRIDE, GICR_TYPER_LAST, GICR_TYPER_PROCNUM_SHIFT,
  GICR_WAKER_CHILDREN_ASLEEP, GICR_WAKER_PROCESSOR_SLEEP, GICV3_IIDR_VALUE, ID_REGS_BASE, idRegister, PRI_MASK,
} from './gicv3_regs.js';

const BIT_REGS: ReadonlyMap<number, BitReg> = new Map([
  [GICR_SGI.IGROUPR0, 'group'],
  [GICR_SGI.ISENABLER0, 'setEnable'],
  [GICR_SGI.ICENABLER0, 'clearEnable'],
  [GICR_SGI.ISPENDR0, 'setPending'],
  [GICR_SGI.ICPENDR0, 'clearPending'],
  [GICR_SGI.ISACTIVER0, 'setActive'],
  [GICR_SGI.ICACTIVER0, 'clearActive'],
]);

/** RD_base registers that exist but do nothing without LPIs (RAZ/WI), with their 64-bit upper halves. */
const RD_RAZ_WI: ReadonlySet<number> = new Set([
  GICR.CTLR, GICR.STATUSR, GICR.SETLPIR, GICR.SETLPIR + 4, GICR.CLRLPIR, GICR.CLRLPIR + 4,
  GICR.PROPBASER, GICR.PROPBASER + 4, GICR.PENDBASER, GICR.PENDBASER + 4, GICR.INVLPIR, GICR.INVLPIR + 4,
  GICR.INVALLR, GICR.INVALLR + 4, GICR.SYNCR,
]);

/** The affinity value of CPU `cpu` as GICR_TYPER[63:32] and IROUTER report it: Aff0 = cpu, Aff1-3 = 0. */
export function gicv3Affinity(cpu: number): number {
  return cpu & 0xff;
}

export class Gicv3Redistributors implements MmioDevice {
  readonly name = 'gicr';
  /** Size of the MMIO region: one GICR_STRIDE per CPU. */
  readonly sizeBytes: number;
  private readonly core: Gicv3Core;

  constructor(core: Gicv3Core) {
    this.core = core;
    this.sizeBytes = core.cpus * GICR_STRIDE;
  }

  read(offset: number, sizeBytes: number): number {
    this.core.metrics.redistReads++;
    const v = this.access(offset, sizeBytes, null);
    if (v === null) {
      this.core.metrics.badAccesses++;
      return 0;
    }
    return v >>> 0;
  }

  write(offset: number, sizeBytes: number, value: number): void {
    this.core.metrics.redistWrites++;
    if (this.access(offset, sizeBytes, value >>> 0) === null) this.core.metrics.badAccesses++;
  }

  private access(offset: number, size: number, value: number | null): number | null {
    if (!Number.isInteger(offset) || offset < 0 || offset >= this.sizeBytes) return null;
    if ((size !== 1 && size !== 4) || (offset & (size - 1)) !== 0) return null;
    const cpu = Math.floor(offset / GICR_STRIDE);
    const off = offset % GICR_STRIDE;
    if (off >= GICR_FRAME_SIZE) return this.sgiFrame(cpu, off - GICR_FRAME_SIZE, size, value);
    if (size !== 4) return null;
    return this.rdFrame(cpu, off, value);
  }

  private rdFrame(cpu: number, off: number, value: number | null): number | null {
    const c = this.core;
    switch (off) {
      case GICR.IIDR: return GICV3_IIDR_VALUE;
      case GICR.TYPER: {
        const last = cpu === c.cpus - 1 ? GICR_TYPER_LAST : 0;
        return (cpu << GICR_TYPER_PROCNUM_SHIFT) | last;
      }
      case GICR.TYPER + 4: return gicv3Affinity(cpu);
      case GICR.WAKER:
        if (value !== null) {
          // The redistributor finishes waking or sleeping at once: ChildrenAsleep follows ProcessorSleep.
          const sleep = value & GICR_WAKER_PROCESSOR_SLEEP;
          c.setReg(cpu, R_WAKER, sleep === 0 ? 0 : GICR_WAKER_PROCESSOR_SLEEP | GICR_WAKER_CHILDREN_ASLEEP);
          c.updateAll();
        }
        return c.reg(cpu, R_WAKER);
    }
    if (RD_RAZ_WI.has(off)) return 0;
    if (off >= ID_REGS_BASE && off < ID_REGS_BASE + 0x30) return idRegister(off, GICR_PIDR0);
    return null;
  }

  private sgiFrame(cpu: number, off: number, size: number, value: number | null): number | null {
    const c = this.core;
    if (off >= GICR_SGI.IPRIORITYR && off < GICR_SGI.IPRIORITYR + 32) {
      let v = 0;
      for (let i = 0; i < size; i++) {
        const s = c.slot(cpu, off - GICR_SGI.IPRIORITYR + i);
        if (value === null) v |= c.priority[s]! << (8 * i);
        else c.priority[s] = (value >>> (8 * i)) & PRI_MASK;
      }
      if (value !== null) c.updateCpu(cpu);
      return v >>> 0;
    }
    if (size !== 4) return null;
    const kind = BIT_REGS.get(off);
    if (kind !== undefined) {
      if (value === null) return c.readBits(kind, cpu, 0);
      c.writeBits(kind, cpu, 0, value);
      return 0;
    }
    if (off === GICR_SGI.ICFGR0 || off === GICR_SGI.ICFGR1) {
      const first = (off - GICR_SGI.ICFGR0) * 4;
      if (value === null) return c.readConfig(cpu, first);
      c.writeConfig(cpu, first, value);
      return 0;
    }
    if (off === GICR_SGI.IGRPMODR0 || off === GICR_SGI.NSACR) return 0; // RAZ/WI with DS = 1
    return null;
  }
}
