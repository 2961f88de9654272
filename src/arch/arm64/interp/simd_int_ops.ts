/**
 * Per-lane AdvSIMD integer operations for the lane engine (simd_int_lanes.ts), each in a number form
 * (elements up to 32 bits, results exact below 2^53 and reduced modulo the element size on store) and,
 * where a form can have 64-bit elements, a BigInt form. Operands arrive already sign- or zero-extended
 * as the instruction requires; `d` is the old destination lane for accumulating forms.
 *
 * Semantics follow the Arm ARM DDI0487 pseudocode of each instruction (C7.2); shifts by a register
 * take the signed low byte of the Vm element (C7.2 SSHL).
 */
import type { LaneOp } from './simd_int_lanes.js';
import { satS, satSBig, satU, satUBig } from './simd_int_lanes.js';

const lane = (num: LaneOp['num'], big: LaneOp['big'] = null): LaneOp => ({ num, big });
const bool = (x: boolean): number => (x ? -1 : 0);
const boolB = (x: boolean): bigint => (x ? -1n : 0n);
const absB = (x: bigint): bigint => (x < 0n ? -x : x);

/** Saturation to `bits` of the given signedness, both forms. */
function sat(bits: number, signed: boolean): (v: number) => number {
  return signed ? (v) => satS(v, bits) : (v) => satU(v, bits);
}
function satB(bits: number, signed: boolean): (v: bigint) => bigint {
  return signed ? (v) => satSBig(v, bits) : (v) => satUBig(v, bits);
}

export const ADD = lane((a, b) => a + b, (a, b) => a + b);
export const SUB = lane((a, b) => a - b, (a, b) => a - b);
export const HADD = lane((a, b) => Math.floor((a + b) / 2));
export const RHADD = lane((a, b) => Math.floor((a + b + 1) / 2));
export const HSUB = lane((a, b) => Math.floor((a - b) / 2));
export const CMGT = lane((a, b) => bool(a > b), (a, b) => boolB(a > b));
export const CMGE = lane((a, b) => bool(a >= b), (a, b) => boolB(a >= b));
export const CMEQ = lane((a, b) => bool(a === b), (a, b) => boolB(a === b));
export const CMTST = lane((a, b) => bool((a & b) !== 0), (a, b) => boolB((a & b) !== 0n));
export const MAX = lane((a, b) => (a > b ? a : b));
export const MIN = lane((a, b) => (a < b ? a : b));
export const ABD = lane((a, b) => Math.abs(a - b), (a, b) => absB(a - b));
export const ABA = lane((a, b, d) => d + Math.abs(a - b), (a, b, d) => d + absB(a - b));
export const MUL = lane((a, b) => Math.imul(a, b));
export const MLA = lane((a, b, d) => d + Math.imul(a, b));
export const MLS = lane((a, b, d) => d - Math.imul(a, b));
/** Widening multiplies: the product of two elements of up to 16 bits is exact as a number. */
export const MULL = lane((a, b) => a * b, (a, b) => a * b);
export const MLAL = lane((a, b, d) => d + a * b, (a, b, d) => d + a * b);
export const MLSL = lane((a, b, d) => d - a * b, (a, b, d) => d - a * b);

/** Polynomial (carry-less) multiply of two 8-bit elements, PMUL keeping 8 and PMULL 16 bits of the result. */
export const PMUL = lane((a, b) => {
  let r = 0;
  for (let i = 0; i < 8; i++) if ((b >> i) & 1) r ^= a << i;
  return r;
});

export function qadd(bits: number, signed: boolean): LaneOp {
  const s = sat(bits, signed);
  const sb = satB(bits, signed);
  return lane((a, b) => s(a + b), (a, b) => sb(a + b));
}
export function qsub(bits: number, signed: boolean): LaneOp {
  const s = sat(bits, signed);
  const sb = satB(bits, signed);
  return lane((a, b) => s(a - b), (a, b) => sb(a - b));
}

