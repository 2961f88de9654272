/**
 * Exclusives (LDXR/STXR and pairs, with their acquire/release forms), load-acquire/store-release
 * (LDAR/STLR) and compare-and-swap (CAS, CASP: FEAT_LSE). Arm ARM DDI0487 C4.1.88 ("Load/store exclusive", "Load/store ordered", "Compare and swap"), B2.9.
 *
 * The exclusive monitor follows QEMU user mode, the differential reference: a load-exclusive records
 * the address and the value it read (`Cpu.exclusive*`); a store-exclusive succeeds iff its address
 * equals the recorded one and memory still holds the recorded value (a compare-and-swap). The size is
 * not recorded, as in QEMU (see STXR for mixed sizes). On an address mismatch the store does not
 * access memory at all. Either way the monitor is cleared afterwards. All of these require natural
 * alignment (pairs: of the whole pair). A 32-bit LDXP records one 64-bit value; only a 64-bit LDXP
 * sets the second doubleword, which a 64-bit STXP compares even after a single LDXR (stale, as in QEMU).
 *
 * Acquire/release ordering needs nothing in a single-threaded interpreter: the o0/L bits are ignored.
 */
import { LDST_EXCL_PATTERNS } from '../decode/ldst.js';
import type { Factory, InsnGroup } from './group.js';
import { dstZr, regSp, srcZr, xAddress } from './regs.js';
import type { Cpu } from '../cpu.js';

/** Memory value at `va` of 1 << size bytes into x[i], x[i+1] (high half 0 below 8 bytes). */
export function readSized(c: Cpu, size: number, va: number, x: Uint32Array, i: number): void {
  switch (size) {
    case 0: x[i] = c.read8(va); x[i + 1] = 0; return;
    case 1: x[i] = c.read16(va); x[i + 1] = 0; return;
    case 2: x[i] = c.read32(va); x[i + 1] = 0; return;
    default: c.read64(va, x, i);
  }
}

/** x[i] (and x[i+1] for 8 bytes) as 1 << size bytes at `va`. */
export function writeSized(c: Cpu, size: number, va: number, x: Uint32Array, i: number): void {
  switch (size) {
    case 0: c.write8(va, x[i]! & 0xff); return;
    case 1: c.write16(va, x[i]! & 0xffff); return;
    case 2: c.write32(va, x[i]!); return;
    default: c.write64(va, x, i);
  }
}

/** Low-half mask of a value of 1 << size bytes. */
function loMask(size: number): number {
  return size >= 2 ? 0xffff_ffff : size === 1 ? 0xffff : 0xff;
}

const tmp = new Uint32Array(4);

const LDXR: Factory = (f) => {
  const size = f.size!;
  const n = regSp(f.rn!);
  const t = dstZr(f.rt!);
  const align = (1 << size) - 1;
  return (c) => {
    const va = xAddress(c.x32, n);
    if ((va & align) !== 0) c.alignmentFault(va, false);
    readSized(c, size, va, tmp, 0);
    c.exclusiveLo = tmp[0]!;
    c.exclusiveHi = tmp[1]!;
    c.exclusiveAddr = va;
    c.exclusiveSize = 1 << size;
    c.x32[2 * t] = tmp[0]!;
    c.x32[2 * t + 1] = tmp[1]!;
  };
};

