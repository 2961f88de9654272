/** GICv2 register maps (ARM Generic Interrupt Controller Architecture Specification v2, 4.1.2 and 4.1.3). */
export const GICD = {
  CTLR: 0x000,
  TYPER: 0x004,
  IIDR: 0x008,
  IGROUPR: 0x080,
  ISENABLER: 0x100,
  ICENABLER: 0x180,
  ISPENDR: 0x200,
  ICPENDR: 0x280,
  ISACTIVER: 0x300,
  ICACTIVER: 0x380,
  IPRIORITYR: 0x400,
  ITARGETSR: 0x800,
  ICFGR: 0xc00,
  SGIR: 0xf00,
  CPENDSGIR: 0xf10,
  SPENDSGIR: 0xf20,
  PIDR2: 0xfe8,
} as const;

export const GICC = {
  CTLR: 0x000,
  PMR: 0x004,
  BPR: 0x008,
  IAR: 0x00c,
  EOIR: 0x010,
  RPR: 0x014,
  HPPIR: 0x018,
  ABPR: 0x01c,
  AIAR: 0x020,
  AEOIR: 0x024,
  AHPPIR: 0x028,
  APR0: 0x0d0,
  IIDR: 0x0fc,
  DIR: 0x1000,
} as const;

export const GICD_SIZE = 0x1000;
export const GICC_SIZE = 0x2000;
export const SPURIOUS = 1023;
/** GICC_CTLR.EOImodeNS: EOIR only drops priority; DIR deactivates. */
export const GICC_CTLR_EOIMODE = 1 << 9;
/** Product ID and implementer (ARM) of a GIC-400-like v2 distributor/CPU interface. */
export const GICD_IIDR_VALUE = 0x0200043b;
export const GICC_IIDR_VALUE = 0x0202043b;
