/**
 * Atomic memory operations, FEAT_LSE (Arm ARM DDI0487 C4.1.88 "Atomic memory operations", C6.2 LDADD..LDUMIN, SWP):
 * Rt receives the old memory value (zero-extended), memory receives op(old, Rs). The ST<op> aliases
 * are the Rt = XZR forms. Acquire/release (A, R) only order accesses: nothing to do here.
 *
 * The access must be naturally aligned and is checked as a write before memory is read, so a fault
 * leaves memory and registers unchanged; Rs is read before Rt is written (Rs == Rt is allowed).
 */
import { LDST_ATOMIC_PATTERNS } from '../decode/ldst.js';
import type { Factory, InsnGroup } from './group.js';
import { dstZr, regSp, srcZr, xAddress } from './regs.js';
import type { Cpu } from '../cpu.js';

const TWO32 = 0x1_0000_0000;

const enum AtomicOp { ADD, CLR, EOR, SET, SMAX, SMIN, UMAX, UMIN, SWP }

const old64 = new Uint32Array(2);
const new64 = new Uint32Array(2);

/** op(a, b) on values of `bits` (8, 16, 32) held as unsigned numbers; result unsigned. */
function apply32(op: AtomicOp, a: number, b: number, bits: number): number {
  const sh = 32 - bits;
  switch (op) {
    case AtomicOp.ADD: return ((a + b) << sh) >>> sh;
    case AtomicOp.CLR: return (a & ~b) >>> 0;
    case AtomicOp.EOR: return (a ^ b) >>> 0;
    case AtomicOp.SET: return (a | b) >>> 0;
    case AtomicOp.SMAX: return (a << sh) >> sh >= (b << sh) >> sh ? a : b;
    case AtomicOp.SMIN: return (a << sh) >> sh <= (b << sh) >> sh ? a : b;
    case AtomicOp.UMAX: return a >= b ? a : b;
    case AtomicOp.UMIN: return a <= b ? a : b;
    default: return b;
  }
}

/** new64 = op(old64, (bLo, bHi)) over 64 bits. */
function apply64(op: AtomicOp, bLo: number, bHi: number): void {
  const aLo = old64[0]!;
  const aHi = old64[1]!;
  let pickA: boolean;
  switch (op) {
    case AtomicOp.ADD: {
      const lo = aLo + bLo;
      new64[0] = lo;
      new64[1] = aHi + bHi + (lo >= TWO32 ? 1 : 0);
      return;
    }
    case AtomicOp.CLR: new64[0] = aLo & ~bLo; new64[1] = aHi & ~bHi; return;
    case AtomicOp.EOR: new64[0] = aLo ^ bLo; new64[1] = aHi ^ bHi; return;
    case AtomicOp.SET: new64[0] = aLo | bLo; new64[1] = aHi | bHi; return;
    case AtomicOp.SWP: new64[0] = bLo; new64[1] = bHi; return;
    case AtomicOp.SMAX: case AtomicOp.SMIN: {
      const ge = (aHi | 0) > (bHi | 0) || (aHi === bHi && aLo >= bLo);
      pickA = op === AtomicOp.SMAX ? ge : !ge || (aHi === bHi && aLo === bLo);
      break;
    }
    default: {
      const ge = aHi > bHi || (aHi === bHi && aLo >= bLo);
      pickA = op === AtomicOp.UMAX ? ge : !ge || (aHi === bHi && aLo === bLo);
    }
  }
  new64[0] = pickA ? aLo : bLo;
  new64[1] = pickA ? aHi : bHi;
}

function read(c: Cpu, size: number, va: number): number {
  return size === 0 ? c.read8(va) : size === 1 ? c.read16(va) : c.read32(va);
}

function write(c: Cpu, size: number, va: number, v: number): void {
  if (size === 0) c.write8(va, v);
  else if (size === 1) c.write16(va, v);
  else c.write32(va, v);
}

function atomic(op: AtomicOp): Factory {
  return (f) => {
    const size = f.size!;
    const n = regSp(f.rn!);
    const s = srcZr(f.rs!);
    const t = dstZr(f.rt!);
    const align = (1 << size) - 1;
    if (size === 3) {
      return (c) => {
        const x = c.x32;
        const va = xAddress(x, n);
        if ((va & align) !== 0) c.alignmentFault(va, true);
        c.probeWrite(va);
        const bLo = x[2 * s]!;
        const bHi = x[2 * s + 1]!;
        c.read64(va, old64, 0);
        apply64(op, bLo, bHi);
        c.write64(va, new64, 0);
        x[2 * t] = old64[0]!;
        x[2 * t + 1] = old64[1]!;
      };
    }
    const bits = 8 << size;
    const mask = size === 2 ? 0xffff_ffff : (1 << bits) - 1;
    return (c) => {
      const x = c.x32;
      const va = xAddress(x, n);
      if ((va & align) !== 0) c.alignmentFault(va, true);
      c.probeWrite(va);
      const b = (x[2 * s]! & mask) >>> 0;
      const a = read(c, size, va);
      write(c, size, va, apply32(op, a, b, bits));
      x[2 * t] = a;
      x[2 * t + 1] = 0;
    };
  };
}

export const LDST_ATOMIC: InsnGroup = {
  name: 'ldst_atomic',
  patterns: LDST_ATOMIC_PATTERNS,
  handlers: {
    LDADD: atomic(AtomicOp.ADD),
    LDCLR: atomic(AtomicOp.CLR),
    LDEOR: atomic(AtomicOp.EOR),
    LDSET: atomic(AtomicOp.SET),
    LDSMAX: atomic(AtomicOp.SMAX),
    LDSMIN: atomic(AtomicOp.SMIN),
    LDUMAX: atomic(AtomicOp.UMAX),
    LDUMIN: atomic(AtomicOp.UMIN),
    SWP: atomic(AtomicOp.SWP),
  },
  endsBlock: new Set(),
};
