/**
 * Loads and stores of one general register, every addressing mode (Arm ARM DDI0487 C4.1.88,
 * C6.2 LDR/STR and friends).
 *
 * The data part of each instruction is one of a few access kinds (`Op`). The commonest kinds get a
 * closure of their own per addressing mode, so the memory call is monomorphic and inlined; the rest
 * share one closure per mode that calls `access()`, whose switch on a decode-time constant is cheap.
 *
 * Writeback (pre/post-indexed) with Rn == Rt is CONSTRAINED UNPREDICTABLE (Arm ARM DDI0487 K1.2, LDR (immediate)); like
 * QEMU, a load writes Rt and then the base (the writeback wins), and a store stores the old Rt.
 * Writeback is computed on the full 64-bit base (with its top byte), the access uses the TBI address.
 * A fault leaves every register unchanged: the access happens before any register is written.
 * SP as a base is not checked for 16-byte alignment: that check exists only with SCTLR_ELx.SA/SA0
 * set, which Linux leaves clear for EL0 (TODO(EL1): check SCTLR_EL1.SA when running a kernel).
 */
import { LDST_PATTERNS } from '../decode/ldst.js';
import type { Exec, Factory, InsnGroup } from './group.js';
import { dstZr, regSp, srcZr, xAddress } from './regs.js';
import type { Cpu } from '../cpu.js';

const TWO32 = 0x1_0000_0000;

/** Access kinds: stores, zero-extending loads, sign-extending loads to 64 and to 32 bits. */
export const enum Op {
  ST8, ST16, ST32, ST64,
  LD8, LD16, LD32, LD64,
  LDS8X, LDS16X, LDS32X,
  LDS8W, LDS16W,
  PRFM,
}

/** The access kind for the encoding's size and opc fields (C4.1.88 table), or null if unallocated. */
export function opFor(size: number, opc: number): Op | null {
  switch (opc) {
    case 0: return Op.ST8 + size;
    case 1: return Op.LD8 + size;
    case 2: return size === 3 ? Op.PRFM : Op.LDS8X + size;
    default: return size < 2 ? Op.LDS8W + size : null;
  }
}

/** The register slot an access uses for Rt: stores read it (31 = XZR), loads write it (31 = discard). */
export function slotFor(op: Op, rt: number): number {
  return op <= Op.ST64 ? srcZr(rt) : dstZr(rt);
}

/** Performs access `op` at `va` for register slot `t`. Loads read memory fully before writing Rt. */
export function access(c: Cpu, op: Op, va: number, t: number): void {
  const x = c.x32;
  let v: number;
  switch (op) {
    case Op.ST8: c.write8(va, x[2 * t]! & 0xff); return;
    case Op.ST16: c.write16(va, x[2 * t]! & 0xffff); return;
    case Op.ST32: c.write32(va, x[2 * t]!); return;
    case Op.ST64: c.write64(va, x, 2 * t); return;
    case Op.LD8: v = c.read8(va); break;
    case Op.LD16: v = c.read16(va); break;
    case Op.LD32: v = c.read32(va); break;
    case Op.LD64: c.read64(va, x, 2 * t); return;
    case Op.LDS8X: v = (c.read8(va) << 24) >> 24; x[2 * t] = v; x[2 * t + 1] = v >> 31; return;
    case Op.LDS16X: v = (c.read16(va) << 16) >> 16; x[2 * t] = v; x[2 * t + 1] = v >> 31; return;
    case Op.LDS32X: v = c.read32(va) | 0; x[2 * t] = v; x[2 * t + 1] = v >> 31; return;
    case Op.LDS8W: v = (c.read8(va) << 24) >> 24; break;
    case Op.LDS16W: v = (c.read16(va) << 16) >> 16; break;
    default: return; // PRFM: a hint that never faults
  }
  x[2 * t] = v;
  x[2 * t + 1] = 0;
}

