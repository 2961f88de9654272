/**
 * Conversions between floating point and general registers: SCVTF/UCVTF and FCVT*S/U (integer and
 * fixed point), and FMOV (general), Arm ARM DDI0487 C7.2 (FPToFixed / FixedToFP in fp/convert.ts).
 */
import { FP_CONV_PATTERNS } from '../decode/fp_scalar.js';
import type { Factory, InsnGroup } from './group.js';
import { dstZr, srcZr } from './regs.js';
import { writeScalar } from './fp_exec.js';
import { fixedToFp, fpToFixed } from '../fp/convert.js';
import { FMT_D, FMT_S } from '../fp/format.js';
import { FPCR_FZ, FPSR_IXC, fpcrRounding, RA, RZ } from '../fp/fpcr.js';
import { f32, f64, join64 } from '../fp/lanes.js';
import { ROUND_TO_INT } from '../fp/ops.js';
import { toOdd } from '../fp/fast.js';

/** Reads W[n] or X[n] as a signed or unsigned bigint. */
function readInt(x: Uint32Array, n: number, wide: boolean, unsigned: boolean): bigint {
  if (!wide) return BigInt(unsigned ? x[2 * n]! : x[2 * n]! | 0);
  const v = join64(x[2 * n]!, x[2 * n + 1]!);
  return unsigned ? v : BigInt.asIntN(64, v);
}

/** SCVTF/UCVTF: integer or fixed point (fbits) in a general register to S or D. */
function intToFp(unsigned: boolean, fixed: boolean): Factory {
  return (f) => {
    const wide = f.sf === 1;
    if (fixed && !wide && f.scale! < 32) return null;
    const fbits = fixed ? 64 - f.scale! : 0;
    const dbl = f.sz === 1;
    const fmt = dbl ? FMT_D : FMT_S;
    const n = srcZr(f.rn!);
    const d = f.rd!;
    const slow = (v: Uint32Array, val: bigint, st: { fpsr: number }, fpcr: number): void => {
      const r = fixedToFp(fmt, val, fbits, fpcr, fpcrRounding(fpcr), st);
      writeScalar(v, d, Number(r & 0xffffffffn), Number(r >> 32n), dbl);
    };
    const scale = 2 ** -fbits;
    // An integer below 2^53 is exact in a double, and so is its scaling by 2^-fbits (fbits <= 64);
    // single precision rounds once from there (RN only).
    return (c) => {
      const st = c.state;
      const fpcr = st.fpcr;
      const raw = c.x32[2 * n]!;
      let x = unsigned ? raw : raw | 0;
      if (wide) {
        const hi = c.x32[2 * n + 1]!;
        const h = unsigned ? hi : hi | 0;
        const hx = h * 0x1_0000_0000; // exact
        x = hx + raw;
        if (!(h < 0x200000 && h >= -0x200000)) {
          // 2^53 and above: the sum rounds once (RN) in double; single precision rounds that to odd
          // first so that the final rounding is not a double rounding.
          const err = raw - (x - hx);
          if (fpcrRounding(fpcr) !== 0) {
            slow(c.v32, readInt(c.x32, n, wide, unsigned), st, fpcr);
            return;
          }
          if (err !== 0) {
            st.fpsr |= FPSR_IXC;
            if (!dbl) x = toOdd(x, err);
          }
        }
      }
      x *= scale;
      if (dbl) {
        F64[0] = x;
        writeScalar(c.v32, d, U32[0]!, U32[1]!, true);
        return;
      }
      if (fpcrRounding(fpcr) === 0 || (fbits === 0 && Math.abs(x) < 0x1000000)) {
        const r = Math.fround(x);
        if (r !== x) st.fpsr |= FPSR_IXC;
        F32[0] = r;
        writeScalar(c.v32, d, U32[0]!, 0, false);
        return;
      }
      slow(c.v32, readInt(c.x32, n, wide, unsigned), st, fpcr);
    };
  };
}

const SCR = new ArrayBuffer(8);
const F64 = new Float64Array(SCR);
const F32 = new Float32Array(SCR, 0, 1);
const U32 = new Uint32Array(SCR);

