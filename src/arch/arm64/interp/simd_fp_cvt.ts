/**
 * Fast closures for the AdvSIMD and scalar-SIMD conversions between FP and integer lanes (FCVT*S/U,
 * SCVTF/UCVTF, with or without #fbits): lanes convert through doubles when every lane is ordinary
 * (Arm ARM DDI0487 FPToFixed/FixedToFP), otherwise the whole instruction takes the exact lane path.
 */
import type { Exec } from './group.js';
import { commit, T, TF32, TF64, unLanes } from './fp_exec.js';
import type { Un } from '../fp/lanes.js';
import { FPCR_FZ, FPSR_IXC, fpcrRounding } from '../fp/fpcr.js';
import { ROUND_TO_INT } from '../fp/ops.js';

const TWO32 = 0x1_0000_0000;
const TWO53 = 2 ** 53;

/** FP lanes to integer lanes of the same size, rounding by `rounding` (an FPRounding, never FPCR's). */
export function toIntLanes(op: Un, rounding: number, unsigned: boolean, fbits: number, dbl: boolean, lanes: number, d: number, n: number): Exec {
  const slow = unLanes(op, dbl, lanes, d, n);
  const rf = ROUND_TO_INT[rounding]!;
  const mul = 2 ** fbits;
  const bits = dbl ? 64 : 32;
  const lo = unsigned ? 0 : -(2 ** (bits - 1));
  const hi = unsigned ? 2 ** bits : 2 ** (bits - 1);
  const base = (dbl ? 2 : 4) * n;
  return (c) => {
    const st = c.state;
    if ((st.fpcr & FPCR_FZ) === 0) {
      const vf = dbl ? c.vf64 : c.vf32;
      let inexact = false;
      let i = 0;
      for (; i < lanes; i++) {
        const val = vf[base + i]! * mul; // exact unless it overflows, which the range test catches
        const t = rf(val);
        if (!(t >= lo && t < hi)) break;
        if (t !== val) inexact = true;
        if (dbl) {
          if (!(t < TWO53 && t > -TWO53)) break;
          T[2 * i] = t;
          T[2 * i + 1] = Math.floor(t / TWO32);
        } else {
          T[i] = t;
        }
      }
      if (i === lanes) {
        if (inexact) st.fpsr |= FPSR_IXC;
        commit(c.v32, d, dbl ? 2 * lanes : lanes);
        return;
      }
    }
    slow(c);
  };
}

/** Integer lanes to FP lanes of the same size: exact in a double below 2^53, one rounding for single (RN). */
export function fromIntLanes(op: Un, unsigned: boolean, fbits: number, dbl: boolean, lanes: number, d: number, n: number): Exec {
  const slow = unLanes(op, dbl, lanes, d, n);
  const scale = 2 ** -fbits;
  const base = 4 * n;
  if (dbl) {
    return (c) => {
      const v = c.v32;
      let i = 0;
      for (; i < lanes; i++) {
        const h = unsigned ? v[base + 2 * i + 1]! : v[base + 2 * i + 1]! | 0;
        if (!(h < 0x200000 && h >= -0x200000)) break;
        TF64[i] = (h * TWO32 + v[base + 2 * i]!) * scale;
      }
      if (i === lanes) {
        commit(v, d, 2 * lanes);
        return;
      }
      slow(c);
    };
  }
  return (c) => {
    const st = c.state;
    if (fpcrRounding(st.fpcr) !== 0) {
      slow(c);
      return;
    }
    const v = c.v32;
    let inexact = false;
    for (let i = 0; i < lanes; i++) {
      const x = (unsigned ? v[base + i]! : v[base + i]! | 0) * scale;
      const r = Math.fround(x);
      if (r !== x) inexact = true;
      TF32[i] = r;
    }
    if (inexact) st.fpsr |= FPSR_IXC;
    commit(v, d, lanes);
  };
}