/** Shared no-op closure (PRFM in every form). */
export const NOP: Exec = () => {};

/**
 * Base + immediate, no writeback (scaled unsigned offset, unscaled, unprivileged). The commonest
 * access kinds get closures of their own, so their memory call is monomorphic and inlined.
 */
function baseOffset(op: Op, n: number, t: number, off: number): Exec {
  const i = 2 * t;
  switch (op) {
    case Op.PRFM: return NOP;
    case Op.LD64: return (c) => c.read64(xAddress(c.x32, n) + off, c.x32, i);
    case Op.ST64: return (c) => c.write64(xAddress(c.x32, n) + off, c.x32, i);
    case Op.LD32: return (c) => { const x = c.x32; x[i] = c.read32(xAddress(x, n) + off); x[i + 1] = 0; };
    case Op.ST32: return (c) => c.write32(xAddress(c.x32, n) + off, c.x32[i]!);
    case Op.LD16: return (c) => { const x = c.x32; x[i] = c.read16(xAddress(x, n) + off); x[i + 1] = 0; };
    case Op.ST16: return (c) => c.write16(xAddress(c.x32, n) + off, c.x32[i]! & 0xffff);
    case Op.LD8: return (c) => { const x = c.x32; x[i] = c.read8(xAddress(x, n) + off); x[i + 1] = 0; };
    case Op.ST8: return (c) => c.write8(xAddress(c.x32, n) + off, c.x32[i]! & 0xff);
    default: return (c) => access(c, op, xAddress(c.x32, n) + off, t);
  }
}

/** Pre- or post-indexed: the new base is computed from the old one before the access (Rt may be Rn). */
function writeback(op: Op, n: number, t: number, off: number, post: boolean): Exec {
  const accessOff = post ? 0 : off;
  // The stack push/pop of a single register (STR X30, [SP, #-16]! / LDR X30, [SP], #16).
  if (op === Op.ST64 || op === Op.LD64) {
    const store = op === Op.ST64;
    return (c) => {
      const x = c.x32;
      const lo = x[2 * n]! + off;
      const hi = x[2 * n + 1]! + Math.floor(lo / TWO32);
      const va = xAddress(x, n) + accessOff;
      if (store) c.write64(va, x, 2 * t);
      else c.read64(va, x, 2 * t);
      x[2 * n] = lo;
      x[2 * n + 1] = hi;
    };
  }
  return (c) => {
    const x = c.x32;
    const lo = x[2 * n]! + off;
    const hi = x[2 * n + 1]! + Math.floor(lo / TWO32);
    access(c, op, xAddress(x, n) + accessOff, t);
    x[2 * n] = lo;
    x[2 * n + 1] = hi;
  };
}

const LDST_uimm: Factory = (f) => {
  const op = opFor(f.size!, f.opc!);
  if (op === null) return null;
  return baseOffset(op, regSp(f.rn!), slotFor(op, f.rt!), f.imm! << f.size!);
};

const LDST_unscaled: Factory = (f) => {
  const op = opFor(f.size!, f.opc!);
  if (op === null) return null;
  return baseOffset(op, regSp(f.rn!), slotFor(op, f.rt!), (f.imm! << 23) >> 23);
};

/** LDTR/STTR: unprivileged accesses, which at EL0 are ordinary ones. TODO(EL1): check with EL0 permissions. */
const LDST_unpriv: Factory = (f) => {
  const op = opFor(f.size!, f.opc!);
  if (op === null || op === Op.PRFM) return null;
  return baseOffset(op, regSp(f.rn!), slotFor(op, f.rt!), (f.imm! << 23) >> 23);
};

function indexed(post: boolean): Factory {
  return (f) => {
    const op = opFor(f.size!, f.opc!);
    if (op === null || op === Op.PRFM) return null;
    return writeback(op, regSp(f.rn!), slotFor(op, f.rt!), (f.imm! << 23) >> 23, post);
  };
}

