/**
 * Specialised closures for the AdvSIMD integer three-same instructions that string and memory routines
 * run in tight loops (glibc's memchr/strlen/strchr use CMEQ, CMHS, UMAXP/UMINP, ADDP). They work on the
 * typed-array lanes directly, with no per-lane calls:
 *   - 8-bit forms and CMEQ/CMTST/ADD/SUB on 16-bit lanes work on 32-bit words, SWAR style (carries
 *     are kept inside each lane by handling the lanes' top bits separately);
 *   - other 16- and 32-bit forms, and 8-bit multiplies, signed max/min, halving and absolute-difference
 *     forms, loop over the lane view (simd_int_fast_wide.ts);
 *   - ADD/SUB/CMEQ/CMTST/CMHS/CMHI on 64-bit lanes work on 32-bit halves instead of BigInt.
 * Each factory returns null for the forms it does not cover, which then use the lane engine; the
 * differential tests check both against QEMU.
 */
import type { Fields } from '../decode/pattern.js';
import type { Exec } from './group.js';
import { FAST_PATHS, zeroBytes } from './simd_int_fast_common.js';
import { fastWide } from './simd_int_fast_wide.js';

/** A specialised closure for a vector three-same instruction with `bits`-bit lanes, or null. */
export function fastSame(name: string, f: Fields, bits: number): Exec | null {
  if (!FAST_PATHS.enabled) return null;
  if (bits === 64) return fast64(name, f);
  if (bits !== 32) {
    const swar = fastSwar(name, f, bits);
    if (swar !== null) return swar;
  }
  return (bits === 8 ? fast8(name, f) : null) ?? fastWide(name, f, bits);
}

/**
 * Lane-parallel CMEQ/CMTST/ADD/SUB on the words of the registers, for 8- and 16-bit lanes. With H the
 * lanes' top bits and L the rest: a lane of x is non-zero iff ((x & L) + L | x) has its top bit set.
 */
function fastSwar(name: string, f: Fields, bits: number): Exec | null {
  const words = f.q ? 4 : 2;
  const n = 4 * f.rn!;
  const m = 4 * f.rm!;
  const d = 4 * f.rd!;
  const q = f.q === 1;
  const H = bits === 8 ? 0x8080_8080 : 0x8000_8000;
  const L = ~H >>> 0;
  const top = bits - 1;
  const ones = bits === 8 ? 0xff : 0xffff;
  switch (name) {
    case 'CMEQ':
      if (bits === 8 && q) {
        // CMEQ Vd.16B, the string routines' form, unrolled.
        return (c) => {
          const v = c.v32;
          const x0 = v[n]! ^ v[m]!;
          const x1 = v[n + 1]! ^ v[m + 1]!;
          const x2 = v[n + 2]! ^ v[m + 2]!;
          const x3 = v[n + 3]! ^ v[m + 3]!;
          v[d] = zeroBytes(x0);
          v[d + 1] = zeroBytes(x1);
          v[d + 2] = zeroBytes(x2);
          v[d + 3] = zeroBytes(x3);
        };
      }
      return (c) => {
        const v = c.v32;
        for (let i = 0; i < words; i++) {
          const x = v[n + i]! ^ v[m + i]!;
          const nz = (((x & L) + L) | x) & H;
          v[d + i] = Math.imul((nz ^ H) >>> top, ones);
        }
        if (!q) v[d + 2] = v[d + 3] = 0;
      };
    case 'CMTST':
      return (c) => {
        const v = c.v32;
        for (let i = 0; i < words; i++) {
          const x = v[n + i]! & v[m + i]!;
          const nz = (((x & L) + L) | x) & H;
          v[d + i] = Math.imul(nz >>> top, ones);
        }
        if (!q) v[d + 2] = v[d + 3] = 0;
      };
    case 'ADD':
      return (c) => {
        const v = c.v32;
        for (let i = 0; i < words; i++) {
          const a = v[n + i]!;
          const b = v[m + i]!;
          v[d + i] = ((a & L) + (b & L)) ^ ((a ^ b) & H);
        }
        if (!q) v[d + 2] = v[d + 3] = 0;
      };
    case 'SUB':
      return (c) => {
        const v = c.v32;
        for (let i = 0; i < words; i++) {
          const a = v[n + i]!;
          const b = v[m + i]!;
          v[d + i] = ((a | H) - (b & L)) ^ ((a ^ ~b) & H);
        }
        if (!q) v[d + 2] = v[d + 3] = 0;
      };
    default:
      return null;
  }
}

const H8 = 0x8080_8080;
const L8 = 0x7f7f_7f7f;

/** Per-byte a >= b (unsigned) as the bytes' top bits: low 7 bits compared by a borrow-free subtraction, then the top bits. */
function geBytes(a: number, b: number): number {
  const low = (a | H8) - (b & L8);
  return ((a & ~b) | (~(a ^ b) & low)) & H8;
}

/**
 * Maximum (kind 0), minimum (1) or sum (2) of the four byte pairs of two adjacent words (8 bytes of a
 * register), as the four result bytes in order. The even and odd bytes are gathered into two words
 * (in the order p0 p2 p1 p3), combined lane-parallel, and the middle bytes swapped back.
 */
