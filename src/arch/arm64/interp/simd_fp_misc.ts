/**
 * AdvSIMD floating point two-register misc (vector and scalar), the fixed-point conversions of shift
 * by immediate, and the narrowing/widening FCVTN(2)/FCVTXN(2)/FCVTL(2), Arm ARM DDI0487 C7.2.
 */
import { FP2, FPFIX } from '../decode/simd_fp.js';
import type { Factory } from './group.js';
import { unLanes } from './fp_exec.js';
import { fromIntLanes, toIntLanes } from './simd_fp_cvt.js';
import * as ops from '../fp/ops.js';
import type { Un } from '../fp/lanes.js';
import { fpConvert } from '../fp/convert.js';
import { unsignedRecipEstimate, unsignedRSqrtEstimate } from '../fp/estimate.js';
import { FMT_D, FMT_H, FMT_S } from '../fp/format.js';
import type { FpFormat } from '../fp/format.js';
import { FPCR_FZ, fpcrRounding, RA, RM, RN, RO, RP, RZ } from '../fp/fpcr.js';
import { join64 } from '../fp/lanes.js';
import type { Cpu } from '../cpu.js';

function vecLanes(q: number, dbl: boolean): number {
  if (dbl) return q === 1 ? 2 : 0;
  return q === 1 ? 4 : 2;
}

const ROUND: Readonly<Record<string, number>> = { N: RN, P: RP, M: RM, Z: RZ, A: RA };

function unsignedOnly(fn: (x: number) => number): Un {
  return { s: (a) => fn(a), d: () => undefined };
}

/** The lane operation of a two-register misc FP instruction, by base name. */
function miscOp(name: string): Un | null {
  const frint = /^FRINT([NPMZAXI])$/.exec(name);
  if (frint) {
    const k = frint[1]!;
    return k === 'X' ? ops.roundInt(-1, true) : k === 'I' ? ops.roundInt(-1, false) : ops.roundInt(ROUND[k]!, false);
  }
  const cvt = /^FCVT([NPMZA])([SU])$/.exec(name);
  if (cvt) return ops.toInt(ROUND[cvt[1]!]!, cvt[2] === 'U', 0);
  switch (name) {
    case 'SCVTF': return ops.fromInt(false, 0);
    case 'UCVTF': return ops.fromInt(true, 0);
    case 'FRECPE': return ops.RECPE;
    case 'FRSQRTE': return ops.RSQRTE;
    case 'FRECPX': return ops.RECPX;
    case 'FSQRT': return ops.SQRT;
    case 'FABS': return ops.ABS;
    case 'FNEG': return ops.NEG;
    case 'FCMGT_z': return ops.cmpZero(ops.CMP_GT, false);
    case 'FCMGE_z': return ops.cmpZero(ops.CMP_GE, false);
    case 'FCMEQ_z': return ops.cmpZero(ops.CMP_EQ, false);
    case 'FCMLE_z': return ops.cmpZero(ops.CMP_GE, true);
    case 'FCMLT_z': return ops.cmpZero(ops.CMP_GT, true);
    case 'URECPE': return unsignedOnly(unsignedRecipEstimate);
    case 'URSQRTE': return unsignedOnly(unsignedRSqrtEstimate);
    default: return null;
  }
}

function misc(op: Un, scalar: boolean, singleOnly: boolean): Factory {
  return (f) => {
    const dbl = f.sz === 1;
    if (singleOnly && dbl) return null;
    const lanes = scalar ? 1 : vecLanes(f.q!, dbl);
    if (lanes === 0) return null;
    return unLanes(op, dbl, lanes, f.rd!, f.rn!);
  };
}

const OUT = new Uint32Array(4);

/** FCVTN/FCVTXN (narrow: into the low half, or the high half for the "2" forms) and FCVTL (widen). */
function narrow(odd: boolean, scalar: boolean): Factory {
  return (f) => {
    const dbl = f.sz === 1;
    if (odd && !dbl) return null;
    const n = f.rn!;
    const d = f.rd!;
    const upper = !scalar && f.q === 1;
    const from = dbl ? FMT_D : FMT_S;
    const to = dbl ? FMT_S : FMT_H;
    const count = scalar ? 1 : dbl ? 2 : 4;
    return (c: Cpu) => {
      const v = c.v32;
      const st = c.state;
      const fpcr = st.fpcr;
      const rnd = odd ? RO : fpcrRounding(fpcr);
      OUT.fill(0);
      for (let i = 0; i < count; i++) {
        const src = dbl ? join64(v[4 * n + 2 * i]!, v[4 * n + 2 * i + 1]!) : BigInt(v[4 * n + i]!);
        const r = Number(fpConvert(from, to, src, fpcr, rnd, st));
        if (dbl) OUT[i] = r;
        else OUT[i >> 1] = (OUT[i >> 1]! | (r << (16 * (i & 1)))) >>> 0;
      }
      const b = 4 * d;
      if (upper) {
        v[b + 2] = OUT[0]!;
        v[b + 3] = OUT[1]!;
      } else {
        v[b] = OUT[0]!;
        v[b + 1] = scalar ? 0 : OUT[1]!;
        v[b + 2] = 0;
        v[b + 3] = 0;
      }
    };
  };
}

