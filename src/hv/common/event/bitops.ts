/**
 * Atomic bit operations on guest memory, as Xen's guest_test_and_set_bit() and friends
 * (asm-arm/guest_atomics.h) do on the little-endian bitmaps shared with the guest.
 *
 * Bit n of a bitmap at byte `base` lives in byte base + n/8. On a little-endian machine that byte
 * is part of the aligned 32-bit word at (byte & ~3), at bit 8*(byte & 3) + n%8, so every update can
 * be an Atomics operation on an aligned word whatever the alignment of `base`: the guest (which
 * may run on a CPU in another thread once memory is shared) never sees a torn update.
 * Callers pass byte offsets they obtained from GuestPhysMemory (never guest numbers).
 */

function wordOf(base: number, n: number): number {
  return (base + (n >>> 3)) >>> 2;
}

function maskOf(base: number, n: number): number {
  return 1 << ((((base + (n >>> 3)) & 3) << 3) | (n & 7));
}

/** Sets bit n; returns whether it was already set. */
export function testAndSetBit(i32: Int32Array, base: number, n: number): boolean {
  const m = maskOf(base, n);
  return (Atomics.or(i32, wordOf(base, n), m) & m) !== 0;
}

/** Clears bit n; returns whether it was set. */
export function testAndClearBit(i32: Int32Array, base: number, n: number): boolean {
  const m = maskOf(base, n);
  return (Atomics.and(i32, wordOf(base, n), ~m) & m) !== 0;
}

export function testBit(i32: Int32Array, base: number, n: number): boolean {
  return (Atomics.load(i32, wordOf(base, n)) & maskOf(base, n)) !== 0;
}

export function clearBit(i32: Int32Array, base: number, n: number): void {
  Atomics.and(i32, wordOf(base, n), ~maskOf(base, n));
}

export function setBit(i32: Int32Array, base: number, n: number): void {
  Atomics.or(i32, wordOf(base, n), maskOf(base, n));
}