function pairBytes(w0: number, w1: number, kind: number): number {
  const x = (w0 & 0x00ff_00ff) | ((w1 & 0x00ff_00ff) << 8);
  const y = ((w0 >>> 8) & 0x00ff_00ff) | (w1 & 0xff00_ff00);
  let t: number;
  if (kind === 2) t = ((x & L8) + (y & L8)) ^ ((x ^ y) & H8);
  else {
    const ge = Math.imul(geBytes(x, y) >>> 7, 0xff);
    t = kind === 0 ? (x & ge) | (y & ~ge) : (y & ge) | (x & ~ge);
  }
  return (t & 0xff00_00ff) | ((t >>> 8) & 0xff00) | ((t & 0xff00) << 8);
}

/** 8-bit compares, max/min and pairwise forms on 32-bit words; pairwise forms read every source word before writing (Vd may be Vm). */
function fast8(name: string, f: Fields): Exec | null {
  const words = f.q ? 4 : 2;
  const n = 4 * f.rn!;
  const m = 4 * f.rm!;
  const d = 4 * f.rd!;
  const q = f.q === 1;
  // Signed order of two bytes is the unsigned order of the bytes with their sign bits flipped.
  const flip = name === 'CMGT' || name === 'CMGE' ? H8 : 0;
  switch (name) {
    case 'CMHS':
    case 'CMGE':
      return (c) => {
        const v = c.v32;
        for (let i = 0; i < words; i++) v[d + i] = Math.imul(geBytes(v[n + i]! ^ flip, v[m + i]! ^ flip) >>> 7, 0xff);
        if (!q) v[d + 2] = v[d + 3] = 0;
      };
    case 'CMHI':
    case 'CMGT':
      return (c) => {
        const v = c.v32;
        for (let i = 0; i < words; i++) v[d + i] = Math.imul((geBytes(v[m + i]! ^ flip, v[n + i]! ^ flip) ^ H8) >>> 7, 0xff);
        if (!q) v[d + 2] = v[d + 3] = 0;
      };
    case 'UMAX':
    case 'UMIN': {
      const max = name === 'UMAX';
      return (c) => {
        const v = c.v32;
        for (let i = 0; i < words; i++) {
          const a = v[n + i]!;
          const b = v[m + i]!;
          const ge = Math.imul(geBytes(a, b) >>> 7, 0xff);
          v[d + i] = max ? (a & ge) | (b & ~ge) : (b & ge) | (a & ~ge);
        }
        if (!q) v[d + 2] = v[d + 3] = 0;
      };
    }
    case 'UMAXP':
    case 'UMINP':
    case 'ADDP': {
      const kind = name === 'UMAXP' ? 0 : name === 'UMINP' ? 1 : 2;
      if (q) {
        // With Vn == Vm (strlen's "umaxp v, v, v") both halves of the result are the same.
        const same = f.rn === f.rm;
        return (c) => {
          const v = c.v32;
          const r0 = pairBytes(v[n]!, v[n + 1]!, kind);
          const r1 = pairBytes(v[n + 2]!, v[n + 3]!, kind);
          const r2 = same ? r0 : pairBytes(v[m]!, v[m + 1]!, kind);
          const r3 = same ? r1 : pairBytes(v[m + 2]!, v[m + 3]!, kind);
          v[d] = r0;
          v[d + 1] = r1;
          v[d + 2] = r2;
          v[d + 3] = r3;
        };
      }
      return (c) => {
        const v = c.v32;
        const r0 = pairBytes(v[n]!, v[n + 1]!, kind);
        v[d + 1] = pairBytes(v[m]!, v[m + 1]!, kind);
        v[d] = r0;
        v[d + 2] = v[d + 3] = 0;
      };
    }
    default:
      return null;
  }
}

/** 64-bit lanes (Q is 1: the 1D forms are reserved) as pairs of 32-bit halves. */
function fast64(name: string, f: Fields): Exec | null {
  const n = 4 * f.rn!;
  const m = 4 * f.rm!;
  const d = 4 * f.rd!;
  switch (name) {
    case 'ADD':
    case 'SUB': {
      const sub = name === 'SUB';
      return (c) => {
        const v = c.v32;
        for (let i = 0; i < 4; i += 2) {
          const al = v[n + i]!;
          const ah = v[n + i + 1]!;
          const bl = sub ? ~v[m + i]! >>> 0 : v[m + i]!;
          const bh = sub ? ~v[m + i + 1]! >>> 0 : v[m + i + 1]!;
          const lo = al + bl + (sub ? 1 : 0);
          v[d + i] = lo;
          v[d + i + 1] = ah + bh + (lo > 0xffff_ffff ? 1 : 0);
        }
      };
    }
    case 'CMEQ':
    case 'CMTST': {
      const tst = name === 'CMTST';
      return (c) => {
        const v = c.v32;
        for (let i = 0; i < 4; i += 2) {
          const r = tst
            ? ((v[n + i]! & v[m + i]!) | (v[n + i + 1]! & v[m + i + 1]!)) !== 0
            : v[n + i] === v[m + i] && v[n + i + 1] === v[m + i + 1];
          v[d + i] = v[d + i + 1] = r ? 0xffff_ffff : 0;
        }
      };
    }
    case 'CMHS':
    case 'CMHI': {
      const eq = name === 'CMHS';
      return (c) => {
        const v = c.v32;
        for (let i = 0; i < 4; i += 2) {
          const ah = v[n + i + 1]!;
          const bh = v[m + i + 1]!;
          const al = v[n + i]!;
          const bl = v[m + i]!;
          const r = ah !== bh ? ah > bh : eq ? al >= bl : al > bl;
          v[d + i] = v[d + i + 1] = r ? 0xffff_ffff : 0;
        }
      };
    }
    default:
      return null;
  }
}
