/**
 * Integer arithmetic on 64-bit values held as two unsigned 32-bit halves, with NZCV as the
 * architecture's AddWithCarry (Arm ARM DDI0487, J1 shared pseudocode) defines it.
 */
import type { Cpu } from '../cpu.js';
import { REG_ZR_READ } from '../state.js';

/**
 * X[d] = a + b + cin over 64 bits; sets NZCV when `setFlags`. `d` is a slot index (see state.ts).
 * The sums stay below 2^33 and are stored through the Uint32Array, which reduces them modulo 2^32;
 * carries come from comparisons, so nothing here needs more than one double add per half.
 */
export function addWithCarry64(
  c: Cpu, d: number, aLo: number, aHi: number, bLo: number, bHi: number, cin: number, setFlags: boolean,
): void {
  const lo = aLo + bLo + cin;
  const hi = aHi + bHi + (lo > 0xffff_ffff ? 1 : 0);
  const x = c.x32;
  x[2 * d] = lo;
  x[2 * d + 1] = hi;
  if (setFlags) {
    const h = hi | 0;
    const nz = (h & 0x8000_0000) | ((lo | h) === 0 ? 0x4000_0000 : 0);
    const cv = (hi > 0xffff_ffff ? 0x2000_0000 : 0) | ((((aHi ^ h) & (bHi ^ h)) >>> 31) << 28);
    c.nzcv = (nz | cv) >>> 0;
  }
}

/** W[d] = a + b + cin over 32 bits (upper half cleared); sets NZCV when `setFlags`. */
export function addWithCarry32(c: Cpu, d: number, a: number, b: number, cin: number, setFlags: boolean): void {
  const r = a + b + cin;
  const x = c.x32;
  x[2 * d] = r;
  x[2 * d + 1] = 0;
  if (setFlags) {
    const w = r | 0;
    const nz = (w & 0x8000_0000) | (w === 0 ? 0x4000_0000 : 0);
    const cv = (r > 0xffff_ffff ? 0x2000_0000 : 0) | ((((a ^ w) & (b ^ w)) >>> 31) << 28);
    c.nzcv = (nz | cv) >>> 0;
  }
}

/** NZCV for a logical result (C and V cleared). */
export function logicFlags64(c: Cpu, lo: number, hi: number): void {
  c.nzcv = ((hi & 0x8000_0000) | ((lo | hi) === 0 ? 0x4000_0000 : 0)) >>> 0;
}

export function logicFlags32(c: Cpu, r: number): void {
  c.nzcv = ((r & 0x8000_0000) | (r === 0 ? 0x4000_0000 : 0)) >>> 0;
}

/** ConditionHolds (Arm ARM DDI0487 J1 shared pseudocode) from the four flags as 0/1; used only to build COND_MASKS. */
function conditionHoldsSlow(cond: number, n: number, z: number, cf: number, v: number): boolean {
  let r: boolean;
  switch (cond >>> 1) {
    case 0: r = z === 1; break;
    case 1: r = cf === 1; break;
    case 2: r = n === 1; break;
    case 3: r = v === 1; break;
    case 4: r = cf === 1 && z === 0; break;
    case 5: r = n === v; break;
    case 6: r = n === v && z === 0; break;
    default: return true; // AL and NV both mean always
  }
  return (cond & 1) === 1 ? !r : r;
}

/** For each condition, bit `nzcv` (the flags as a 4-bit number) is set when the condition holds. */
const COND_MASKS = Uint16Array.from({ length: 16 }, (_, cond) => {
  let mask = 0;
  for (let f = 0; f < 16; f++) {
    if (conditionHoldsSlow(cond, (f >>> 3) & 1, (f >>> 2) & 1, (f >>> 1) & 1, f & 1)) mask |= 1 << f;
  }
  return mask;
});

/** The 16-bit truth table of a condition over NZCV values, for closures that test one condition. */
export function conditionMask(cond: number): number {
  return COND_MASKS[cond & 15]!;
}

/** ConditionHolds(cond) for the 4-bit condition field, from NZCV in bits 31..28: one table lookup. */
export function conditionHolds(cond: number, nzcv: number): boolean {
  return ((COND_MASKS[cond]! >>> (nzcv >>> 28)) & 1) !== 0;
}

/** Shift types of the shifted-register forms, as encoded in their `shift` field. */
export const SHIFT_LSL = 0;
export const SHIFT_LSR = 1;
export const SHIFT_ASR = 2;
export const SHIFT_ROR = 3;

/**
 * Low half of the 64-bit value (lo, hi) shifted by type `t` (SHIFT_*) by `s` (0..63), as unsigned.
 * Arm ARM DDI0487 J1 ShiftReg. The type and amount are decode-time constants in every caller, so the
 * branches below are perfectly predicted.
 */
export function shiftLo64(lo: number, hi: number, t: number, s: number): number {
  if (s === 0) return lo;
  if (s < 32) return t === SHIFT_LSL ? (lo << s) >>> 0 : ((lo >>> s) | (hi << (32 - s))) >>> 0;
  const r = s - 32;
  switch (t) {
    case SHIFT_LSL: return 0;
    case SHIFT_LSR: return hi >>> r;
    case SHIFT_ASR: return (hi >> r) >>> 0;
    default: return r === 0 ? hi : ((hi >>> r) | (lo << (32 - r))) >>> 0;
  }
}

