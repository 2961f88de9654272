/**
 * The lane operations the instruction handlers use, in both element sizes: the fast arithmetic of
 * fast.ts plus thin adapters over the exact core for everything else.
 */
import { fpMul, fpMulAdd, fpAdd, fpStepFused, negBits } from './arith.js';
import { CMP_EQ, CMP_GE, CMP_GT, fpCompareCond, fpMinMax } from './compare.js';
import { fixedToFp, fpRoundInt, fpToFixed } from './convert.js';
import { fpRecipEstimate, fpRecpX, fpRSqrtEstimate, recipEstimate, recipSqrtEstimate } from './estimate.js';
import { FPCR_FZ, FPSR_IXC, fpcrRounding, RM, RN, RP, RZ } from './fpcr.js';
import type { FpStatus } from './fpcr.js';
import { FMT_D, FMT_S } from './format.js';
import type { FpFormat } from './format.js';
import { f32, f64, R64, slowBin, slowTern, slowUn } from './lanes.js';
import type { Bin, Tern, Un } from './lanes.js';
import { ADD, DIV, FMA, kMulD, kMulS, kSubD, kSubS, MUL, SQRT, SUB } from './fast.js';
import type { K2 } from './fast.js';

export { ADD, DIV, FMA, MUL, SQRT, SUB };
export type { Bin, Tern, Un };

/** Adds fast kernels to a slow lane op. */
function withK(op: Bin, ks: K2, kd: K2): Bin {
  return { s: op.s, d: op.d, ks, kd };
}

/** FMULX differs from FMUL only for 0 * Inf, where the kernels already defer to the core. */
export const MULX: Bin = withK(slowBin((fmt, a, b, fpcr, st) => fpMul(fmt, a, b, true, fpcr, st)), kMulS, kMulD);
export const NMUL: Bin = withK(
  slowBin((fmt, a, b, fpcr, st) => negMaybeNaN(fmt, fpMul(fmt, a, b, false, fpcr, st))),
  (x, y, st) => -kMulS(x, y, st),
  (x, y, st) => -kMulD(x, y, st),
);
/** FABD: the sign of the difference is cleared, NaNs included. */
export const ABD: Bin = withK(
  slowBin((fmt, a, b, fpcr, st) => absBits(fmt, fpAdd(fmt, a, b, true, fpcr, st))),
  (x, y, st) => Math.abs(kSubS(x, y, st)),
  (x, y, st) => Math.abs(kSubD(x, y, st)),
);

function absBits(fmt: FpFormat, x: bigint): bigint {
  return x & ~(1n << BigInt(fmt.n - 1));
}
/** FNMUL negates the product, NaN or not (FPNeg). */
function negMaybeNaN(fmt: FpFormat, x: bigint): bigint {
  return negBits(fmt, x);
}

/**
 * Max/min of two numbers (NaNs go to the core, which is where FMAX and FMAXNM differ). Between
 * zeros, a + b is +0 unless both are -0, which is max's rule; -((-a) + (-b)) is min's.
 */
const kMax = (x: number, y: number): number => (x > y ? x : y > x ? y : x !== y ? NaN : x === 0 ? x + y : x);
const kMin = (x: number, y: number): number => (x < y ? x : y < x ? y : x !== y ? NaN : x === 0 ? -(-x + -y) : x);
function minMax(max: boolean, num: boolean): Bin {
  const slow = slowBin((fmt, a, b, fpcr, st) => fpMinMax(fmt, a, b, max, num, fpcr, st));
  const k = max ? kMax : kMin;
  return { s: slow.s, d: slow.d, ks: k, kd: k };
}
export const MAX: Bin = minMax(true, false);
export const MIN: Bin = minMax(false, false);
export const MAXNM: Bin = minMax(true, true);
export const MINNM: Bin = minMax(false, true);
/**
 * FRECPS is the fused 2 - x*y and FRSQRTS (3 - x*y) / 2: the FMA kernels answer when the product is
 * ordinary (Inf * 0, which these define as 2 and 1.5, and exact zeros go to the core); halving is
 * exact while the result stays clear of the denormal range.
 */
export const RECPS: Bin = withK(
  slowBin((fmt, a, b, fpcr, st) => fpStepFused(fmt, a, b, false, fpcr, st)),
  (x, y, st) => FMA.ks!(2, -x, y, st),
  (x, y, st) => FMA.kd!(2, -x, y, st),
);
export const RSQRTS: Bin = withK(
  slowBin((fmt, a, b, fpcr, st) => fpStepFused(fmt, a, b, true, fpcr, st)),
  (x, y, st) => halve(FMA.ks!(3, -x, y, st), 2 ** -124),
  (x, y, st) => halve(FMA.kd!(3, -x, y, st), 2 ** -1020),
);
function halve(r: number, min: number): number {
  return Math.abs(r) >= min ? r / 2 : NaN;
}

