/**
 * GICv3 register maps and fixed values (Arm IHI 0069, GICv3/v4 architecture specification: 12.8 GICD,
 * 12.10-12.11 GICR RD_base and SGI_base, 12.2 ICC_* system registers), for a model with one security
 * state (GICD_CTLR.DS = 1), affinity routing always on and no LPIs, as QEMU's `virt` gives a
 * non-secure guest.
 */

/** Distributor offsets (64 KiB frame). */
export const GICD = {
  CTLR: 0x0000,
  TYPER: 0x0004,
  IIDR: 0x0008,
  TYPER2: 0x000c,
  STATUSR: 0x0010,
  SETSPI_NSR: 0x0040,
  CLRSPI_NSR: 0x0048,
  SETSPI_SR: 0x0050,
  CLRSPI_SR: 0x0058,
  IGROUPR: 0x0080,
  ISENABLER: 0x0100,
  ICENABLER: 0x0180,
  ISPENDR: 0x0200,
  ICPENDR: 0x0280,
  ISACTIVER: 0x0300,
  ICACTIVER: 0x0380,
  IPRIORITYR: 0x0400,
  ITARGETSR: 0x0800,
  ICFGR: 0x0c00,
  IGRPMODR: 0x0d00,
  NSACR: 0x0e00,
  SGIR: 0x0f00,
  CPENDSGIR: 0x0f10,
  SPENDSGIR: 0x0f20,
  /** IROUTER<n> is at IROUTER + 8n, for SPIs n = 32..1019. */
  IROUTER: 0x6000,
  PIDR2: 0xffe8,
} as const;

/** Redistributor RD_base frame offsets. */
export const GICR = {
  CTLR: 0x0000,
  IIDR: 0x0004,
  TYPER: 0x0008,
  STATUSR: 0x0010,
  WAKER: 0x0014,
  SETLPIR: 0x0040,
  CLRLPIR: 0x0048,
  PROPBASER: 0x0070,
  PENDBASER: 0x0078,
  INVLPIR: 0x00a0,
  INVALLR: 0x00b0,
  SYNCR: 0x00c0,
  PIDR2: 0xffe8,
} as const;

/** Redistributor SGI_base frame offsets (relative to SGI_base = RD_base + 0x10000). */
export const GICR_SGI = {
  IGROUPR0: 0x0080,
  ISENABLER0: 0x0100,
  ICENABLER0: 0x0180,
  ISPENDR0: 0x0200,
  ICPENDR0: 0x0280,
  ISACTIVER0: 0x0300,
  ICACTIVER0: 0x0380,
  IPRIORITYR: 0x0400,
  ICFGR0: 0x0c00,
  ICFGR1: 0x0c04,
  IGRPMODR0: 0x0d00,
  NSACR: 0x0e00,
} as const;

export const GICD_SIZE = 0x1_0000;
/** One redistributor: RD_base frame then SGI_base frame, 64 KiB each. */
export const GICR_FRAME_SIZE = 0x1_0000;
export const GICR_STRIDE = 0x2_0000;

/** GICD_CTLR: EnableGrp0, EnableGrp1 (with DS = 1), ARE (RAO/WI here), DS (RAO/WI here), RWP (reads 0). */
export const GICD_CTLR_ENABLE_GRP0 = 1 << 0;
export const GICD_CTLR_ENABLE_GRP1 = 1 << 1;
export const GICD_CTLR_ARE = 1 << 4;
export const GICD_CTLR_DS = 1 << 6;

/** GICD_TYPER fields. */
export const GICD_TYPER_IDBITS_SHIFT = 19;
export const GICD_TYPER_A3V = 1 << 24;

/** GICD_IROUTER<n> low word: Aff0 [7:0], Aff1 [15:8], Aff2 [23:16], IRM [31]; high word: Aff3 [7:0]. */
export const IROUTER_IRM = 0x8000_0000;
export const IROUTER_LO_MASK = 0x80ff_ffff;
export const IROUTER_HI_MASK = 0xff;

/** GICR_TYPER low word: Last [4], Processor_Number [23:8]; the high word is the affinity value. */
export const GICR_TYPER_LAST = 1 << 4;
export const GICR_TYPER_PROCNUM_SHIFT = 8;

/** GICR_WAKER: ProcessorSleep [1], ChildrenAsleep [2]. */
export const GICR_WAKER_PROCESSOR_SLEEP = 1 << 1;
export const GICR_WAKER_CHILDREN_ASLEEP = 1 << 2;

/** Implementer ARM (0x43b), product and revision 0. */
export const GICV3_IIDR_VALUE = 0x0000_043b;

/**
 * Peripheral and component ID registers at 0xffd0-0xfffc of the GICD and each RD_base frame
 * (PIDR4-7, PIDR0-3, CIDR0-3). PIDR2 = 0x3b: ArchRev 3 (GICv3) in bits [7:4], JEP106 ARM.
 */
export const ID_REGS_BASE = 0xffd0;
export function idRegister(off: number, pidr0: number): number {
  const values = [0x44, 0, 0, 0, pidr0, 0xb4, 0x3b, 0x00, 0x0d, 0xf0, 0x05, 0xb1];
  return values[(off - ID_REGS_BASE) >> 2] ?? 0;
}
export const GICD_PIDR0 = 0x92;
export const GICR_PIDR0 = 0x93;

/**
 * Priority bits implemented: 5 (32 levels), as QEMU's CPU interface. Priority fields keep bits [7:3];
 * ICC_AP0R0/ICC_AP1R0 are then the only active-priority registers, one bit per group priority.
 */
export const PRI_BITS = 5;
export const PRI_MASK = (0xff << (8 - PRI_BITS)) & 0xff;
export const PRI_SHIFT = 8 - PRI_BITS;
/** Minimum binary points with 5 priority bits: BPR0 = 7 - PRI_BITS, BPR1 = BPR0 + 1. */
export const MIN_BPR0 = 7 - PRI_BITS;
export const MIN_BPR1 = MIN_BPR0 + 1;

/** ICC_CTLR_EL1: EOImode [1] is writable; PRIbits [10:8], IDbits [13:11] (0: 16 bits), A3V [15] are read-only. */
export const ICC_CTLR_EOIMODE = 1 << 1;
export const ICC_CTLR_RO = ((PRI_BITS - 1) << 8) | (0 << 11) | (1 << 15);
/** ICC_SRE_EL1: SRE, DFB and DIB all RAO/WI (system-register interface only). */
export const ICC_SRE_VALUE = 0x7;

/** INTIDs 1020-1023 are special; 1023 means no pending interrupt. */
export const SPURIOUS = 1023;
export const FIRST_SPECIAL = 1020;
