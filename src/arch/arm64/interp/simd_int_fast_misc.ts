/**
 * Specialised closures for AdvSIMD integer two-register misc and shift-by-immediate forms that common
 * code runs in loops (CMEQ #0, SHRN, USHR/SHL, UXTL/SXTL). Like simd_int_fast.ts, each factory returns
 * null for the forms it does not cover, which then use the lane engine.
 */
import type { Cpu } from '../cpu.js';
import type { Fields } from '../decode/pattern.js';
import type { Exec } from './group.js';

type View = Uint8Array | Uint16Array | Uint32Array;

const SCRATCH = new Uint32Array(16);

function view(c: Cpu, bits: number): View {
  return bits === 8 ? c.v8 : bits === 16 ? c.v16 : c.v32;
}

/** Two-register misc: compares against zero, NEG and ABS with 8-, 16- and 32-bit lanes. */
export function fastMisc(name: string, f: Fields, bits: number): Exec | null {
  if (bits === 64) return null;
  const per = 128 / bits;
  const lanes = f.q ? per : per / 2;
  const n = f.rn! * per;
  const d = f.rd! * per;
  const d32 = 4 * f.rd!;
  const q = f.q === 1;
  const ones = bits === 32 ? 0xffff_ffff : (1 << bits) - 1;
  const sign = bits === 32 ? 0x8000_0000 : 1 << (bits - 1);
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
 * Shift by immediate: SHL/USHR/SSHR/USRA with 8-, 16- and 32-bit lanes, SHRN/XTN-like narrowing from
 * 16- and 32-bit lanes, and USHLL/SSHLL (UXTL/SXTL) to 16- and 32-bit lanes. `bits` is the element
 * size decoded from immh (the narrow size for SHRN and USHLL).
 */
export function fastShift(name: string, f: Fields, bits: number, sh: number): Exec | null {
  if (bits === 64) return null;
  const q = f.q === 1;
  const d32 = 4 * f.rd!;
  const per = 128 / bits;
  const rn = f.rn!;
  const rd = f.rd!;
  if (name === 'SHRN' || name === 'SSHLL' || name === 'USHLL') {
    if (bits === 32) return null;
    const wide = 2 * bits;
    const lanes = per / 2;
    const half = q ? lanes : 0;
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
