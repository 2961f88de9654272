/**
 * AdvSIMD integer instructions with register operands: three same, three different, two-register misc
 * and scalar pairwise, vector and scalar (Arm ARM DDI0487, C4.1). Factories check the size/Q rules of
 * each instruction (reserved combinations are UNDEFINED), try a specialised closure for the hot forms
 * (simd_int_fast.ts) and otherwise build a lane-engine closure.
 */
import { MISC, SCALAR_THREE_SAME, SIMD_INT_PATTERNS, THREE_DIFF, THREE_SAME } from '../decode/simd_int.js';
import type { Factory, InsnGroup } from './group.js';
import { Clear, laneExec, Pairing, shape, type LaneOp } from './simd_int_lanes.js';
import * as op from './simd_int_ops.js';
import { fastSame } from './simd_int_fast.js';
import { fastMisc, fastQxtn, fastXtn } from './simd_int_fast_misc.js';
import { fastDiff } from './simd_int_fast_shift.js';

/** Allowed `size` values as a bit mask. */
const ALL = 0b1111;
const NO64 = 0b0111;
const B8 = 0b0001;
const HS = 0b0110;
const D64 = 0b1000;

interface SameSpec {
  readonly sizes: number;
  readonly scalarSizes: number;
  readonly signed: boolean;
  readonly pair?: boolean;
  readonly acc?: boolean;
  readonly op: (bits: number) => LaneOp;
}

const k = (o: LaneOp) => (): LaneOp => o;

const SAME: Readonly<Record<string, SameSpec>> = {
  SHADD: { sizes: NO64, scalarSizes: 0, signed: true, op: k(op.HADD) },
  UHADD: { sizes: NO64, scalarSizes: 0, signed: false, op: k(op.HADD) },
  SRHADD: { sizes: NO64, scalarSizes: 0, signed: true, op: k(op.RHADD) },
  URHADD: { sizes: NO64, scalarSizes: 0, signed: false, op: k(op.RHADD) },
  SHSUB: { sizes: NO64, scalarSizes: 0, signed: true, op: k(op.HSUB) },
  UHSUB: { sizes: NO64, scalarSizes: 0, signed: false, op: k(op.HSUB) },
  SQADD: { sizes: ALL, scalarSizes: ALL, signed: true, op: (b) => op.qadd(b, true) },
  UQADD: { sizes: ALL, scalarSizes: ALL, signed: false, op: (b) => op.qadd(b, false) },
  SQSUB: { sizes: ALL, scalarSizes: ALL, signed: true, op: (b) => op.qsub(b, true) },
  UQSUB: { sizes: ALL, scalarSizes: ALL, signed: false, op: (b) => op.qsub(b, false) },
  CMGT: { sizes: ALL, scalarSizes: D64, signed: true, op: k(op.CMGT) },
  CMHI: { sizes: ALL, scalarSizes: D64, signed: false, op: k(op.CMGT) },
  CMGE: { sizes: ALL, scalarSizes: D64, signed: true, op: k(op.CMGE) },
  CMHS: { sizes: ALL, scalarSizes: D64, signed: false, op: k(op.CMGE) },
  SSHL: { sizes: ALL, scalarSizes: D64, signed: true, op: (b) => op.shiftReg(b, true, false, false) },
  USHL: { sizes: ALL, scalarSizes: D64, signed: false, op: (b) => op.shiftReg(b, false, false, false) },
  SQSHL: { sizes: ALL, scalarSizes: ALL, signed: true, op: (b) => op.shiftReg(b, true, false, true) },
  UQSHL: { sizes: ALL, scalarSizes: ALL, signed: false, op: (b) => op.shiftReg(b, false, false, true) },
  SRSHL: { sizes: ALL, scalarSizes: D64, signed: true, op: (b) => op.shiftReg(b, true, true, false) },
  URSHL: { sizes: ALL, scalarSizes: D64, signed: false, op: (b) => op.shiftReg(b, false, true, false) },
  SQRSHL: { sizes: ALL, scalarSizes: ALL, signed: true, op: (b) => op.shiftReg(b, true, true, true) },
  UQRSHL: { sizes: ALL, scalarSizes: ALL, signed: false, op: (b) => op.shiftReg(b, false, true, true) },
  SMAX: { sizes: NO64, scalarSizes: 0, signed: true, op: k(op.MAX) },
  UMAX: { sizes: NO64, scalarSizes: 0, signed: false, op: k(op.MAX) },
  SMIN: { sizes: NO64, scalarSizes: 0, signed: true, op: k(op.MIN) },
  UMIN: { sizes: NO64, scalarSizes: 0, signed: false, op: k(op.MIN) },
  SABD: { sizes: NO64, scalarSizes: 0, signed: true, op: k(op.ABD) },
  UABD: { sizes: NO64, scalarSizes: 0, signed: false, op: k(op.ABD) },
  SABA: { sizes: NO64, scalarSizes: 0, signed: true, acc: true, op: k(op.ABA) },
  UABA: { sizes: NO64, scalarSizes: 0, signed: false, acc: true, op: k(op.ABA) },
  ADD: { sizes: ALL, scalarSizes: D64, signed: false, op: k(op.ADD) },
  SUB: { sizes: ALL, scalarSizes: D64, signed: false, op: k(op.SUB) },
  CMTST: { sizes: ALL, scalarSizes: D64, signed: false, op: k(op.CMTST) },
  CMEQ: { sizes: ALL, scalarSizes: D64, signed: false, op: k(op.CMEQ) },
  MLA: { sizes: NO64, scalarSizes: 0, signed: false, acc: true, op: k(op.MLA) },
  MLS: { sizes: NO64, scalarSizes: 0, signed: false, acc: true, op: k(op.MLS) },
  MUL: { sizes: NO64, scalarSizes: 0, signed: false, op: k(op.MUL) },
  PMUL: { sizes: B8, scalarSizes: 0, signed: false, op: k(op.PMUL) },
  SMAXP: { sizes: NO64, scalarSizes: 0, signed: true, pair: true, op: k(op.MAX) },
  UMAXP: { sizes: NO64, scalarSizes: 0, signed: false, pair: true, op: k(op.MAX) },
  SMINP: { sizes: NO64, scalarSizes: 0, signed: true, pair: true, op: k(op.MIN) },
  UMINP: { sizes: NO64, scalarSizes: 0, signed: false, pair: true, op: k(op.MIN) },
  SQDMULH: { sizes: HS, scalarSizes: HS, signed: true, op: (b) => op.qdmulh(b, false) },
  SQRDMULH: { sizes: HS, scalarSizes: HS, signed: true, op: (b) => op.qdmulh(b, true) },
  ADDP: { sizes: ALL, scalarSizes: 0, signed: false, pair: true, op: k(op.ADD) },
};

