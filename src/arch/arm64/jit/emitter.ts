/**
 * What the per-pattern emitters write with: a compiled block's function body, its locals, and the
 * guest state in linear memory (registers at fixed offsets from the vCPU's state, NZCV as a word).
 *
 * The function is `(c: externref, pc: f64, st: i32, budget: i32) -> f64`: `c` is the Cpu (passed
 * back to the interpreter closures it calls), `pc` the block's first address, `st` the vCPU's JIT
 * area, where its state is at offset 0 and its TLB arrays follow (`guest_memory.ts`), `budget` the
 * instructions it may retire before a self-loop returns. It returns the next PC.
 *
 * General registers are cached in locals, write-through: a register read once is read from its
 * local afterwards, and every write goes to both, so memory is always current (interpreter closures,
 * exceptions and the run loop read it there) and no write-back is ever due. What the emitter knows
 * to be cached follows the code's control flow: code that may or may not run (`scope`) leaves the
 * cache as it found it less what it wrote, and a call of an interpreter closure forgets what the
 * closure may write.
 */
import { STATE_LAYOUT, REG_ZR_READ, REG_ZR_WRITE } from '../state.js';
import { JIT_VARS } from './guest_memory.js';
import { conditionMask } from '../interp/alu.js';
import { Bytes, Op, T, type SimdOp } from './wasm_writer.js';

/**
 * After a - b, the comparison each condition pair (EQ/NE, HS/LO, MI/PL, VS/VC, HI/LS, GE/LT, GT/LE,
 * AL) amounts to, for its even member; the odd one is its negation. MI/PL and VS/VC (sign and
 * overflow of the difference) and AL go through the stored flags.
 */
const COND_CMP64 = [Op.i64_eq, Op.i64_ge_u, undefined, undefined, Op.i64_gt_u, Op.i64_ge_s, Op.i64_gt_s, undefined] as const;
const COND_CMP32 = [Op.i32_eq, Op.i32_ge_u, undefined, undefined, Op.i32_gt_u, Op.i32_ge_s, Op.i32_gt_s, undefined] as const;

export const P_C = 0;
export const P_PC = 1;
export const P_ST = 2;
export const P_BUDGET = 3;
const PARAMS = 4;

export class Emitter {
  readonly code = new Bytes();
  readonly locals: T[] = [];
  /** Locals holding the TLB key and set offset, reloaded after each call out. */
  readonly key: number;
  readonly tlb: number;

  constructor() {
    this.key = this.local(T.F64);
    this.tlb = this.local(T.I32);
    this.reloadTlbVars();
  }

  private readonly pools = new Map<T, number[]>();
  /** Per register slot, its cache local once one was needed. */
  private readonly regLocal = new Map<number, number>();
  /** Slots whose local holds the register's current value at this point of the code. */
  private cached = new Set<number>();
  /** Slots written since the innermost `scope` began. */
  private written = new Set<number>();

  /**
   * Emits code that may not run (one arm of a branch): afterwards the cache is what it was before,
   * less every register the code wrote.
   */
  scope(emit: () => void): void {
    const saved = new Set(this.cached);
    const outer = this.written;
    this.written = new Set();
    emit();
    for (const n of this.written) {
      saved.delete(n);
      outer.add(n);
    }
    this.cached = saved;
    this.written = outer;
  }

  /** Forgets cached registers: `slots` (a closure that writes only those), or all of them. */
  forget(slots?: readonly number[]): void {
    if (slots === undefined) {
      for (const n of this.cached) this.written.add(n);
      this.cached.clear();
      return;
    }
    for (const n of slots) {
      this.cached.delete(n);
      this.written.add(n);
    }
  }

  private regCache(n: number): number {
    let l = this.regLocal.get(n);
    if (l === undefined) this.regLocal.set(n, (l = this.local(T.I64)));
    return l;
  }

  /** Scratch local `i` of type `t`, shared by every instruction of the block (none keeps one across). */
  tmp(t: T, i: number): number {
    let pool = this.pools.get(t);
    if (pool === undefined) this.pools.set(t, (pool = []));
    while (pool.length <= i) pool.push(this.local(t));
    return pool[i]!;
  }

  local(t: T): number {
    this.locals.push(t);
    return PARAMS + this.locals.length - 1;
  }

  op(...ops: number[]): this {
    for (const o of ops) this.code.byte(o);
    return this;
  }

  get(l: number): this {
    return this.op(Op.local_get).u32(l);
  }

  set(l: number): this {
    return this.op(Op.local_set).u32(l);
  }

  tee(l: number): this {
    return this.op(Op.local_tee).u32(l);
  }

  u32(v: number): this {
    this.code.u32(v);
    return this;
  }

  i32(v: number): this {
    this.code.byte(Op.i32_const).s32(v);
    return this;
  }

  i64(v: bigint | number): this {
    this.code.byte(Op.i64_const).s64(BigInt(v));
    return this;
  }

  f64(v: number): this {
    this.code.byte(Op.f64_const).f64(v);
    return this;
  }

  /** A memory access opcode with its alignment hint (log2) and constant offset. */
  mem(opcode: number, alignLog2: number, offset: number): this {
    this.code.byte(opcode).u32(alignLog2).u32(offset);
    return this;
  }

