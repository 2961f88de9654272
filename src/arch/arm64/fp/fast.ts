/**
 * Round-to-nearest fast paths for +, -, *, /, sqrt and single-precision fused multiply-add.
 * JS doubles round these correctly to double, and for single precision Math.fround of the double
 * result is correct too (53 >= 2*24 + 2, so double rounding is harmless). Inexact is detected with
 * error-free transformations (TwoSum, Dekker's TwoProduct) or exact back-multiplication. Anything
 * that could be a NaN, an infinity, tiny (underflow) or out of the transformations' safe range,
 * and any FPCR other than RN without flushing, goes to the exact core.
 */
import { fpAdd, fpDiv, fpMul, fpMulAdd, fpSqrt } from './arith.js';
import { FPCR_SLOW, FPSR_IXC } from './fpcr.js';
import type { FpStatus } from './fpcr.js';
import { FMT_D, FMT_S } from './format.js';
import { bits32, f32, f64, join64, setR64, setR64Big } from './lanes.js';
import type { Bin, Tern, Un } from './lanes.js';

const MIN_S = 1.1754943508222875e-38;
const MAX_S = 3.4028234663852886e38;
const MIN_D = 2.2250738585072014e-308;
const MAX_D = Number.MAX_VALUE;
const TINY_D = 2 ** -960; // products and quotients above this keep Dekker's error term exact
const HUGE_D = 2 ** 995; // operands below this split without overflow
const SPLIT = 134217729; // 2^27 + 1

/** The rounding error of p = fl(x * y), exact when no over/underflow occurs (Dekker). */
function twoProdErr(x: number, y: number, p: number): number {
  const t = SPLIT * x;
  const xh = t - (t - x);
  const xl = x - xh;
  const u = SPLIT * y;
  const yh = u - (u - y);
  const yl = y - yh;
  return xh * yh - p + xh * yl + xl * yh + xl * yl;
}

function okS(r: number): boolean {
  const ar = Math.abs(r);
  return ar > MIN_S && ar <= MAX_S;
}
function okD(r: number): boolean {
  const ar = Math.abs(r);
  return ar > MIN_D && ar <= MAX_D;
}

const ODD = new Float64Array(1);
const ODD_U = new Uint32Array(ODD.buffer);

/** Moves an inexact double one ulp towards the discarded error when its last bit is even (round to odd). */
export function toOdd(s: number, err: number): number {
  ODD[0] = s;
  if ((ODD_U[0]! & 1) === 0) {
    const away = (err > 0) === (s > 0);
    const lo = ODD_U[0]!;
    if (away) {
      ODD_U[0] = (lo + 1) >>> 0;
      if (ODD_U[0] === 0) ODD_U[1] = (ODD_U[1]! + 1) >>> 0;
    } else {
      ODD_U[0] = (lo - 1) >>> 0;
      if (lo === 0) ODD_U[1] = (ODD_U[1]! - 1) >>> 0;
    }
  }
  return ODD[0]!;
}

/**
 * Kernels: the fast path alone, on values already read as doubles (a single-precision register read
 * through a Float32Array is exact). They return NaN when the exact core must decide, so callers test
 * `r === r`; they run only when (FPCR & FPCR_SLOW) === 0.
 */
export type K1 = (x: number, st: FpStatus) => number;
export type K2 = (x: number, y: number, st: FpStatus) => number;
export type K3 = (z: number, x: number, y: number, st: FpStatus) => number;

export const kAddS: K2 = (x, y, st) => {
  const s = x + y;
  const r = Math.fround(s);
  if (!(okS(r) || s === 0)) return NaN;
  const bb = s - x;
  if (x - (s - bb) + (y - bb) !== 0 || r !== s) st.fpsr |= FPSR_IXC;
  return r;
};
export const kSubS: K2 = (x, y, st) => kAddS(x, -y, st);

export const kAddD: K2 = (x, y, st) => {
  const s = x + y;
  if (!(okD(s) || s === 0)) return NaN;
  const bb = s - x;
  if (x - (s - bb) + (y - bb) !== 0) st.fpsr |= FPSR_IXC;
  return s;
};
export const kSubD: K2 = (x, y, st) => kAddD(x, -y, st);

export const kMulS: K2 = (x, y, st) => {
  const p = x * y; // exact: 24 x 24 bits
  const r = Math.fround(p);
  if (!(okS(r) || (p === 0 && (x === 0 || y === 0)))) return NaN;
  if (r !== p) st.fpsr |= FPSR_IXC;
  return r;
};

