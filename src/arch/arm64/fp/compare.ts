/**
 * FPCompare, FPCompareEQ/GE/GT and FPMax/FPMin/FPMaxNum/FPMinNum on bit patterns
 * (Arm ARM DDI0487 J1.3 shared/functions/float).
 */
import { FPSR_IOC } from './fpcr.js';
import type { FpStatus } from './fpcr.js';
import { infBits, INF, isNaNKind, processNaNs, QNAN, SNAN, unpack, ZERO, zeroBits } from './format.js';
import type { FpFormat, Unpacked } from './format.js';

/** Signed comparison of two non-NaN unpacked values: -1, 0 or 1. */
function cmpValues(a: Unpacked, b: Unpacked): number {
  const va = magnitudeKey(a);
  const vb = magnitudeKey(b);
  const sa = a.kind === ZERO ? 0 : a.sign ? -1 : 1;
  const sb = b.kind === ZERO ? 0 : b.sign ? -1 : 1;
  if (sa !== sb) return sa < sb ? -1 : 1;
  if (sa === 0) return 0;
  const m = cmpMagnitude(va, vb);
  return sa > 0 ? m : -m;
}

/** Infinity compares above every finite value. */
function magnitudeKey(u: Unpacked): [number, bigint, number] {
  return [u.kind === INF ? 1 : 0, u.mant, u.exp];
}

function cmpMagnitude(a: [number, bigint, number], b: [number, bigint, number]): number {
  if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1;
  if (a[0] === 1) return 0;
  const e = Math.min(a[2], b[2]);
  const x = a[1] << BigInt(a[2] - e);
  const y = b[1] << BigInt(b[2] - e);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** FPCompare: NZCV in bits 31..28 (0011 unordered, 0110 equal, 1000 less, 0010 greater). */
export function fpCompare(fmt: FpFormat, op1: bigint, op2: bigint, signalAll: boolean, fpcr: number, st: FpStatus): number {
  const a = unpack(fmt, op1, fpcr, st);
  const b = unpack(fmt, op2, fpcr, st);
  if (isNaNKind(a.kind) || isNaNKind(b.kind)) {
    if (signalAll || a.kind === SNAN || b.kind === SNAN) st.fpsr |= FPSR_IOC;
    return 0x30000000;
  }
  const c = cmpValues(a, b);
  return c === 0 ? 0x60000000 : c < 0 ? 0x80000000 : 0x20000000;
}

/** FPCompareEQ (quiet), GE and GT (signalling): `cond` is 'eq', 'ge' or 'gt'. */
export function fpCompareCond(fmt: FpFormat, op1: bigint, op2: bigint, cond: number, fpcr: number, st: FpStatus): boolean {
  const a = unpack(fmt, op1, fpcr, st);
  const b = unpack(fmt, op2, fpcr, st);
  if (isNaNKind(a.kind) || isNaNKind(b.kind)) {
    if (cond !== CMP_EQ || a.kind === SNAN || b.kind === SNAN) st.fpsr |= FPSR_IOC;
    return false;
  }
  const c = cmpValues(a, b);
  return cond === CMP_EQ ? c === 0 : cond === CMP_GE ? c >= 0 : c > 0;
}

export const CMP_EQ = 0;
export const CMP_GE = 1;
export const CMP_GT = 2;

/** The chosen operand's bits, with flushed denormals returned as zeros. */
function valueBits(fmt: FpFormat, u: Unpacked): bigint {
  if (u.kind === ZERO) return zeroBits(fmt, u.sign);
  if (u.kind === INF) return infBits(fmt, u.sign);
  return u.bits;
}

/**
 * FPMax/FPMin (`max` selects), and FPMaxNum/FPMinNum when `num`: a quiet NaN against a number loses.
 * Between zeros, max prefers +0 and min prefers -0.
 */
export function fpMinMax(fmt: FpFormat, op1: bigint, op2: bigint, max: boolean, num: boolean, fpcr: number, st: FpStatus): bigint {
  let a = unpack(fmt, op1, fpcr, st);
  let b = unpack(fmt, op2, fpcr, st);
  if (num) {
    const loser: Unpacked = { kind: INF, sign: max ? 1 : 0, mant: 0n, exp: 0, bits: infBits(fmt, max ? 1 : 0) };
    if (a.kind === QNAN && !isNaNKind(b.kind)) a = loser;
    else if (b.kind === QNAN && !isNaNKind(a.kind)) b = loser;
  }
  const nan = processNaNs(fmt, a, b, fpcr, st);
  if (nan !== null) return nan;
  if (a.kind === ZERO && b.kind === ZERO) {
    return zeroBits(fmt, max ? a.sign & b.sign : a.sign | b.sign);
  }
  const c = cmpValues(a, b);
  const pickA = max ? c > 0 : c < 0;
  return valueBits(fmt, pickA ? a : b);
}
