/**
 * Exact floating-point arithmetic on bit patterns (the slow path): FPAdd, FPMul, FPMulX, FPDiv, FPSqrt,
 * FPMulAdd, FPRecipStepFused, FPRSqrtStepFused (Arm ARM DDI0487 J1.3 shared/functions/float).
 * Exact values are integers scaled by powers of two, so one FPRound gives every mode and flag.
 */
import { FPSR_DZC, FPSR_IOC, fpcrRounding, RM } from './fpcr.js';
import type { FpStatus } from './fpcr.js';
import {
  bitLength, constBits, defaultNaNBits, infBits, INF, processNaNs, processNaNs3, QNAN, round, unpack,
  ZERO, zeroBits,
} from './format.js';
import type { FpFormat } from './format.js';

function invalid(fmt: FpFormat, st: FpStatus): bigint {
  st.fpsr |= FPSR_IOC;
  return defaultNaNBits(fmt);
}

/** Rounds an exact sum, giving an exact zero the sign the rounding mode dictates (-0 only under RM). */
function roundSum(fmt: FpFormat, mant: bigint, exp: number, fpcr: number, st: FpStatus): bigint {
  const rnd = fpcrRounding(fpcr);
  if (mant === 0n) return zeroBits(fmt, rnd === RM ? 1 : 0);
  return mant < 0n ? round(fmt, 1, -mant, exp, fpcr, rnd, st) : round(fmt, 0, mant, exp, fpcr, rnd, st);
}

/** Exact signed sum of two finite values, as (mantissa, exponent). */
function exactSum(s1: number, m1: bigint, e1: number, s2: number, m2: bigint, e2: number): [bigint, number] {
  if (m1 === 0n) return [s2 ? -m2 : m2, e2];
  if (m2 === 0n) return [s1 ? -m1 : m1, e1];
  const e = Math.min(e1, e2);
  const a = m1 << BigInt(e1 - e);
  const b = m2 << BigInt(e2 - e);
  return [(s1 ? -a : a) + (s2 ? -b : b), e];
}

/** FPAdd / FPSub: `negate` inverts op2's sign after NaN handling, as FPSub does. */
export function fpAdd(fmt: FpFormat, op1: bigint, op2: bigint, negate: boolean, fpcr: number, st: FpStatus): bigint {
  const a = unpack(fmt, op1, fpcr, st);
  const b = unpack(fmt, op2, fpcr, st);
  const nan = processNaNs(fmt, a, b, fpcr, st);
  if (nan !== null) return nan;
  const sb = negate ? b.sign ^ 1 : b.sign;
  if (a.kind === INF && b.kind === INF && a.sign !== sb) return invalid(fmt, st);
  if (a.kind === INF) return infBits(fmt, a.sign);
  if (b.kind === INF) return infBits(fmt, sb);
  if (a.kind === ZERO && b.kind === ZERO && a.sign === sb) return zeroBits(fmt, a.sign);
  const [m, e] = exactSum(a.sign, a.mant, a.exp, sb, b.mant, b.exp);
  return roundSum(fmt, m, e, fpcr, st);
}

/** FPMul, or FPMulX when `mulx` (0 * Inf gives 2.0 instead of the default NaN). */
export function fpMul(fmt: FpFormat, op1: bigint, op2: bigint, mulx: boolean, fpcr: number, st: FpStatus): bigint {
  const a = unpack(fmt, op1, fpcr, st);
  const b = unpack(fmt, op2, fpcr, st);
  const nan = processNaNs(fmt, a, b, fpcr, st);
  if (nan !== null) return nan;
  const sign = a.sign ^ b.sign;
  if ((a.kind === INF && b.kind === ZERO) || (a.kind === ZERO && b.kind === INF)) {
    return mulx ? constBits(fmt, sign, 1n, 1) : invalid(fmt, st);
  }
  if (a.kind === INF || b.kind === INF) return infBits(fmt, sign);
  if (a.kind === ZERO || b.kind === ZERO) return zeroBits(fmt, sign);
  return round(fmt, sign, a.mant * b.mant, a.exp + b.exp, fpcr, fpcrRounding(fpcr), st);
}

