/**
 * Specialised closures for AdvSIMD integer shift by immediate (SHL/USHR/SSHR/USRA/SSRA, SHRN,
 * UXTL/SXTL), three different (widening add/sub, widening multiplies, ADDHN/SUBHN) and MUL/MLA/MLS by
 * element. Like simd_int_fast.ts, each factory returns null for the forms it does not cover, which
 * then use the lane engine.
 */
import type { Fields } from '../decode/pattern.js';
import type { Exec } from './group.js';
import { FAST_PATHS, laneView as view } from './simd_int_fast_common.js';

const SCRATCH = new Uint32Array(16);

/** Where a shift-by-immediate closure is wanted: fields, decoded element size and shift, and scalar or vector. */
export interface ShiftSite {
  readonly f: Fields;
  readonly bits: number;
  readonly sh: number;
  readonly scalar: boolean;
}

/**
 * Shift by immediate: SHL/USHR/SSHR/USRA with 8-, 16- and 32-bit lanes (and on 64-bit lanes as halves),
 * SHRN from 16- and 32-bit lanes, and USHLL/SSHLL (UXTL/SXTL) to 16-, 32- and 64-bit lanes. `bits`
 * is the element size decoded from immh (the narrow size for SHRN and USHLL).
 */
export function fastShift(name: string, site: ShiftSite): Exec | null {
  if (!FAST_PATHS.enabled) return null;
  const { f, bits, sh, scalar } = site;
  if (bits === 64) return fastShift64(name, f, sh, scalar);
  if (scalar) return null;
  const q = f.q === 1;
  const d32 = 4 * f.rd!;
  const per = 128 / bits;
  const rn = f.rn!;
  const rd = f.rd!;
  if (name === 'SHRN' || name === 'SSHLL' || name === 'USHLL') {
    if (bits === 32) return name === 'SHRN' ? null : widen32(name === 'SSHLL', f, sh);
    const wide = 2 * bits;
    const lanes = per / 2;
    const half = q ? lanes : 0;
    if (name === 'SHRN' && bits === 8) {
      // Two 16-bit lanes per word: shifting the word right by 1..8 leaves each lane's result in the
      // low byte of its half, and the two bytes are then packed.
      const n32 = 4 * rn;
      const out = d32 + (q ? 2 : 0);
      return (c) => {
        const v = c.v32;
        const r0 = v[n32]! >>> sh;
        const r1 = v[n32 + 1]! >>> sh;
        const r2 = v[n32 + 2]! >>> sh;
        const r3 = v[n32 + 3]! >>> sh;
        v[out] = (r0 & 0xff) | ((r0 >>> 8) & 0xff00) | ((r1 & 0xff) << 16) | ((r1 >>> 8) & 0xff00) << 16;
        v[out + 1] = (r2 & 0xff) | ((r2 >>> 8) & 0xff00) | ((r3 & 0xff) << 16) | ((r3 >>> 8) & 0xff00) << 16;
        if (!q) v[d32 + 2] = v[d32 + 3] = 0;
      };
    }
    if (name === 'SHRN') {
      // Narrow lane i of the result is wide lane i of Vn shifted right by 1..bits.
      return (c) => {
        const w = view(c, wide);
        const base = rn * lanes;
        for (let i = 0; i < lanes; i++) SCRATCH[i] = w[base + i]! >>> sh;
        const v = view(c, bits);
        for (let i = 0; i < lanes; i++) v[rd * per + half + i] = SCRATCH[i]!;
        if (!q) c.v32[d32 + 2] = c.v32[d32 + 3] = 0;
      };
    }
    const signed = name === 'SSHLL';
    const ext = 32 - bits;
    return (c) => {
      const v = view(c, bits);
      for (let i = 0; i < lanes; i++) {
        const x = v[rn * per + half + i]!;
        SCRATCH[i] = (signed ? (x << ext) >> ext : x) << sh;
      }
      const w = view(c, wide);
      for (let i = 0; i < lanes; i++) w[rd * lanes + i] = SCRATCH[i]!;
    };
  }
  const lanes = q ? per : per / 2;
  const n = rn * per;
  const d = rd * per;
  switch (name) {
    case 'SHL':
      return (c) => {
        const v = view(c, bits);
        for (let i = 0; i < lanes; i++) v[d + i] = v[n + i]! << sh;
        if (!q) c.v32[d32 + 2] = c.v32[d32 + 3] = 0;
      };
    case 'USHR':
      // sh may equal the element size (1..bits): the result is then zero, which >>> 32 would not give.
      if (sh === 32) return null;
      return (c) => {
        const v = view(c, bits);
        for (let i = 0; i < lanes; i++) v[d + i] = v[n + i]! >>> sh;
        if (!q) c.v32[d32 + 2] = c.v32[d32 + 3] = 0;
      };
    case 'SSHR': {
      const ext = 32 - bits;
      const s = Math.min(sh, 31);
      return (c) => {
        const v = view(c, bits);
        for (let i = 0; i < lanes; i++) v[d + i] = ((v[n + i]! << ext) >> ext) >> s;
        if (!q) c.v32[d32 + 2] = c.v32[d32 + 3] = 0;
      };
    }
    case 'USRA':
      if (sh === 32) return null;
      return (c) => {
        const v = view(c, bits);
        for (let i = 0; i < lanes; i++) v[d + i] = v[d + i]! + (v[n + i]! >>> sh);
        if (!q) c.v32[d32 + 2] = c.v32[d32 + 3] = 0;
      };
    default:
      return null;
  }
}