/** Index extensions of the register-offset forms, from option: UXTW (010), SXTW (110), LSL/UXTX/SXTX (x11, Rm unchanged). */
export const enum Ext { UXTW, SXTW, X }

/**
 * Xn + (extend(Rm) << s) as an address, summed in 32-bit halves because Rm can be any 64-bit value.
 * `ext` and `s` are decode-time constants of the caller, so this small function inlines well.
 */
export function regAddr(x: Uint32Array, n: number, m: number, ext: Ext, s: number): number {
  const mLo = x[2 * m]!;
  const lo = x[2 * n]! + ((mLo << s) >>> 0);
  // Bits shifted out of the low half into the high half; `>>> 1 >>> (31 - s)` is 0 when s = 0.
  const carryOut = (mLo >>> 1) >>> (31 - s);
  const mHi = ext === Ext.X ? x[2 * m + 1]! << s : ext === Ext.SXTW ? (mLo >> 31) << s : 0;
  const hi = x[2 * n + 1]! + (mHi | carryOut) + (lo >= TWO32 ? 1 : 0);
  return ((hi << 8) >> 8) * TWO32 + (lo >>> 0);
}

/**
 * LDR/STR (register): option<1> = 0 is unallocated. The commonest access kinds (array indexing in
 * hot loops) get closures of their own, like the immediate forms.
 */
const LDST_reg: Factory = (f) => {
  const op = opFor(f.size!, f.opc!);
  if (op === null || (f.option! & 2) === 0) return null;
  if (op === Op.PRFM) return NOP;
  const n = regSp(f.rn!);
  const m = srcZr(f.rm!);
  const t = slotFor(op, f.rt!);
  const i = 2 * t;
  const s = f.s === 1 ? f.size! : 0;
  const ext = f.option === 2 ? Ext.UXTW : f.option === 6 ? Ext.SXTW : Ext.X;
  switch (op) {
    case Op.LD64: return (c) => c.read64(regAddr(c.x32, n, m, ext, s), c.x32, i);
    case Op.ST64: return (c) => c.write64(regAddr(c.x32, n, m, ext, s), c.x32, i);
    case Op.LD32: return (c) => { const x = c.x32; x[i] = c.read32(regAddr(x, n, m, ext, s)); x[i + 1] = 0; };
    case Op.ST32: return (c) => c.write32(regAddr(c.x32, n, m, ext, s), c.x32[i]!);
    case Op.LD16: return (c) => { const x = c.x32; x[i] = c.read16(regAddr(x, n, m, ext, s)); x[i + 1] = 0; };
    case Op.LD8: return (c) => { const x = c.x32; x[i] = c.read8(regAddr(x, n, m, ext, s)); x[i + 1] = 0; };
    case Op.ST8: return (c) => c.write8(regAddr(c.x32, n, m, ext, s), c.x32[i]! & 0xff);
    default: return (c) => access(c, op, regAddr(c.x32, n, m, ext, s), t);
  }
};

/** LDR (literal), LDRSW (literal), PRFM (literal): PC-relative, word offset of 19 bits. */
const LDR_lit: Factory = (f) => {
  const op = f.opc === 0 ? Op.LD32 : f.opc === 1 ? Op.LD64 : f.opc === 2 ? Op.LDS32X : Op.PRFM;
  if (op === Op.PRFM) return NOP;
  const off = ((f.imm! << 13) >> 13) * 4;
  const t = dstZr(f.rt!);
  return (c) => access(c, op, c.pc + off, t);
};

export const LDST: InsnGroup = {
  name: 'ldst',
  patterns: LDST_PATTERNS,
  handlers: {
    LDST_uimm,
    LDST_unscaled,
    LDST_post: indexed(true),
    LDST_unpriv,
    LDST_pre: indexed(false),
    LDST_reg,
    LDR_lit,
  },
  endsBlock: new Set(),
};