/** SSHL/USHL/SRSHL/URSHL/SQSHL/UQSHL/SQRSHL/UQRSHL: shift by the signed low byte of Vm. */
export function shiftReg(bits: number, signed: boolean, round: boolean, saturate: boolean): LaneOp {
  const s = sat(bits, signed);
  const sb = satB(bits, signed);
  return lane(
    (a, b) => {
      const sh = (b << 24) >> 24;
      if (sh >= 0) {
        const r = a * 2 ** sh; // exact: scaling by a power of two
        return saturate ? s(r) : r;
      }
      const p = 2 ** -sh;
      return round ? Math.floor((a + p / 2) / p) : Math.floor(a / p);
    },
    (a, b) => {
      const sh = BigInt.asIntN(8, b);
      if (sh >= 0n) {
        const r = a << sh;
        return saturate ? sb(r) : r;
      }
      return round ? (a + (1n << (-sh - 1n))) >> -sh : a >> -sh;
    },
  );
}

/** SQDMULH/SQRDMULH: high half of the doubled product (16- or 32-bit elements), signed saturated. */
export function qdmulh(bits: number, round: boolean): LaneOp {
  const r = round ? 2 ** (bits - 1) : 0;
  if (bits === 16) return lane((a, b) => satS(Math.floor((2 * a * b + r) / 65536), 16));
  const rb = BigInt(r);
  return lane((a, b) => Number(satSBig((2n * BigInt(a) * BigInt(b) + rb) >> 32n, 32)));
}

/** SQDMULL/SQDMLAL/SQDMLSL: doubled product saturated to `bits` (the wide size), then accumulated and saturated. */
export function qdmull(bits: number, acc: -1 | 0 | 1): LaneOp {
  return lane(
    (a, b, d) => {
      const p = satS(2 * a * b, bits);
      return acc === 0 ? p : satS(d + acc * p, bits);
    },
    (a, b, d) => {
      const p = satSBig(2n * a * b, bits);
      return acc === 0 ? p : satSBig(acc === 1 ? d + p : d - p, bits);
    },
  );
}

/** ADDHN/RADDHN/SUBHN/RSUBHN: high half (`bits` wide) of the 2*bits sum or difference. */
export function addhn(bits: number, sub: boolean, round: boolean): LaneOp {
  const p = 2 ** bits;
  const r = round ? p / 2 : 0;
  const bb = BigInt(bits);
  const rb = BigInt(r);
  return lane(
    (a, b) => Math.floor(((sub ? a - b : a + b) + r) / p),
    (a, b) => ((sub ? a - b : a + b) + rb) >> bb,
  );
}

// Two-register misc (unary: `a` is the Vn lane, `d` the old Vd lane).
export const ABS = lane((a) => Math.abs(a), (a) => absB(a));
export const NEG = lane((a) => -a, (a) => -a);
export const CMGT_Z = lane((a) => bool(a > 0), (a) => boolB(a > 0n));
export const CMGE_Z = lane((a) => bool(a >= 0), (a) => boolB(a >= 0n));
export const CMEQ_Z = lane((a) => bool(a === 0), (a) => boolB(a === 0n));
export const CMLE_Z = lane((a) => bool(a <= 0), (a) => boolB(a <= 0n));
export const CMLT_Z = lane((a) => bool(a < 0), (a) => boolB(a < 0n));
export const ADDLP = ADD;
export const ADALP = lane((a, b, d) => d + a + b, (a, b, d) => d + a + b);

