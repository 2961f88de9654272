/**
 * Conversions on bit patterns: FPConvert (between half, single and double, IEEE or alternative half
 * precision), FPRoundInt, FPToFixed and FixedToFP (Arm ARM DDI0487 J1.3 shared/functions/float).
 */
import { FPCR_AHP, FPCR_DN, FPCR_FZ16, FPSR_IOC, FPSR_IXC, RA, RM, RN, RP, RZ } from './fpcr.js';
import type { FpStatus } from './fpcr.js';
import {
  defaultNaNBits, infBits, INF, isNaNKind, processNaN, round, SNAN, unpack, ZERO, zeroBits,
} from './format.js';
import type { FpFormat } from './format.js';

/** FPConvert: `rounding` is FPCR's mode, or round-to-odd for FCVTXN. */
export function fpConvert(from: FpFormat, to: FpFormat, op: bigint, fpcr: number, rounding: number, st: FpStatus): bigint {
  const cv = fpcr & ~FPCR_FZ16; // FPUnpackCV / FPRoundCV never flush half precision
  const ahp = (fpcr & FPCR_AHP) !== 0;
  const a = unpack(from, op, cv, st, ahp);
  if (isNaNKind(a.kind)) {
    let r: bigint;
    if (ahp && to.n === 16) {
      r = zeroBits(to, a.sign);
      st.fpsr |= FPSR_IOC;
      return r;
    }
    if (a.kind === SNAN) st.fpsr |= FPSR_IOC;
    if ((fpcr & FPCR_DN) !== 0) return defaultNaNBits(to);
    const frac = op & ((1n << BigInt(from.f)) - 1n);
    const moved = to.f >= from.f ? frac << BigInt(to.f - from.f) : frac >> BigInt(from.f - to.f);
    return infBits(to, a.sign) | moved | (1n << BigInt(to.f - 1));
  }
  if (a.kind === INF) {
    if (ahp && to.n === 16) {
      st.fpsr |= FPSR_IOC;
      return zeroBits(to, a.sign) | 0x7fffn;
    }
    return infBits(to, a.sign);
  }
  if (a.kind === ZERO) return zeroBits(to, a.sign);
  return round(to, a.sign, a.mant, a.exp, cv, rounding, st, ahp && to.n === 16);
}

/** Rounds the signed integer part of v * 2^-sh (sh > 0); returns [result, inexact]. */
function roundShift(v: bigint, sh: number, rounding: number): [bigint, boolean] {
  const bsh = BigInt(sh);
  let r = v >> bsh; // floor
  const err = v - (r << bsh);
  if (err === 0n) return [r, false];
  const half = 1n << (bsh - 1n);
  let up: boolean;
  switch (rounding) {
    case RN: up = err > half || (err === half && (r & 1n) === 1n); break;
    case RP: up = true; break;
    case RM: up = false; break;
    case RZ: up = r < 0n; break;
    case RA: up = err > half || (err === half && r >= 0n); break;
    default: up = false; break;
  }
  if (up) r += 1n;
  return [r, true];
}

/** FPRoundInt (FRINT*): `exact` raises Inexact (FRINTX). */
export function fpRoundInt(fmt: FpFormat, op: bigint, fpcr: number, rounding: number, exact: boolean, st: FpStatus): bigint {
  const a = unpack(fmt, op, fpcr, st);
  if (isNaNKind(a.kind)) return processNaN(fmt, a, fpcr, st);
  if (a.kind === INF) return infBits(fmt, a.sign);
  if (a.kind === ZERO) return zeroBits(fmt, a.sign);
  if (a.exp >= 0) return a.bits;
  const v = a.sign ? -a.mant : a.mant;
  const [r, inexact] = roundShift(v, -a.exp, rounding);
  if (inexact && exact) st.fpsr |= FPSR_IXC;
  if (r === 0n) return zeroBits(fmt, a.sign);
  return r < 0n ? round(fmt, 1, -r, 0, fpcr, RN, st) : round(fmt, 0, r, 0, fpcr, RN, st);
}

/**
 * FPToFixed: op * 2^fbits rounded to an integer of `isize` bits, saturating with Invalid Operation.
 * Returns the two's-complement result as an unsigned bigint of `isize` bits.
 */
export function fpToFixed(
  fmt: FpFormat, op: bigint, fbits: number, unsigned: boolean, isize: number, fpcr: number, rounding: number, st: FpStatus,
): bigint {
  const a = unpack(fmt, op, fpcr, st);
  const max = unsigned ? (1n << BigInt(isize)) - 1n : (1n << BigInt(isize - 1)) - 1n;
  const min = unsigned ? 0n : -(1n << BigInt(isize - 1));
  const mask = (1n << BigInt(isize)) - 1n;
  if (isNaNKind(a.kind)) {
    st.fpsr |= FPSR_IOC;
    return 0n;
  }
  if (a.kind === INF) {
    st.fpsr |= FPSR_IOC;
    return (a.sign ? min : max) & mask;
  }
  if (a.kind === ZERO) return 0n;
  const v = a.sign ? -a.mant : a.mant;
  const e = a.exp + fbits;
  let r: bigint;
  let inexact = false;
  if (e >= 0) r = v << BigInt(e);
  else [r, inexact] = roundShift(v, -e, rounding);
  if (r > max || r < min) {
    st.fpsr |= FPSR_IOC;
    return (r > max ? max : min) & mask;
  }
  if (inexact) st.fpsr |= FPSR_IXC;
  return r & mask;
}

/** FixedToFP: the signed integer `v` divided by 2^fbits, rounded to `fmt`. */
export function fixedToFp(fmt: FpFormat, v: bigint, fbits: number, fpcr: number, rounding: number, st: FpStatus): bigint {
  if (v === 0n) return zeroBits(fmt, 0);
  return v < 0n ? round(fmt, 1, -v, -fbits, fpcr, rounding, st) : round(fmt, 0, v, -fbits, fpcr, rounding, st);
}
