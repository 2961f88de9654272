/**
 * What the per-pattern emitters write with: a compiled block's function body, its locals, and the
 * guest state in linear memory (registers at fixed offsets from the vCPU's state, NZCV as a word).
 *
 * The function is `(c: externref, pc: f64, st: i32, budget: i32) -> f64`: `c` is the Cpu (passed
 * back to the interpreter closures it calls), `pc` the block's first address, `st` the vCPU's JIT
 * area, where its state is at offset 0 and its TLB arrays follow (`guest_memory.ts`), `budget` the
 * instructions it may retire before a self-loop returns. It returns the next PC.
 *
 * General registers and NZCV live in locals while the block runs, as QEMU keeps guest globals in
 * temporaries: a register read once is read from its local afterwards, and a write goes to the local
 * only, leaving the slot dirty. `sync` stores every dirty slot, and the block compiler calls it
 * wherever the state in memory must be exact: before each call of an interpreter closure (which reads
 * and writes the state there, and through which every exception is raised) and before the block
 * returns or chains. So a register written several times, or flags set and set again before anything
 * reads them, cost one store; the flags' computation itself is then dead code the engine removes.
 * What the emitter knows follows the code's control flow: code that may or may not run (`scope`)
 * ends by putting the state back as the code after it expects, and a call of an interpreter closure
 * forgets what the closure may write.
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

/** The slot number NZCV is cached under, beside the register slots of `state.ts`. */
const NZCV_SLOT = 64;

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
  /** Per slot (a register, or `NZCV_SLOT`), its local once one was needed. */
  private readonly slotLocal = new Map<number, number>();
  /** Slots whose local holds the current value at this point of the code. */
  private cached = new Set<number>();
  /** Cached slots whose local is newer than memory: what `sync` stores. */
  private dirty = new Set<number>();
  /** Every slot the code wrote so far. */
  private readonly everWritten = new Set<number>();
  /** The slots a loop keeps in locals from round to round (`enterLoop`). */
  private loopSlots: readonly number[] = [];
  /** Per memory access site, in emission order: its memo's locals (`memo`). */
  private readonly memos: { readonly page: number; readonly delta: number }[] = [];
  private memosUsed = 0;

  /**
   * Emits code that may not run (one arm of a branch). It ends by leaving the state as the code
   * after it expects whichever way control went: every slot cached before holds its current value in
   * its local (reloaded if a closure called here wrote it), and every other slot is current in memory
   * (stored if it was written here). Slots dirty on either path stay dirty.
   */
  scope(emit: () => void): void {
    const cachedBefore = new Set(this.cached);
    const dirtyBefore = new Set(this.dirty);
    emit();
    for (const n of this.dirty) if (!cachedBefore.has(n)) this.store(n);
    for (const n of cachedBefore) if (!this.cached.has(n)) this.load(n);
    for (const n of this.dirty) if (cachedBefore.has(n)) dirtyBefore.add(n);
    this.cached = cachedBefore;
    this.dirty = dirtyBefore;
  }

  /**
   * Forgets slots a closure just wrote in memory: `slots` (one that writes only those registers), or
   * every register and NZCV. Call `sync` before the closure, so none of them is dirty.
   */
  forget(slots?: readonly number[]): void {
    if (slots === undefined) {
      this.cached.clear();
      this.dirty.clear();
      return;
    }
    for (const n of slots) {
      this.cached.delete(n);
      this.dirty.delete(n);
    }
  }

  /**
   * The slots this code used (read or wrote), those it wrote, and its count of memory access sites:
   * what a trial emission tells `enterLoop`.
   */
  slotsUsed(): { readonly used: readonly number[]; readonly written: readonly number[]; readonly memos: number } {
    return { used: [...this.slotLocal.keys()], written: [...this.everWritten], memos: this.memosUsed };
  }

  /**
   * The next memory access site's memo: two i64 locals holding the last page it accessed (its base
   * with bit 0 set, so the locals' initial 0 matches no page) and the host offset minus the VA there.
   * A later access to that page, from this site in a later round of a loop, skips the TLB probe:
   * nothing the compiled code does inline changes a translation, whatever changes one (a TLBI, a
   * change of ASID or EL) bumps `fetchEpoch` and so makes the block return after that instruction,
   * and `reloadTlbVars` forgets every memo after each call of the interpreter all the same.
   */
  memo(): { readonly page: number; readonly delta: number } {
    this.reserveMemos(this.memosUsed + 1);
    return this.memos[this.memosUsed++]!;
  }

  private reserveMemos(n: number): void {
    while (this.memos.length < n) this.memos.push({ page: this.local(T.I64), delta: this.local(T.I64) });
  }

  /**
   * Before a loop whose body uses and writes the slots `body` names (found by emitting it once
   * aside): loads them all, so every round finds them in their locals and the back edge stores
   * nothing. The body begins with them cached and the written ones dirty, as they are on the rounds
   * after the first (on the first, storing one is merely redundant).
   */
  enterLoop(body: ReturnType<Emitter['slotsUsed']>): void {
    // The rounds' memos exist before the first call out in the body, which forgets them all.
    this.reserveMemos(this.memosUsed + body.memos);
    for (const n of body.used) if (!this.cached.has(n)) this.load(n);
    for (const n of body.written) this.dirty.add(n);
    this.loopSlots = body.used;
  }

  /** At the loop's back edge: reloads the loop's slots that a closure called in it left in memory. */
  loopBack(): void {
    for (const n of this.loopSlots) if (!this.cached.has(n)) this.load(n);
  }

  /** Stores every dirty slot, so the state in memory is exact here. */
  sync(): void {
    for (const n of this.dirty) this.store(n);
    this.dirty.clear();
  }

  private slot(n: number): number {
    let l = this.slotLocal.get(n);
    if (l === undefined) this.slotLocal.set(n, (l = this.local(n === NZCV_SLOT ? T.I32 : T.I64)));
    return l;
  }

  /** Stores slot n's local to memory. */
  private store(n: number): void {
    this.get(P_ST).get(this.slot(n));
    if (n === NZCV_SLOT) this.mem(Op.i32_store, 2, STATE_LAYOUT.nzcv);
    else this.mem(Op.i64_store, 3, STATE_LAYOUT.x + n * 8);
  }

  /** Loads slot n from memory into its local (which then holds its current value). */
  private load(n: number): void {
    this.get(P_ST);
    if (n === NZCV_SLOT) this.mem(Op.i32_load, 2, STATE_LAYOUT.nzcv);
    else this.mem(Op.i64_load, 3, STATE_LAYOUT.x + n * 8);
    this.set(this.slot(n));
    this.cached.add(n);
  }

  /** Pushes slot n's current value, from its local once cached. */
  private read(n: number): this {
    if (!this.cached.has(n)) this.load(n);
    return this.get(this.slot(n));
  }

  /** Sets slot n to the value `value` pushes, in its local only. */
  private write(n: number, value: () => void): this {
    value();
    this.set(this.slot(n));
    this.cached.add(n);
    this.dirty.add(n);
    this.everWritten.add(n);
    return this;
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

  /** Loads the TLB's key and set offset, which a call of the interpreter may have changed, and forgets every memo. */
  reloadTlbVars(): void {
    this.get(P_ST).mem(Op.f64_load, 3, JIT_VARS.asidKey).set(this.key);
    this.get(P_ST).mem(Op.f64_load, 3, JIT_VARS.tlbOffset).op(Op.i32_trunc_f64_u).set(this.tlb);
    for (const m of this.memos) this.i64(0).set(m.page);
  }

  // ---- registers ----

  /** Pushes X[n] (slot numbering of `state.ts`: 31 = SP, 32 = XZR). */
  x(n: number): this {
    if (n === REG_ZR_READ) return this.i64(0);
    return this.read(n);
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
    return this.write(n, value);
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

  /** Pushes NZCV (bits 31..28 of an i32, as the state keeps it). */
  nzcv(): this {
    return this.read(NZCV_SLOT);
  }

  /** Sets NZCV to the i32 `value` pushes. */
  setNzcv(value: () => void): this {
    return this.write(NZCV_SLOT, value);
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