/** LDXP/LDAXP: 2 x 32 bits (recorded as one 64-bit value) or 2 x 64 bits, aligned to the pair's size. */
const LDXP: Factory = (f) => {
  const wide = f.sz === 1;
  const n = regSp(f.rn!);
  const t = dstZr(f.rt!);
  const t2 = dstZr(f.rt2!);
  const align = wide ? 15 : 7;
  return (c) => {
    const va = xAddress(c.x32, n);
    if ((va & align) !== 0) c.alignmentFault(va, false);
    const x = c.x32;
    c.read64(va, tmp, 0);
    if (wide) {
      c.read64(va + 8, tmp, 2);
      c.exclusiveLo2 = tmp[2]!;
      c.exclusiveHi2 = tmp[3]!;
    }
    c.exclusiveLo = tmp[0]!;
    c.exclusiveHi = tmp[1]!;
    c.exclusiveAddr = va;
    c.exclusiveSize = wide ? 16 : 8;
    if (wide) {
      x[2 * t] = tmp[0]!;
      x[2 * t + 1] = tmp[1]!;
      x[2 * t2] = tmp[2]!;
      x[2 * t2 + 1] = tmp[3]!;
    } else {
      x[2 * t] = tmp[0]!;
      x[2 * t + 1] = 0;
      x[2 * t2] = tmp[1]!;
      x[2 * t2 + 1] = 0;
    }
  };
};

/** Writes the store-exclusive status (0 = success) to Ws and clears the monitor. */
function finish(c: Cpu, s: number, failed: boolean): void {
  c.exclusiveAddr = -1;
  c.x32[2 * s] = failed ? 1 : 0;
  c.x32[2 * s + 1] = 0;
}

const STXR: Factory = (f) => {
  const size = f.size!;
  const n = regSp(f.rn!);
  const t = srcZr(f.rt!);
  const s = dstZr(f.rs!);
  const align = (1 << size) - 1;
  const mask = loMask(size);
  return (c) => {
    const va = xAddress(c.x32, n);
    if (va !== c.exclusiveAddr) return finish(c, s, true);
    if ((va & align) !== 0) c.alignmentFault(va, true);
    c.probeWrite(va);
    readSized(c, size, va, tmp, 0);
    // QEMU's cmpxchg stores when memory equals the recorded value truncated to the store's size, but
    // reports success only if it equals the whole recorded value. They differ only for a store
    // smaller than its load-exclusive (CONSTRAINED UNPREDICTABLE, Arm ARM B2.9), where QEMU may
    // store and still return 1; we do the same so the differential tests agree.
    const stores = tmp[0] === ((c.exclusiveLo & mask) >>> 0) && (size < 3 || tmp[1] === c.exclusiveHi);
    if (stores) writeSized(c, size, va, c.x32, 2 * t);
    finish(c, s, !(stores && tmp[0] === c.exclusiveLo && tmp[1] === c.exclusiveHi));
  };
};

const STXP: Factory = (f) => {
  const wide = f.sz === 1;
  const n = regSp(f.rn!);
  const t = srcZr(f.rt!);
  const t2 = srcZr(f.rt2!);
  const s = dstZr(f.rs!);
  const align = wide ? 15 : 7;
  return (c) => {
    const va = xAddress(c.x32, n);
    if (va !== c.exclusiveAddr) return finish(c, s, true);
    if ((va & align) !== 0) c.alignmentFault(va, true);
    c.probeWrite(va);
    c.read64(va, tmp, 0);
    const x = c.x32;
    let same = tmp[0] === c.exclusiveLo && tmp[1] === c.exclusiveHi;
    if (wide) {
      c.read64(va + 8, tmp, 2);
      same = same && tmp[2] === c.exclusiveLo2 && tmp[3] === c.exclusiveHi2;
      if (same) {
        c.write64(va, x, 2 * t);
        c.write64(va + 8, x, 2 * t2);
      }
    } else if (same) {
      c.write32(va, x[2 * t]!);
      c.write32(va + 4, x[2 * t2]!);
    }
    finish(c, s, !same);
  };
};

/** LDAR/STLR (o0 = 1). o0 = 0 is LDLAR/STLLR (FEAT_LOR, v8.1): UNDEFINED here. Rs/Rt2 are ignored, as QEMU does. */
const LDAR: Factory = (f) => {
  if (f.o0 === 0) return null;
  const size = f.size!;
  const n = regSp(f.rn!);
  const t = dstZr(f.rt!);
  const align = (1 << size) - 1;
  return (c) => {
    const va = xAddress(c.x32, n);
    if ((va & align) !== 0) c.alignmentFault(va, false);
    readSized(c, size, va, c.x32, 2 * t);
  };
};