const allowed = (mask: number, size: number): boolean => ((mask >> size) & 1) === 1;

function sameFactory(name: string, scalar: boolean): Factory {
  const spec = SAME[name]!;
  return (f) => {
    const size = f.size!;
    if (scalar ? !allowed(spec.scalarSizes, size) : !allowed(spec.sizes, size) || (size === 3 && f.q === 0)) return null;
    const bits = 8 << size;
    if (!scalar) {
      const fast = fastSame(name, f, bits);
      if (fast !== null) return fast;
    }
    return laneExec(
      shape({
        count: scalar ? 1 : (f.q ? 128 : 64) / bits,
        n: f.rn!,
        m: f.rm!,
        d: f.rd!,
        nBits: bits,
        nSigned: spec.signed,
        readD: spec.acc === true,
        clear: scalar ? Clear.ALL : f.q ? Clear.KEEP : Clear.UPPER,
        pairing: spec.pair === true ? Pairing.CONCAT : Pairing.NONE,
      }),
      spec.op(bits),
    );
  };
}

interface DiffSpec {
  readonly signed: boolean;
  /** Vn is already wide (the W forms), or both sources are wide and the result narrow (the HN forms). */
  readonly kind: 'long' | 'wide' | 'narrow';
  readonly sizes?: number;
  readonly acc?: boolean;
  readonly op: (bits: number) => LaneOp;
}

const DIFF: Readonly<Record<string, DiffSpec>> = {
  SADDL: { signed: true, kind: 'long', op: k(op.ADD) },
  UADDL: { signed: false, kind: 'long', op: k(op.ADD) },
  SADDW: { signed: true, kind: 'wide', op: k(op.ADD) },
  UADDW: { signed: false, kind: 'wide', op: k(op.ADD) },
  SSUBL: { signed: true, kind: 'long', op: k(op.SUB) },
  USUBL: { signed: false, kind: 'long', op: k(op.SUB) },
  SSUBW: { signed: true, kind: 'wide', op: k(op.SUB) },
  USUBW: { signed: false, kind: 'wide', op: k(op.SUB) },
  ADDHN: { signed: false, kind: 'narrow', op: (b) => op.addhn(b, false, false) },
  RADDHN: { signed: false, kind: 'narrow', op: (b) => op.addhn(b, false, true) },
  SUBHN: { signed: false, kind: 'narrow', op: (b) => op.addhn(b, true, false) },
  RSUBHN: { signed: false, kind: 'narrow', op: (b) => op.addhn(b, true, true) },
  SABAL: { signed: true, kind: 'long', acc: true, op: k(op.ABA) },
  UABAL: { signed: false, kind: 'long', acc: true, op: k(op.ABA) },
  SABDL: { signed: true, kind: 'long', op: k(op.ABD) },
  UABDL: { signed: false, kind: 'long', op: k(op.ABD) },
  SMLAL: { signed: true, kind: 'long', acc: true, op: k(op.MLAL) },
  UMLAL: { signed: false, kind: 'long', acc: true, op: k(op.MLAL) },
  SMLSL: { signed: true, kind: 'long', acc: true, op: k(op.MLSL) },
  UMLSL: { signed: false, kind: 'long', acc: true, op: k(op.MLSL) },
  SMULL: { signed: true, kind: 'long', op: k(op.MULL) },
  UMULL: { signed: false, kind: 'long', op: k(op.MULL) },
  SQDMLAL: { signed: true, kind: 'long', sizes: HS, acc: true, op: (b) => op.qdmull(2 * b, 1) },
  SQDMLSL: { signed: true, kind: 'long', sizes: HS, acc: true, op: (b) => op.qdmull(2 * b, -1) },
  SQDMULL: { signed: true, kind: 'long', sizes: HS, op: (b) => op.qdmull(2 * b, 0) },
  // PMULL with 64-bit elements (size 11) is FEAT_PMULL, which this CPU does not implement.
  PMULL: { signed: false, kind: 'long', sizes: B8, op: k(op.PMUL) },
};