export function qabs(bits: number): LaneOp {
  return lane((a) => satS(Math.abs(a), bits), (a) => satSBig(absB(a), bits));
}
export function qneg(bits: number): LaneOp {
  return lane((a) => satS(-a, bits), (a) => satSBig(-a, bits));
}
/** SUQADD (signed result) and USQADD (unsigned result): Vd + Vn with the signedness set by the caller's reads. */
export function qacc(bits: number, signedResult: boolean): LaneOp {
  const s = sat(bits, signedResult);
  const sb = satB(bits, signedResult);
  return lane((a, _b, d) => s(a + d), (a, _b, d) => sb(a + d));
}
/** CLZ of an unsigned element; CLS of a signed one (leading bits equal to the sign bit, excluding it). */
export function clz(bits: number): LaneOp {
  return lane((a) => Math.clz32(a) - (32 - bits));
}
export function cls(bits: number): LaneOp {
  return lane((a) => Math.clz32(a < 0 ? ~a : a) - (32 - bits) - 1);
}
/** XTN/SQXTN/UQXTN/SQXTUN: narrowing to `bits`, saturating unless `signedSat` is null. */
export function narrow(bits: number, signedSat: boolean | null): LaneOp {
  if (signedSat === null) return lane((a) => a, (a) => a);
  const s = sat(bits, signedSat);
  const sb = satB(bits, signedSat);
  return lane((a) => s(a), (a) => sb(a));
}

// Shift by immediate: `sh` is the decoded shift amount.

/** SSHR/USHR/SRSHR/URSHR and, with `acc`, SSRA/USRA/SRSRA/URSRA. */
export function shr(sh: number, round: boolean, acc: boolean): LaneOp {
  const p = 2 ** sh;
  const r = round ? p / 2 : 0;
  const shb = BigInt(sh);
  const rb = round ? 1n << (shb - 1n) : 0n;
  if (acc) return lane((a, _b, d) => d + Math.floor((a + r) / p), (a, _b, d) => d + ((a + rb) >> shb));
  return lane((a) => Math.floor((a + r) / p), (a) => (a + rb) >> shb);
}

/** SHL, and SSHLL/USHLL/SHLL (the widening is in the lane shape). */
export function shl(sh: number): LaneOp {
  const p = 2 ** sh;
  const shb = BigInt(sh);
  return lane((a) => a * p, (a) => a << shb);
}

/** SQSHL/UQSHL/SQSHLU (immediate): left shift saturated to `bits` of the result's signedness. */
export function qshl(bits: number, sh: number, signedResult: boolean): LaneOp {
  const p = 2 ** sh;
  const shb = BigInt(sh);
  const s = sat(bits, signedResult);
  const sb = satB(bits, signedResult);
  return lane((a) => s(a * p), (a) => sb(a << shb));
}

/** SHRN/RSHRN and the saturating narrowing right shifts (`signedSat` null: truncate). */
export function shrn(bits: number, sh: number, round: boolean, signedSat: boolean | null): LaneOp {
  const base = shr(sh, round, false);
  if (signedSat === null) return base;
  const s = sat(bits, signedSat);
  const sb = satB(bits, signedSat);
  const bn = base.num;
  const bg = base.big!;
  return lane((a, b, d) => s(bn(a, b, d)), (a, b, d) => sb(bg(a, b, d)));
}

/** SRI: the top `sh` bits of each Vd element are kept and the rest come from Vn shifted right. */
export function sri(bits: number, sh: number): LaneOp {
  const keep = 2 ** (bits - sh);
  const p = 2 ** sh;
  const shb = BigInt(sh);
  const mask = ((1n << BigInt(bits)) - 1n) >> shb;
  return lane((a, _b, d) => d - (d % keep) + Math.floor(a / p), (a, _b, d) => (d & ~mask) | (a >> shb));
}

/** SLI: the low `sh` bits of each Vd element are kept and the rest come from Vn shifted left. */
export function sli(bits: number, sh: number): LaneOp {
  const p = 2 ** sh;
  const top = 2 ** bits;
  const shb = BigInt(sh);
  const ones = (1n << BigInt(bits)) - 1n;
  const low = (1n << shb) - 1n;
  return lane((a, _b, d) => ((a * p) % top) + (d % p), (a, _b, d) => ((a << shb) & ones) | (d & low));
}