/** 64-bit lanes as 32-bit halves: USHR/SSHR (1..64), SHL (0..63), USRA/SSRA; vector (2D) or scalar (D). */
function fastShift64(name: string, f: Fields, sh: number, scalar: boolean): Exec | null {
  const n = 4 * f.rn!;
  const d = 4 * f.rd!;
  const lanes = scalar ? 1 : 2;
  const right = name !== 'SHL';
  const signed = name === 'SSHR' || name === 'SSRA';
  const acc = name === 'USRA' || name === 'SSRA';
  if (right && name !== 'USHR' && name !== 'SSHR' && !acc) return null;
  const big = sh >= 32;
  const s = sh & 31;
  return (c) => {
    const v = c.v32;
    for (let i = 0; i < 2 * lanes; i += 2) {
      const lo = v[n + i]!;
      const hi = v[n + i + 1]!;
      let rl: number;
      let rh: number;
      if (!right) {
        rl = big ? 0 : lo << s;
        rh = big ? lo << s : s === 0 ? hi : (hi << s) | (lo >>> (32 - s));
      } else if (big) {
        // sh is 32..64: only the high half contributes.
        rh = signed ? (hi | 0) >> 31 : 0;
        rl = sh === 64 ? rh : signed ? (hi | 0) >> s : hi >>> s;
      } else {
        rl = (lo >>> s) | (hi << (32 - s));
        rh = signed ? (hi | 0) >> s : hi >>> s;
      }
      if (acc) {
        const sum = v[d + i]! + (rl >>> 0);
        v[d + i] = sum;
        v[d + i + 1] = v[d + i + 1]! + rh + (sum > 0xffff_ffff ? 1 : 0);
      } else {
        v[d + i] = rl;
        v[d + i + 1] = rh;
      }
    }
    if (scalar) v[d + 2] = v[d + 3] = 0;
  };
}

/** SSHLL/USHLL (SXTL/UXTL) from 32-bit to 64-bit lanes, shift 0..31. */
function widen32(signed: boolean, f: Fields, sh: number): Exec {
  const n = 4 * f.rn! + (f.q ? 2 : 0);
  const d = 4 * f.rd!;
  return (c) => {
    const v = c.v32;
    const x0 = v[n]!;
    const x1 = v[n + 1]!;
    v[d] = x0 << sh;
    v[d + 1] = sh === 0 ? (signed ? (x0 | 0) >> 31 : 0) : signed ? (x0 | 0) >> (32 - sh) : x0 >>> (32 - sh);
    v[d + 2] = x1 << sh;
    v[d + 3] = sh === 0 ? (signed ? (x1 | 0) >> 31 : 0) : signed ? (x1 | 0) >> (32 - sh) : x1 >>> (32 - sh);
  };
}

/**
 * Three different: [SU]ADDL/[SU]SUBL/[SU]ADDW/[SU]SUBW from 32- to 64-bit lanes on halves,
 * [SU]MULL/[SU]MLAL/[SU]MLSL from 8- and 16-bit lanes, and ADDHN/SUBHN/RADDHN/RSUBHN to 8- and
 * 16-bit lanes. `bits` is the narrow element size.
 */
