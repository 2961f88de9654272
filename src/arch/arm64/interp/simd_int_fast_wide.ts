/**
 * Specialised AdvSIMD integer three-same closures that loop over a lane view: 16- and 32-bit forms
 * of the compares, add/sub and pairwise operations, and at every lane size the multiplies, max/min,
 * halving add/sub, absolute differences, shifts by register and saturating add/sub (see simd_int_fast.ts).
 */
import type { Fields } from '../decode/pattern.js';
import type { Exec } from './group.js';
import { FPSR_QC, laneView as view } from './simd_int_fast_common.js';

const SCRATCH = new Uint32Array(16);

/** Lanes through the matching view: the 16- and 32-bit forms of the above, and multiplies and signed max/min at every size. */
export function fastWide(name: string, f: Fields, bits: number): Exec | null {
  const per = 128 / bits;
  const lanes = f.q ? per : per / 2;
  const n = f.rn! * per;
  const m = f.rm! * per;
  const d = f.rd! * per;
  const d32 = 4 * f.rd!;
  const q = f.q === 1;
  const ones = bits === 32 ? 0xffff_ffff : (1 << bits) - 1;
  const sign = bits === 32 ? 0x8000_0000 : 1 << (bits - 1);
  const half = lanes >>> 1;
  const ext = 32 - bits;
  switch (name) {
    case 'MUL':
      return (c) => {
        const v = view(c, bits);
        for (let i = 0; i < lanes; i++) v[d + i] = Math.imul(v[n + i]!, v[m + i]!);
        if (!q) c.v32[d32 + 2] = c.v32[d32 + 3] = 0;
      };
    case 'MLA':
      return (c) => {
        const v = view(c, bits);
        for (let i = 0; i < lanes; i++) v[d + i] = v[d + i]! + Math.imul(v[n + i]!, v[m + i]!);
        if (!q) c.v32[d32 + 2] = c.v32[d32 + 3] = 0;
      };
    case 'MLS':
      return (c) => {
        const v = view(c, bits);
        for (let i = 0; i < lanes; i++) v[d + i] = v[d + i]! - Math.imul(v[n + i]!, v[m + i]!);
        if (!q) c.v32[d32 + 2] = c.v32[d32 + 3] = 0;
      };
    case 'SMAX':
    case 'SMIN': {
      const max = name === 'SMAX';
      return (c) => {
        const v = view(c, bits);
        for (let i = 0; i < lanes; i++) {
          const a = (v[n + i]! << ext) >> ext;
          const b = (v[m + i]! << ext) >> ext;
          v[d + i] = max === a > b ? a : b;
        }
        if (!q) c.v32[d32 + 2] = c.v32[d32 + 3] = 0;
      };
    }
    case 'UMAX':
    case 'UMIN': {
      const max = name === 'UMAX';
      return (c) => {
        const v = view(c, bits);
        for (let i = 0; i < lanes; i++) {
          const a = v[n + i]!;
          const b = v[m + i]!;
          v[d + i] = max === a > b ? a : b;
        }
        if (!q) c.v32[d32 + 2] = c.v32[d32 + 3] = 0;
      };
    }
    // Halving add/subtract (rounding for RHADD) and absolute difference, exact as numbers.
    case 'UHADD':
    case 'SHADD':
    case 'URHADD':
    case 'SRHADD':
    case 'UHSUB':
    case 'SHSUB': {
      const signed = name[0] === 'S';
      const sub = name.endsWith('SUB');
      const round = name.includes('RH') ? 1 : 0;
      return (c) => {
        const v = view(c, bits);
        for (let i = 0; i < lanes; i++) {
          const a = signed ? (v[n + i]! << ext) >> ext : v[n + i]!;
          const b = signed ? (v[m + i]! << ext) >> ext : v[m + i]!;
          v[d + i] = Math.floor(((sub ? a - b : a + b) + round) / 2);
        }
        if (!q) c.v32[d32 + 2] = c.v32[d32 + 3] = 0;
      };
    }
    case 'UABD':
    case 'SABD':
    case 'UABA':
    case 'SABA': {
      const signed = name[0] === 'S';
      const acc = name.endsWith('A');
      return (c) => {
        const v = view(c, bits);
        for (let i = 0; i < lanes; i++) {
          const a = signed ? (v[n + i]! << ext) >> ext : v[n + i]!;
          const b = signed ? (v[m + i]! << ext) >> ext : v[m + i]!;
          v[d + i] = (acc ? v[d + i]! : 0) + Math.abs(a - b);
        }
        if (!q) c.v32[d32 + 2] = c.v32[d32 + 3] = 0;
      };
    }
    // Shift by the signed low byte of each Vm lane: left if positive, right (arithmetic for SSHL) if negative.
    case 'SSHL':
    case 'USHL': {
      const signed = name === 'SSHL';
      return (c) => {
        const v = view(c, bits);
        for (let i = 0; i < lanes; i++) {
          const sh = (v[m + i]! << 24) >> 24;
          const a = signed ? (v[n + i]! << ext) >> ext : v[n + i]!;
          if (sh >= 0) v[d + i] = sh >= bits ? 0 : a << sh;
          else if (signed) v[d + i] = a >> (-sh > 31 ? 31 : -sh);
          else v[d + i] = -sh >= bits ? 0 : a >>> -sh;
        }
        if (!q) c.v32[d32 + 2] = c.v32[d32 + 3] = 0;
      };
    }
    // Saturating add/subtract: clamp to the lane's range and set FPSR.QC if any lane clamped.
    case 'UQADD':
    case 'UQSUB':
    case 'SQADD':
    case 'SQSUB': {
      const signed = name[0] === 'S';
      const sub = name.endsWith('SUB');
      const hi = signed ? 2 ** (bits - 1) - 1 : ones;
      const lo = signed ? -(2 ** (bits - 1)) : 0;
      return (c) => {
        const v = view(c, bits);
        let sat = false;
        for (let i = 0; i < lanes; i++) {
          const a = signed ? (v[n + i]! << ext) >> ext : v[n + i]!;
          const b = signed ? (v[m + i]! << ext) >> ext : v[m + i]!;
          let r = sub ? a - b : a + b;
          if (r > hi) {
            r = hi;
            sat = true;
          } else if (r < lo) {
            r = lo;
            sat = true;
          }
          v[d + i] = r;
        }
        if (!q) c.v32[d32 + 2] = c.v32[d32 + 3] = 0;
        if (sat) c.state.fpsr |= FPSR_QC;
      };
    }
    case 'CMGE':
      return (c) => {
        const v = view(c, bits);
        for (let i = 0; i < lanes; i++) v[d + i] = (v[n + i]! ^ sign) >>> 0 >= (v[m + i]! ^ sign) >>> 0 ? ones : 0;
        if (!q) c.v32[d32 + 2] = c.v32[d32 + 3] = 0;
      };
    case 'CMTST':
      return (c) => {
        const v = view(c, bits);
        for (let i = 0; i < lanes; i++) v[d + i] = (v[n + i]! & v[m + i]!) !== 0 ? ones : 0;
        if (!q) c.v32[d32 + 2] = c.v32[d32 + 3] = 0;
      };
    case 'ADD':
      return (c) => {
        const v = view(c, bits);
        for (let i = 0; i < lanes; i++) v[d + i] = v[n + i]! + v[m + i]!;
        if (!q) c.v32[d32 + 2] = c.v32[d32 + 3] = 0;
      };
    case 'SUB':
      return (c) => {
        const v = view(c, bits);
        for (let i = 0; i < lanes; i++) v[d + i] = v[n + i]! - v[m + i]!;
        if (!q) c.v32[d32 + 2] = c.v32[d32 + 3] = 0;
      };
    case 'CMEQ':
      return (c) => {
        const v = view(c, bits);
        for (let i = 0; i < lanes; i++) v[d + i] = v[n + i] === v[m + i] ? ones : 0;
        if (!q) c.v32[d32 + 2] = c.v32[d32 + 3] = 0;
      };
    case 'CMHS':
      return (c) => {
        const v = view(c, bits);
        for (let i = 0; i < lanes; i++) v[d + i] = v[n + i]! >= v[m + i]! ? ones : 0;
        if (!q) c.v32[d32 + 2] = c.v32[d32 + 3] = 0;
      };
    case 'CMHI':
      return (c) => {
        const v = view(c, bits);
        for (let i = 0; i < lanes; i++) v[d + i] = v[n + i]! > v[m + i]! ? ones : 0;
        if (!q) c.v32[d32 + 2] = c.v32[d32 + 3] = 0;
      };
    case 'CMGT':
      return (c) => {
        const v = view(c, bits);
        for (let i = 0; i < lanes; i++) v[d + i] = (v[n + i]! ^ sign) >>> 0 > (v[m + i]! ^ sign) >>> 0 ? ones : 0;
        if (!q) c.v32[d32 + 2] = c.v32[d32 + 3] = 0;
      };
    case 'UMAXP':
    case 'UMINP':
    case 'ADDP': {
      const kind = name === 'UMAXP' ? 0 : name === 'UMINP' ? 1 : 2;
      return (c) => {
        const v = view(c, bits);
        for (let i = 0; i < half; i++) {
          const a = v[n + 2 * i]!;
          const b = v[n + 2 * i + 1]!;
          const x = v[m + 2 * i]!;
          const y = v[m + 2 * i + 1]!;
          SCRATCH[i] = kind === 0 ? Math.max(a, b) : kind === 1 ? Math.min(a, b) : a + b;
          SCRATCH[half + i] = kind === 0 ? Math.max(x, y) : kind === 1 ? Math.min(x, y) : x + y;
        }
        for (let i = 0; i < lanes; i++) v[d + i] = SCRATCH[i]!;
        if (!q) c.v32[d32 + 2] = c.v32[d32 + 3] = 0;
      };
    }
    default:
      return null;
  }
}

