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

function addS(a: number, b: number, neg: boolean, fpcr: number, st: FpStatus): number {
  if ((fpcr & FPCR_SLOW) === 0) {
    const x = f32(a);
    const y = neg ? -f32(b) : f32(b);
    const s = x + y;
    const r = Math.fround(s);
    if (okS(r) || s === 0) {
      const bb = s - x;
      if (x - (s - bb) + (y - bb) !== 0 || r !== s) st.fpsr |= FPSR_IXC;
      return bits32(r);
    }
  }
  return Number(fpAdd(FMT_S, BigInt(a >>> 0), BigInt(b >>> 0), neg, fpcr, st));
}

function addD(alo: number, ahi: number, blo: number, bhi: number, neg: boolean, fpcr: number, st: FpStatus): void {
  if ((fpcr & FPCR_SLOW) === 0) {
    const x = f64(alo, ahi);
    const y = neg ? -f64(blo, bhi) : f64(blo, bhi);
    const s = x + y;
    if (okD(s) || s === 0) {
      const bb = s - x;
      if (x - (s - bb) + (y - bb) !== 0) st.fpsr |= FPSR_IXC;
      setR64(s);
      return;
    }
  }
  setR64Big(fpAdd(FMT_D, join64(alo, ahi), join64(blo, bhi), neg, fpcr, st));
}

export const ADD: Bin = {
  s: (a, b, fpcr, st) => addS(a, b, false, fpcr, st),
  d: (alo, ahi, blo, bhi, fpcr, st) => addD(alo, ahi, blo, bhi, false, fpcr, st),
};
export const SUB: Bin = {
  s: (a, b, fpcr, st) => addS(a, b, true, fpcr, st),
  d: (alo, ahi, blo, bhi, fpcr, st) => addD(alo, ahi, blo, bhi, true, fpcr, st),
};

export const MUL: Bin = {
  s: (a, b, fpcr, st) => {
    if ((fpcr & FPCR_SLOW) === 0) {
      const x = f32(a);
      const y = f32(b);
      const p = x * y; // exact: 24 x 24 bits
      const r = Math.fround(p);
      if (okS(r) || (p === 0 && (x === 0 || y === 0))) {
        if (r !== p) st.fpsr |= FPSR_IXC;
        return bits32(r);
      }
    }
    return Number(fpMul(FMT_S, BigInt(a >>> 0), BigInt(b >>> 0), false, fpcr, st));
  },
  d: (alo, ahi, blo, bhi, fpcr, st) => {
    if ((fpcr & FPCR_SLOW) === 0) {
      const x = f64(alo, ahi);
      const y = f64(blo, bhi);
      const p = x * y;
      const ap = Math.abs(p);
      if (ap > TINY_D && ap < HUGE_D && Math.abs(x) < HUGE_D && Math.abs(y) < HUGE_D) {
        if (twoProdErr(x, y, p) !== 0) st.fpsr |= FPSR_IXC;
        setR64(p);
        return;
      }
      if (p === 0 && (x === 0 || y === 0) && Math.abs(x) <= MAX_D && Math.abs(y) <= MAX_D) {
        setR64(p);
        return;
      }
    }
    setR64Big(fpMul(FMT_D, join64(alo, ahi), join64(blo, bhi), false, fpcr, st));
  },
};

export const DIV: Bin = {
  s: (a, b, fpcr, st) => {
    if ((fpcr & FPCR_SLOW) === 0) {
      const x = f32(a);
      const y = f32(b);
      const r = Math.fround(x / y);
      if (y !== 0 && (okS(r) || (x === 0 && Math.abs(y) <= MAX_S))) {
        if (r * y !== x) st.fpsr |= FPSR_IXC; // r * y is exact in double
        return bits32(r);
      }
    }
    return Number(fpDiv(FMT_S, BigInt(a >>> 0), BigInt(b >>> 0), fpcr, st));
  },
  d: (alo, ahi, blo, bhi, fpcr, st) => {
    if ((fpcr & FPCR_SLOW) === 0) {
      const x = f64(alo, ahi);
      const y = f64(blo, bhi);
      const q = x / y;
      const aq = Math.abs(q);
      const ax = Math.abs(x);
      if (aq > TINY_D && aq < HUGE_D && Math.abs(y) < HUGE_D && ax < HUGE_D && ax > TINY_D) {
        const p = q * y;
        if (p !== x || twoProdErr(q, y, p) !== 0) st.fpsr |= FPSR_IXC;
        setR64(q);
        return;
      }
      if (x === 0 && y !== 0 && Math.abs(y) <= MAX_D) {
        setR64(q);
        return;
      }
    }
    setR64Big(fpDiv(FMT_D, join64(alo, ahi), join64(blo, bhi), fpcr, st));
  },
};

export const SQRT: Un = {
  s: (a, fpcr, st) => {
    if ((fpcr & FPCR_SLOW) === 0) {
      const x = f32(a);
      if (x >= 0 && x <= MAX_S) {
        const r = Math.fround(Math.sqrt(x));
        if (r * r !== x) st.fpsr |= FPSR_IXC;
        return bits32(r);
      }
    }
    return Number(fpSqrt(FMT_S, BigInt(a >>> 0), fpcr, st));
  },
  d: (alo, ahi, fpcr, st) => {
    if ((fpcr & FPCR_SLOW) === 0) {
      const x = f64(alo, ahi);
      if ((x > TINY_D && x < HUGE_D) || x === 0) {
        const r = Math.sqrt(x);
        const p = r * r;
        if (p !== x || twoProdErr(r, r, p) !== 0) st.fpsr |= FPSR_IXC;
        setR64(r);
        return;
      }
    }
    setR64Big(fpSqrt(FMT_D, join64(alo, ahi), fpcr, st));
  },
};

const ODD = new Float64Array(1);
const ODD_U = new Uint32Array(ODD.buffer);

/** Moves an inexact double one ulp towards the discarded error when its last bit is even (round to odd). */
function toOdd(s: number, err: number): number {
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

/** FPMulAdd(acc, a, b): single precision through an exact double product and a round-to-odd sum. */
export const FMA: Tern = {
  s: (acc, a, b, fpcr, st) => {
    if ((fpcr & FPCR_SLOW) === 0) {
      const z = f32(acc);
      const p = f32(a) * f32(b);
      const s = p + z;
      const bb = s - p;
      const err = p - (s - bb) + (z - bb);
      const r = err === 0 ? Math.fround(s) : Math.fround(toOdd(s, err));
      if (okS(r) && Math.abs(s) <= MAX_S * 2) {
        if (err !== 0 || r !== s) st.fpsr |= FPSR_IXC;
        return bits32(r);
      }
    }
    return Number(fpMulAdd(FMT_S, BigInt(acc >>> 0), BigInt(a >>> 0), BigInt(b >>> 0), fpcr, st));
  },
  d: (acclo, acchi, alo, ahi, blo, bhi, fpcr, st) =>
    setR64Big(fpMulAdd(FMT_D, join64(acclo, acchi), join64(alo, ahi), join64(blo, bhi), fpcr, st)),
};
