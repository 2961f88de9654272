/**
 * AdvSIMD integer across lanes: ADDV, SADDLV, UADDLV, SMAXV, SMINV, UMAXV, UMINV (Arm ARM DDI0487
 * C4.1.95 "Advanced SIMD across lanes"). The result is a scalar written to V[d] with the rest cleared.
 * Sums of at most 16 elements of 32 bits stay far below 2^53, so plain numbers are exact.
 */
import type { Exec, Factory } from './group.js';
import type { Cpu } from '../cpu.js';

const TWO32 = 0x1_0000_0000;

/** Element i of V[n], of 8 << size bits, signed or unsigned. */
function lane(size: number, signed: boolean): (c: Cpu, n: number, i: number) => number {
  if (size === 0) return signed ? (c, n, i) => (c.v8[16 * n + i]! << 24) >> 24 : (c, n, i) => c.v8[16 * n + i]!;
  if (size === 1) return signed ? (c, n, i) => (c.v16[8 * n + i]! << 16) >> 16 : (c, n, i) => c.v16[8 * n + i]!;
  return signed ? (c, n, i) => c.v32[4 * n + i]! | 0 : (c, n, i) => c.v32[4 * n + i]!;
}

/** Writes a scalar of `bits` (8..64) from a number (exact integer, possibly negative) to V[d], clearing the rest. */
function writeScalar(c: Cpu, d: number, v: number, bits: number): void {
  const r = c.v32;
  if (bits === 64) {
    r[4 * d] = v;
    r[4 * d + 1] = Math.floor(v / TWO32);
  } else {
    r[4 * d] = bits === 32 ? v : v & ((1 << bits) - 1);
    r[4 * d + 1] = 0;
  }
  r[4 * d + 2] = 0; r[4 * d + 3] = 0;
}

type Reduce = 'add' | 'max' | 'min';

function acrossLanes(reduce: Reduce, signed: boolean, long: boolean): Factory {
  return (f): Exec | null => {
    const size = f.size!;
    const q = f.q === 1;
    if (size === 3 || (size === 2 && !q)) return null;
    const elems = (q ? 16 : 8) >> size;
    const get = lane(size, signed);
    const bits = (8 << size) * (long ? 2 : 1);
    const n = f.rn!;
    const d = f.rd!;
    if (reduce === 'add') {
      return (c) => {
        let s = 0;
        for (let i = 0; i < elems; i++) s += get(c, n, i);
        writeScalar(c, d, s, bits);
      };
    }
    const max = reduce === 'max';
    return (c) => {
      let s = get(c, n, 0);
      for (let i = 1; i < elems; i++) {
        const v = get(c, n, i);
        if (max ? v > s : v < s) s = v;
      }
      writeScalar(c, d, s, bits);
    };
  };
}

/** Handlers of the across-lanes patterns in decode/simd_mov.ts, joined into the SIMD_MOV group. */
export const ACROSS_LANES_HANDLERS: Readonly<Record<string, Factory>> = {
  ADDV: acrossLanes('add', false, false),
  SADDLV: acrossLanes('add', true, true),
  UADDLV: acrossLanes('add', false, true),
  SMAXV: acrossLanes('max', true, false),
  UMAXV: acrossLanes('max', false, false),
  SMINV: acrossLanes('min', true, false),
  UMINV: acrossLanes('min', false, false),
};
