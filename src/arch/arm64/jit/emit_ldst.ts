/**
 * Emitters for the general-register loads and stores (single and pair; offset, pre- and post-index,
 * register offset). Each computes the virtual address as its interpreter closure does, probes this
 * vCPU's TLB inline (the same arrays and tags as `MemoryAccessor`), and on a hit within one page
 * accesses guest RAM directly. Anything else (a miss, a device, an access crossing a page) calls the
 * interpreter's closure for the whole instruction, so faults, MMIO and TLB fills stay in one place.
 *
 * The write TLB never maps a page holding translated code (`CodeCache.add` drops those entries), so
 * an inline store cannot modify code and needs no check.
 */
import { Op as Access, opFor, slotFor } from '../interp/ldst.js';
import { dstZr, regSp, srcZr } from '../interp/regs.js';
import { TLB_SIZE } from '../mem_access.js';
import { CPU_AREA } from './guest_memory.js';
import { P_ST, type Emitter } from './emitter.js';
import type { InsnEmitter, InsnSite } from './site.js';
import { Op, SimdOp, T, VOID } from './wasm_writer.js';
import { STATE_LAYOUT } from '../state.js';

const PAGE_SIZE = 4096;
const MASK32 = 0xffff_ffffn;

/** Scratch locals (the ALU emitters use 0..2 of each type). */
const enum L { VA = 3, BASE = 4, V1 = 5, V2 = 6 }
const enum I { ENT = 3, OFF = 4 }
const enum F { PAGE = 0, TAG = 1 }

/**
 * With the VA in local VA: probes the read or write TLB for an access of `bytes` in one page; on a
 * hit, leaves the RAM offset in local OFF and runs `hit`; otherwise interprets the instruction, which
 * writes at most the register slots `writes`.
 */
function probe(e: Emitter, site: InsnSite, write: boolean, bytes: number, writes: readonly number[], hit: () => void, alignMask = 0): void {
  const va = e.tmp(T.I64, L.VA);
  const ent = e.tmp(T.I32, I.ENT);
  const off = e.tmp(T.I32, I.OFF);
  const page = e.tmp(T.F64, F.PAGE);
  const tag = e.tmp(T.F64, F.TAG);
  const tagAt = write ? CPU_AREA.wTlb : CPU_AREA.rTlb;
  const addAt = tagAt + 8;
  const memo = e.memo();
  e.op(Op.block, VOID, Op.block, VOID);
  // An access that must be aligned and is not: the interpreter raises the alignment fault.
  if (alignMask !== 0) e.get(va).op(Op.i32_wrap_i64).i32(alignMask).op(Op.i32_and, Op.br_if).u32(0);
  // One that crosses into the next page: the interpreter splits it.
  if (bytes > 1) e.get(va).op(Op.i32_wrap_i64).i32(PAGE_SIZE - 1).op(Op.i32_and).i32(PAGE_SIZE - bytes).op(Op.i32_gt_u, Op.br_if).u32(0);
  // The page this site accessed last: the same RAM offset as then.
  e.get(va).i64(-PAGE_SIZE).op(Op.i64_and).i64(1).op(Op.i64_or).get(memo.page).op(Op.i64_eq, Op.if, VOID);
  e.get(va).get(memo.delta).op(Op.i64_add, Op.i32_wrap_i64).set(off);
  e.op(Op.else);
  // The entry: set base + ((va >>> 12) & mask) * 16 (tag, addend), as `MemoryAccessor` indexes it.
  e.get(P_ST).get(e.tlb).op(Op.i32_add).get(va).i64(12).op(Op.i64_shr_u, Op.i32_wrap_i64).i32(TLB_SIZE - 1).op(Op.i32_and).i32(4).op(Op.i32_shl, Op.i32_add).set(ent);
  e.get(va).i64(-PAGE_SIZE).op(Op.i64_and, Op.f64_convert_i64_s).set(page);
  e.get(ent).mem(Op.f64_load, 3, tagAt).set(tag);
  // A hit: the global tag (the page base) or the current ASID's (page base + key).
  e.get(tag).get(page).op(Op.f64_eq).get(tag).get(page).get(e.key).op(Op.f64_add, Op.f64_eq, Op.i32_or, Op.i32_eqz, Op.br_if).u32(1);
  e.get(va).op(Op.f64_convert_i64_s).get(ent).mem(Op.f64_load, 3, addAt).op(Op.f64_add, Op.i32_trunc_f64_u).set(off);
  e.get(va).i64(-PAGE_SIZE).op(Op.i64_and).i64(1).op(Op.i64_or).set(memo.page);
  e.get(off).op(Op.i64_extend_i32_u).get(va).op(Op.i64_sub).set(memo.delta);
  e.op(Op.end);
  e.scope(hit);
  e.op(Op.br).u32(1).op(Op.end);
  e.scope(() => site.interpret(writes));
  e.op(Op.end);
}