function allOnes(fmt: FpFormat, t: boolean): bigint {
  return t ? (1n << BigInt(fmt.n)) - 1n : 0n;
}
/**
 * FCMEQ/FCMGE/FCMGT/FACGE/FACGT and the compares with zero: lanes of all ones or zeros. Ordered
 * operands compare as doubles when FZ cannot change them; NaNs take the core (IOC rules).
 */
function cmpBin(cond: number, abs: boolean, swap: boolean): Bin {
  const slow = slowBin((fmt, a, b, fpcr, st) => {
    const x = abs ? absBits(fmt, a) : a;
    const y = abs ? absBits(fmt, b) : b;
    return allOnes(fmt, swap ? fpCompareCond(fmt, y, x, cond, fpcr, st) : fpCompareCond(fmt, x, y, cond, fpcr, st));
  });
  const holds = (p: number, q: number): boolean => {
    const x = abs ? Math.abs(swap ? q : p) : swap ? q : p;
    const y = abs ? Math.abs(swap ? p : q) : swap ? p : q;
    return cond === CMP_EQ ? x === y : cond === CMP_GE ? x >= y : x > y;
  };
  return {
    s: (a, b, fpcr, st) => {
      if ((fpcr & FPCR_FZ) === 0) {
        const x = f32(a);
        const y = f32(b);
        if (x === x && y === y) return holds(x, y) ? 0xffffffff : 0;
      }
      return slow.s(a, b, fpcr, st);
    },
    d: (alo, ahi, blo, bhi, fpcr, st) => {
      if ((fpcr & FPCR_FZ) === 0) {
        const x = f64(alo, ahi);
        const y = f64(blo, bhi);
        if (x === x && y === y) {
          const m = holds(x, y) ? 0xffffffff : 0;
          R64[0] = m;
          R64[1] = m;
          return;
        }
      }
      slow.d(alo, ahi, blo, bhi, fpcr, st);
    },
  };
}
export const CMEQ: Bin = cmpBin(CMP_EQ, false, false);
export const CMGE: Bin = cmpBin(CMP_GE, false, false);
export const CMGT: Bin = cmpBin(CMP_GT, false, false);
export const ACGE: Bin = cmpBin(CMP_GE, true, false);
export const ACGT: Bin = cmpBin(CMP_GT, true, false);
/** Compare against zero: `swap` puts zero first (FCMLE is 0 >= x, FCMLT is 0 > x). */
export function cmpZero(cond: number, swap: boolean): Un {
  const op = cmpBin(cond, false, swap);
  return {
    s: (a, fpcr, st) => op.s(a, 0, fpcr, st),
    d: (alo, ahi, fpcr, st) => op.d(alo, ahi, 0, 0, fpcr, st),
  };
}
export { CMP_EQ, CMP_GE, CMP_GT };

/** FMLS: the first multiplicand is negated (FPNeg, so a NaN's sign flips too). */
export const FMS: Tern = {
  ks: (z, x, y, st) => FMA.ks!(z, -x, y, st),
  kd: (z, x, y, st) => FMA.kd!(z, -x, y, st),
  s: (acc, a, b, fpcr, st) => FMA.s(acc, (a ^ 0x80000000) >>> 0, b, fpcr, st),
  d: (acclo, acchi, alo, ahi, blo, bhi, fpcr, st) => FMA.d(acclo, acchi, alo, (ahi ^ 0x80000000) >>> 0, blo, bhi, fpcr, st),
};
export const FMA_SLOW: Tern = slowTern(fpMulAdd);

export const ABS: Un = {
  s: (a) => (a & 0x7fffffff) >>> 0,
  d: (alo, ahi) => {
    R64[0] = alo;
    R64[1] = (ahi & 0x7fffffff) >>> 0;
  },
};
export const NEG: Un = {
  s: (a) => (a ^ 0x80000000) >>> 0,
  d: (alo, ahi) => {
    R64[0] = alo;
    R64[1] = (ahi ^ 0x80000000) >>> 0;
  },
};

