/**
 * AdvSIMD integer shift by immediate and multiply by element, vector and scalar (Arm ARM DDI0487,
 * C4.1: shift by immediate, x indexed element, and their scalar classes). Reserved immh/size/Q combinations are UNDEFINED.
 */
import { BY_ELEMENT, SHIFT_IMM, SIMD_INT_SHIFT_PATTERNS } from '../decode/simd_int_shift.js';
import type { Factory, InsnGroup } from './group.js';
import { Clear, laneExec, shape, type LaneOp } from './simd_int_lanes.js';
import * as op from './simd_int_ops.js';
import { fastElem, fastShift } from './simd_int_fast_shift.js';

interface ShiftSpec {
  readonly signed: boolean;
  /** `right`: amount 2*esize - immh:immb; `left`: immh:immb - esize. */
  readonly dir: 'right' | 'left';
  /** Shape: same size, narrowing (source twice the decoded size) or widening (result twice). */
  readonly kind: 'same' | 'narrow' | 'long';
  readonly acc?: boolean;
  /** Scalar form only for 64-bit elements (the non-saturating shifts). */
  readonly scalarD?: boolean;
  readonly op: (bits: number, sh: number) => LaneOp;
}

const SHIFT: Readonly<Record<string, ShiftSpec>> = {
  SSHR: { signed: true, dir: 'right', kind: 'same', scalarD: true, op: (_b, sh) => op.shr(sh, false, false) },
  USHR: { signed: false, dir: 'right', kind: 'same', scalarD: true, op: (_b, sh) => op.shr(sh, false, false) },
  SSRA: { signed: true, dir: 'right', kind: 'same', scalarD: true, acc: true, op: (_b, sh) => op.shr(sh, false, true) },
  USRA: { signed: false, dir: 'right', kind: 'same', scalarD: true, acc: true, op: (_b, sh) => op.shr(sh, false, true) },
  SRSHR: { signed: true, dir: 'right', kind: 'same', scalarD: true, op: (_b, sh) => op.shr(sh, true, false) },
  URSHR: { signed: false, dir: 'right', kind: 'same', scalarD: true, op: (_b, sh) => op.shr(sh, true, false) },
  SRSRA: { signed: true, dir: 'right', kind: 'same', scalarD: true, acc: true, op: (_b, sh) => op.shr(sh, true, true) },
  URSRA: { signed: false, dir: 'right', kind: 'same', scalarD: true, acc: true, op: (_b, sh) => op.shr(sh, true, true) },
  SRI: { signed: false, dir: 'right', kind: 'same', scalarD: true, acc: true, op: (b, sh) => op.sri(b, sh) },
  SHL: { signed: false, dir: 'left', kind: 'same', scalarD: true, op: (_b, sh) => op.shl(sh) },
  SLI: { signed: false, dir: 'left', kind: 'same', scalarD: true, acc: true, op: (b, sh) => op.sli(b, sh) },
  SQSHLU: { signed: true, dir: 'left', kind: 'same', op: (b, sh) => op.qshl(b, sh, false) },
  SQSHL: { signed: true, dir: 'left', kind: 'same', op: (b, sh) => op.qshl(b, sh, true) },
  UQSHL: { signed: false, dir: 'left', kind: 'same', op: (b, sh) => op.qshl(b, sh, false) },
  SHRN: { signed: false, dir: 'right', kind: 'narrow', op: (b, sh) => op.shrn(b, sh, false, null) },
  RSHRN: { signed: false, dir: 'right', kind: 'narrow', op: (b, sh) => op.shrn(b, sh, true, null) },
  SQSHRUN: { signed: true, dir: 'right', kind: 'narrow', op: (b, sh) => op.shrn(b, sh, false, false) },
  SQRSHRUN: { signed: true, dir: 'right', kind: 'narrow', op: (b, sh) => op.shrn(b, sh, true, false) },
  SQSHRN: { signed: true, dir: 'right', kind: 'narrow', op: (b, sh) => op.shrn(b, sh, false, true) },
  UQSHRN: { signed: false, dir: 'right', kind: 'narrow', op: (b, sh) => op.shrn(b, sh, false, false) },
  SQRSHRN: { signed: true, dir: 'right', kind: 'narrow', op: (b, sh) => op.shrn(b, sh, true, true) },
  UQRSHRN: { signed: false, dir: 'right', kind: 'narrow', op: (b, sh) => op.shrn(b, sh, true, false) },
  SSHLL: { signed: true, dir: 'left', kind: 'long', op: (_b, sh) => op.shl(sh) },
  USHLL: { signed: false, dir: 'left', kind: 'long', op: (_b, sh) => op.shl(sh) },
};