/** Pushes sext55(X[n]), the address the interpreter forms from a base register (`xAddress`). */
function baseAddress(e: Emitter, n: number): void {
  e.x(n).i64(8).op(Op.i64_shl).i64(8).op(Op.i64_shr_s);
}

const LOADS: Partial<Record<Access, readonly [number, bigint | null]>> = {
  [Access.LD8]: [Op.i64_load8_u, null],
  [Access.LD16]: [Op.i64_load16_u, null],
  [Access.LD32]: [Op.i64_load32_u, null],
  [Access.LD64]: [Op.i64_load, null],
  [Access.LDS8X]: [Op.i64_load8_s, null],
  [Access.LDS16X]: [Op.i64_load16_s, null],
  [Access.LDS32X]: [Op.i64_load32_s, null],
  [Access.LDS8W]: [Op.i64_load8_s, MASK32],
  [Access.LDS16W]: [Op.i64_load16_s, MASK32],
};
const STORES: Partial<Record<Access, number>> = {
  [Access.ST8]: Op.i64_store8,
  [Access.ST16]: Op.i64_store16,
  [Access.ST32]: Op.i64_store32,
  [Access.ST64]: Op.i64_store,
};

function accessBytes(op: Access): number {
  if (op <= Access.LD64) return 1 << (op & 3);
  return op === Access.LDS8X || op === Access.LDS8W ? 1 : op === Access.LDS32X ? 4 : 2;
}

/** The access at RAM offset OFF + `disp`, into or from register slot `t`. */
function accessAt(e: Emitter, op: Access, t: number, disp: number): void {
  const off = e.tmp(T.I32, I.OFF);
  const store = STORES[op];
  if (store !== undefined) {
    e.get(off).x(t).mem(store, 0, disp);
    return;
  }
  const [load, mask] = LOADS[op]!;
  e.setX(t, () => {
    e.get(off).mem(load, 0, disp);
    if (mask !== null) e.i64(mask).op(Op.i64_and);
  });
}

/** Addressing with an immediate: at base + off, or with writeback at base + off (pre) or base (post). */
const enum Mode { OFFSET, PRE, POST }

/**
 * Leaves the access's VA in local VA (sext55(X[n]) + `off`, or sext55(X[n]) for post-index, as the
 * interpreter's `xAddress` forms it) and, for the indexed forms, X[n] + `off` in local BASE.
 */
function address(e: Emitter, n: number, off: number, mode: Mode): void {
  if (mode !== Mode.OFFSET) e.x(n).i64(off).op(Op.i64_add).set(e.tmp(T.I64, L.BASE));
  baseAddress(e, n);
  if (mode !== Mode.POST && off !== 0) e.i64(off).op(Op.i64_add);
  e.set(e.tmp(T.I64, L.VA));
}

/** Writes the base register back (indexed forms): the slow path's closure does the same. */
function writeBack(e: Emitter, n: number, mode: Mode): void {
  if (mode !== Mode.OFFSET) e.setX(n, () => e.get(e.tmp(T.I64, L.BASE)));
}

/** One general register at an immediate offset, pre- or post-indexed. */
function single(e: Emitter, site: InsnSite, op: Access, n: number, t: number, off: number, mode: Mode): void {
  address(e, n, off, mode);
  const store = op <= Access.ST64;
  const writes = [...(store ? [] : [t]), ...(mode === Mode.OFFSET ? [] : [n])];
  probe(e, site, store, accessBytes(op), writes, () => {
    accessAt(e, op, t, 0);
    writeBack(e, n, mode);
  });
}

