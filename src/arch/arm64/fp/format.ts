/**
 * Floating-point formats and the exact slow path shared by every operation: FPUnpack, FPRound and NaN
 * handling (Arm ARM DDI0487 J1.3 shared/functions/float). Values travel as bit patterns in bigints and
 * as exact (sign, integer mantissa, binary exponent) triples, so every rounding mode and flag is exact.
 */
import { FPCR_DN, FPCR_FZ, FPCR_FZ16, FPSR_IDC, FPSR_IOC, FPSR_IXC, FPSR_OFC, FPSR_UFC, RA, RM, RN, RO, RP } from './fpcr.js';
import type { FpStatus } from './fpcr.js';

export interface FpFormat {
  readonly n: number; // total bits
  readonly e: number; // exponent bits
  readonly f: number; // fraction bits
  readonly minExp: number; // exponent of the smallest normal
  readonly bias: number;
}

export const FMT_H: FpFormat = { n: 16, e: 5, f: 10, minExp: -14, bias: 15 };
export const FMT_S: FpFormat = { n: 32, e: 8, f: 23, minExp: -126, bias: 127 };
export const FMT_D: FpFormat = { n: 64, e: 11, f: 52, minExp: -1022, bias: 1023 };

export function fmtOfSize(size: number): FpFormat {
  return size === 16 ? FMT_H : size === 32 ? FMT_S : FMT_D;
}

export const ZERO = 0;
export const NORMAL = 1; // any nonzero finite value, denormals included
export const INF = 2;
export const QNAN = 3;
export const SNAN = 4;

/** An unpacked operand: value = (-1)^sign * mant * 2^exp when kind is NORMAL. */
export interface Unpacked {
  kind: number;
  sign: number;
  mant: bigint;
  exp: number;
  bits: bigint;
}

export function isNaNKind(k: number): boolean {
  return k >= QNAN;
}

/**
 * FPUnpack: denormal inputs become zero when flushing applies (FPCR.FZ for single/double, setting IDC;
 * FPCR.FZ16 for half, silently). `ahp` selects the alternative half-precision format (no Inf/NaN).
 */
export function unpack(fmt: FpFormat, bits: bigint, fpcr: number, st: FpStatus, ahp = false): Unpacked {
  const f = BigInt(fmt.f);
  const sign = Number((bits >> BigInt(fmt.n - 1)) & 1n);
  const expField = Number((bits >> f) & BigInt((1 << fmt.e) - 1));
  const frac = bits & ((1n << f) - 1n);
  if (expField === 0) {
    if (frac === 0n) return { kind: ZERO, sign, mant: 0n, exp: 0, bits };
    if (fmt.n === 16 ? (fpcr & FPCR_FZ16) !== 0 : (fpcr & FPCR_FZ) !== 0) {
      if (fmt.n !== 16) st.fpsr |= FPSR_IDC;
      return { kind: ZERO, sign, mant: 0n, exp: 0, bits };
    }
    return { kind: NORMAL, sign, mant: frac, exp: fmt.minExp - fmt.f, bits };
  }
  if (expField === (1 << fmt.e) - 1 && !(ahp && fmt.n === 16)) {
    if (frac === 0n) return { kind: INF, sign, mant: 0n, exp: 0, bits };
    const quiet = (frac >> (f - 1n)) & 1n;
    return { kind: quiet === 1n ? QNAN : SNAN, sign, mant: 0n, exp: 0, bits };
  }
  return { kind: NORMAL, sign, mant: frac | (1n << f), exp: expField - fmt.bias - fmt.f, bits };
}

export function zeroBits(fmt: FpFormat, sign: number): bigint {
  return BigInt(sign) << BigInt(fmt.n - 1);
}

export function infBits(fmt: FpFormat, sign: number): bigint {
  return zeroBits(fmt, sign) | (BigInt((1 << fmt.e) - 1) << BigInt(fmt.f));
}

export function maxNormalBits(fmt: FpFormat, sign: number): bigint {
  return zeroBits(fmt, sign) | ((BigInt((1 << fmt.e) - 2) << BigInt(fmt.f)) | ((1n << BigInt(fmt.f)) - 1n));
}

export function defaultNaNBits(fmt: FpFormat): bigint {
  return infBits(fmt, 0) | (1n << BigInt(fmt.f - 1));
}

/** Bits of a small exact constant such as 2.0 or 1.5 (FPTwo, FPOnePointFive, FPThree). */
export function constBits(fmt: FpFormat, sign: number, mant: bigint, exp: number): bigint {
  return roundExact(fmt, sign, mant, exp);
}

/** FPProcessNaN: quiets a signalling NaN (raising IOC) and applies FPCR.DN. */
export function processNaN(fmt: FpFormat, op: Unpacked, fpcr: number, st: FpStatus): bigint {
  let bits = op.bits;
  if (op.kind === SNAN) {
    st.fpsr |= FPSR_IOC;
    bits |= 1n << BigInt(fmt.f - 1);
  }
  return (fpcr & FPCR_DN) !== 0 ? defaultNaNBits(fmt) : bits;
}

