/**
 * Closure builders shared by the scalar FP and AdvSIMD FP handlers. A result is computed into a
 * scratch register first and then written whole, so a destination that is also a source is read
 * before it is overwritten, and the bits above a scalar or 64-bit vector result are cleared
 * (Arm ARM DDI0487 C1.2.5, "writes to the SIMD&FP registers").
 */
import type { Exec } from './group.js';
import type { Bin, Un } from '../fp/lanes.js';
import { R64 } from '../fp/lanes.js';
import { FPCR_RMODE, MIN_D, MIN_S, ok1, ok2 } from './fp_gate.js';

/** The scratch result register: closures fill it, then commit() writes it whole. */
export const T = new Uint32Array(4);
export const TF32 = new Float32Array(T.buffer);
export const TF64 = new Float64Array(T.buffer);

/** Writes T's first `words` words to V[d] and zeroes the rest. */
export function commit(v: Uint32Array, d: number, words: number): void {
  const b = 4 * d;
  v[b] = T[0]!;
  v[b + 1] = words > 1 ? T[1]! : 0;
  v[b + 2] = words > 2 ? T[2]! : 0;
  v[b + 3] = words > 3 ? T[3]! : 0;
}

/** Element-wise binary op over `lanes` elements (1 for scalars); `dbl` selects 64-bit elements. */
export function binLanes(op: Bin, dbl: boolean, lanes: number, d: number, n: number, m: number): Exec {
  const slow = binLanesSlow(op, dbl, lanes, d, n, m);
  const k = dbl ? op.kd : op.ks;
  if (k === undefined) return slow;
  if (dbl) {
    const fn = 2 * n;
    const fm = 2 * m;
    return (c) => {
      const st = c.state;
      const fpcr = st.fpcr;
      if ((fpcr & FPCR_RMODE) === 0) {
        const vf = c.vf64;
        let i = 0;
        for (; i < lanes; i++) {
          const x = vf[fn + i]!;
          const y = vf[fm + i]!;
          if (!ok2(fpcr, x, y, MIN_D)) break;
          const r = k(x, y, st);
          if (r !== r) break;
          TF64[i] = r;
        }
        if (i === lanes) {
          commit(c.v32, d, 2 * lanes);
          return;
        }
      }
      slow(c);
    };
  }
  const fn = 4 * n;
  const fm = 4 * m;
  const fd = 4 * d;
  if (lanes === 1) {
    return (c) => {
      const st = c.state;
      const fpcr = st.fpcr;
      if ((fpcr & FPCR_RMODE) === 0) {
        const vf = c.vf32;
        const x = vf[fn]!;
        const y = vf[fm]!;
        const r = ok2(fpcr, x, y, MIN_S) ? k(x, y, st) : NaN;
        if (r === r) {
          const v = c.v32;
          vf[fd] = r;
          v[fd + 1] = 0;
          v[fd + 2] = 0;
          v[fd + 3] = 0;
          return;
        }
      }
      slow(c);
    };
  }
  return (c) => {
    const st = c.state;
    const fpcr = st.fpcr;
    if ((fpcr & FPCR_RMODE) === 0) {
      const vf = c.vf32;
      let i = 0;
      for (; i < lanes; i++) {
        const x = vf[fn + i]!;
        const y = vf[fm + i]!;
        if (!ok2(fpcr, x, y, MIN_S)) break;
        const r = k(x, y, st);
        if (r !== r) break;
        TF32[i] = r;
      }
      if (i === lanes) {
        commit(c.v32, d, lanes);
        return;
      }
    }
    slow(c);
  };
}

function binLanesSlow(op: Bin, dbl: boolean, lanes: number, d: number, n: number, m: number): Exec {
  const bn = 4 * n;
  const bm = 4 * m;
  if (!dbl) {
    const s = op.s;
    if (lanes === 1) {
      return (c) => {
        const v = c.v32;
        const st = c.state;
        const r = s(v[bn]!, v[bm]!, st.fpcr, st);
        const bd = 4 * d;
        v[bd] = r;
        v[bd + 1] = 0;
        v[bd + 2] = 0;
        v[bd + 3] = 0;
      };
    }
    return (c) => {
      const v = c.v32;
      const st = c.state;
      const fpcr = st.fpcr;
      for (let i = 0; i < lanes; i++) T[i] = s(v[bn + i]!, v[bm + i]!, fpcr, st);
      commit(v, d, lanes);
    };
  }
  const f = op.d;
  return (c) => {
    const v = c.v32;
    const st = c.state;
    const fpcr = st.fpcr;
    for (let i = 0; i < lanes; i++) {
      f(v[bn + 2 * i]!, v[bn + 2 * i + 1]!, v[bm + 2 * i]!, v[bm + 2 * i + 1]!, fpcr, st);
      T[2 * i] = R64[0]!;
      T[2 * i + 1] = R64[1]!;
    }
    commit(v, d, 2 * lanes);
  };
}

