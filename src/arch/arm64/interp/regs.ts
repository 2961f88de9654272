/**
 * Resolving register field 31 at decode time, so closures never test for it (see state.ts for the slots).
 */
import { REG_ZR_READ, REG_ZR_WRITE } from '../state.js';

/** Slot of a source register where 31 means XZR/WZR. */
export function srcZr(n: number): number {
  return n === 31 ? REG_ZR_READ : n;
}

/** Slot of a destination register where 31 means XZR/WZR (writes are discarded). */
export function dstZr(n: number): number {
  return n === 31 ? REG_ZR_WRITE : n;
}

/** Slot of a register where 31 means SP (source or destination). */
export function regSp(n: number): number {
  return n;
}

const TWO32 = 0x1_0000_0000;

/**
 * X[n] as a virtual address: the top byte is ignored (TBI, which Linux enables for EL0) and bits
 * 63..56 become copies of bit 55, giving the sign-extended number the memory path expects.
 */
export function xAddress(x: Uint32Array, n: number): number {
  return ((x[2 * n + 1]! << 8) >> 8) * TWO32 + x[2 * n]!;
}

/** X[n] as a signed 64-bit number; exact while |value| < 2^53 (offsets, not full-range data). */
export function xSigned(x: Uint32Array, n: number): number {
  return (x[2 * n + 1]! | 0) * TWO32 + x[2 * n]!;
}

/** Writes an address (sign-extended number) into X[d] as two halves; ToUint32 reduces each half modulo 2^32. */
export function setXFromAddress(x: Uint32Array, d: number, va: number): void {
  x[2 * d] = va;
  x[2 * d + 1] = Math.floor(va / TWO32);
}
