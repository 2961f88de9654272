/**
 * Specialised closures for AdvSIMD integer two-register misc forms that common code runs in loops
 * (CMEQ #0, NEG, ABS, XTN and the saturating narrows). Like simd_int_fast.ts, each factory returns
 * null for the forms it does not cover, which then use the lane engine.
 */
import type { Fields } from '../decode/pattern.js';
import type { Exec } from './group.js';
import { FAST_PATHS, FPSR_QC, laneView as view, zeroBytes } from './simd_int_fast_common.js';

const SCRATCH = new Uint32Array(16);

/** Two-register misc: compares against zero, NEG and ABS with 8-, 16- and 32-bit lanes. */
export function fastMisc(name: string, f: Fields, bits: number): Exec | null {
  if (!FAST_PATHS.enabled) return null;
  if (bits === 64) return null;
  if (bits !== 32) {
    const swar = swarMisc(name, f, bits);
    if (swar !== null) return swar;
  }
  const per = 128 / bits;
  const lanes = f.q ? per : per / 2;
  const n = f.rn! * per;
  const d = f.rd! * per;
  const d32 = 4 * f.rd!;
  const q = f.q === 1;
  const ones = bits === 32 ? 0xffff_ffff : (1 << bits) - 1;
  const sign = bits === 32 ? 0x8000_0000 : 1 << (bits - 1);
  const ext = 32 - bits;
  switch (name) {
    case 'CMEQ_z':
      return (c) => {
        const v = view(c, bits);
        for (let i = 0; i < lanes; i++) v[d + i] = v[n + i] === 0 ? ones : 0;
        if (!q) c.v32[d32 + 2] = c.v32[d32 + 3] = 0;
      };
    case 'CMLT_z':
      return (c) => {
        const v = view(c, bits);
        for (let i = 0; i < lanes; i++) v[d + i] = (v[n + i]! & sign) !== 0 ? ones : 0;
        if (!q) c.v32[d32 + 2] = c.v32[d32 + 3] = 0;
      };
    case 'ABS':
      return (c) => {
        const v = view(c, bits);
        for (let i = 0; i < lanes; i++) v[d + i] = Math.abs((v[n + i]! << ext) >> ext);
        if (!q) c.v32[d32 + 2] = c.v32[d32 + 3] = 0;
      };
    case 'CMGT_z':
      return (c) => {
        const v = view(c, bits);
        for (let i = 0; i < lanes; i++) v[d + i] = (v[n + i]! << ext) >> ext > 0 ? ones : 0;
        if (!q) c.v32[d32 + 2] = c.v32[d32 + 3] = 0;
      };
    case 'CMGE_z':
      return (c) => {
        const v = view(c, bits);
        for (let i = 0; i < lanes; i++) v[d + i] = (v[n + i]! & sign) === 0 ? ones : 0;
        if (!q) c.v32[d32 + 2] = c.v32[d32 + 3] = 0;
      };
    case 'CMLE_z':
      return (c) => {
        const v = view(c, bits);
        for (let i = 0; i < lanes; i++) v[d + i] = (v[n + i]! << ext) >> ext <= 0 ? ones : 0;
        if (!q) c.v32[d32 + 2] = c.v32[d32 + 3] = 0;
      };
    case 'NEG':
      return (c) => {
        const v = view(c, bits);
        for (let i = 0; i < lanes; i++) v[d + i] = -v[n + i]!;
        if (!q) c.v32[d32 + 2] = c.v32[d32 + 3] = 0;
      };
    default:
      return null;
  }
}

/**
 * CMEQ/CMGE/CMLT #0 and NEG on the words of the register for 8- and 16-bit lanes (see simd_int_fast.ts:
 * H is the lanes' top bits, L the rest; a lane of x is non-zero iff ((x & L) + L | x) has its top bit set).
 */