function shiftFactory(name: string, scalar: boolean): Factory {
  const spec = SHIFT[name]!;
  return (f, insn) => {
    const immhb = (insn >>> 16) & 0x7f;
    // Element size from the highest set bit of immh (the patterns exclude immh == 0).
    const bits = 8 << (31 - Math.clz32(immhb >>> 3));
    const q = scalar ? 0 : f.q!;
    const sh = spec.dir === 'left' ? immhb - bits : 2 * bits - immhb;
    const readD = spec.acc === true;
    if (spec.kind === 'same') {
      if (scalar ? spec.scalarD === true && bits !== 64 : bits === 64 && q === 0) return null;
      const lanes = shape({
        count: scalar ? 1 : (q ? 128 : 64) / bits,
        n: f.rn!,
        m: f.rn!,
        d: f.rd!,
        nBits: bits,
        nSigned: spec.signed,
        readD,
        clear: scalar ? Clear.ALL : q ? Clear.KEEP : Clear.UPPER,
      });
      return fastShift(name, { f, bits, sh, scalar }) ?? laneExec(lanes, spec.op(bits, sh));
    }
    if (bits === 64) return null;
    const count = scalar ? 1 : 64 / bits;
    const half = q ? count : 0;
    const narrow = spec.kind === 'narrow';
    if (!scalar) {
      const fast = fastShift(name, { f, bits, sh, scalar: false });
      if (fast !== null) return fast;
    }
    return laneExec(
      shape({
        count,
        n: f.rn!,
        m: f.rn!,
        d: f.rd!,
        nBits: narrow ? 2 * bits : bits,
        nSigned: spec.signed,
        nFirst: narrow ? 0 : half,
        dBits: narrow ? bits : 2 * bits,
        dFirst: narrow ? half : 0,
        clear: scalar ? Clear.ALL : narrow && q === 0 ? Clear.UPPER : Clear.KEEP,
      }),
      spec.op(bits, sh),
    );
  };
}

interface ElemSpec {
  readonly signed: boolean;
  readonly long: boolean;
  readonly acc?: boolean;
  readonly op: (bits: number) => LaneOp;
}

const k = (o: LaneOp) => (): LaneOp => o;

const ELEM: Readonly<Record<string, ElemSpec>> = {
  MLA: { signed: false, long: false, acc: true, op: k(op.MLA) },
  MLS: { signed: false, long: false, acc: true, op: k(op.MLS) },
  MUL: { signed: false, long: false, op: k(op.MUL) },
  SMLAL: { signed: true, long: true, acc: true, op: k(op.MLAL) },
  UMLAL: { signed: false, long: true, acc: true, op: k(op.MLAL) },
  SMLSL: { signed: true, long: true, acc: true, op: k(op.MLSL) },
  UMLSL: { signed: false, long: true, acc: true, op: k(op.MLSL) },
  SMULL: { signed: true, long: true, op: k(op.MULL) },
  UMULL: { signed: false, long: true, op: k(op.MULL) },
  SQDMLAL: { signed: true, long: true, acc: true, op: (b) => op.qdmull(2 * b, 1) },
  SQDMLSL: { signed: true, long: true, acc: true, op: (b) => op.qdmull(2 * b, -1) },
  SQDMULL: { signed: true, long: true, op: (b) => op.qdmull(2 * b, 0) },
  SQDMULH: { signed: true, long: false, op: (b) => op.qdmulh(b, false) },
  SQRDMULH: { signed: true, long: false, op: (b) => op.qdmulh(b, true) },
};

/** By element: 16-bit elements index with H:L:M and reach V0..V15; 32-bit ones index with H:L and M extends Rm. */
function elemFactory(name: string, scalar: boolean): Factory {
  const spec = ELEM[name]!;
  return (f) => {
    if (f.size !== 1 && f.size !== 2) return null;
    const bits = 8 << f.size;
    const index = bits === 16 ? (f.h! << 2) | (f.l! << 1) | f.m! : (f.h! << 1) | f.l!;
    const m = bits === 16 ? f.rm! : (f.m! << 4) | f.rm!;
    const q = scalar ? 0 : f.q!;
    const readD = spec.acc === true;
    if (!spec.long) {
      const fast = scalar ? null : fastElem(name, { rn: f.rn!, rm: m, rd: f.rd!, index, bits, q: q === 1 });
      if (fast !== null) return fast;
      return laneExec(
        shape({
          count: scalar ? 1 : (q ? 128 : 64) / bits,
          n: f.rn!,
          nBits: bits,
          nSigned: spec.signed,
          m,
          mFirst: index,
          mStride: 0,
          d: f.rd!,
          readD,
          clear: scalar ? Clear.ALL : q ? Clear.KEEP : Clear.UPPER,
        }),
        spec.op(bits),
      );
    }
    const count = scalar ? 1 : 64 / bits;
    return laneExec(
      shape({
        count,
        n: f.rn!,
        nBits: bits,
        nSigned: spec.signed,
        nFirst: q ? count : 0,
        m,
        mFirst: index,
        mStride: 0,
        d: f.rd!,
        dBits: 2 * bits,
        readD,
        clear: scalar ? Clear.ALL : Clear.KEEP,
      }),
      spec.op(bits),
    );
  };
}

function handlers(): Record<string, Factory> {
  const h: Record<string, Factory> = {};
  for (const [name, , , scalar] of SHIFT_IMM) {
    h[`${name}_vi`] = shiftFactory(name, false);
    if (scalar) h[`${name}_si`] = shiftFactory(name, true);
  }
  for (const [name, , , scalar] of BY_ELEMENT) {
    h[`${name}_ev`] = elemFactory(name, false);
    if (scalar) h[`${name}_es`] = elemFactory(name, true);
  }
  return h;
}

export const SIMD_INT_SHIFT: InsnGroup = {
  name: 'simd_int_shift',
  registerOnly: 'all',
  patterns: SIMD_INT_SHIFT_PATTERNS,
  handlers: handlers(),
  endsBlock: new Set(),
};
