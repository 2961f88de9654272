/**
 * Loads and stores of SIMD&FP registers: LDR/STR (B/H/S/D/Q) in every addressing mode, LDUR/STUR,
 * LDR (literal) and LDP/STP/LDNP/STNP, Arm ARM DDI0487 C4.1.88 and C7.2 "LDR (immediate, SIMD&FP)".
 *
 * A load of B/H/S/D clears the rest of the 128-bit register. Faults follow QEMU's access order, which the
 * differential tests compare: each register of a pair is loaded or stored in turn (a fault on the second
 * leaves the first done), a Q load is one access and a Q store two 8-byte ones. Every single access is
 * checked on both pages before it is performed, so it never half-happens, and the base writeback comes
 * last: re-executing the instruction after the fault is handled gives the same result.
 */
import { LDST_SIMD_PATTERNS } from '../decode/ldst_simd.js';
import type { Exec, Factory, InsnGroup } from './group.js';
import { xAddress } from './regs.js';
import { addXImm, ld128, probeLoad, probeStore, regOffsetAddress, st128 } from './ldst_simd_addr.js';
import { LDST_STRUCT_HANDLERS } from './ldst_struct.js';
import type { Cpu } from '../cpu.js';

/** Accesses one SIMD&FP register `t` at `va`. */
type Access = (c: Cpu, va: number, t: number) => void;

function ld8(c: Cpu, va: number, t: number): void {
  const v = c.read8(va);
  const r = c.v32;
  r[4 * t] = v; r[4 * t + 1] = 0; r[4 * t + 2] = 0; r[4 * t + 3] = 0;
}
function ld16(c: Cpu, va: number, t: number): void {
  probeLoad(c, va, 2);
  const v = c.read16(va);
  const r = c.v32;
  r[4 * t] = v; r[4 * t + 1] = 0; r[4 * t + 2] = 0; r[4 * t + 3] = 0;
}
function ld32(c: Cpu, va: number, t: number): void {
  probeLoad(c, va, 4);
  const v = c.read32(va);
  const r = c.v32;
  r[4 * t] = v; r[4 * t + 1] = 0; r[4 * t + 2] = 0; r[4 * t + 3] = 0;
}
function ld64(c: Cpu, va: number, t: number): void {
  probeLoad(c, va, 8);
  const r = c.v32;
  c.read64(va, r, 4 * t);
  r[4 * t + 2] = 0; r[4 * t + 3] = 0;
}
function st8(c: Cpu, va: number, t: number): void {
  c.write8(va, c.v32[4 * t]! & 0xff);
}
function st16(c: Cpu, va: number, t: number): void {
  probeStore(c, va, 2);
  c.write16(va, c.v32[4 * t]! & 0xffff);
}
function st32(c: Cpu, va: number, t: number): void {
  probeStore(c, va, 4);
  c.write32(va, c.v32[4 * t]!);
}
function st64(c: Cpu, va: number, t: number): void {
  probeStore(c, va, 8);
  c.write64(va, c.v32, 4 * t);
}
const LOADS: readonly Access[] = [ld8, ld16, ld32, ld64, ld128];
const STORES: readonly Access[] = [st8, st16, st32, st64, st128];

/** log2 of the access size from size and opc, or -1 when unallocated (opc<1> set with size != 0). */
function scaleOf(size: number, opc: number): number {
  if ((opc & 2) === 0) return size;
  return size === 0 ? 4 : -1;
}

function accessOf(f: Readonly<Record<string, number>>): { acc: Access; scale: number } | null {
  const scale = scaleOf(f.size!, f.opc!);
  if (scale < 0) return null;
  return { acc: (f.opc! & 1) === 1 ? LOADS[scale]! : STORES[scale]!, scale };
}

const sext9 = (imm: number): number => (imm << 23) >> 23;

/** Addressing modes with an immediate: offset (also unscaled), post-index, pre-index. */
const enum Mode { Offset, Post, Pre }

/**
 * The closure for one register access in `mode`. The accesses hot in memcpy/strlen-style code (Q and
 * D) get closures that call their access function directly, so V8 can inline it.
 */
function modeExec(mode: Mode, acc: Access, n: number, t: number, off: number): Exec {
  switch (mode) {
    case Mode.Offset:
      if (acc === ld128) return (c) => ld128(c, xAddress(c.x32, n) + off, t);
      if (acc === st128) return (c) => st128(c, xAddress(c.x32, n) + off, t);
      if (acc === ld64) return (c) => ld64(c, xAddress(c.x32, n) + off, t);
      if (acc === st64) return (c) => st64(c, xAddress(c.x32, n) + off, t);
      return (c) => acc(c, xAddress(c.x32, n) + off, t);
    case Mode.Post:
      if (acc === ld128) return (c) => { ld128(c, xAddress(c.x32, n), t); addXImm(c.x32, n, off); };
      if (acc === st128) return (c) => { st128(c, xAddress(c.x32, n), t); addXImm(c.x32, n, off); };
      return (c) => { acc(c, xAddress(c.x32, n), t); addXImm(c.x32, n, off); };
    default:
      if (acc === ld128) return (c) => { ld128(c, xAddress(c.x32, n) + off, t); addXImm(c.x32, n, off); };
      if (acc === st128) return (c) => { st128(c, xAddress(c.x32, n) + off, t); addXImm(c.x32, n, off); };
      return (c) => { acc(c, xAddress(c.x32, n) + off, t); addXImm(c.x32, n, off); };
  }
}