export function fastDiff(name: string, f: Fields, bits: number): Exec | null {
  if (!FAST_PATHS.enabled) return null;
  const q = f.q === 1;
  if (bits === 32 && /^[SU](ADD|SUB)[LW]$/.test(name)) {
    const signed = name[0] === 'S';
    const sub = name.includes('SUB');
    const wide = name.endsWith('W');
    const n = 4 * f.rn!;
    const m = 4 * f.rm! + (q ? 2 : 0);
    const nl = n + (q && !wide ? 2 : 0);
    const d = 4 * f.rd!;
    return (c) => {
      const v = c.v32;
      // Read every source lane first: Vd may overlap either source.
      const a0 = v[wide ? n : nl]!;
      const a1 = v[wide ? n + 1 : nl]!;
      const a2 = v[wide ? n + 2 : nl + 1]!;
      const a3 = v[wide ? n + 3 : nl + 1]!;
      const b0 = v[m]!;
      const b1 = v[m + 1]!;
      for (let i = 0; i < 2; i++) {
        const al = i === 0 ? a0 : a2;
        const ah = wide ? (i === 0 ? a1 : a3) : signed ? ((i === 0 ? a0 : a2) | 0) >> 31 : 0;
        const b = i === 0 ? b0 : b1;
        let bl = b;
        let bh = signed ? (b | 0) >> 31 : 0;
        if (sub) {
          bl = ~bl >>> 0;
          bh = ~bh;
        }
        const lo = al + bl + (sub ? 1 : 0);
        v[d + 2 * i] = lo;
        v[d + 2 * i + 1] = ah + bh + (lo > 0xffff_ffff ? 1 : 0);
      }
    };
  }
  if (bits !== 32 && /^[SU]M(ULL|LAL|LSL)$/.test(name)) {
    // Products of 8- or 16-bit elements are exact; results go through SCRATCH because each wide
    // lane of Vd covers two narrow lanes that Vn or Vm may still need.
    const ext = 32 - bits;
    const signed = name[0] === 'S';
    const acc = name.endsWith('LAL') ? 1 : name.endsWith('LSL') ? -1 : 0;
    const lanes = 64 / bits;
    const half = q ? lanes : 0;
    const n = f.rn! * 2 * lanes + half;
    const m = f.rm! * 2 * lanes + half;
    const d = f.rd! * lanes;
    return (c) => {
      const v = view(c, bits);
      for (let i = 0; i < lanes; i++) {
        const a = signed ? (v[n + i]! << ext) >> ext : v[n + i]!;
        const b = signed ? (v[m + i]! << ext) >> ext : v[m + i]!;
        SCRATCH[i] = a * b;
      }
      const w = view(c, 2 * bits);
      if (acc === 0) for (let i = 0; i < lanes; i++) w[d + i] = SCRATCH[i]!;
      else for (let i = 0; i < lanes; i++) w[d + i] = w[d + i]! + acc * (SCRATCH[i]! | 0);
    };
  }
  if (bits !== 32 && /^R?(ADD|SUB)HN$/.test(name)) {
    const sub = name.includes('SUB');
    const round = name[0] === 'R' ? 1 << (bits - 1) : 0;
    const lanes = 64 / bits;
    const half = q ? lanes : 0;
    const rn = f.rn!;
    const rm = f.rm!;
    const rd = f.rd!;
    const d32 = 4 * rd;
    return (c) => {
      const w = view(c, 2 * bits);
      for (let i = 0; i < lanes; i++) {
        const a = w[rn * lanes + i]!;
        const b = w[rm * lanes + i]!;
        SCRATCH[i] = ((sub ? a - b : a + b) + round) >>> bits;
      }
      const v = view(c, bits);
      for (let i = 0; i < lanes; i++) v[rd * 2 * lanes + half + i] = SCRATCH[i]!;
      if (!q) c.v32[d32 + 2] = c.v32[d32 + 3] = 0;
    };
  }
  return null;
}

/** Registers, element index and size of a by-element instruction. */
export interface ElemSite {
  readonly rn: number;
  readonly rm: number;
  readonly rd: number;
  readonly index: number;
  readonly bits: number;
  readonly q: boolean;
}

/** MUL/MLA/MLS (by element) with 16- and 32-bit lanes: Vm's lane `index` multiplies every lane of Vn. */
export function fastElem(name: string, site: ElemSite): Exec | null {
  if (!FAST_PATHS.enabled) return null;
  const { rn, rm, rd, index, bits, q } = site;
  const acc = name === 'MLA' ? 1 : name === 'MLS' ? -1 : name === 'MUL' ? 0 : null;
  if (acc === null) return null;
  const per = 128 / bits;
  const lanes = q ? per : per / 2;
  const n = rn * per;
  const d = rd * per;
  const e = rm * per + index;
  const d32 = 4 * rd;
  return (c) => {
    const v = view(c, bits);
    const b = v[e]!; // read first: Vd may be Vm
    for (let i = 0; i < lanes; i++) {
      const p = Math.imul(v[n + i]!, b);
      v[d + i] = acc === 0 ? p : v[d + i]! + acc * p;
    }
    if (!q) c.v32[d32 + 2] = c.v32[d32 + 3] = 0;
  };
}