export const kMulD: K2 = (x, y, st) => {
  const p = x * y;
  const ap = Math.abs(p);
  if (ap > TINY_D && ap < HUGE_D && Math.abs(x) < HUGE_D && Math.abs(y) < HUGE_D) {
    if (twoProdErr(x, y, p) !== 0) st.fpsr |= FPSR_IXC;
    return p;
  }
  if (p === 0 && (x === 0 || y === 0) && Math.abs(x) <= MAX_D && Math.abs(y) <= MAX_D) return p;
  return NaN;
};

export const kDivS: K2 = (x, y, st) => {
  const r = Math.fround(x / y);
  if (!(y !== 0 && (okS(r) || (x === 0 && Math.abs(y) <= MAX_S)))) return NaN;
  if (r * y !== x) st.fpsr |= FPSR_IXC; // r * y is exact in double
  return r;
};

export const kDivD: K2 = (x, y, st) => {
  const q = x / y;
  const aq = Math.abs(q);
  const ax = Math.abs(x);
  if (aq > TINY_D && aq < HUGE_D && Math.abs(y) < HUGE_D && ax < HUGE_D && ax > TINY_D) {
    const p = q * y;
    if (p !== x || twoProdErr(q, y, p) !== 0) st.fpsr |= FPSR_IXC;
    return q;
  }
  if (x === 0 && y !== 0 && Math.abs(y) <= MAX_D) return q;
  return NaN;
};

export const kSqrtS: K1 = (x, st) => {
  if (!(x >= 0 && x <= MAX_S)) return NaN;
  const r = Math.fround(Math.sqrt(x));
  if (r * r !== x) st.fpsr |= FPSR_IXC;
  return r;
};

export const kSqrtD: K1 = (x, st) => {
  if (!((x > TINY_D && x < HUGE_D) || x === 0)) return NaN;
  const r = Math.sqrt(x);
  const p = r * r;
  if (p !== x || twoProdErr(r, r, p) !== 0) st.fpsr |= FPSR_IXC;
  return r;
};

/** z + x*y for single precision: the product is exact in double, the sum is rounded to odd, then to single. */
export const kFmaS: K3 = (z, x, y, st) => {
  const p = x * y;
  // A zero operand: z + (±0) is exact, its sign of zero as IEEE 754 gives it (as for double below).
  if (x === 0 || y === 0) return Math.abs(x) <= MAX_S && Math.abs(y) <= MAX_S && Math.abs(z) <= MAX_S ? p + z : NaN;
  const s = p + z;
  const bb = s - p;
  const err = p - (s - bb) + (z - bb);
  const r = err === 0 ? Math.fround(s) : Math.fround(toOdd(s, err));
  // z cancelled the product (exact in double) exactly: +0 under round to nearest.
  if (s === 0 && err === 0) return 0;
  if (!(okS(r) && Math.abs(s) <= MAX_S * 2)) return NaN;
  if (err !== 0 || r !== s) st.fpsr |= FPSR_IXC;
  return r;
};

/**
 * z + x*y for double precision (Boldo and Melquiond's emulation by rounding to odd): the exact
 * product uh + ul, s + e1 = uh + z exactly, then RN(s + RO(e1 + ul)) is the correctly rounded result
 * because RO(e1 + ul) lies far below s's rounding point and never lands on a rounding boundary.
 */
export const kFmaD: K3 = (z, x, y, st) => {
  const uh = x * y;
  // A zero operand: the product is an exact signed zero and the sum z + (±0) is exact, its sign of
  // zero as IEEE 754 gives it (compilers contract sums of products to FMADD, and zeros are common).
  if (x === 0 || y === 0) return Math.abs(x) <= MAX_D && Math.abs(y) <= MAX_D && Math.abs(z) <= MAX_D ? uh + z : NaN;
  const auh = Math.abs(uh);
  if (!(auh > TINY_D && auh < HUGE_D && Math.abs(x) < HUGE_D && Math.abs(y) < HUGE_D && Math.abs(z) < HUGE_D)) return NaN;
  const ul = twoProdErr(x, y, uh);
  const s = uh + z;
  const b1 = s - uh;
  const e1 = uh - (s - b1) + (z - b1);
  const t = e1 + ul;
  const b2 = t - e1;
  const t2 = e1 - (t - b2) + (ul - b2);
  const r = s + (t2 === 0 ? t : toOdd(t, t2));
  // z cancelled the product exactly (s is zero only then, and the product's error is zero too): +0.
  if (s === 0 && ul === 0) return 0;
  if (!(Math.abs(r) > TINY_D && Math.abs(r) < HUGE_D)) return NaN;
  if (t2 !== 0) {
    st.fpsr |= FPSR_IXC;
  } else {
    const b3 = r - s;
    if (s - (r - b3) + (t - b3) !== 0) st.fpsr |= FPSR_IXC;
  }
  return r;
};