function immForm(mode: Mode, scaled: boolean): Factory {
  return (f) => {
    const a = accessOf(f);
    if (a === null) return null;
    const off = scaled ? f.imm! * (1 << a.scale) : sext9(f.imm!);
    return modeExec(mode, a.acc, f.rn!, f.rt!, off);
  };
}

const LDST_SIMD_uimm = immForm(Mode.Offset, true);
const LDST_SIMD_unscaled = immForm(Mode.Offset, false);
const LDST_SIMD_post = immForm(Mode.Post, false);
const LDST_SIMD_pre = immForm(Mode.Pre, false);

const LDST_SIMD_reg: Factory = (f) => {
  const a = accessOf(f);
  if (a === null) return null;
  const { acc } = a;
  const addr = regOffsetAddress(f.rn!, f.rm!, f.option!, f.s === 1 ? a.scale : 0);
  if (addr === null) return null;
  const t = f.rt!;
  return (c) => acc(c, addr(c), t);
};

const LDR_SIMD_lit: Factory = (f) => {
  if (f.opc === 3) return null;
  const acc = LOADS[2 + f.opc!]!;
  const t = f.rt!;
  const off = ((f.imm! << 13) >> 13) * 4;
  return (c) => acc(c, c.pc + off, t);
};

// ---- pairs ----

function ldp32(c: Cpu, va: number, t: number, t2: number): void {
  ld32(c, va, t);
  ld32(c, va + 4, t2);
}
function ldp64(c: Cpu, va: number, t: number, t2: number): void {
  ld64(c, va, t);
  ld64(c, va + 8, t2);
}
function ldp128(c: Cpu, va: number, t: number, t2: number): void {
  ld128(c, va, t);
  ld128(c, va + 16, t2);
}
function stp32(c: Cpu, va: number, t: number, t2: number): void {
  st32(c, va, t);
  st32(c, va + 4, t2);
}
function stp64(c: Cpu, va: number, t: number, t2: number): void {
  st64(c, va, t);
  st64(c, va + 8, t2);
}
function stp128(c: Cpu, va: number, t: number, t2: number): void {
  st128(c, va, t);
  st128(c, va + 16, t2);
}

type PairAccess = (c: Cpu, va: number, t: number, t2: number) => void;
const PAIR_LOADS: readonly PairAccess[] = [ldp32, ldp64, ldp128];
const PAIR_STORES: readonly PairAccess[] = [stp32, stp64, stp128];

/** As modeExec, for pairs: LDP/STP of Q and D get direct calls. */
function pairExec(mode: Mode, acc: PairAccess, n: number, t: number, t2: number, off: number): Exec {
  switch (mode) {
    case Mode.Offset:
      if (acc === ldp128) return (c) => ldp128(c, xAddress(c.x32, n) + off, t, t2);
      if (acc === stp128) return (c) => stp128(c, xAddress(c.x32, n) + off, t, t2);
      if (acc === ldp64) return (c) => ldp64(c, xAddress(c.x32, n) + off, t, t2);
      if (acc === stp64) return (c) => stp64(c, xAddress(c.x32, n) + off, t, t2);
      return (c) => acc(c, xAddress(c.x32, n) + off, t, t2);
    case Mode.Post:
      if (acc === ldp128) return (c) => { ldp128(c, xAddress(c.x32, n), t, t2); addXImm(c.x32, n, off); };
      if (acc === stp128) return (c) => { stp128(c, xAddress(c.x32, n), t, t2); addXImm(c.x32, n, off); };
      return (c) => { acc(c, xAddress(c.x32, n), t, t2); addXImm(c.x32, n, off); };
    default:
      if (acc === ldp128) return (c) => { ldp128(c, xAddress(c.x32, n) + off, t, t2); addXImm(c.x32, n, off); };
      if (acc === stp128) return (c) => { stp128(c, xAddress(c.x32, n) + off, t, t2); addXImm(c.x32, n, off); };
      return (c) => { acc(c, xAddress(c.x32, n) + off, t, t2); addXImm(c.x32, n, off); };
  }
}

/** LDP/STP (SIMD&FP); LDNP/STNP behave as the offset form (the hint does not change the result). */
function pair(mode: Mode): Factory {
  return (f) => {
    if (f.opc === 3) return null;
    const acc = f.l === 1 ? PAIR_LOADS[f.opc!]! : PAIR_STORES[f.opc!]!;
    const off = ((f.imm! << 25) >> 25) * (4 << f.opc!);
    return pairExec(mode, acc, f.rn!, f.rt!, f.rt2!, off);
  };
}

const handlers: Record<string, Factory> = {
  LDST_SIMD_uimm,
  LDST_SIMD_unscaled,
  LDST_SIMD_post,
  LDST_SIMD_pre,
  LDST_SIMD_reg,
  LDR_SIMD_lit,
  LDSTNP_SIMD: pair(Mode.Offset),
  LDSTP_SIMD_post: pair(Mode.Post),
  LDSTP_SIMD_off: pair(Mode.Offset),
  LDSTP_SIMD_pre: pair(Mode.Pre),
  ...LDST_STRUCT_HANDLERS,
};

/** The SIMD&FP load/store group (register, pair, literal and structure forms). */
export const LDST_SIMD: InsnGroup = {
  name: 'ldst_simd',
  patterns: LDST_SIMD_PATTERNS,
  handlers,
  endsBlock: new Set(),
};