/** FRINT*: `rounding` is an FPRounding value, or -1 for FPCR's mode. */
export function roundInt(rounding: number, exact: boolean): Un {
  const slow = slowUn((fmt, a, fpcr, st) => fpRoundInt(fmt, a, fpcr, rounding < 0 ? fpcrRounding(fpcr) : rounding, exact, st));
  const k = roundKernel(rounding < 0 ? RN : rounding, exact);
  return { s: slow.s, d: slow.d, ks: k, kd: k };
}

/**
 * Fast FRINT on a double holding a single or double value (kernels run only under RN without FZ,
 * which is FPCR's mode for FRINTI/FRINTX). Math.floor/ceil/trunc/round keep the sign of a zero result
 * as FPRoundInt does; values of magnitude 2^52 and above are already integers.
 */
function roundKernel(rounding: number, exact: boolean): (x: number, st: FpStatus) => number {
  return (x, st) => {
    const ax = Math.abs(x);
    if (!(ax < 4503599627370496)) return ax <= Number.MAX_VALUE ? x : NaN;
    let r: number;
    switch (rounding) {
      case RN: {
        r = Math.round(x);
        if (r - x === 0.5 && r % 2 !== 0) r -= 1;
        break;
      }
      case RP: r = Math.ceil(x); break;
      case RM: r = Math.floor(x); break;
      case RZ: r = Math.trunc(x); break;
      default: r = x < 0 ? -Math.floor(ax + 0.5) : Math.floor(ax + 0.5); break;
    }
    if (exact && r !== x) st.fpsr |= FPSR_IXC;
    return r === 0 ? x * 0 : r; // a zero result keeps the operand's sign
  };
}

/**
 * FRECPE/FRSQRTE: single-precision normal operands whose estimate is a normal number go straight
 * through the 8-bit table algorithms on the bits; everything else (denormals, zeros, infinities,
 * NaNs, FZ cases, double precision) takes the core.
 */
const RECPE_SLOW = slowUn(fpRecipEstimate);
const RSQRTE_SLOW = slowUn(fpRSqrtEstimate);
export const RECPE: Un = {
  s: (a, fpcr, st) => {
    const exp = (a >>> 23) & 0xff;
    if (exp > 2 && exp < 252) {
      const est = recipEstimate(256 | ((a >>> 15) & 0xff));
      return ((a & 0x80000000) | ((253 - exp) << 23) | ((est & 0xff) << 15)) >>> 0;
    }
    return RECPE_SLOW.s(a, fpcr, st);
  },
  d: RECPE_SLOW.d,
};
export const RSQRTE: Un = {
  s: (a, fpcr, st) => {
    const exp = (a >>> 23) & 0xff;
    if (a >>> 31 === 0 && exp !== 0 && exp !== 0xff) {
      const scaled = (exp & 1) === 0 ? 256 | ((a >>> 15) & 0xff) : 128 | ((a >>> 16) & 0x7f);
      const est = recipSqrtEstimate(scaled);
      return ((((380 - exp) >> 1) << 23) | ((est & 0xff) << 15)) >>> 0;
    }
    return RSQRTE_SLOW.s(a, fpcr, st);
  },
  d: RSQRTE_SLOW.d,
};
export const RECPX: Un = slowUn(fpRecpX);

/** FCVT*S/U and fixed-point FCVTZ*, same-size lanes: `rounding` -1 means FPCR's mode. */
export function toInt(rounding: number, unsigned: boolean, fbits: number): Un {
  return slowUn((fmt, a, fpcr, st) =>
    fpToFixed(fmt, a, fbits, unsigned, fmt.n, fpcr, rounding < 0 ? fpcrRounding(fpcr) : rounding, st));
}

/** SCVTF/UCVTF, same-size lanes. */
export function fromInt(unsigned: boolean, fbits: number): Un {
  return slowUn((fmt, a, fpcr, st) => {
    const v = unsigned ? a : BigInt.asIntN(fmt.n, a);
    return fixedToFp(fmt, v, fbits, fpcr, fpcrRounding(fpcr), st);
  });
}

/** Rounding to an integral double by FPRounding (RN RP RM RZ RA); NaN stays NaN. */
export const ROUND_TO_INT: readonly ((x: number) => number)[] = [
  (x) => {
    const r = Math.round(x);
    return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
  },
  Math.ceil,
  Math.floor,
  Math.trunc,
  // x + 0.5 is exact below 2^52; from there on every double is an integer.
  (x) => (!(Math.abs(x) < 4503599627370496) ? x : x < 0 ? -Math.floor(-x + 0.5) : Math.floor(x + 0.5)),
];

export function fmtOf(double: boolean): FpFormat {
  return double ? FMT_D : FMT_S;
}
export type { FpStatus };
