/**
 * Scalar floating-point data processing: arithmetic, FMOV (register, immediate), FCVT between
 * precisions, FRINT*, compares, conditional compare and select, fused multiply-add
 * (Arm ARM DDI0487 C7.2 for each instruction; semantics from the shared FP pseudocode in fp/).
 */
import { FP_SCALAR_PATTERNS } from '../decode/fp_scalar.js';
import type { Factory, InsnGroup } from './group.js';
import { conditionHolds } from './alu.js';
import { binLanes, unLanes, writeScalar } from './fp_exec.js';
import { tern3 } from './fp_fused.js';
import * as ops from '../fp/ops.js';
import type { Bin, Tern, Un } from '../fp/lanes.js';
import { fpCompare } from '../fp/compare.js';
import { fpConvert } from '../fp/convert.js';
import { FMT_D, FMT_H, FMT_S } from '../fp/format.js';
import type { FpFormat } from '../fp/format.js';
import { FPCR_FZ, FPCR_RMODE_SHIFT, FPSR_IXC, fpcrRounding, RA, RM, RN, RP, RZ } from '../fp/fpcr.js';
import type { Cpu } from '../cpu.js';
import { join64 } from '../fp/lanes.js';

function bin(op: Bin): Factory {
  return (f) => binLanes(op, f.sz === 1, 1, f.rd!, f.rn!, f.rm!);
}
function un(op: Un): Factory {
  return (f) => unLanes(op, f.sz === 1, 1, f.rd!, f.rn!);
}
function fused(op: Tern): Factory {
  return (f) => tern3(op, f.sz === 1, f.rd!, f.ra!, f.rn!, f.rm!);
}

const NEG_S = 0x80000000;

/** FMADD family: negA negates the addend, negN the first multiplicand (FPNeg, NaNs included). */
function fmaVariant(negA: boolean, negN: boolean): Tern {
  const fma = ops.FMA;
  if (!negA && !negN) return fma;
  const ma = negA ? NEG_S : 0;
  const mn = negN ? NEG_S : 0;
  const za = negA ? -1 : 1;
  const zn = negN ? -1 : 1;
  const ks = fma.ks!;
  const kd = fma.kd!;
  return {
    ks: (z, x, y, st) => ks(za * z, zn * x, y, st),
    kd: (z, x, y, st) => kd(za * z, zn * x, y, st),
    s: (acc, a, b, fpcr, st) => fma.s((acc ^ ma) >>> 0, (a ^ mn) >>> 0, b, fpcr, st),
    d: (al, ah, nl, nh, ml, mh, fpcr, st) => fma.d(al, (ah ^ ma) >>> 0, nl, (nh ^ mn) >>> 0, ml, mh, fpcr, st),
  };
}

/** VFPExpandImm: imm8 = a:b:cdefgh gives sign a, exponent NOT(b):b...b:cd, fraction efgh:0... */
function expandImm(imm8: number, dbl: boolean): [number, number] {
  const sign = imm8 >>> 7;
  const b = (imm8 >>> 6) & 1;
  const cd = (imm8 >>> 4) & 3;
  const efgh = imm8 & 15;
  if (!dbl) {
    const exp = ((b ^ 1) << 7) | (b ? 0x7c : 0) | cd;
    return [((sign << 31) | (exp << 23) | (efgh << 19)) >>> 0, 0];
  }
  const exp = ((b ^ 1) << 10) | (b ? 0x3fc : 0) | cd;
  return [0, ((sign << 31) | (exp << 20) | (efgh << 16)) >>> 0];
}

const FMOV_i: Factory = (f) => {
  const dbl = f.sz === 1;
  const [lo, hi] = expandImm(f.imm8!, dbl);
  const d = f.rd!;
  return (c) => writeScalar(c.v32, d, lo, hi, dbl);
};

function fmtOfType(t: number): FpFormat | null {
  return t === 0 ? FMT_S : t === 1 ? FMT_D : t === 3 ? FMT_H : null;
}

function readBits(v: Uint32Array, n: number, fmt: FpFormat): bigint {
  if (fmt.n === 64) return join64(v[4 * n]!, v[4 * n + 1]!);
  return BigInt(fmt.n === 32 ? v[4 * n]! : v[4 * n]! & 0xffff);
}

function writeBits(v: Uint32Array, d: number, fmt: FpFormat, x: bigint): void {
  writeScalar(v, d, Number(x & 0xffffffffn), Number(x >> 32n), fmt.n === 64);
}

/** FCVT between half, single and double precision. */
const FCVT_s: Factory = (f) => {
  const from = fmtOfType(f.ftype!);
  const to = fmtOfType(f.opc!);
  if (from === null || to === null || from === to) return null;
  const n = f.rn!;
  const d = f.rd!;
  const exact = (c: Cpu): void => {
    const st = c.state;
    const fpcr = st.fpcr;
    writeBits(c.v32, d, to, fpConvert(from, to, readBits(c.v32, n, from), fpcr, fpcrRounding(fpcr), st));
  };
  if (from === FMT_S && to === FMT_D) {
    // Widening is exact; only NaNs and flushed denormals need the core.
    return (c) => {
      const x = c.vf32[4 * n]!;
      if (x === x && (Math.abs(x) >= MIN_NORMAL_S || x === 0 || (c.state.fpcr & FPCR_FZ) === 0)) {
        const vf = c.vf64;
        vf[2 * d] = x;
        vf[2 * d + 1] = 0;
        return;
      }
      exact(c);
    };
  }
  if (from === FMT_D && to === FMT_S) {
    return (c) => {
      const st = c.state;
      if ((st.fpcr & FPCR_RMODE) === 0) {
        const x = c.vf64[2 * n]!; // a denormal double gives a tiny result: the core decides
        const r = Math.fround(x);
        const ar = Math.abs(r);
        if ((ar > MIN_NORMAL_S && ar < Infinity) || x === 0) {
          if (r !== x) st.fpsr |= FPSR_IXC;
          const v = c.v32;
          c.vf32[4 * d] = r;
          v[4 * d + 1] = 0;
          v[4 * d + 2] = 0;
          v[4 * d + 3] = 0;
          return;
        }
      }
      exact(c);
    };
  }
  return exact;
};