const LDST_uimm: InsnEmitter = (e, f, site) => {
  const op = opFor(f.size!, f.opc!)!;
  if (op === Access.PRFM) return;
  single(e, site, op, regSp(f.rn!), slotFor(op, f.rt!), f.imm! << f.size!, Mode.OFFSET);
};

const LDST_unscaled: InsnEmitter = (e, f, site) => {
  const op = opFor(f.size!, f.opc!)!;
  if (op === Access.PRFM) return;
  single(e, site, op, regSp(f.rn!), slotFor(op, f.rt!), (f.imm! << 23) >> 23, Mode.OFFSET);
};

function ldstIndexed(mode: Mode): InsnEmitter {
  return (e, f, site) => {
    const op = opFor(f.size!, f.opc!)!;
    single(e, site, op, regSp(f.rn!), slotFor(op, f.rt!), (f.imm! << 23) >> 23, mode);
  };
}

/** Register offset: sext55(X[n] + (extend(X[m]) << s)), as the interpreter's `regAddr` forms it. */
const LDST_reg: InsnEmitter = (e, f, site) => {
  const op = opFor(f.size!, f.opc!)!;
  if (op === Access.PRFM) return;
  const va = e.tmp(T.I64, L.VA);
  const s = f.s === 1 ? f.size! : 0;
  e.x(regSp(f.rn!)).x(srcZr(f.rm!));
  if (f.option === 2) e.i64(MASK32).op(Op.i64_and);
  else if (f.option === 6) e.op(Op.i64_extend32_s);
  if (s !== 0) e.i64(s).op(Op.i64_shl);
  e.op(Op.i64_add).i64(8).op(Op.i64_shl).i64(8).op(Op.i64_shr_s).set(va);
  const t = slotFor(op, f.rt!);
  probe(e, site, op <= Access.ST64, accessBytes(op), op <= Access.ST64 ? [] : [t], () => accessAt(e, op, t, 0));
};

/** LDP/STP/LDPSW of general registers; both accesses must fall in one page to run inline. */
function pair(mode: Mode): InsnEmitter {
  return (e, f, site) => {
    const load = f.l === 1;
    const wide = f.opc === 2;
    const scale = wide ? 8 : 4;
    const off = ((f.imm! << 25) >> 25) * scale;
    const n = regSp(f.rn!);
    const t = load ? dstZr(f.rt!) : srcZr(f.rt!);
    const t2 = load ? dstZr(f.rt2!) : srcZr(f.rt2!);
    const op = load ? (f.opc === 1 ? Access.LDS32X : wide ? Access.LD64 : Access.LD32) : wide ? Access.ST64 : Access.ST32;
    address(e, n, off, mode);
    const writes = [...(load ? [t, t2] : []), ...(mode === Mode.OFFSET ? [] : [n])];
    probe(e, site, !load, 2 * scale, writes, () => {
      if (load) {
        // Both values first, then Rt2 and Rt in the interpreter's order (Rt wins if they are the same).
        const [ld] = LOADS[op]!;
        const v1 = e.tmp(T.I64, L.V1);
        const v2 = e.tmp(T.I64, L.V2);
        const o = e.tmp(T.I32, I.OFF);
        e.get(o).mem(ld, 0, 0).set(v1).get(o).mem(ld, 0, scale).set(v2);
        e.setX(t2, () => e.get(v2));
        e.setX(t, () => e.get(v1));
      } else {
        accessAt(e, op, t, 0);
        accessAt(e, op, t2, scale);
      }
      writeBack(e, n, mode);
    });
  };
}

// ---- SIMD&FP registers ----

const V_LOADS = [Op.i64_load8_u, Op.i64_load16_u, Op.i64_load32_u, Op.i64_load] as const;
const V_STORES = [Op.i64_store8, Op.i64_store16, Op.i64_store32, Op.i64_store] as const;

/**
 * Moves 1 << `scale` bytes between RAM offset OFF + `disp` and V[t]: a load below 16 bytes zeroes the
 * rest of the register, as `ldst_simd.ts` does.
 */