function addS(a: number, b: number, neg: boolean, fpcr: number, st: FpStatus): number {
  if ((fpcr & FPCR_SLOW) === 0) {
    const r = neg ? kSubS(f32(a), f32(b), st) : kAddS(f32(a), f32(b), st);
    if (r === r) return bits32(r);
  }
  return Number(fpAdd(FMT_S, BigInt(a >>> 0), BigInt(b >>> 0), neg, fpcr, st));
}

function addD(alo: number, ahi: number, blo: number, bhi: number, neg: boolean, fpcr: number, st: FpStatus): void {
  if ((fpcr & FPCR_SLOW) === 0) {
    const r = neg ? kSubD(f64(alo, ahi), f64(blo, bhi), st) : kAddD(f64(alo, ahi), f64(blo, bhi), st);
    if (r === r) {
      setR64(r);
      return;
    }
  }
  setR64Big(fpAdd(FMT_D, join64(alo, ahi), join64(blo, bhi), neg, fpcr, st));
}

export const ADD: Bin = {
  s: (a, b, fpcr, st) => addS(a, b, false, fpcr, st),
  d: (alo, ahi, blo, bhi, fpcr, st) => addD(alo, ahi, blo, bhi, false, fpcr, st),
  ks: kAddS,
  kd: kAddD,
};
export const SUB: Bin = {
  s: (a, b, fpcr, st) => addS(a, b, true, fpcr, st),
  d: (alo, ahi, blo, bhi, fpcr, st) => addD(alo, ahi, blo, bhi, true, fpcr, st),
  ks: kSubS,
  kd: kSubD,
};

type Core2 = (fmt: typeof FMT_S, a: bigint, b: bigint, fpcr: number, st: FpStatus) => bigint;

/** A Bin whose fast path is the kernels and whose slow path is the exact core. */
function withKernels(ks: K2, kd: K2, core: Core2): Bin {
  return {
    s: (a, b, fpcr, st) => {
      if ((fpcr & FPCR_SLOW) === 0) {
        const r = ks(f32(a), f32(b), st);
        if (r === r) return bits32(r);
      }
      return Number(core(FMT_S, BigInt(a >>> 0), BigInt(b >>> 0), fpcr, st));
    },
    d: (alo, ahi, blo, bhi, fpcr, st) => {
      if ((fpcr & FPCR_SLOW) === 0) {
        const r = kd(f64(alo, ahi), f64(blo, bhi), st);
        if (r === r) {
          setR64(r);
          return;
        }
      }
      setR64Big(core(FMT_D, join64(alo, ahi), join64(blo, bhi), fpcr, st));
    },
    ks,
    kd,
  };
}

export const MUL: Bin = withKernels(kMulS, kMulD, (fmt, a, b, fpcr, st) => fpMul(fmt, a, b, false, fpcr, st));
export const DIV: Bin = withKernels(kDivS, kDivD, fpDiv);

export const SQRT: Un = {
  ks: kSqrtS,
  kd: kSqrtD,
  s: (a, fpcr, st) => {
    if ((fpcr & FPCR_SLOW) === 0) {
      const r = kSqrtS(f32(a), st);
      if (r === r) return bits32(r);
    }
    return Number(fpSqrt(FMT_S, BigInt(a >>> 0), fpcr, st));
  },
  d: (alo, ahi, fpcr, st) => {
    if ((fpcr & FPCR_SLOW) === 0) {
      const r = kSqrtD(f64(alo, ahi), st);
      if (r === r) {
        setR64(r);
        return;
      }
    }
    setR64Big(fpSqrt(FMT_D, join64(alo, ahi), fpcr, st));
  },
};

/** FPMulAdd(acc, a, b). */
export const FMA: Tern = {
  s: (acc, a, b, fpcr, st) => {
    if ((fpcr & FPCR_SLOW) === 0) {
      const r = kFmaS(f32(acc), f32(a), f32(b), st);
      if (r === r) return bits32(r);
    }
    return Number(fpMulAdd(FMT_S, BigInt(acc >>> 0), BigInt(a >>> 0), BigInt(b >>> 0), fpcr, st));
  },
  d: (acclo, acchi, alo, ahi, blo, bhi, fpcr, st) => {
    if ((fpcr & FPCR_SLOW) === 0) {
      const r = kFmaD(f64(acclo, acchi), f64(alo, ahi), f64(blo, bhi), st);
      if (r === r) {
        setR64(r);
        return;
      }
    }
    setR64Big(fpMulAdd(FMT_D, join64(acclo, acchi), join64(alo, ahi), join64(blo, bhi), fpcr, st));
  },
  ks: kFmaS,
  kd: kFmaD,
};
