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

/** The registers that control a stage 1 walk, as raw 64-bit values. */
export interface Stage1Regs {
  readonly tcr: bigint;
  readonly ttbr0: bigint;
  readonly ttbr1: bigint;
  readonly sctlr: bigint;
}

/** Reads a 64-bit little-endian descriptor at a physical address; null when nothing is there. */
export type DescriptorReader = (pa: number) => bigint | null;

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

/**
 * A 64-bit register or descriptor as two 32-bit halves, so fields are extracted with number
 * operations (BigInt shifts made the walk the boot's hottest code).
 */
interface Split {
  readonly lo: number;
  readonly hi: number;
}

function split(v: bigint): Split {
  return { lo: Number(BigInt.asUintN(32, v)), hi: Number(BigInt.asUintN(32, v >> 32n)) };
}

/** Bits lo..lo+width-1 of `v`; a field never straddles bit 32 here, and width <= 16. */
function bits(v: Split, lo: number, width: number): number {
  const word = lo >= 32 ? v.hi : v.lo;
  return (word >>> (lo & 31)) & ((1 << width) - 1);
}

/** Bits 47..12 of a descriptor or TTBR as a number (an address, exact in a double). */
function outputAddress(desc: Split): number {
  return (desc.hi & 0xffff) * 0x1_0000_0000 + ((desc.lo & 0xffff_f000) >>> 0);
}

/** Walks the tables for `va`. Permissions are returned, not checked: see `checkStage1Access`. */
export function walkStage1(va: number, regs: Stage1Regs, read: DescriptorReader): Stage1Mapping | Stage1Fault {
  const upper = va < 0;
  const tcr = split(regs.tcr);
  const tsz = bits(tcr, upper ? 16 : 0, 6);
  const epd = bits(tcr, upper ? 23 : 7, 1);
  const tg = bits(tcr, upper ? 30 : 14, 2);
  // 4 KiB granule only: TG0 = 0b00, TG1 = 0b10 (other granules are not advertised in ID_AA64MMFR0).
  if (epd === 1 || tg !== (upper ? 2 : 0)) return { fault: 'translation', level: 0 };
  const inputBits = 64 - Math.min(Math.max(tsz, 16), 39);
  const limit = 2 ** inputBits;
  if (upper ? va < -limit : va >= limit) return { fault: 'translation', level: 0 };
  const ttbr = split(upper ? regs.ttbr1 : regs.ttbr0);
  const asidFromTtbr1 = bits(tcr, 22, 1) === 1;
  const asid16 = bits(tcr, 36, 1) === 1;
  const asidReg = split(asidFromTtbr1 ? regs.ttbr1 : regs.ttbr0);
  const asid = bits(asidReg, 48, asid16 ? 16 : 8);
  const paBits = PA_BITS[bits(tcr, 32, 3)]!;
  const paLimit = 2 ** Math.min(paBits, 48);

  let level = 4 - Math.ceil((inputBits - 12) / 9);
  let table = outputAddress(ttbr);
  // Hierarchical controls accumulated from table descriptors (APTable, UXNTable, PXNTable).
  let noEl0 = false;
  let readOnly = false;
  let uxn = false;
  let pxn = false;
  const offsetInRegion = (shift: number): number => {
    const m = 2 ** shift;
    return ((va % m) + m) % m;
  };
  for (;;) {
    const shift = 12 + 9 * (3 - level);
    const index = Math.floor(va / 2 ** shift) & 511;
    const raw = read(table + index * 8);
    if (raw === null) return { fault: 'walkExternal', level };
    const desc = split(raw);
    const type = desc.lo & 3;
    if ((type & 1) === 0) return { fault: 'translation', level };
    if (type === 3 && level < 3) {
      table = outputAddress(desc);
      if (table >= paLimit) return { fault: 'addressSize', level };
      noEl0 ||= bits(desc, 61, 1) === 1;
      readOnly ||= bits(desc, 62, 1) === 1;
      uxn ||= bits(desc, 60, 1) === 1;
      pxn ||= bits(desc, 59, 1) === 1;
      level++;
      continue;
    }
    // A block at level 0 (4 KiB granule) or a "block" encoding at level 3 is invalid.
    if (type === 1 && (level === 0 || level === 3)) return { fault: 'translation', level };
    const base = outputAddress(desc) - (outputAddress(desc) % 2 ** shift);
    if (base >= paLimit) return { fault: 'addressSize', level };
    if (bits(desc, 10, 1) === 0) return { fault: 'accessFlag', level };
    const ap = bits(desc, 6, 2);
    const el0Access = (ap & 1) === 1 && !noEl0;
    const ro = (ap & 2) === 2 || readOnly;
    const el0Write = el0Access && !ro;
    const wxn = (Number(BigInt.asUintN(32, regs.sctlr)) & (1 << 19)) !== 0;
    const el0Exec = !(uxn || bits(desc, 54, 1) === 1) && !(wxn && el0Write);
    // An EL0-writable location is never executable at EL1 (D8.5 "Instruction fetches from EL0-writable memory").
    const el1Exec = !(pxn || bits(desc, 53, 1) === 1) && !el0Write && !(wxn && !ro);
    return {
      pa: base + offsetInRegion(shift),
      sizeLog2: shift,
      el0Read: el0Access,
      el0Write,
      el0Exec,
      el1Write: !ro,
      el1Exec,
      nG: bits(desc, 11, 1) === 1,
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