/** FPProcessNaNs: signalling NaNs first, then quiet ones, in operand order; null when neither is a NaN. */
export function processNaNs(fmt: FpFormat, a: Unpacked, b: Unpacked, fpcr: number, st: FpStatus): bigint | null {
  if (a.kind === SNAN) return processNaN(fmt, a, fpcr, st);
  if (b.kind === SNAN) return processNaN(fmt, b, fpcr, st);
  if (a.kind === QNAN) return processNaN(fmt, a, fpcr, st);
  if (b.kind === QNAN) return processNaN(fmt, b, fpcr, st);
  return null;
}

export function processNaNs3(fmt: FpFormat, a: Unpacked, b: Unpacked, c: Unpacked, fpcr: number, st: FpStatus): bigint | null {
  if (a.kind === SNAN) return processNaN(fmt, a, fpcr, st);
  if (b.kind === SNAN) return processNaN(fmt, b, fpcr, st);
  if (c.kind === SNAN) return processNaN(fmt, c, fpcr, st);
  if (a.kind === QNAN) return processNaN(fmt, a, fpcr, st);
  if (b.kind === QNAN) return processNaN(fmt, b, fpcr, st);
  if (c.kind === QNAN) return processNaN(fmt, c, fpcr, st);
  return null;
}

export function bitLength(x: bigint): number {
  return x === 0n ? 0 : x.toString(2).length;
}

const NULL_STATUS: FpStatus = { fpsr: 0 };

/** Rounds a value known to be exactly representable (constants, chosen operands). */
function roundExact(fmt: FpFormat, sign: number, mant: bigint, exp: number): bigint {
  return round(fmt, sign, mant, exp, 0, RN, NULL_STATUS);
}

/**
 * FPRound (FPRoundBase): rounds the exact nonzero value (-1)^sign * mant * 2^exp to `fmt` under
 * `rounding`, with Arm's before-rounding tininess, output flush-to-zero (FPCR.FZ, not for half
 * precision) and, when `ahp` is set, the alternative half-precision overflow rule.
 */
export function round(
  fmt: FpFormat, sign: number, mant: bigint, exp: number, fpcr: number, rounding: number, st: FpStatus, ahp = false,
): bigint {
  const F = fmt.f;
  const exponent = bitLength(mant) - 1 + exp; // value in [2^exponent, 2^(exponent+1))
  if (fmt.n !== 16 && (fpcr & FPCR_FZ) !== 0 && exponent < fmt.minExp) {
    st.fpsr |= FPSR_UFC;
    return zeroBits(fmt, sign);
  }
  let biasedExp = Math.max(exponent - fmt.minExp + 1, 0);
  const pos = (biasedExp === 0 ? fmt.minExp : exponent) - F; // weight of the last kept bit
  const sh = pos - exp;
  let intMant: bigint;
  let inexact = false;
  let roundUp = false;
  if (sh <= 0) {
    intMant = mant << BigInt(-sh);
  } else {
    const bsh = BigInt(sh);
    intMant = mant >> bsh;
    const rem = mant & ((1n << bsh) - 1n);
    if (rem !== 0n) {
      inexact = true;
      const half = 1n << (bsh - 1n);
      switch (rounding) {
        case RN: roundUp = rem > half || (rem === half && (intMant & 1n) === 1n); break;
        case RP: roundUp = sign === 0; break;
        case RM: roundUp = sign === 1; break;
        case RA: roundUp = rem >= half; break;
        case RO: intMant |= 1n; break;
        default: break;
      }
    }
  }
  if (biasedExp === 0 && inexact) st.fpsr |= FPSR_UFC;
  if (roundUp) {
    intMant += 1n;
    if (intMant === 1n << BigInt(F)) biasedExp = 1; // a denormal rounded up to the smallest normal
    if (intMant === 1n << BigInt(F + 1)) {
      biasedExp += 1;
      intMant >>= 1n;
    }
  }
  if (!ahp) {
    if (biasedExp >= (1 << fmt.e) - 1) {
      const toInf = rounding === RN || rounding === RA || (rounding === RP && sign === 0) || (rounding === RM && sign === 1);
      st.fpsr |= FPSR_OFC | FPSR_IXC;
      return toInf ? infBits(fmt, sign) : maxNormalBits(fmt, sign);
    }
  } else if (biasedExp >= 1 << fmt.e) {
    st.fpsr |= FPSR_IOC;
    return zeroBits(fmt, sign) | ((1n << BigInt(fmt.n - 1)) - 1n);
  }
  const result = zeroBits(fmt, sign) | (BigInt(biasedExp) << BigInt(F)) | (intMant & ((1n << BigInt(F)) - 1n));
  if (inexact) st.fpsr |= FPSR_IXC;
  return result;
}
