/**
 * Reciprocal and reciprocal square root estimates: FPRecipEstimate, FPRSqrtEstimate, FPRecpX,
 * UnsignedRecipEstimate and UnsignedRSqrtEstimate (Arm ARM DDI0487 J1.3 shared/functions/float).
 * The 8-bit estimates come from the architecture's integer algorithms, so they are bit-exact.
 */
import { FPCR_FZ, FPSR_DZC, FPSR_IOC, FPSR_IXC, FPSR_OFC, FPSR_UFC, fpcrRounding, RM, RN, RP } from './fpcr.js';
import type { FpStatus } from './fpcr.js';
import { defaultNaNBits, infBits, INF, isNaNKind, maxNormalBits, processNaN, unpack, ZERO, zeroBits } from './format.js';
import type { FpFormat } from './format.js';

/** RecipEstimate: a is 9 bits (256..511, representing 0.5..1.0); result 256..511. */
export function recipEstimate(a: number): number {
  const b = Math.floor((1 << 19) / (a * 2 + 1));
  return (b + 1) >> 1;
}

/** RecipSqrtEstimate: a is 128..511 (0.25..1.0); result 256..511. */
export function recipSqrtEstimate(a0: number): number {
  const a = a0 < 256 ? a0 * 2 + 1 : ((a0 >> 1) << 1) * 2 + 2;
  let b = 512;
  while (a * (b + 1) * (b + 1) < 2 ** 28) b++;
  return (b + 1) >> 1;
}

/** The operand's fraction widened to 52 bits and its biased exponent field. */
function fraction52(fmt: FpFormat, op: bigint): [bigint, number] {
  const frac = (op & ((1n << BigInt(fmt.f)) - 1n)) << BigInt(52 - fmt.f);
  return [frac, Number((op >> BigInt(fmt.f)) & BigInt((1 << fmt.e) - 1))];
}

const F52 = (1n << 52n) - 1n;

export function fpRecipEstimate(fmt: FpFormat, op: bigint, fpcr: number, st: FpStatus): bigint {
  const a = unpack(fmt, op, fpcr, st);
  if (isNaNKind(a.kind)) return processNaN(fmt, a, fpcr, st);
  if (a.kind === INF) return zeroBits(fmt, a.sign);
  if (a.kind === ZERO) {
    st.fpsr |= FPSR_DZC;
    return infBits(fmt, a.sign);
  }
  // |value| < 2^-(bias+1): the reciprocal overflows.
  const top = a.mant.toString(2).length - 1 + a.exp; // floor(log2 |value|)
  if (top < -(fmt.bias + 1)) {
    const rnd = fpcrRounding(fpcr);
    const toInf = rnd === RN || (rnd === RP && a.sign === 0) || (rnd === RM && a.sign === 1);
    st.fpsr |= FPSR_OFC | FPSR_IXC;
    return toInf ? infBits(fmt, a.sign) : maxNormalBits(fmt, a.sign);
  }
  if ((fpcr & FPCR_FZ) !== 0 && fmt.n !== 16 && top >= fmt.bias - 1) {
    st.fpsr |= FPSR_UFC;
    return zeroBits(fmt, a.sign);
  }
  let [frac, exp] = fraction52(fmt, op);
  if (exp === 0) {
    if (((frac >> 51n) & 1n) === 0n) {
      exp = -1;
      frac = (frac << 2n) & F52;
    } else {
      frac = (frac << 1n) & F52;
    }
  }
  const scaled = Number(frac >> 44n) | 256;
  let resultExp = 2 * fmt.bias - 1 - exp;
  const est = recipEstimate(scaled);
  let rf = BigInt(est & 0xff) << 44n;
  if (resultExp === 0) {
    rf = (1n << 51n) | (rf >> 1n);
  } else if (resultExp === -1) {
    rf = (1n << 50n) | (rf >> 2n);
    resultExp = 0;
  }
  return zeroBits(fmt, a.sign) | (BigInt(resultExp) << BigInt(fmt.f)) | (rf >> BigInt(52 - fmt.f));
}

export function fpRSqrtEstimate(fmt: FpFormat, op: bigint, fpcr: number, st: FpStatus): bigint {
  const a = unpack(fmt, op, fpcr, st);
  if (isNaNKind(a.kind)) return processNaN(fmt, a, fpcr, st);
  if (a.kind === ZERO) {
    st.fpsr |= FPSR_DZC;
    return infBits(fmt, a.sign);
  }
  if (a.sign === 1) {
    st.fpsr |= FPSR_IOC;
    return defaultNaNBits(fmt);
  }
  if (a.kind === INF) return zeroBits(fmt, 0);
  let [frac, exp] = fraction52(fmt, op);
  if (exp === 0) {
    while (((frac >> 51n) & 1n) === 0n) {
      frac = (frac << 1n) & F52;
      exp -= 1;
    }
    frac = (frac << 1n) & F52;
  }
  const scaled = (exp & 1) === 0 ? Number(frac >> 44n) | 256 : Number(frac >> 45n) | 128;
  const resultExp = Math.floor((3 * fmt.bias - 1 - exp) / 2);
  const est = recipSqrtEstimate(scaled);
  return (BigInt(resultExp) << BigInt(fmt.f)) | (BigInt(est & 0xff) << BigInt(fmt.f - 8));
}

/** FPRecpX: the sign, and the exponent inverted (denormals and zero get the largest finite exponent). */
export function fpRecpX(fmt: FpFormat, op: bigint, fpcr: number, st: FpStatus): bigint {
  const a = unpack(fmt, op, fpcr, st);
  if (isNaNKind(a.kind)) return processNaN(fmt, a, fpcr, st);
  const emask = (1 << fmt.e) - 1;
  const exp = Number((op >> BigInt(fmt.f)) & BigInt(emask));
  const rexp = exp === 0 ? emask - 1 : ~exp & emask;
  return zeroBits(fmt, a.sign) | (BigInt(rexp) << BigInt(fmt.f));
}

/** URECPE on one 32-bit lane. */
export function unsignedRecipEstimate(x: number): number {
  if ((x >>> 31) === 0) return 0xffffffff;
  return (recipEstimate(x >>> 23) << 23) >>> 0;
}

/** URSQRTE on one 32-bit lane. */
export function unsignedRSqrtEstimate(x: number): number {
  if ((x >>> 30) === 0) return 0xffffffff;
  return (recipSqrtEstimate(x >>> 23) << 23) >>> 0;
}
