/**
 * Integer arithmetic on 64-bit values held as two unsigned 32-bit halves, with NZCV as the
 * architecture's AddWithCarry (Arm ARM DDI0487, J1 shared pseudocode) defines it.
 */
import type { Cpu } from '../cpu.js';

const TWO32 = 0x1_0000_0000;

/** X[d] = a + b + cin over 64 bits; sets NZCV when `setFlags`. `d` is a slot index (see state.ts). */
export function addWithCarry64(
  c: Cpu, d: number, aLo: number, aHi: number, bLo: number, bHi: number, cin: number, setFlags: boolean,
): void {
  let lo = aLo + bLo + cin;
  let carry = 0;
  if (lo >= TWO32) {
    lo -= TWO32;
    carry = 1;
  }
  let hi = aHi + bHi + carry;
  let cout = 0;
  if (hi >= TWO32) {
    hi -= TWO32;
    cout = 1;
  }
  if (setFlags) {
    const n = hi >>> 31;
    const z = (lo | hi) === 0 ? 1 : 0;
    const v = ((aHi ^ hi) & (bHi ^ hi)) >>> 31;
    c.nzcv = ((n << 31) | (z << 30) | (cout << 29) | (v << 28)) >>> 0;
  }
  const x = c.x32;
  x[2 * d] = lo;
  x[2 * d + 1] = hi;
}

/** W[d] = a + b + cin over 32 bits (upper half cleared); sets NZCV when `setFlags`. */
export function addWithCarry32(c: Cpu, d: number, a: number, b: number, cin: number, setFlags: boolean): void {
  let r = a + b + cin;
  let cout = 0;
  if (r >= TWO32) {
    r -= TWO32;
    cout = 1;
  }
  if (setFlags) {
    const n = r >>> 31;
    const z = r === 0 ? 1 : 0;
    const v = ((a ^ r) & (b ^ r)) >>> 31;
    c.nzcv = ((n << 31) | (z << 30) | (cout << 29) | (v << 28)) >>> 0;
  }
  const x = c.x32;
  x[2 * d] = r;
  x[2 * d + 1] = 0;
}

/** NZCV for a logical result (C and V cleared). */
export function logicFlags64(c: Cpu, lo: number, hi: number): void {
  c.nzcv = ((hi & 0x8000_0000) | ((lo | hi) === 0 ? 0x4000_0000 : 0)) >>> 0;
}

export function logicFlags32(c: Cpu, r: number): void {
  c.nzcv = ((r & 0x8000_0000) | (r === 0 ? 0x4000_0000 : 0)) >>> 0;
}

/** ConditionHolds(cond) for the 4-bit condition field, from NZCV in bits 31..28. */
export function conditionHolds(cond: number, nzcv: number): boolean {
  const n = (nzcv >>> 31) & 1;
  const z = (nzcv >>> 30) & 1;
  const cf = (nzcv >>> 29) & 1;
  const v = (nzcv >>> 28) & 1;
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