/** Binary op with the second operand one element of V[m] (by-element forms). */
export function binElem(op: Bin, dbl: boolean, lanes: number, d: number, n: number, m: number, idx: number): Exec {
  const slow = binElemSlow(op, dbl, lanes, d, n, m, idx);
  const k = dbl ? op.kd : op.ks;
  if (k === undefined) return slow;
  const w = dbl ? 2 : 4;
  const fn = w * n;
  const em = w * m + idx;
  const min = dbl ? MIN_D : MIN_S;
  return (c) => {
    const st = c.state;
    const fpcr = st.fpcr;
      if ((fpcr & FPCR_RMODE) === 0) {
      const vf = dbl ? c.vf64 : c.vf32;
      const tf = dbl ? TF64 : TF32;
      const e = vf[em]!;
      let i = 0;
      for (; i < lanes; i++) {
        const x = vf[fn + i]!;
        if (!ok2(fpcr, x, e, min)) break;
        const r = k(x, e, st);
        if (r !== r) break;
        tf[i] = r;
      }
      if (i === lanes) {
        commit(c.v32, d, dbl ? 2 * lanes : lanes);
        return;
      }
    }
    slow(c);
  };
}

function binElemSlow(op: Bin, dbl: boolean, lanes: number, d: number, n: number, m: number, idx: number): Exec {
  const bn = 4 * n;
  if (!dbl) {
    const s = op.s;
    const em = 4 * m + idx;
    return (c) => {
      const v = c.v32;
      const st = c.state;
      const fpcr = st.fpcr;
      const b = v[em]!;
      for (let i = 0; i < lanes; i++) T[i] = s(v[bn + i]!, b, fpcr, st);
      commit(v, d, lanes);
    };
  }
  const f = op.d;
  const em = 4 * m + 2 * idx;
  return (c) => {
    const v = c.v32;
    const st = c.state;
    const fpcr = st.fpcr;
    const blo = v[em]!;
    const bhi = v[em + 1]!;
    for (let i = 0; i < lanes; i++) {
      f(v[bn + 2 * i]!, v[bn + 2 * i + 1]!, blo, bhi, fpcr, st);
      T[2 * i] = R64[0]!;
      T[2 * i + 1] = R64[1]!;
    }
    commit(v, d, 2 * lanes);
  };
}

/** Element-wise unary op. */
export function unLanes(op: Un, dbl: boolean, lanes: number, d: number, n: number): Exec {
  const slow = unLanesSlow(op, dbl, lanes, d, n);
  const k = dbl ? op.kd : op.ks;
  if (k === undefined) return slow;
  if (dbl) {
    const fn = 2 * n;
    return (c) => {
      const st = c.state;
      const fpcr = st.fpcr;
      if ((fpcr & FPCR_RMODE) === 0) {
        const vf = c.vf64;
        let i = 0;
        for (; i < lanes; i++) {
          const x = vf[fn + i]!;
          if (!ok1(fpcr, x, MIN_D)) break;
          const r = k(x, st);
          if (r !== r) break;
          TF64[i] = r;
        }
        if (i === lanes) {
          commit(c.v32, d, 2 * lanes);
          return;
        }
      }
      slow(c);
    };
  }
  const fn = 4 * n;
  return (c) => {
    const st = c.state;
    const fpcr = st.fpcr;
    if ((fpcr & FPCR_RMODE) === 0) {
      const vf = c.vf32;
      let i = 0;
      for (; i < lanes; i++) {
        const x = vf[fn + i]!;
        if (!ok1(fpcr, x, MIN_S)) break;
        const r = k(x, st);
        if (r !== r) break;
        TF32[i] = r;
      }
      if (i === lanes) {
        commit(c.v32, d, lanes);
        return;
      }
    }
    slow(c);
  };
}

function unLanesSlow(op: Un, dbl: boolean, lanes: number, d: number, n: number): Exec {
  const bn = 4 * n;
  if (!dbl) {
    const s = op.s;
    return (c) => {
      const v = c.v32;
      const st = c.state;
      const fpcr = st.fpcr;
      for (let i = 0; i < lanes; i++) T[i] = s(v[bn + i]!, fpcr, st);
      commit(v, d, lanes);
    };
  }
  const f = op.d;
  return (c) => {
    const v = c.v32;
    const st = c.state;
    const fpcr = st.fpcr;
    for (let i = 0; i < lanes; i++) {
      f(v[bn + 2 * i]!, v[bn + 2 * i + 1]!, fpcr, st);
      T[2 * i] = R64[0]!;
      T[2 * i + 1] = R64[1]!;
    }
    commit(v, d, 2 * lanes);
  };
}

/** Writes one already-computed word pair as a scalar result (used by handlers with their own arithmetic). */
export function writeScalar(v: Uint32Array, d: number, lo: number, hi: number, dbl: boolean): void {
  T[0] = lo;
  T[1] = hi;
  commit(v, d, dbl ? 2 : 1);
}