const MIN_NORMAL_S = 1.1754943508222875e-38;
const FPCR_RMODE = 3 << FPCR_RMODE_SHIFT;

/** Zero or normal: unchanged by flush-to-zero. */
function ordinary(x: number, min: number): boolean {
  return x === 0 || Math.abs(x) >= min;
}

/**
 * FCMP/FCMPE/FCCMP/FCCMPE: ordered operands compare as doubles unless flushing could change them;
 * NaNs (which raise IOC) and FZ take the exact path.
 */
function compare(dbl: boolean, n: number, m: number, zero: boolean, signal: boolean): (c: Cpu) => number {
  const fmt = dbl ? FMT_D : FMT_S;
  const exact = (c: Cpu): number => {
    const v = c.v32;
    const st = c.state;
    return fpCompare(fmt, readBits(v, n, fmt), zero ? 0n : readBits(v, m, fmt), signal, st.fpcr, st);
  };
  const min = dbl ? 2.2250738585072014e-308 : MIN_NORMAL_S;
  const ia = dbl ? 2 * n : 4 * n;
  const ib = dbl ? 2 * m : 4 * m;
  return (c) => {
    const vf = dbl ? c.vf64 : c.vf32;
    const a = vf[ia]!;
    const b = zero ? 0 : vf[ib]!;
    if (a === a && b === b && ((c.state.fpcr & FPCR_FZ) === 0 || (ordinary(a, min) && ordinary(b, min)))) {
      return a < b ? 0x80000000 : a > b ? 0x20000000 : 0x60000000;
    }
    return exact(c);
  };
}

const FCMP: Factory = (f) => {
  const cmp = compare(f.sz === 1, f.rn!, f.rm!, f.z === 1, f.e === 1);
  return (c) => {
    c.nzcv = cmp(c);
  };
};

const FCCMP: Factory = (f) => {
  const cmp = compare(f.sz === 1, f.rn!, f.rm!, false, f.e === 1);
  const cond = f.cond!;
  const flags = (f.nzcv! << 28) >>> 0;
  return (c) => {
    c.nzcv = conditionHolds(cond, c.nzcv) ? cmp(c) : flags;
  };
};

const FCSEL: Factory = (f) => {
  const dbl = f.sz === 1;
  const n = f.rn!;
  const m = f.rm!;
  const d = f.rd!;
  const cond = f.cond!;
  return (c) => {
    const v = c.v32;
    const s = conditionHolds(cond, c.nzcv) ? n : m;
    writeScalar(v, d, v[4 * s]!, v[4 * s + 1]!, dbl);
  };
};

const FMOV_r: Factory = (f) => {
  const dbl = f.sz === 1;
  const n = f.rn!;
  const d = f.rd!;
  return (c): void => {
    const v = c.v32;
    writeScalar(v, d, v[4 * n]!, v[4 * n + 1]!, dbl);
  };
};

const handlers: Record<string, Factory> = {
  FMUL_s: bin(ops.MUL),
  FDIV_s: bin(ops.DIV),
  FADD_s: bin(ops.ADD),
  FSUB_s: bin(ops.SUB),
  FMAX_s: bin(ops.MAX),
  FMIN_s: bin(ops.MIN),
  FMAXNM_s: bin(ops.MAXNM),
  FMINNM_s: bin(ops.MINNM),
  FNMUL_s: bin(ops.NMUL),
  FMOV_r,
  FABS_s: un(ops.ABS),
  FNEG_s: un(ops.NEG),
  FSQRT_s: un(ops.SQRT),
  FRINTN_s: un(ops.roundInt(RN, false)),
  FRINTP_s: un(ops.roundInt(RP, false)),
  FRINTM_s: un(ops.roundInt(RM, false)),
  FRINTZ_s: un(ops.roundInt(RZ, false)),
  FRINTA_s: un(ops.roundInt(RA, false)),
  FRINTX_s: un(ops.roundInt(-1, true)),
  FRINTI_s: un(ops.roundInt(-1, false)),
  FCVT_s,
  FCMP,
  FCCMP,
  FCSEL,
  FMADD: fused(fmaVariant(false, false)),
  FMSUB: fused(fmaVariant(false, true)),
  FNMADD: fused(fmaVariant(true, true)),
  FNMSUB: fused(fmaVariant(true, false)),
  FMOV_i,
};

export const FP_SCALAR: InsnGroup = {
  name: 'fp_scalar',
  registerOnly: 'all',
  patterns: FP_SCALAR_PATTERNS,
  handlers,
  endsBlock: new Set(),
};
