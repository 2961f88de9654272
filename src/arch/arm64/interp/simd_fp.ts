/**
 * AdvSIMD floating point: three same, by element, across lanes, scalar pairwise (vector and scalar
 * forms), Arm ARM DDI0487 C7.2. Lane arithmetic is the FP core's (fp/ops.ts); the closure builders
 * in fp_exec.ts read every source before writing the destination.
 */
import { FP3, FPACROSS, FPE, FPPAIR, SIMD_FP_PATTERNS } from '../decode/simd_fp.js';
import type { Factory, InsnGroup } from './group.js';
import { binElem, binLanes } from './fp_exec.js';
import { ternLanes } from './fp_fused.js';
import { pairLanes, reduce4 } from './fp_pairwise.js';
import * as ops from '../fp/ops.js';
import type { Bin, Tern } from '../fp/lanes.js';
import { MISC_HANDLERS } from './simd_fp_misc.js';

/** Lanes of a vector form, or 0 when the arrangement is reserved (64-bit lanes need Q = 1). */
export function vecLanes(q: number, dbl: boolean): number {
  if (dbl) return q === 1 ? 2 : 0;
  return q === 1 ? 4 : 2;
}

const BIN: Readonly<Record<string, Bin>> = {
  FMAXNM: ops.MAXNM, FMINNM: ops.MINNM, FADD: ops.ADD, FSUB: ops.SUB, FMULX: ops.MULX, FCMEQ: ops.CMEQ,
  FMAX: ops.MAX, FMIN: ops.MIN, FRECPS: ops.RECPS, FRSQRTS: ops.RSQRTS, FABD: ops.ABD, FMUL: ops.MUL,
  FCMGE: ops.CMGE, FCMGT: ops.CMGT, FACGE: ops.ACGE, FACGT: ops.ACGT, FDIV: ops.DIV,
};
const TERN: Readonly<Record<string, Tern>> = { FMLA: ops.FMA, FMLS: ops.FMS };
const PAIR: Readonly<Record<string, Bin>> = {
  FMAXNMP: ops.MAXNM, FMINNMP: ops.MINNM, FADDP: ops.ADD, FMAXP: ops.MAX, FMINP: ops.MIN,
};

function threeSame(name: string, scalar: boolean): Factory {
  return (f) => {
    const dbl = f.sz === 1;
    const lanes = scalar ? 1 : vecLanes(f.q!, dbl);
    if (lanes === 0) return null;
    const d = f.rd!;
    const n = f.rn!;
    const m = f.rm!;
    const pair = PAIR[name];
    if (pair !== undefined) return pairLanes(pair, dbl, lanes, d, n, m, false);
    const tern = TERN[name];
    if (tern !== undefined) return ternLanes(tern, dbl, lanes, d, n, m, -1);
    return binLanes(BIN[name]!, dbl, lanes, d, n, m);
  };
}

function byElement(name: string, scalar: boolean): Factory {
  return (f) => {
    const dbl = f.sz === 1;
    const lanes = scalar ? 1 : vecLanes(f.q!, dbl);
    if (lanes === 0 || (dbl && f.l === 1)) return null;
    const idx = dbl ? f.h! : (f.h! << 1) | f.l!;
    const m = (f.m! << 4) | f.rm!;
    const tern = TERN[name];
    if (tern !== undefined) return ternLanes(tern, dbl, lanes, f.rd!, f.rn!, m, idx);
    return binElem(name === 'FMUL' ? ops.MUL : ops.MULX, dbl, lanes, f.rd!, f.rn!, m, idx);
  };
}

const ACROSS: Readonly<Record<string, Bin>> = {
  FMAXNMV: ops.MAXNM, FMINNMV: ops.MINNM, FMAXV: ops.MAX, FMINV: ops.MIN,
};

const handlers: Record<string, Factory> = { ...MISC_HANDLERS };
for (const [n, , , , sc] of FP3) {
  handlers[`${n}_v`] = threeSame(n, false);
  if (sc) handlers[`${n}_s`] = threeSame(n, true);
}
for (const [n] of FPE) {
  handlers[`${n}_e`] = byElement(n, false);
  handlers[`${n}_es`] = byElement(n, true);
}
for (const [n] of FPACROSS) {
  const op = ACROSS[n]!;
  handlers[n] = (f) => (f.q === 1 ? reduce4(op, f.rd!, f.rn!) : null);
}
for (const [n] of FPPAIR) {
  const op = PAIR[n]!;
  handlers[`${n}_p`] = (f) => pairLanes(op, f.sz === 1, 2, f.rd!, f.rn!, f.rn!, true);
}

export const SIMD_FP: InsnGroup = {
  name: 'simd_fp',
  registerOnly: 'all',
  patterns: SIMD_FP_PATTERNS,
  handlers,
  endsBlock: new Set(),
};