  /** A SIMD memory access (v128.load, v128.store) with its alignment hint and offset. */
  simdMem(opcode: SimdOp, alignLog2: number, offset: number): this {
    this.code.byte(0xfd).u32(opcode).u32(alignLog2).u32(offset);
    return this;
  }

  reloadTlbVars(): void {
    this.get(P_ST).mem(Op.f64_load, 3, JIT_VARS.asidKey).set(this.key);
    this.get(P_ST).mem(Op.f64_load, 3, JIT_VARS.tlbOffset).op(Op.i32_trunc_f64_u).set(this.tlb);
  }

  // ---- registers ----

  /** Pushes X[n] (slot numbering of `state.ts`: 31 = SP, 32 = XZR). */
  x(n: number): this {
    if (n === REG_ZR_READ) return this.i64(0);
    const l = this.regCache(n);
    if (this.cached.has(n)) return this.get(l);
    this.cached.add(n);
    return this.get(P_ST).mem(Op.i64_load, 3, STATE_LAYOUT.x + n * 8).tee(l);
  }

  /** Pushes W[n]. */
  w(n: number): this {
    if (n === REG_ZR_READ) return this.i32(0);
    return this.x(n).op(Op.i32_wrap_i64);
  }

  /** Pushes X[n] (sf) or W[n] zero-extended to 64 bits. */
  xw(n: number, sf: boolean): this {
    return sf ? this.x(n) : this.w(n).op(Op.i64_extend_i32_u);
  }

  /** Stores the i64 that `value` pushes into slot `n` (the discard slot drops it). */
  setX(n: number, value: () => void): this {
    if (n === REG_ZR_WRITE) {
      value();
      return this.op(Op.drop);
    }
    const l = this.regCache(n);
    this.get(P_ST);
    value();
    this.tee(l).mem(Op.i64_store, 3, STATE_LAYOUT.x + n * 8);
    this.cached.add(n);
    this.written.add(n);
    return this;
  }

  /** Stores the i32 that `value` pushes into slot `n`, zero-extended (a W register write). */
  setW(n: number, value: () => void): this {
    return this.setX(n, () => {
      value();
      this.op(Op.i64_extend_i32_u);
    });
  }

  /** Stores the i64 `value` pushes as X[n], or its low 32 bits zero-extended when !sf. */
  setXW(n: number, sf: boolean, value: () => void): this {
    return this.setX(n, () => {
      value();
      if (!sf) this.i64(0xffff_ffff).op(Op.i64_and);
    });
  }

  // ---- flags ----

  nzcv(): this {
    return this.get(P_ST).mem(Op.i32_load, 2, STATE_LAYOUT.nzcv);
  }

  setNzcv(value: () => void): this {
    this.get(P_ST);
    value();
    return this.mem(Op.i32_store, 2, STATE_LAYOUT.nzcv);
  }

  /**
   * Set by a compare (SUBS, CMP) that the emitter just wrote: its width and the locals still holding
   * its operands. `beginInsn` moves it to `prevCompare`, so it describes the flags only for the
   * instruction right after the compare.
   */
  compare: { readonly sf: boolean; readonly a: number; readonly b: number } | null = null;
  private prevCompare: { readonly sf: boolean; readonly a: number; readonly b: number } | null = null;

  /** Called before each instruction is emitted. */
  beginInsn(): void {
    this.prevCompare = this.compare;
    this.compare = null;
  }

  /**
   * Pushes 1 when condition `cond` holds, else 0: straight from the operands when the instruction
   * before was a compare (CMP + B.cond, CSEL after CMP: the flags are stored anyway), else from the
   * stored NZCV through the interpreter's mask table.
   */
  cond(cond: number): this {
    const cmp = this.prevCompare;
    const direct = cmp === null ? undefined : (cmp.sf ? COND_CMP64 : COND_CMP32)[cond >>> 1];
    if (cmp !== null && direct !== undefined) {
      this.get(cmp.a).get(cmp.b).op(direct);
      if ((cond & 1) === 1) this.op(Op.i32_eqz);
      return this;
    }
    this.i32(conditionMask(cond)).nzcv().i32(28).op(Op.i32_shr_u, Op.i32_shr_u).i32(1).op(Op.i32_and);
    return this;
  }

  /**
   * Sets NZCV from a result in local `r` of width sf ? 64 : 32 bits: N and Z from it, C and V
   * pushed by `cv` as bits 29 and 28 (or nothing, for the logical forms that clear them).
   */
  setFlagsFrom(r: number, sf: boolean, cv: (() => void) | null): this {
    return this.setNzcv(() => {
      if (sf) {
        this.get(r).i64(63).op(Op.i64_shr_u, Op.i32_wrap_i64).i32(31).op(Op.i32_shl);
        this.get(r).op(Op.i64_eqz).i32(30).op(Op.i32_shl, Op.i32_or);
      } else {
        this.get(r).i32(0x8000_0000 | 0).op(Op.i32_and);
        this.get(r).op(Op.i32_eqz).i32(30).op(Op.i32_shl, Op.i32_or);
      }
      if (cv !== null) {
        cv();
        this.op(Op.i32_or);
      }
    });
  }

  /** Pushes an i32 with bit `bit` set when the i32 on the stack is non-zero (consumes it). */
  bitFrom(bit: number): this {
    return this.i32(bit).op(Op.i32_shl);
  }
}