const FCVTL: Factory = (f) => {
  const dbl = f.sz === 1;
  const n = f.rn!;
  const d = f.rd!;
  const base = 4 * n + (f.q === 1 ? 2 : 0);
  const from = dbl ? FMT_S : FMT_H;
  const to = dbl ? FMT_D : FMT_S;
  const exact = fcvtlExact(dbl, base, d, from, to);
  if (!dbl) return exact;
  // Single to double is exact unless a lane is a NaN or a denormal that FZ flushes.
  return (c: Cpu) => {
    const vf = c.vf32;
    const x0 = vf[base]!;
    const x1 = vf[base + 1]!;
    if (x0 === x0 && x1 === x1 && ((c.state.fpcr & FPCR_FZ) === 0 || (normalOrZero(x0) && normalOrZero(x1)))) {
      const o = c.vf64;
      o[2 * d] = x0;
      o[2 * d + 1] = x1;
      return;
    }
    exact(c);
  };
};

function normalOrZero(x: number): boolean {
  return x === 0 || Math.abs(x) >= 1.1754943508222875e-38;
}

function fcvtlExact(dbl: boolean, base: number, d: number, from: FpFormat, to: FpFormat): (c: Cpu) => void {
  return (c: Cpu) => {
    const v = c.v32;
    const st = c.state;
    const fpcr = st.fpcr;
    const rnd = fpcrRounding(fpcr);
    for (let i = 0; i < (dbl ? 2 : 4); i++) {
      const src = dbl ? BigInt(v[base + i]!) : BigInt((v[base + (i >> 1)]! >>> (16 * (i & 1))) & 0xffff);
      const r = fpConvert(from, to, src, fpcr, rnd, st);
      if (dbl) {
        OUT[2 * i] = Number(r & 0xffffffffn);
        OUT[2 * i + 1] = Number(r >> 32n);
      } else {
        OUT[i] = Number(r);
      }
    }
    v.set(OUT, 4 * d);
  };
}

/** Conversions between FP and integer lanes, with the fast closures of simd_fp_cvt.ts. */
function convert(op: Un, dir: 'toInt' | 'fromInt', rounding: number, unsigned: boolean, fbits: number, scalar: boolean): Factory {
  return (f) => {
    const dbl = f.sz === 1;
    const lanes = scalar ? 1 : vecLanes(f.q!, dbl);
    if (lanes === 0) return null;
    return dir === 'toInt'
      ? toIntLanes(op, rounding, unsigned, fbits, dbl, lanes, f.rd!, f.rn!)
      : fromIntLanes(op, unsigned, fbits, dbl, lanes, f.rd!, f.rn!);
  };
}

/** SCVTF/UCVTF/FCVTZS/FCVTZU with #fbits: immh:immb encodes 2*esize - fbits. */
function fixed(name: string, dbl: boolean, scalar: boolean): Factory {
  return (f) => {
    const imm = (dbl ? 64 : 32) + (f.ih! << 3) + f.immb!;
    const fbits = (dbl ? 128 : 64) - imm;
    const unsigned = name === 'UCVTF' || name === 'FCVTZU';
    const toInt = !name.endsWith('CVTF');
    const op = toInt ? ops.toInt(RZ, unsigned, fbits) : ops.fromInt(unsigned, fbits);
    return convert(op, toInt ? 'toInt' : 'fromInt', RZ, unsigned, fbits, scalar)({ ...f, sz: dbl ? 1 : 0 }, 0);
  };
}

export const MISC_HANDLERS: Record<string, Factory> = {};
for (const [n, , , , sc] of FP2) {
  const base = n.endsWith('_z') ? n.slice(0, -2) : n;
  const suf = n.endsWith('_z') ? '_z' : '';
  if (n === 'FCVTN' || n === 'FCVTXN') {
    MISC_HANDLERS[`${base}_v`] = narrow(n === 'FCVTXN', false);
    if (sc) MISC_HANDLERS[`${base}_s`] = narrow(true, true);
    continue;
  }
  if (n === 'FCVTL') {
    MISC_HANDLERS.FCVTL_v = FCVTL;
    continue;
  }
  const op = miscOp(n)!;
  const singleOnly = n === 'URECPE' || n === 'URSQRTE';
  const cvt = /^FCVT([NPMZA])([SU])$/.exec(n);
  const conv = cvt !== null ? { rounding: ROUND[cvt[1]!]!, unsigned: cvt[2] === 'U' } : null;
  const make = (scalar: boolean): Factory =>
    conv !== null ? convert(op, 'toInt', conv.rounding, conv.unsigned, 0, scalar)
      : n === 'SCVTF' || n === 'UCVTF' ? convert(op, 'fromInt', RZ, n === 'UCVTF', 0, scalar)
        : misc(op, scalar, singleOnly);
  MISC_HANDLERS[`${base}_v${suf}`] = make(false);
  if (sc) MISC_HANDLERS[`${base}_s${suf}`] = make(true);
}
MISC_HANDLERS.FRECPX_s = misc(ops.RECPX, true, false);
for (const [n] of FPFIX) {
  MISC_HANDLERS[`${n}_fixv_d`] = fixed(n, true, false);
  MISC_HANDLERS[`${n}_fixv_s`] = fixed(n, false, false);
  MISC_HANDLERS[`${n}_fixs_d`] = fixed(n, true, true);
  MISC_HANDLERS[`${n}_fixs_s`] = fixed(n, false, true);
}
