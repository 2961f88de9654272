/**
 * Address arithmetic shared by the SIMD&FP and structure loads/stores: register-offset addresses and
 * base-register writeback, done on 32-bit halves so the full 64-bit register value (tag byte included)
 * is preserved, as Arm ARM DDI0487 C6.2 "LDR (register, SIMD&FP)" and the post-index forms require.
 */
import type { Cpu } from '../cpu.js';
import { REG_ZR_READ } from '../state.js';

const TWO32 = 0x1_0000_0000;

/** X[n] += off, for a small signed offset (|off| < 2^32), carrying into the high half. */
export function addXImm(x: Uint32Array, n: number, off: number): void {
  const lo = x[2 * n]! + off;
  x[2 * n] = lo;
  if (lo >= TWO32) x[2 * n + 1] = x[2 * n + 1]! + 1;
  else if (lo < 0) x[2 * n + 1] = x[2 * n + 1]! - 1;
}

/** X[n] += X[m] (64-bit, modulo 2^64). */
export function addXReg(x: Uint32Array, n: number, m: number): void {
  const lo = x[2 * n]! + x[2 * m]!;
  x[2 * n] = lo;
  x[2 * n + 1] = x[2 * n + 1]! + x[2 * m + 1]! + (lo >= TWO32 ? 1 : 0);
}

/** The 64-bit sum lo/hi as an address: TBI ignores the top byte, bits 63..56 become copies of bit 55. */
function toAddress(lo: number, hi: number): number {
  return ((hi << 8) >> 8) * TWO32 + (lo >>> 0);
}

/**
 * The address X[n] + ExtendReg(m, option, shift) of the register-offset forms (Arm ARM DDI0487 C6.2.x
 * "ExtendReg"); null for the unallocated options (option<1> = 0).
 */
export function regOffsetAddress(n: number, m: number, option: number, shift: number): ((c: Cpu) => number) | null {
  if ((option & 2) === 0) return null;
  const sm = m === 31 ? REG_ZR_READ : m;
  const rs = 32 - shift;
  switch (option) {
    case 2: // UXTW
      return (c) => {
        const x = c.x32;
        const w = x[2 * sm]!;
        const lo = x[2 * n]! + ((w << shift) >>> 0);
        return toAddress(lo, x[2 * n + 1]! + (shift === 0 ? 0 : w >>> rs) + (lo >= TWO32 ? 1 : 0));
      };
    case 6: // SXTW
      return (c) => {
        const x = c.x32;
        const w = x[2 * sm]!;
        const hiM = shift === 0 ? w >> 31 : ((w >> 31) << shift) | (w >>> rs);
        const lo = x[2 * n]! + ((w << shift) >>> 0);
        return toAddress(lo, x[2 * n + 1]! + hiM + (lo >= TWO32 ? 1 : 0));
      };
    default: // LSL (UXTX) and SXTX: the whole register, shifted
      return (c) => {
        const x = c.x32;
        const wl = x[2 * sm]!;
        const wh = x[2 * sm + 1]!;
        const hiM = shift === 0 ? wh : (wh << shift) | (wl >>> rs);
        const lo = x[2 * n]! + ((wl << shift) >>> 0);
        return toAddress(lo, x[2 * n + 1]! + hiM + (lo >= TWO32 ? 1 : 0));
      };
  }
}

/**
 * Before an access of `bytes` that crosses a page, checks the first page and then the second, so a fault
 * happens before anything is read or written and reports the address QEMU and Linux report: the start of
 * the access, or the first byte of the second page when only that one faults.
 */
export function probeLoad(c: Cpu, va: number, bytes: number): void {
  if ((va & 0xfff) > 0x1000 - bytes) {
    c.probeRead(va);
    c.probeRead(va - (va & 0xfff) + 0x1000);
  }
}

/** As probeLoad, for stores: a multi-part store that faults writes nothing. */
export function probeStore(c: Cpu, va: number, bytes: number): void {
  if ((va & 0xfff) > 0x1000 - bytes) {
    c.probeWrite(va);
    c.probeWrite(va - (va & 0xfff) + 0x1000);
  }
}

/** Staging for a Q access that crosses a page, where a late fault must not leave a half-written register. */
const tmpQ = new Uint32Array(4);

/** Loads V[t] (128 bits) from va as one access (a fault leaves V[t] unchanged); shared by LDR Q and LDP Q. */
export function ld128(c: Cpu, va: number, t: number): void {
  const r = c.v32;
  if ((va & 0xfff) <= 0xff0) {
    // One page: once the first half is readable the second is too.
    c.read64(va, r, 4 * t);
    c.read64(va + 8, r, 4 * t + 2);
    return;
  }
  probeLoad(c, va, 16);
  c.read64(va, tmpQ, 0);
  c.read64(va + 8, tmpQ, 2);
  r[4 * t] = tmpQ[0]!; r[4 * t + 1] = tmpQ[1]!; r[4 * t + 2] = tmpQ[2]!; r[4 * t + 3] = tmpQ[3]!;
}

/** Stores V[t] (128 bits) to va as two 8-byte accesses, low half first (QEMU's order when the second faults). */
export function st128(c: Cpu, va: number, t: number): void {
  if ((va & 0xfff) > 0xff0) {
    probeStore(c, va, 8);
    c.write64(va, c.v32, 4 * t);
    probeStore(c, va + 8, 8);
    c.write64(va + 8, c.v32, 4 * t + 2);
    return;
  }
  c.write64(va, c.v32, 4 * t);
  c.write64(va + 8, c.v32, 4 * t + 2);
}