export function fpDiv(fmt: FpFormat, op1: bigint, op2: bigint, fpcr: number, st: FpStatus): bigint {
  const a = unpack(fmt, op1, fpcr, st);
  const b = unpack(fmt, op2, fpcr, st);
  const nan = processNaNs(fmt, a, b, fpcr, st);
  if (nan !== null) return nan;
  const sign = a.sign ^ b.sign;
  if ((a.kind === INF && b.kind === INF) || (a.kind === ZERO && b.kind === ZERO)) return invalid(fmt, st);
  if (a.kind === INF) return infBits(fmt, sign);
  if (b.kind === ZERO) {
    st.fpsr |= FPSR_DZC;
    return infBits(fmt, sign);
  }
  if (a.kind === ZERO || b.kind === INF) return zeroBits(fmt, sign);
  // A quotient with at least F+3 significant bits plus a sticky bit rounds exactly.
  const k = fmt.f + 4 + bitLength(b.mant);
  const num = a.mant << BigInt(k);
  const q = num / b.mant;
  const sticky = num - q * b.mant !== 0n ? 1n : 0n;
  return round(fmt, sign, (q << 1n) | sticky, a.exp - b.exp - k - 1, fpcr, fpcrRounding(fpcr), st);
}

/** Integer square root (floor) by Newton's method. */
export function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = 1n << BigInt((bitLength(n) >> 1) + 1);
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

export function fpSqrt(fmt: FpFormat, op: bigint, fpcr: number, st: FpStatus): bigint {
  const a = unpack(fmt, op, fpcr, st);
  if (a.kind >= QNAN) return processNaNs(fmt, a, a, fpcr, st)!;
  if (a.kind === ZERO) return zeroBits(fmt, a.sign);
  if (a.sign === 1) return invalid(fmt, st);
  if (a.kind === INF) return infBits(fmt, 0);
  let m = a.mant;
  let e = a.exp;
  if ((e & 1) !== 0) {
    m <<= 1n;
    e -= 1;
  }
  const k = fmt.f + 4; // root gets >= F+3 bits
  const shifted = m << BigInt(2 * k);
  const r = isqrt(shifted);
  const sticky = shifted - r * r !== 0n ? 1n : 0n;
  return round(fmt, 0, (r << 1n) | sticky, (e - 2 * k) / 2 - 1, fpcr, fpcrRounding(fpcr), st);
}

/** FPMulAdd: addend + op1 * op2 with a single rounding. */
export function fpMulAdd(fmt: FpFormat, addend: bigint, op1: bigint, op2: bigint, fpcr: number, st: FpStatus): bigint {
  const a = unpack(fmt, addend, fpcr, st);
  const x = unpack(fmt, op1, fpcr, st);
  const y = unpack(fmt, op2, fpcr, st);
  const infTimesZero = (x.kind === INF && y.kind === ZERO) || (x.kind === ZERO && y.kind === INF);
  const nan = processNaNs3(fmt, a, x, y, fpcr, st);
  if (a.kind === QNAN && infTimesZero) return invalid(fmt, st);
  if (nan !== null) return nan;
  const sp = x.sign ^ y.sign;
  const infP = x.kind === INF || y.kind === INF;
  const zeroP = x.kind === ZERO || y.kind === ZERO;
  if (infTimesZero || (a.kind === INF && infP && a.sign !== sp)) return invalid(fmt, st);
  if (a.kind === INF) return infBits(fmt, a.sign);
  if (infP) return infBits(fmt, sp);
  if (a.kind === ZERO && zeroP && a.sign === sp) return zeroBits(fmt, a.sign);
  const pm = zeroP ? 0n : x.mant * y.mant;
  const [m, e] = exactSum(a.sign, a.mant, a.exp, sp, pm, x.exp + y.exp);
  return roundSum(fmt, m, e, fpcr, st);
}

/** Flips the sign bit (FPNeg), NaNs included. */
export function negBits(fmt: FpFormat, op: bigint): bigint {
  return op ^ (1n << BigInt(fmt.n - 1));
}

/**
 * FPRecipStepFused (FRECPS: 2 - op1*op2) and FPRSqrtStepFused (FRSQRTS: (3 - op1*op2) / 2), fused.
 */
export function fpStepFused(fmt: FpFormat, op1: bigint, op2: bigint, rsqrt: boolean, fpcr: number, st: FpStatus): bigint {
  const a = unpack(fmt, negBits(fmt, op1), fpcr, st);
  const b = unpack(fmt, op2, fpcr, st);
  const nan = processNaNs(fmt, a, b, fpcr, st);
  if (nan !== null) return nan;
  if ((a.kind === INF && b.kind === ZERO) || (a.kind === ZERO && b.kind === INF)) {
    return rsqrt ? constBits(fmt, 0, 3n, -1) : constBits(fmt, 0, 1n, 1);
  }
  if (a.kind === INF || b.kind === INF) return infBits(fmt, a.sign ^ b.sign);
  const pm = a.kind === ZERO || b.kind === ZERO ? 0n : a.mant * b.mant;
  const [m, e] = exactSum(0, rsqrt ? 3n : 2n, 0, a.sign ^ b.sign, pm, a.exp + b.exp);
  return roundSum(fmt, m, rsqrt ? e - 1 : e, fpcr, st);
}

