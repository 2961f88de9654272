/**
 * VMSAv8-64 stage 1 translation for the EL1&0 regime with the 4 KiB granule (Arm ARM DDI0487,
 * D8.2 "Translation process", D8.3 "Translation table descriptor formats").
 *
 * The walk is a pure function of the translation registers and physical memory, so the MMU that wraps
 * it (and the hypervisor's stage 2, which will sit between the walk's descriptor reads and RAM) can be
 * tested without a CPU. Virtual addresses arrive as sign-extended numbers with the top byte already
 * ignored (TBI), so bit 55 is the sign and selects TTBR0 (va >= 0) or TTBR1 (va < 0).
 */
import { Access } from './translator.js';

/** The registers that control a stage 1 walk, each 64-bit register as its two 32-bit halves. */
export interface Stage1Regs {
  readonly tcrLo: number;
  readonly tcrHi: number;
  readonly ttbr0Lo: number;
  readonly ttbr0Hi: number;
  readonly ttbr1Lo: number;
  readonly ttbr1Hi: number;
  /** SCTLR_EL1 bits 31..0 (M, WXN). */
  readonly sctlrLo: number;
}

/**
 * Reads the 64-bit little-endian descriptor at a physical address into `out` (bits 31..0 in out[0],
 * 63..32 in out[1]); false when nothing is there. Halves, because BigInt made the walk the boot's
 * hottest code.
 */
export type DescriptorReader = (pa: number, out: Uint32Array) => boolean;

export interface Stage1Mapping {
  /** Physical address of `va`. */
  readonly pa: number;
  /** log2 of the mapped region's size: 12 (page), 21 (2 MiB block) or 30 (1 GiB block). */
  readonly sizeLog2: number;
  /** Effective permissions after hierarchical controls, for EL0 and EL1. */
  readonly el0Read: boolean;
  readonly el0Write: boolean;
  readonly el0Exec: boolean;
  readonly el1Write: boolean;
  readonly el1Exec: boolean;
  /** The descriptor's Contiguous hint: one of 16 adjacent entries that a TLB may cache as one. */
  readonly contiguous: boolean;
  /** Not global: the entry belongs to `asid`. */
  readonly nG: boolean;
  readonly asid: number;
}

export type Stage1FaultKind = 'translation' | 'accessFlag' | 'permission' | 'addressSize' | 'walkExternal';

export interface Stage1Fault {
  readonly fault: Stage1FaultKind;
  readonly level: number;
}

const FSC_BASE: Record<Stage1FaultKind, number> = {
  addressSize: 0x00,
  translation: 0x04,
  accessFlag: 0x08,
  permission: 0x0c,
  walkExternal: 0x14,
};

/** The ESR fault status code for a stage 1 fault (DFSC/IFSC: type and level). */
export function stage1Fsc(f: Stage1Fault): number {
  return FSC_BASE[f.fault] + f.level;
}

/** IPS/PARange encodings to physical address widths. */
const PA_BITS = [32, 36, 40, 42, 44, 48, 52, 52];

/** Bit `n` (0..31) of a 32-bit half. */
function bit(word: number, n: number): number {
  return (word >>> n) & 1;
}

/** Bits 47..12 of a descriptor or TTBR given as halves: an address, exact in a double. */
function outputAddress(lo: number, hi: number): number {
  return (hi & 0xffff) * 0x1_0000_0000 + ((lo & 0xffff_f000) >>> 0);
}

/**
 * 2^n for n = 0..64: `2 ** n` with a variable exponent is a call of the engine's pow (over 1 % of an
 * idle kernel's time went there from the walk).
 */
const POW2 = Float64Array.from({ length: 65 }, (_, n) => 2 ** n);

/** Scratch for the descriptor being examined (the walk is synchronous and never re-entered). */
const desc = new Uint32Array(2);

