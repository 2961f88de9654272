/**
 * Fused multiply-add closures: FMLA/FMLS (vector, by element, scalar by element) and FMADD and its
 * negated forms, each a kernel fast path (fp/fast.ts) over the exact lane path.
 */
import type { Exec } from './group.js';
import type { Tern } from '../fp/lanes.js';
import { R64 } from '../fp/lanes.js';
import { commit, T, TF32, TF64 } from './fp_exec.js';
import { FPCR_RMODE, MIN_D, MIN_S, ok3 } from './fp_gate.js';

/** Fused multiply-accumulate into V[d]: d = d + n * m (elementwise), or with m's element `idx` when idx >= 0. */
export function ternLanes(op: Tern, dbl: boolean, lanes: number, d: number, n: number, m: number, idx: number): Exec {
  const slow = ternLanesSlow(op, dbl, lanes, d, n, m, idx);
  const k = dbl ? op.kd : op.ks;
  if (k === undefined) return slow;
  const w = dbl ? 2 : 4; // elements per register in the float view
  const min = dbl ? MIN_D : MIN_S;
  const fd = w * d;
  const fn = w * n;
  const fm = w * m;
  const byElem = idx >= 0;
  return (c) => {
    const st = c.state;
    const fpcr = st.fpcr;
      if ((fpcr & FPCR_RMODE) === 0) {
      const vf = dbl ? c.vf64 : c.vf32;
      const tf = dbl ? TF64 : TF32;
      const e = byElem ? vf[fm + idx]! : 0;
      let i = 0;
      for (; i < lanes; i++) {
        const z = vf[fd + i]!;
        const x = vf[fn + i]!;
        const y = byElem ? e : vf[fm + i]!;
        if (!ok3(fpcr, z, x, y, min)) break;
        const r = k(z, x, y, st);
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

function ternLanesSlow(op: Tern, dbl: boolean, lanes: number, d: number, n: number, m: number, idx: number): Exec {
  const bn = 4 * n;
  const bd = 4 * d;
  if (!dbl) {
    const s = op.s;
    const bm = 4 * m;
    return (c) => {
      const v = c.v32;
      const st = c.state;
      const fpcr = st.fpcr;
      const e = idx >= 0 ? v[bm + idx]! : 0;
      for (let i = 0; i < lanes; i++) T[i] = s(v[bd + i]!, v[bn + i]!, idx >= 0 ? e : v[bm + i]!, fpcr, st);
      commit(v, d, lanes);
    };
  }
  const f = op.d;
  const bm = 4 * m;
  return (c) => {
    const v = c.v32;
    const st = c.state;
    const fpcr = st.fpcr;
    const elo = idx >= 0 ? v[bm + 2 * idx]! : 0;
    const ehi = idx >= 0 ? v[bm + 2 * idx + 1]! : 0;
    for (let i = 0; i < lanes; i++) {
      const j = 2 * i;
      f(v[bd + j]!, v[bd + j + 1]!, v[bn + j]!, v[bn + j + 1]!, idx >= 0 ? elo : v[bm + j]!, idx >= 0 ? ehi : v[bm + j + 1]!, fpcr, st);
      T[j] = R64[0]!;
      T[j + 1] = R64[1]!;
    }
    commit(v, d, 2 * lanes);
  };
}

/** Scalar fused multiply-add with an explicit addend register (FMADD and friends). */
export function tern3(op: Tern, dbl: boolean, d: number, a: number, n: number, m: number): Exec {
  const slow = tern3Slow(op, dbl, d, a, n, m);
  const k = dbl ? op.kd : op.ks;
  if (k === undefined) return slow;
  if (dbl) {
    return (c) => {
      const st = c.state;
      const fpcr = st.fpcr;
      if ((fpcr & FPCR_RMODE) === 0) {
        const vf = c.vf64;
        const z = vf[2 * a]!;
        const x = vf[2 * n]!;
        const y = vf[2 * m]!;
        const r = ok3(fpcr, z, x, y, MIN_D) ? k(z, x, y, st) : NaN;
        if (r === r) {
          vf[2 * d] = r;
          vf[2 * d + 1] = 0;
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
      const z = vf[4 * a]!;
      const x = vf[4 * n]!;
      const y = vf[4 * m]!;
      const r = ok3(fpcr, z, x, y, MIN_S) ? k(z, x, y, st) : NaN;
      if (r === r) {
        const v = c.v32;
        vf[4 * d] = r;
        v[4 * d + 1] = 0;
        v[4 * d + 2] = 0;
        v[4 * d + 3] = 0;
        return;
      }
    }
    slow(c);
  };
}

function tern3Slow(op: Tern, dbl: boolean, d: number, a: number, n: number, m: number): Exec {
  const ba = 4 * a;
  const bn = 4 * n;
  const bm = 4 * m;
  if (!dbl) {
    const s = op.s;
    return (c) => {
      const v = c.v32;
      const st = c.state;
      T[0] = s(v[ba]!, v[bn]!, v[bm]!, st.fpcr, st);
      commit(v, d, 1);
    };
  }
  const f = op.d;
  return (c) => {
    const v = c.v32;
    const st = c.state;
    f(v[ba]!, v[ba + 1]!, v[bn]!, v[bn + 1]!, v[bm]!, v[bm + 1]!, st.fpcr, st);
    T[0] = R64[0]!;
    T[1] = R64[1]!;
    commit(v, d, 2);
  };
}