function simdAccess(e: Emitter, load: boolean, scale: number, t: number, disp: number): void {
  const off = e.tmp(T.I32, I.OFF);
  const v = STATE_LAYOUT.v + 16 * t;
  if (load) {
    e.get(P_ST).get(off);
    if (scale === 4) e.simdMem(SimdOp.v128_load, 0, disp).simdMem(SimdOp.v128_store, 3, v);
    else e.mem(V_LOADS[scale]!, 0, disp).mem(Op.i64_store, 3, v).get(P_ST).i64(0).mem(Op.i64_store, 3, v + 8);
  } else {
    e.get(off).get(P_ST);
    if (scale === 4) e.simdMem(SimdOp.v128_load, 3, v).simdMem(SimdOp.v128_store, 0, disp);
    else e.mem(Op.i64_load, 3, v).mem(V_STORES[scale]!, 0, disp);
  }
}

/** One or two SIMD&FP registers (`address`'s modes); both accesses in one page to run inline. */
function simd(e: Emitter, site: InsnSite, load: boolean, scale: number, mode: Mode, n: number, regs: readonly number[], off: number): void {
  address(e, n, off, mode);
  probe(e, site, !load, regs.length << scale, mode === Mode.OFFSET ? [] : [n], () => {
    regs.forEach((t, i) => simdAccess(e, load, scale, t, i << scale));
    writeBack(e, n, mode);
  });
}

/** log2 of the access size of a SIMD&FP single-register form (opc<1> set: Q). */
function simdScale(size: number, opc: number): number {
  return (opc & 2) === 0 ? size : 4;
}

function simdSingle(mode: Mode, scaled: boolean): InsnEmitter {
  return (e, f, site) => {
    const scale = simdScale(f.size!, f.opc!);
    const off = scaled ? f.imm! * (1 << scale) : (f.imm! << 23) >> 23;
    simd(e, site, (f.opc! & 1) === 1, scale, mode, regSp(f.rn!), [f.rt!], off);
  };
}

function simdPair(mode: Mode): InsnEmitter {
  return (e, f, site) => {
    const scale = 2 + f.opc!;
    simd(e, site, f.l === 1, scale, mode, regSp(f.rn!), [f.rt!, f.rt2!], ((f.imm! << 25) >> 25) << scale);
  };
}

/** LDAR/STLR: a plain access at X[n] that must be naturally aligned (ordering needs nothing here, as in `ldst_excl.ts`). */
function ordered(store: boolean): InsnEmitter {
  return (e, f, site) => {
    const size = f.size!;
    const op = (store ? Access.ST8 : Access.LD8) + size;
    const t = store ? srcZr(f.rt!) : dstZr(f.rt!);
    address(e, regSp(f.rn!), 0, Mode.OFFSET);
    probe(e, site, store, 1 << size, store ? [] : [t], () => accessAt(e, op, t, 0), (1 << size) - 1);
  };
}

export const LDST_EMITTERS: Readonly<Record<string, InsnEmitter>> = {
  LDAR: ordered(false),
  STLR: ordered(true),
  LDST_SIMD_uimm: simdSingle(Mode.OFFSET, true),
  LDST_SIMD_unscaled: simdSingle(Mode.OFFSET, false),
  LDST_SIMD_post: simdSingle(Mode.POST, false),
  LDST_SIMD_pre: simdSingle(Mode.PRE, false),
  LDSTNP_SIMD: simdPair(Mode.OFFSET),
  LDSTP_SIMD_off: simdPair(Mode.OFFSET),
  LDSTP_SIMD_pre: simdPair(Mode.PRE),
  LDSTP_SIMD_post: simdPair(Mode.POST),
  LDST_uimm,
  LDST_unscaled,
  LDST_post: ldstIndexed(Mode.POST),
  LDST_pre: ldstIndexed(Mode.PRE),
  LDST_reg,
  LDSTP_nt: pair(Mode.OFFSET),
  LDSTP_off: pair(Mode.OFFSET),
  LDSTP_pre: pair(Mode.PRE),
  LDSTP_post: pair(Mode.POST),
};