function swarMisc(name: string, f: Fields, bits: number): Exec | null {
  const words = f.q ? 4 : 2;
  const n = 4 * f.rn!;
  const d = 4 * f.rd!;
  const q = f.q === 1;
  const H = bits === 8 ? 0x8080_8080 : 0x8000_8000;
  const L = ~H >>> 0;
  const top = bits - 1;
  const ones = bits === 8 ? 0xff : 0xffff;
  switch (name) {
    case 'CMEQ_z':
      if (bits === 8 && q) {
        // CMEQ Vd.16B, Vn.16B, #0 (strlen's null-byte test), unrolled.
        return (c) => {
          const v = c.v32;
          const x0 = v[n]!;
          const x1 = v[n + 1]!;
          const x2 = v[n + 2]!;
          const x3 = v[n + 3]!;
          v[d] = zeroBytes(x0);
          v[d + 1] = zeroBytes(x1);
          v[d + 2] = zeroBytes(x2);
          v[d + 3] = zeroBytes(x3);
        };
      }
      return (c) => {
        const v = c.v32;
        for (let i = 0; i < words; i++) {
          const x = v[n + i]!;
          v[d + i] = Math.imul(((((x & L) + L) | x) & H ^ H) >>> top, ones);
        }
        if (!q) v[d + 2] = v[d + 3] = 0;
      };
    case 'CMLT_z':
    case 'CMGE_z': {
      const flip = name === 'CMGE_z' ? H : 0;
      return (c) => {
        const v = c.v32;
        for (let i = 0; i < words; i++) v[d + i] = Math.imul(((v[n + i]! & H) ^ flip) >>> top, ones);
        if (!q) v[d + 2] = v[d + 3] = 0;
      };
    }
    case 'NEG':
      return (c) => {
        const v = c.v32;
        for (let i = 0; i < words; i++) {
          const b = v[n + i]!;
          v[d + i] = (H - (b & L)) ^ (~b & H);
        }
        if (!q) v[d + 2] = v[d + 3] = 0;
      };
    default:
      return null;
  }
}

/** XTN/XTN2: each narrow lane is the low part of the wide lane (`bits` is the narrow size). */
export function fastXtn(f: Fields, bits: number): Exec | null {
  if (!FAST_PATHS.enabled) return null;
  const lanes = 64 / bits;
  const q = f.q === 1;
  const half = q ? lanes : 0;
  const rn = f.rn!;
  const rd = f.rd!;
  const d32 = 4 * rd;
  return (c) => {
    if (bits === 32) {
      const v = c.v32;
      SCRATCH[0] = v[4 * rn]!;
      SCRATCH[1] = v[4 * rn + 2]!;
    } else {
      const w = view(c, 2 * bits);
      for (let i = 0; i < lanes; i++) SCRATCH[i] = w[rn * lanes + i]!;
    }
    const v = view(c, bits);
    for (let i = 0; i < lanes; i++) v[rd * 2 * lanes + half + i] = SCRATCH[i]!;
    if (!q) c.v32[d32 + 2] = c.v32[d32 + 3] = 0;
  };
}

/** SQXTN/UQXTN/SQXTUN(2) to 8- and 16-bit lanes: saturating narrowing, FPSR.QC if any lane clamped. */
export function fastQxtn(name: string, f: Fields, bits: number): Exec | null {
  if (!FAST_PATHS.enabled || bits === 32) return null;
  const signedSrc = name !== 'UQXTN';
  const hi = name === 'SQXTN' ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
  const lo = name === 'SQXTN' ? -(2 ** (bits - 1)) : 0;
  const ext = 32 - 2 * bits;
  const lanes = 64 / bits;
  const q = f.q === 1;
  const half = q ? lanes : 0;
  const rn = f.rn!;
  const rd = f.rd!;
  const d32 = 4 * rd;
  return (c) => {
    const w = view(c, 2 * bits);
    let sat = false;
    for (let i = 0; i < lanes; i++) {
      const x = w[rn * lanes + i]!;
      let r = signedSrc ? (x << ext) >> ext : x;
      if (r > hi) {
        r = hi;
        sat = true;
      } else if (r < lo) {
        r = lo;
        sat = true;
      }
      SCRATCH[i] = r;
    }
    const v = view(c, bits);
    for (let i = 0; i < lanes; i++) v[rd * 2 * lanes + half + i] = SCRATCH[i]!;
    if (!q) c.v32[d32 + 2] = c.v32[d32 + 3] = 0;
    if (sat) c.state.fpsr |= FPSR_QC;
  };
}