function diffFactory(name: string, scalar: boolean): Factory {
  const spec = DIFF[name]!;
  return (f) => {
    const size = f.size!;
    if (!allowed(spec.sizes ?? NO64, size)) return null;
    const bits = 8 << size;
    const count = scalar ? 1 : 64 / bits;
    const half = scalar || f.q === 0 ? 0 : count;
    const narrow = spec.kind === 'narrow';
    const readD = spec.acc === true;
    const fast = scalar ? null : fastDiff(name, f, bits);
    if (fast !== null) return fast;
    return laneExec(
      shape({
        count,
        n: f.rn!,
        nBits: spec.kind === 'long' ? bits : 2 * bits,
        nSigned: spec.signed,
        nFirst: spec.kind === 'long' ? half : 0,
        m: f.rm!,
        mBits: narrow ? 2 * bits : bits,
        mSigned: spec.signed,
        mFirst: narrow ? 0 : half,
        d: f.rd!,
        dBits: narrow ? bits : 2 * bits,
        dSigned: spec.signed,
        readD,
        dFirst: narrow ? half : 0,
        clear: scalar ? Clear.ALL : narrow && f.q === 0 ? Clear.UPPER : Clear.KEEP,
      }),
      spec.op(bits),
    );
  };
}

interface MiscSpec {
  readonly sizes: number;
  readonly scalarSizes: number;
  readonly nSigned: boolean;
  readonly dSigned?: boolean;
  readonly kind?: 'pairLong' | 'narrow' | 'long';
  readonly acc?: boolean;
  readonly op: (bits: number) => LaneOp;
}

const MISC_SPEC: Readonly<Record<string, MiscSpec>> = {
  SADDLP: { sizes: NO64, scalarSizes: 0, nSigned: true, kind: 'pairLong', op: k(op.ADDLP) },
  UADDLP: { sizes: NO64, scalarSizes: 0, nSigned: false, kind: 'pairLong', op: k(op.ADDLP) },
  SADALP: { sizes: NO64, scalarSizes: 0, nSigned: true, kind: 'pairLong', acc: true, op: k(op.ADALP) },
  UADALP: { sizes: NO64, scalarSizes: 0, nSigned: false, kind: 'pairLong', acc: true, op: k(op.ADALP) },
  SUQADD: { sizes: ALL, scalarSizes: ALL, nSigned: false, dSigned: true, acc: true, op: (b) => op.qacc(b, true) },
  USQADD: { sizes: ALL, scalarSizes: ALL, nSigned: true, dSigned: false, acc: true, op: (b) => op.qacc(b, false) },
  CLS: { sizes: NO64, scalarSizes: 0, nSigned: true, op: (b) => op.cls(b) },
  CLZ: { sizes: NO64, scalarSizes: 0, nSigned: false, op: (b) => op.clz(b) },
  SQABS: { sizes: ALL, scalarSizes: ALL, nSigned: true, op: (b) => op.qabs(b) },
  SQNEG: { sizes: ALL, scalarSizes: ALL, nSigned: true, op: (b) => op.qneg(b) },
  CMGT_z: { sizes: ALL, scalarSizes: D64, nSigned: true, op: k(op.CMGT_Z) },
  CMGE_z: { sizes: ALL, scalarSizes: D64, nSigned: true, op: k(op.CMGE_Z) },
  CMEQ_z: { sizes: ALL, scalarSizes: D64, nSigned: true, op: k(op.CMEQ_Z) },
  CMLE_z: { sizes: ALL, scalarSizes: D64, nSigned: true, op: k(op.CMLE_Z) },
  CMLT_z: { sizes: ALL, scalarSizes: D64, nSigned: true, op: k(op.CMLT_Z) },
  ABS: { sizes: ALL, scalarSizes: D64, nSigned: true, op: k(op.ABS) },
  NEG: { sizes: ALL, scalarSizes: D64, nSigned: true, op: k(op.NEG) },
  XTN: { sizes: NO64, scalarSizes: 0, nSigned: false, kind: 'narrow', op: (b) => op.narrow(b, null) },
  SQXTUN: { sizes: NO64, scalarSizes: NO64, nSigned: true, kind: 'narrow', op: (b) => op.narrow(b, false) },
  SQXTN: { sizes: NO64, scalarSizes: NO64, nSigned: true, kind: 'narrow', op: (b) => op.narrow(b, true) },
  UQXTN: { sizes: NO64, scalarSizes: NO64, nSigned: false, kind: 'narrow', op: (b) => op.narrow(b, false) },
  SHLL: { sizes: NO64, scalarSizes: 0, nSigned: false, kind: 'long', op: (b) => op.shl(b) },
};

