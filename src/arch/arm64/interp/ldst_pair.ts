/**
 * Load/store pair of general registers: LDP, STP, LDPSW, LDNP, STNP (Arm ARM DDI0487 C4.1.88
 * "Load/store register pair", C6.2 LDP/STP). The non-temporal hint of LDNP/STNP changes nothing here.
 *
 * CONSTRAINED UNPREDICTABLE cases follow QEMU 7.2 (the differential reference): LDP with Rt == Rt2
 * leaves the first value in the register; with writeback the base register ends up holding the new
 * address even if it is also Rt or Rt2; STP stores the old register values. Loads read both halves
 * before writing a register, so a fault leaves registers unchanged. STP is two stores, like QEMU's: if
 * the second one faults (the pair crosses into an unmapped page) the first has been made, which the
 * architecture allows for a faulting multi-access instruction.
 */
import { LDST_PAIR_PATTERNS } from '../decode/ldst.js';
import type { Exec, Factory, InsnGroup } from './group.js';
import { dstZr, regSp, srcZr, xAddress } from './regs.js';
import type { Cpu } from '../cpu.js';

const TWO32 = 0x1_0000_0000;

const enum PairOp {
  ST32, ST64, LD32, LD64, LDSW,
}

/** Scratch for 64-bit pair loads, so the first value survives a fault on the second. */
const scratch = new Uint32Array(4);

/** LDP of X registers (slots t, t2): both loads before either register is written. */
export function loadPair64(c: Cpu, va: number, t: number, t2: number): void {
  const x = c.x32;
  c.read64(va, scratch, 0);
  c.read64(va + 8, scratch, 2);
  x[2 * t2] = scratch[2]!;
  x[2 * t2 + 1] = scratch[3]!;
  x[2 * t] = scratch[0]!;
  x[2 * t + 1] = scratch[1]!;
}

/** STP of X registers (slots t, t2): two stores, like QEMU's (the first stays made if the second faults). */
export function storePair64(c: Cpu, va: number, t: number, t2: number): void {
  c.write64(va, c.x32, 2 * t);
  c.write64(va + 8, c.x32, 2 * t2);
}

/** Performs pair access `op` at `va` for slots t (Rt) and t2 (Rt2). */
function pairAccess(c: Cpu, op: PairOp, va: number, t: number, t2: number): void {
  const x = c.x32;
  switch (op) {
    case PairOp.ST32: {
      c.write32(va, x[2 * t]!);
      c.write32(va + 4, x[2 * t2]!);
      return;
    }
    case PairOp.ST64: storePair64(c, va, t, t2); return;
    case PairOp.LD32: {
      const a = c.read32(va);
      const b = c.read32(va + 4);
      x[2 * t2] = b;
      x[2 * t2 + 1] = 0;
      x[2 * t] = a;
      x[2 * t + 1] = 0;
      return;
    }
    case PairOp.LD64: loadPair64(c, va, t, t2); return;
    default: {
      const a = c.read32(va) | 0;
      const b = c.read32(va + 4) | 0;
      x[2 * t2] = b;
      x[2 * t2 + 1] = b >> 31;
      x[2 * t] = a;
      x[2 * t + 1] = a >> 31;
    }
  }
}

const enum Mode { OFFSET, PRE, POST }

function pair(mode: Mode, noAllocate: boolean): Factory {
  return (f) => {
    const load = f.l === 1;
    let op: PairOp;
    switch (f.opc) {
      case 0: op = load ? PairOp.LD32 : PairOp.ST32; break;
      case 1: if (!load || noAllocate) return null; op = PairOp.LDSW; break; // STGP is FEAT_MTE: UNDEFINED
      case 2: op = load ? PairOp.LD64 : PairOp.ST64; break;
      default: return null;
    }
    const scale = f.opc === 2 ? 8 : 4;
    const off = ((f.imm! << 25) >> 25) * scale;
    const n = regSp(f.rn!);
    const t = load ? dstZr(f.rt!) : srcZr(f.rt!);
    const t2 = load ? dstZr(f.rt2!) : srcZr(f.rt2!);
    if (mode === Mode.OFFSET) return offset(op, n, t, t2, off);
    const accessOff = mode === Mode.POST ? 0 : off;
    // Frame push and pop (STP X29, X30, [SP, #-n]! / LDP X29, X30, [SP], #n): closures of their own.
    if (op === PairOp.ST64) {
      return (c) => {
        const x = c.x32;
        const lo = x[2 * n]! + off;
        const hi = x[2 * n + 1]! + Math.floor(lo / TWO32);
        storePair64(c, xAddress(x, n) + accessOff, t, t2);
        x[2 * n] = lo;
        x[2 * n + 1] = hi;
      };
    }
    if (op === PairOp.LD64) {
      return (c) => {
        const x = c.x32;
        const lo = x[2 * n]! + off;
        const hi = x[2 * n + 1]! + Math.floor(lo / TWO32);
        loadPair64(c, xAddress(x, n) + accessOff, t, t2);
        x[2 * n] = lo;
        x[2 * n + 1] = hi;
      };
    }
    return (c) => {
      const x = c.x32;
      const lo = x[2 * n]! + off;
      const hi = x[2 * n + 1]! + Math.floor(lo / TWO32);
      pairAccess(c, op, xAddress(x, n) + accessOff, t, t2);
      x[2 * n] = lo;
      x[2 * n + 1] = hi;
    };
  };
}

/** Signed offset; the 64-bit forms (frame set-up, structure copies) get closures of their own. */
function offset(op: PairOp, n: number, t: number, t2: number, off: number): Exec {
  switch (op) {
    case PairOp.ST64: return (c) => storePair64(c, xAddress(c.x32, n) + off, t, t2);
    case PairOp.LD64: return (c) => loadPair64(c, xAddress(c.x32, n) + off, t, t2);
    default:
      return (c) => pairAccess(c, op, xAddress(c.x32, n) + off, t, t2);
  }
}

export const LDST_PAIR: InsnGroup = {
  name: 'ldst_pair',
  patterns: LDST_PAIR_PATTERNS,
  handlers: {
    LDSTP_nt: pair(Mode.OFFSET, true),
    LDSTP_post: pair(Mode.POST, false),
    LDSTP_off: pair(Mode.OFFSET, false),
    LDSTP_pre: pair(Mode.PRE, false),
  },
  endsBlock: new Set(),
};