/** FCVT*S/U: S or D to a W or X register, with `rounding` (-1: FPCR) and fixed-point fbits. */
function fpToInt(unsigned: boolean, rounding: number | 'rmode', fixed: boolean): Factory {
  return (f) => {
    const wide = f.sf === 1;
    if (fixed && !wide && f.scale! < 32) return null;
    const fbits = fixed ? 64 - f.scale! : 0;
    const rnd = rounding === 'rmode' ? f.rmode! : rounding;
    const dbl = f.sz === 1;
    const fmt = dbl ? FMT_D : FMT_S;
    const n = f.rn!;
    const d = dstZr(f.rd!);
    const isize = wide ? 64 : 32;
    const lim = wide ? 2 ** 63 : 2 ** 31;
    const mul = 2 ** fbits; // scaling by it is exact unless it overflows, which the range test catches
    const roundFn = ROUND_TO_INT[rnd]!;
    return (c) => {
      const st = c.state;
      const fpcr = st.fpcr;
      const v = c.v32;
      const x = c.x32;
      const val = dbl ? f64(v[4 * n]!, v[4 * n + 1]!) : f32(v[4 * n]!);
      // Under FZ a denormal operand is flushed (IDC): leave it to the core.
      if ((fpcr & FPCR_FZ) === 0 || !(Math.abs(val) < (dbl ? 2.2250738585072014e-308 : 1.1754943508222875e-38)) || val === 0) {
        const scaled = val * mul;
        const t = roundFn(scaled);
        if (unsigned ? t >= 0 && t < 2 * lim : t >= -lim && t < lim) {
          if (t !== scaled) st.fpsr |= FPSR_IXC;
          if (!wide) {
            x[2 * d] = t;
            x[2 * d + 1] = 0;
            return;
          }
          if (Math.abs(t) < 2 ** 53) {
            x[2 * d] = t;
            x[2 * d + 1] = Math.floor(t / 0x1_0000_0000);
            return;
          }
        }
      }
      const src = dbl ? join64(v[4 * n]!, v[4 * n + 1]!) : BigInt(v[4 * n]!);
      const r = fpToFixed(fmt, src, fbits, unsigned, isize, fpcr, rnd, st);
      x[2 * d] = Number(r & 0xffffffffn);
      x[2 * d + 1] = wide ? Number(r >> 32n) : 0;
    };
  };
}

/** FMOV between a general register and S, D or the top half of V (FMOV Xd, Vn.D[1] and back). */
const FMOV_gen: Factory = (f) => {
  const sf = f.sf!;
  const type = f.ftype!;
  const rmode = f.rmode!;
  const top = sf === 1 && type === 2 && rmode === 1;
  if (!top && !(rmode === 0 && ((sf === 0 && type === 0) || (sf === 1 && type === 1)))) return null;
  const wide = sf === 1;
  if (f.tofp === 1) {
    const n = srcZr(f.rn!);
    const d = f.rd!;
    if (top) {
      return (c) => {
        c.v32[4 * d + 2] = c.x32[2 * n]!;
        c.v32[4 * d + 3] = c.x32[2 * n + 1]!;
      };
    }
    return (c) => writeScalar(c.v32, d, c.x32[2 * n]!, wide ? c.x32[2 * n + 1]! : 0, wide);
  }
  const n = f.rn!;
  const d = dstZr(f.rd!);
  const off = top ? 2 : 0;
  return (c) => {
    const x = c.x32;
    x[2 * d] = c.v32[4 * n + off]!;
    x[2 * d + 1] = wide ? c.v32[4 * n + off + 1]! : 0;
  };
};

export const FP_CONV: InsnGroup = {
  name: 'fp_conv',
  registerOnly: 'all',
  patterns: FP_CONV_PATTERNS,
  handlers: {
    SCVTF_fix: intToFp(false, true),
    UCVTF_fix: intToFp(true, true),
    FCVTZS_fix: fpToInt(false, RZ, true),
    FCVTZU_fix: fpToInt(true, RZ, true),
    FCVT_int: (f, insn) => fpToInt(f.u === 1, 'rmode', false)(f, insn),
    FCVTA_int: (f, insn) => fpToInt(f.u === 1, RA, false)(f, insn),
    SCVTF_int: intToFp(false, false),
    UCVTF_int: intToFp(true, false),
    FMOV_gen,
  },
  endsBlock: new Set(),
};