/** High half of the 64-bit value (lo, hi) shifted by type `t` by `s` (0..63), as unsigned. */
export function shiftHi64(lo: number, hi: number, t: number, s: number): number {
  if (s === 0) return hi;
  if (s < 32) {
    switch (t) {
      case SHIFT_LSL: return ((hi << s) | (lo >>> (32 - s))) >>> 0;
      case SHIFT_LSR: return hi >>> s;
      case SHIFT_ASR: return (hi >> s) >>> 0;
      default: return ((hi >>> s) | (lo << (32 - s))) >>> 0;
    }
  }
  const r = s - 32;
  switch (t) {
    case SHIFT_LSL: return (lo << r) >>> 0;
    case SHIFT_LSR: return 0;
    case SHIFT_ASR: return (hi >> 31) >>> 0;
    default: return r === 0 ? lo : ((lo >>> r) | (hi << (32 - r))) >>> 0;
  }
}

/** The 32-bit value `v` shifted by type `t` by `s` (0..31), as unsigned. */
export function shift32(v: number, t: number, s: number): number {
  if (s === 0) return v >>> 0;
  switch (t) {
    case SHIFT_LSL: return (v << s) >>> 0;
    case SHIFT_LSR: return v >>> s;
    case SHIFT_ASR: return (v >> s) >>> 0;
    default: return ((v >>> s) | (v << (32 - s))) >>> 0;
  }
}

/** High 32 bits of the unsigned 64-bit product a * b (a, b uint32), computed on 16-bit limbs without BigInt. */
export function mulhu32(a: number, b: number): number {
  const a0 = a & 0xffff;
  const a1 = a >>> 16;
  const b0 = b & 0xffff;
  const b1 = b >>> 16;
  const p01 = a0 * b1;
  const p10 = a1 * b0;
  const mid = ((a0 * b0) >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  return (a1 * b1 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16)) >>> 0;
}

/** The masks of a logical-immediate or bitfield encoding, as 32-bit halves. */
export interface BitMasks {
  readonly wLo: number;
  readonly wHi: number;
  readonly tLo: number;
  readonly tHi: number;
}

/**
 * DecodeBitMasks (Arm ARM DDI0487 J1, shared/functions/bitmasks): the wmask and tmask of an
 * N:immr:imms encoding, replicated to 64 bits. Returns null for the reserved encodings (no element
 * size; for logical immediates also an all-ones element). Runs at decode time only, so BigInt is fine.
 */
export function decodeBitMasks(immN: number, imms: number, immr: number, immediate: boolean): BitMasks | null {
  const combined = (immN << 6) | (~imms & 0x3f);
  if (combined === 0) return null;
  const len = 31 - Math.clz32(combined);
  if (len < 1) return null;
  const levels = (1 << len) - 1;
  if (immediate && (imms & levels) === levels) return null;
  const s = imms & levels;
  const r = immr & levels;
  const d = (s - r) & levels;
  const esize = BigInt(1 << len);
  const emask = (1n << esize) - 1n;
  const welem = (1n << BigInt(s + 1)) - 1n;
  const telem = (1n << BigInt(d + 1)) - 1n;
  const rb = BigInt(r);
  const wrot = ((welem >> rb) | (welem << (esize - rb))) & emask;
  let w = 0n;
  let t = 0n;
  for (let pos = 0n; pos < 64n; pos += esize) {
    w |= wrot << pos;
    t |= telem << pos;
  }
  return {
    wLo: Number(w & 0xffff_ffffn),
    wHi: Number(w >> 32n),
    tLo: Number(t & 0xffff_ffffn),
    tHi: Number(t >> 32n),
  };
}

/**
 * A 64-bit LSL/LSR/ROR of register slot `m` by a constant `s` (0..63), planned as a right funnel shift
 * of three words of `c.x32` by `r` (0..31): lo = (x[i0] >>> r) | (x[i1] << (32 - r)) and
 * hi = (x[i1] >>> r) | (x[i2] << (32 - r)); when r = 0 the result is just (x[i0], x[i1]).
 * Words that shift in zeros are read from the XZR slot. ASR (needs a sign word) returns null.
 */
export interface Funnel {
  readonly i0: number;
  readonly i1: number;
  readonly i2: number;
  readonly r: number;
}

export function funnel64(m: number, t: number, s: number): Funnel | null {
  const lo = 2 * m;
  const hi = 2 * m + 1;
  const z = 2 * REG_ZR_READ;
  if (s === 0) return { i0: lo, i1: hi, i2: z, r: 0 };
  const big = s >= 32;
  const k = s & 31;
  switch (t) {
    case SHIFT_LSL:
      if (!big) return { i0: z, i1: lo, i2: hi, r: 32 - s };
      return k === 0 ? { i0: z, i1: lo, i2: z, r: 0 } : { i0: z, i1: z, i2: lo, r: 32 - k };
    case SHIFT_LSR:
      return big ? { i0: hi, i1: z, i2: z, r: k } : { i0: lo, i1: hi, i2: z, r: s };
    case SHIFT_ROR:
      return big ? { i0: hi, i1: lo, i2: hi, r: k } : { i0: lo, i1: hi, i2: lo, r: s };
    default:
      return null;
  }
}
