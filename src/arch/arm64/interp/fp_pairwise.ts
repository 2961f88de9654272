/**
 * Pairwise and across-lanes FP closures (FADDP, FMAXP, FMAXNMV...): sources are copied first, so a
 * destination that is also a source is safe (Arm ARM DDI0487 C7.2, "Reduce" for the lane order).
 */
import type { Exec } from './group.js';
import type { Bin } from '../fp/lanes.js';
import { R64 } from '../fp/lanes.js';
import type { Cpu } from '../cpu.js';
import { commit, T } from './fp_exec.js';

const P = new Uint32Array(8);

/**
 * Pairwise op: the elements of n then m form one sequence (each `lanes` long) and result element i
 * combines elements 2i and 2i+1. With `scalar`, only n's first two elements are combined.
 */
export function pairLanes(op: Bin, dbl: boolean, lanes: number, d: number, n: number, m: number, scalar: boolean): Exec {
  const words = dbl ? 2 * lanes : lanes;
  const outLanes = scalar ? 1 : lanes;
  return (c) => {
    const v = c.v32;
    const st = c.state;
    const fpcr = st.fpcr;
    for (let i = 0; i < words; i++) {
      P[i] = v[4 * n + i]!;
      P[words + i] = v[4 * m + i]!;
    }
    pairInto(op, dbl, outLanes, fpcr, st);
    commit(v, d, dbl ? 2 * outLanes : outLanes);
  };
}

function pairInto(op: Bin, dbl: boolean, outLanes: number, fpcr: number, st: Cpu['state']): void {
  for (let i = 0; i < outLanes; i++) {
    if (!dbl) {
      T[i] = op.s(P[2 * i]!, P[2 * i + 1]!, fpcr, st);
    } else {
      op.d(P[4 * i]!, P[4 * i + 1]!, P[4 * i + 2]!, P[4 * i + 3]!, fpcr, st);
      T[2 * i] = R64[0]!;
      T[2 * i + 1] = R64[1]!;
    }
  }
}

/** Across-lanes reduction of four single-precision elements: op(op(e0, e1), op(e2, e3)). */
export function reduce4(op: Bin, d: number, n: number): Exec {
  return (c) => {
    const v = c.v32;
    const st = c.state;
    const fpcr = st.fpcr;
    const b = 4 * n;
    const lo = op.s(v[b]!, v[b + 1]!, fpcr, st);
    const hi = op.s(v[b + 2]!, v[b + 3]!, fpcr, st);
    T[0] = op.s(lo, hi, fpcr, st);
    commit(v, d, 1);
  };
}