/** Walks the tables for `va`. Permissions are returned, not checked: see `checkStage1Access`. */
export function walkStage1(va: number, regs: Stage1Regs, read: DescriptorReader): Stage1Mapping | Stage1Fault {
  const upper = va < 0;
  const tcrLo = regs.tcrLo;
  const tcrHi = regs.tcrHi;
  const tsz = (tcrLo >>> (upper ? 16 : 0)) & 0x3f;
  const epd = bit(tcrLo, upper ? 23 : 7);
  const tg = (tcrLo >>> (upper ? 30 : 14)) & 3;
  // 4 KiB granule only: TG0 = 0b00, TG1 = 0b10 (other granules are not advertised in ID_AA64MMFR0).
  if (epd === 1 || tg !== (upper ? 2 : 0)) return { fault: 'translation', level: 0 };
  const inputBits = 64 - Math.min(Math.max(tsz, 16), 39);
  const limit = POW2[inputBits]!;
  if (upper ? va < -limit : va >= limit) return { fault: 'translation', level: 0 };
  // TCR.A1 (bit 22) picks the register holding the ASID, TCR.AS (bit 36) its width.
  const asidHi = bit(tcrLo, 22) === 1 ? regs.ttbr1Hi : regs.ttbr0Hi;
  const asid = (asidHi >>> 16) & (bit(tcrHi, 4) === 1 ? 0xffff : 0xff);
  const paBits = PA_BITS[tcrHi & 7]!;
  const paLimit = POW2[Math.min(paBits, 48)]!;

  let level = 4 - Math.ceil((inputBits - 12) / 9);
  let table = upper ? outputAddress(regs.ttbr1Lo, regs.ttbr1Hi) : outputAddress(regs.ttbr0Lo, regs.ttbr0Hi);
  // Hierarchical controls accumulated from table descriptors (APTable, UXNTable, PXNTable).
  let noEl0 = false;
  let readOnly = false;
  let uxn = false;
  let pxn = false;
  for (;;) {
    const shift = 12 + 9 * (3 - level);
    const region = POW2[shift]!;
    const index = Math.floor(va / region) & 511;
    if (!read(table + index * 8, desc)) return { fault: 'walkExternal', level };
    const lo = desc[0]!;
    const hi = desc[1]!;
    const type = lo & 3;
    if ((type & 1) === 0) return { fault: 'translation', level };
    if (type === 3 && level < 3) {
      table = outputAddress(lo, hi);
      if (table >= paLimit) return { fault: 'addressSize', level };
      noEl0 ||= bit(hi, 61 - 32) === 1;
      readOnly ||= bit(hi, 62 - 32) === 1;
      uxn ||= bit(hi, 60 - 32) === 1;
      pxn ||= bit(hi, 59 - 32) === 1;
      level++;
      continue;
    }
    // A block at level 0 (4 KiB granule) or a "block" encoding at level 3 is invalid.
    if (type === 1 && (level === 0 || level === 3)) return { fault: 'translation', level };
    const out = outputAddress(lo, hi);
    const base = out - (out % region);
    if (base >= paLimit) return { fault: 'addressSize', level };
    if (bit(lo, 10) === 0) return { fault: 'accessFlag', level };
    const ap = (lo >>> 6) & 3;
    const el0Access = (ap & 1) === 1 && !noEl0;
    const ro = (ap & 2) === 2 || readOnly;
    const el0Write = el0Access && !ro;
    const wxn = bit(regs.sctlrLo, 19) === 1;
    const el0Exec = !(uxn || bit(hi, 54 - 32) === 1) && !(wxn && el0Write);
    // An EL0-writable location is never executable at EL1 (D8.5 "Instruction fetches from EL0-writable memory").
    const el1Exec = !(pxn || bit(hi, 53 - 32) === 1) && !el0Write && !(wxn && !ro);
    return {
      pa: base + (((va % region) + region) % region),
      sizeLog2: shift,
      el0Read: el0Access,
      el0Write,
      el0Exec,
      el1Write: !ro,
      el1Exec,
      contiguous: bit(hi, 52 - 32) === 1,
      nG: bit(lo, 11) === 1,
      asid,
    };
  }
}

/** Checks an access against a mapping; returns null when allowed, else the permission fault. */
export function checkStage1Access(m: Stage1Mapping, access: Access, el: number): Stage1Fault | null {
  const level = m.sizeLog2 === 12 ? 3 : m.sizeLog2 === 21 ? 2 : 1;
  let ok: boolean;
  if (access === Access.READ) ok = el === 0 ? m.el0Read : true;
  else if (access === Access.WRITE) ok = el === 0 ? m.el0Write : m.el1Write;
  else ok = el === 0 ? m.el0Exec : m.el1Exec;
  return ok ? null : { fault: 'permission', level };
}

export function isStage1Fault(r: Stage1Mapping | Stage1Fault): r is Stage1Fault {
  return 'fault' in r;
}