function miscFactory(name: string, scalar: boolean): Factory {
  const spec = MISC_SPEC[name]!;
  return (f) => {
    const size = f.size!;
    if (scalar ? !allowed(spec.scalarSizes, size) : !allowed(spec.sizes, size)) return null;
    const bits = 8 << size;
    const q = scalar ? 0 : f.q!;
    const dSigned = spec.dSigned ?? spec.nSigned;
    const readD = spec.acc === true;
    const clear = scalar ? Clear.ALL : q ? Clear.KEEP : Clear.UPPER;
    if (spec.kind === undefined) {
      if (!scalar && size === 3 && q === 0) return null;
      if (!scalar) {
        const fast = fastMisc(name, f, bits);
        if (fast !== null) return fast;
      }
      const count = scalar ? 1 : (q ? 128 : 64) / bits;
      return laneExec(shape({ count, n: f.rn!, m: f.rn!, d: f.rd!, nBits: bits, nSigned: spec.nSigned, dSigned, readD, clear }), spec.op(bits));
    }
    if (spec.kind === 'pairLong') {
      const count = (q ? 64 : 32) / bits;
      const s = shape({ count, n: f.rn!, m: f.rn!, d: f.rd!, nBits: bits, nSigned: spec.nSigned, dBits: 2 * bits, readD, clear, pairing: Pairing.UNARY });
      return laneExec(s, spec.op(bits));
    }
    // XTN-like narrowing (dest `bits`) and SHLL widening (source `bits`) use the half selected by Q.
    const count = scalar ? 1 : 64 / bits;
    const half = q ? count : 0;
    const narrow = spec.kind === 'narrow';
    const xtn = scalar ? null : name === 'XTN' ? fastXtn(f, bits) : narrow ? fastQxtn(name, f, bits) : null;
    if (xtn !== null) return xtn;
    return laneExec(
      shape({
        count,
        n: f.rn!,
        m: f.rn!,
        d: f.rd!,
        nBits: narrow ? 2 * bits : bits,
        nSigned: spec.nSigned,
        nFirst: narrow ? 0 : half,
        dBits: narrow ? bits : 2 * bits,
        dFirst: narrow ? half : 0,
        clear: scalar ? Clear.ALL : narrow && q === 0 ? Clear.UPPER : Clear.KEEP,
      }),
      spec.op(bits),
    );
  };
}

/** ADDP (scalar): Dd = Vn.D[0] + Vn.D[1]. */
const ADDP_s: Factory = (f) => {
  if (f.size !== 3) return null;
  return laneExec(shape({ count: 1, n: f.rn!, m: f.rn!, d: f.rd!, nBits: 64, clear: Clear.ALL, pairing: Pairing.UNARY }), op.ADD);
};

function handlers(): Record<string, Factory> {
  const h: Record<string, Factory> = { ADDP_s };
  for (const [name] of THREE_SAME) {
    h[`${name}_v`] = sameFactory(name, false);
    if (SCALAR_THREE_SAME.has(name)) h[`${name}_s`] = sameFactory(name, true);
  }
  for (const [name, , , scalar] of THREE_DIFF) {
    h[`${name}_v`] = diffFactory(name, false);
    if (scalar) h[`${name}_s`] = diffFactory(name, true);
  }
  for (const [name, , , scalar] of MISC) {
    h[`${name}_v`] = miscFactory(name, false);
    if (scalar) h[`${name}_s`] = miscFactory(name, true);
  }
  return h;
}

export const SIMD_INT: InsnGroup = {
  name: 'simd_int',
  registerOnly: 'all',
  patterns: SIMD_INT_PATTERNS,
  handlers: handlers(),
  endsBlock: new Set(),
};
