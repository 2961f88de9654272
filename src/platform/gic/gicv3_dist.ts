/**
 * GICv3 distributor (GICD) MMIO decoding, Arm IHI 0069 12.8. Affinity routing is always enabled
 * (GICD_CTLR.ARE RAO/WI) and there is one security state (DS RAO/WI), so the SGI/PPI part of every
 * bit, priority and configuration register reads as zero and ignores writes (the redistributors own
 * those), ITARGETSR, SGIR, CPENDSGIR and SPENDSGIR are RAZ/WI, and SPIs are routed by IROUTER<n>.
 *
 * Accepted widths: 32-bit aligned for every register, and also 8-bit for IPRIORITYR (and the
 * byte-wide RAZ/WI legacy registers). Anything else, and any offset without a register, reads as
 * zero, ignores writes and counts in `metrics.badAccesses`.
 */
import type { MmioDevice } from '../bus.js';
import type { BitReg, Gicv3Core } from './gicv3_core.js';
import {
  GICD, GICD_CTLR_ARE, GICD_CTLR_DS, GICD_CTLR_ENABLE_GRP0, GICD_CTLR_ENABLE_GRP1, GICD_PIDR0,
  GICD_TYPER_A3V, GICD_TYPER_IDBITS_SHIFT, GICV3_IIDR_VALUE, ID_REGS_BASE, idRegister, IROUTER_HI_MASK,
  IROUTER_LO_MASK, PRI_MASK,
} from './gicv3_regs.js';

const BIT_REGS: readonly (readonly [number, BitReg])[] = [
  [GICD.IGROUPR, 'group'],
  [GICD.ISENABLER, 'setEnable'],
  [GICD.ICENABLER, 'clearEnable'],
  [GICD.ISPENDR, 'setPending'],
  [GICD.ICPENDR, 'clearPending'],
  [GICD.ISACTIVER, 'setActive'],
  [GICD.ICACTIVER, 'clearActive'],
];

const inRange = (off: number, base: number, len: number) => off >= base && off < base + len;

/** Byte-wide register ranges: IPRIORITYR (real), ITARGETSR and the SGI pending registers (RAZ/WI). */
function byteRegister(off: number): 'priority' | 'razwi' | null {
  if (inRange(off, GICD.IPRIORITYR, 0x400)) return 'priority';
  if (inRange(off, GICD.ITARGETSR, 0x400) || inRange(off, GICD.CPENDSGIR, 0x20)) return 'razwi';
  return null;
}

export class Gicv3Distributor implements MmioDevice {
  readonly name = 'gicd';
  private readonly core: Gicv3Core;

  constructor(core: Gicv3Core) {
    this.core = core;
  }

  read(offset: number, sizeBytes: number): number {
    this.core.metrics.distReads++;
    const v = this.access(offset, sizeBytes, null);
    if (v === null) {
      this.core.metrics.badAccesses++;
      return 0;
    }
    return v >>> 0;
  }

  write(offset: number, sizeBytes: number, value: number): void {
    this.core.metrics.distWrites++;
    if (this.access(offset, sizeBytes, value >>> 0) === null) this.core.metrics.badAccesses++;
  }

  /** One decoder for both directions: `value` null is a read. Returns the read value (0 for writes), or null for a bad access. */
  private access(off: number, size: number, value: number | null): number | null {
    if (!Number.isInteger(off) || off < 0 || (size !== 1 && size !== 4) || (off & (size - 1)) !== 0) return null;
    const bytes = byteRegister(off);
    if (bytes === 'priority') return this.priorities(off - GICD.IPRIORITYR, size, value);
    if (bytes === 'razwi') return 0;
    if (size !== 4) return null;
    const c = this.core;
    switch (off) {
      case GICD.CTLR:
        if (value !== null) {
          c.distCtlr[0] = value & (GICD_CTLR_ENABLE_GRP0 | GICD_CTLR_ENABLE_GRP1);
          c.invalidateRoutes();
          c.updateAll();
        }
        return c.distCtlr[0]! | GICD_CTLR_ARE | GICD_CTLR_DS;
      case GICD.TYPER:
        // ITLinesNumber, IDbits = 15 (16-bit INTIDs, as QEMU), A3V; No1N = 0 since IRM is honoured; no LPIs, MBIS or ESPI.
        return (c.irqs / 32 - 1) | (15 << GICD_TYPER_IDBITS_SHIFT) | GICD_TYPER_A3V;
      case GICD.IIDR: return GICV3_IIDR_VALUE;
      case GICD.TYPER2: case GICD.STATUSR: case GICD.SGIR: return 0;
    }
    for (const [base, kind] of BIT_REGS) {
      if (!inRange(off, base, 0x80)) continue;
      const first = (off - base) * 8;
      if (first < 32 || first >= c.irqs) return 0;
      if (value === null) return c.readBits(kind, 0, first);
      c.writeBits(kind, 0, first, value);
      return 0;
    }
    if (inRange(off, GICD.ICFGR, 0x100)) {
      const first = (off - GICD.ICFGR) * 4;
      if (first < 32 || first >= c.irqs) return 0;
      if (value === null) return c.readConfig(0, first);
      c.writeConfig(0, first, value);
      return 0;
    }
    if (inRange(off, GICD.IGRPMODR, 0x80) || inRange(off, GICD.NSACR, 0x100)) return 0; // RAZ/WI with DS = 1
    if (inRange(off, GICD.IROUTER, 0x2000) && off < GICD.IROUTER + 8 * 1020) return this.router(off, value);
    if (inRange(off, ID_REGS_BASE, 0x30)) return idRegister(off, GICD_PIDR0);
    return null;
  }

  private priorities(first: number, size: number, value: number | null): number {
    const c = this.core;
    let v = 0;
    for (let i = 0; i < size; i++) {
      const intid = first + i;
      if (intid < 32 || intid >= c.irqs) continue;
      const s = c.slot(0, intid);
      if (value === null) v |= c.priority[s]! << (8 * i);
      else c.priority[s] = (value >>> (8 * i)) & PRI_MASK;
    }
    if (value !== null) c.updateAll();
    return v >>> 0;
  }

  /** IROUTER<n> as two 32-bit halves (the bus splits 64-bit accesses low word first). */
  private router(off: number, value: number | null): number {
    const c = this.core;
    const n = (off - GICD.IROUTER) >> 3;
    if (n < 32 || n >= c.irqs) return 0;
    const idx = 2 * (n - 32) + ((off & 4) >> 2);
    if (value === null) return c.irouter[idx]!;
    c.irouter[idx] = (value & ((off & 4) === 0 ? IROUTER_LO_MASK : IROUTER_HI_MASK)) >>> 0;
    c.invalidateRoutes();
    c.updateAll();
    return 0;
  }
}