const STLR: Factory = (f) => {
  if (f.o0 === 0) return null;
  const size = f.size!;
  const n = regSp(f.rn!);
  const t = srcZr(f.rt!);
  const align = (1 << size) - 1;
  return (c) => {
    const va = xAddress(c.x32, n);
    if ((va & align) !== 0) c.alignmentFault(va, true);
    writeSized(c, size, va, c.x32, 2 * t);
  };
};

/**
 * CAS{A,L,AL}{B,H,,}: compare Rs with memory, store Rt if equal, Rs receives the old value. The
 * access is checked as a write even when the comparison fails (Arm ARM C6.2 CAS).
 */
const CAS: Factory = (f) => {
  const size = f.size!;
  const n = regSp(f.rn!);
  const t = srcZr(f.rt!);
  const sIn = srcZr(f.rs!);
  const sOut = dstZr(f.rs!);
  const align = (1 << size) - 1;
  return (c) => {
    const va = xAddress(c.x32, n);
    if ((va & align) !== 0) c.alignmentFault(va, true);
    c.probeWrite(va);
    readSized(c, size, va, tmp, 0);
    const x = c.x32;
    const mask = loMask(size);
    const same = tmp[0] === ((x[2 * sIn]! & mask) >>> 0) && (size < 3 || tmp[1] === x[2 * sIn + 1]);
    if (same) writeSized(c, size, va, x, 2 * t);
    x[2 * sOut] = tmp[0]!;
    x[2 * sOut + 1] = tmp[1]!;
  };
};

/** CASP{A,L,AL}: Rs and Rt must be even (odd is unallocated); register 31 pairs as XZR. */
const CASP: Factory = (f) => {
  if ((f.rs! & 1) !== 0 || (f.rt! & 1) !== 0) return null;
  const wide = f.sz === 1;
  const n = regSp(f.rn!);
  const t = srcZr(f.rt!);
  const t2 = srcZr(f.rt! + 1);
  const s = srcZr(f.rs!);
  const s2 = srcZr(f.rs! + 1);
  const sOut = dstZr(f.rs!);
  const s2Out = dstZr(f.rs! + 1);
  const align = wide ? 15 : 7;
  return (c) => {
    const va = xAddress(c.x32, n);
    if ((va & align) !== 0) c.alignmentFault(va, true);
    c.probeWrite(va);
    const x = c.x32;
    c.read64(va, tmp, 0);
    if (wide) {
      c.read64(va + 8, tmp, 2);
      const same = tmp[0] === x[2 * s] && tmp[1] === x[2 * s + 1] && tmp[2] === x[2 * s2] && tmp[3] === x[2 * s2 + 1];
      if (same) {
        c.write64(va, x, 2 * t);
        c.write64(va + 8, x, 2 * t2);
      }
      x[2 * sOut] = tmp[0]!;
      x[2 * sOut + 1] = tmp[1]!;
      x[2 * s2Out] = tmp[2]!;
      x[2 * s2Out + 1] = tmp[3]!;
    } else {
      const same = tmp[0] === x[2 * s] && tmp[1] === x[2 * s2];
      if (same) {
        c.write32(va, x[2 * t]!);
        c.write32(va + 4, x[2 * t2]!);
      }
      x[2 * sOut] = tmp[0]!;
      x[2 * sOut + 1] = 0;
      x[2 * s2Out] = tmp[1]!;
      x[2 * s2Out + 1] = 0;
    }
  };
};

export const LDST_EXCL: InsnGroup = {
  name: 'ldst_excl',
  patterns: LDST_EXCL_PATTERNS,
  handlers: { STXR, LDXR, STXP, LDXP, STLR, LDAR, CAS, CASP },
  endsBlock: new Set(),
};
