/**
 * Tier three: a hot block compiled to one WebAssembly function over the vCPU's state and guest RAM
 * in linear memory (`guest_memory.ts`).
 *
 * Each instruction whose pattern has an emitter (`emit_*.ts`, keyed by the decode table's names) is
 * compiled inline: integer arithmetic in native i64/i32, loads and stores through an inline TLB probe
 * straight into guest RAM, and the block's closing branch. Every other instruction, and the slow path
 * of every memory access, calls the interpreter's own closure through an imported function, so the
 * tier is exactly as complete as the interpreter and faults stay precise: the PC is handed over with
 * each call, exceptions unwind through the wasm frames to the run loop, and a store that invalidates
 * the running block returns from it after that instruction, as in the interpreter.
 *
 * The module is compiled once per block and instantiated once per thread's memory; every vCPU of
 * the machine runs the same instance with its own area passed in. A block whose closing branch is
 * compiled inline and goes back to its own start loops inside its function while budget is left
 * (an interpreted instruction in it that must end the block returns from it instead).
 */
import type { Cpu } from '../cpu.js';
import type { Exec } from '../interp/group.js';
import { decodeInsn, translateInsn } from '../interp/index.js';
import type { BlockFn, CompilableBlock } from '../block_fn.js';
import { ALU_EMITTERS } from './emit_alu.js';
import { BRANCH_EMITTERS, directTargets } from './emit_branch.js';
import { LDST_EMITTERS } from './emit_ldst.js';
import { SYSTEM_EMITTERS } from './emit_system.js';
import { Emitter, P_BUDGET, P_C, P_PC, P_ST } from './emitter.js';
import { CPU_AREA, JIT_VARS, JUMP_CACHE_ENTRIES } from './guest_memory.js';
import { BLOCK_RUN_TYPE, CHAIN_IMPORT, CHAIN_TYPE, type ChainTable } from './chain_table.js';
import { PAGE_SIZE, TLB_SIZE } from '../mem_access.js';
import type { InsnEmitter, InsnSite } from './site.js';
import type { Fields } from '../decode/pattern.js';
import { Op, T, VOID, writeModule } from './wasm_writer.js';

/** Hints, DSB and DMB do nothing here (`interp/system.ts`): accesses complete in program order. */
const NOTHING: InsnEmitter = () => undefined;

const EMITTERS: Readonly<Record<string, InsnEmitter>> = { ...ALU_EMITTERS, ...LDST_EMITTERS, ...SYSTEM_EMITTERS, HINT: NOTHING, DSB: NOTHING, DMB: NOTHING };

/** What the WebAssembly tier needs of a block: the compiled-JS view plus the instruction words. */
export interface WasmCompilableBlock extends CompilableBlock {
  /** RAM offset of its first instruction. */
  readonly off: number;
  /** Set to the block's slot in the chain table once compiled. */
  wasmSlot: number;
}

const TYPE_RUN = 0;
const TYPE_STEP = 1;
const TYPE_LAST = 2;
const TYPE_CHAIN = 3;
const TYPES = [
  BLOCK_RUN_TYPE,
  { params: [T.EXTERNREF, T.F64], results: [T.I32] },
  { params: [T.EXTERNREF, T.F64], results: [T.F64] },
  CHAIN_TYPE,
];

/** Function index 0 of every block module: the chain table's hub (`chain_table.ts`); closures follow. */
const HUB_FUNC = 0;
const HUB_IMPORT = { module: 'm', name: CHAIN_IMPORT, type: TYPE_CHAIN };
const FIRST_CLOSURE_FUNC = 1;

/**
 * A call out to an interpreter closure costs about what several instructions compiled inline save
 * (the wasm-to-JS transition, the hand-over of PC and flags), while the JS tier inlines the same
 * closure: a block with fewer inline instructions per interpreted one than this stays at the JS tier
 * (measured: the compute loop's SIMD blocks ran 1.8x slower as wasm calling out than as JS).
 */
const INLINE_PER_INTERPRETED = 4;

let inlinePerInterpreted = INLINE_PER_INTERPRETED;

/** Compiles every hot block to wasm, however much of it calls the interpreter (the tests' forced mode). */
export function setForceWasm(force: boolean): void {
  inlinePerInterpreted = force ? 0 : INLINE_PER_INTERPRETED;
}

/** Bounds the budget handed to a block, so its count of retired instructions stays a small i32. */
const MAX_BUDGET = 1 << 30;

/** Instructions compiled inline and interpreted, over every block compiled (for `--stats` and tests). */
export const wasmStats = {
  blocks: 0, inline: 0, interpreted: 0, bytes: 0,
  /** Hot blocks left at the JS tier because they would mostly call the interpreter. */
  keptJs: 0,
  /** Blocks compiled with the other block of a loop through both (`Partner`). */
  loops: 0,
  /** Milliseconds spent generating, compiling and instantiating modules. */
  compileMs: 0,
  /** Interpreted instructions of compiled blocks, by pattern: where an emitter would pay. */
  interpretedByPattern: new Map<string, number>(),
};

type Step = (c: Cpu, pc: number) => number;

/**
 * Runs closure `op` for the instruction at `pc` with the interpreter's view of the CPU. Returns 1 when
 * the block may go on: it is still valid, no exit is pending and fetches translate as when it began.
 * An exception leaves the instructions of the block's earlier rounds counted, as the run loop
 * counts those of this round.
 */
function step(op: Exec, b: CompilableBlock, last: boolean, k: number): Step {
  return (c, pc) => {
    const st = c.state;
    c.pc = pc;
    c.nzcv = st.nzcv;
    try {
      op(c);
    } catch (e) {
      c.icount += c.jitRetired();
      c.faultBlockPc = pc - k * 4;
      throw e;
    }
    st.nzcv = c.nzcv;
    c.syncJitVars();
    if (last) return c.npc;
    return b.valid && c.jitMayContinue() ? 1 : 0;
  };
}

/** One block's function, before it joins a module. */
interface BlockCode {
  readonly e: Emitter;
  /** It holds a two-block loop (`Partner`). */
  readonly loop2: boolean;
  /** Its imported closures, by name; their function indices follow `importBase` in this order. */
  readonly imports: Record<string, Step>;
  readonly funcImports: { name: string; type: number }[];
  readonly inline: number;
  /** Pattern names of the instructions it calls the interpreter for. */
  readonly interpreted: string[];
}

/** The module's bytes and imports for block `b` alone (tests). */
export function buildBlockModule(b: WasmCompilableBlock): { bytes: Uint8Array; imports: Record<string, Step>; inline: number; interpreted: string[] } {
  const code = emitBlock(b, Array.from(b.insns, (w) => decodeInsn(w)), null, 'b0', FIRST_CLOSURE_FUNC);
  return { bytes: moduleOf([code]), imports: code.imports, inline: code.inline, interpreted: code.interpreted };
}

function moduleOf(codes: readonly BlockCode[]): Uint8Array {
  return writeModule({
    types: TYPES, funcImports: [HUB_IMPORT, ...codes.flatMap((c) => c.funcImports)], memoryMaxPages: 65536, table: false,
    funcs: codes.map((c) => ({ type: TYPE_RUN, locals: c.e.locals, body: c.e.code })),
  });
}

type Decoded = { readonly name: string; readonly fields: Fields } | null;

/**
 * The other block of a two-block loop: a block the first one's closing branch may go to, on the
 * same page, whose own closing branch may come back to the first one's start (a loop whose body
 * ends in a conditional branch out and a jump back, or whose test sits in a block of its own).
 */
interface Partner {
  readonly b: WasmCompilableBlock;
  readonly decoded: readonly Decoded[];
  /** Its first instruction's distance in bytes from the first block's. */
  readonly delta: number;
}

/** Whether the block ends with a branch compiled inline. */
function exitsInline(decoded: readonly Decoded[]): boolean {
  const last = decoded[decoded.length - 1];
  return last !== undefined && last !== null && BRANCH_EMITTERS[last.name] !== undefined;
}

/** Where a block's closing branch may go when compiled inline and direct, as byte offsets from the block's start. */
function exitsOf(decoded: readonly Decoded[]): readonly number[] {
  if (!exitsInline(decoded)) return [];
  const last = decoded[decoded.length - 1]!;
  const at = (decoded.length - 1) * 4;
  return (directTargets(last.name, last.fields) ?? []).map((t) => at + t);
}

/** The partner that makes `b` the head of a two-block loop, if the code cache has one translated. */
function partnerOf(b: WasmCompilableBlock, decoded: readonly Decoded[], lookup: (off: number) => WasmCompilableBlock | undefined): Partner | null {
  const pageStart = b.off - (b.off % PAGE_SIZE);
  for (const delta of exitsOf(decoded)) {
    const off = b.off + delta;
    // The same page: it maps wherever the head's page maps, and a store there discards both.
    if (delta === 0 || off < pageStart || off >= pageStart + PAGE_SIZE) continue;
    const p = lookup(off);
    if (p === undefined || !p.valid || !p.setsNpc) continue;
    const pd = Array.from(p.insns, (w) => decodeInsn(w));
    if (exitsOf(pd).includes(-delta)) return { b: p, decoded: pd, delta };
  }
  return null;
}

/**
 * Emits block `b`'s function. Its imports are named after `tag` and take function indices from
 * `importBase` (the imports of the blocks before it in the module come first). A block whose closing
 * branch is compiled inline and may go back to its start loops in place; with a `partner`, a round
 * may go through the partner's instructions and back as well, so the loop runs in one function with
 * its registers in locals, where two chained blocks would each pay their way in and out.
 */
function emitBlock(b: WasmCompilableBlock, decoded: readonly Decoded[], partner: Partner | null, tag: string, importBase: number): BlockCode {
  const e = new Emitter();
  const n = b.insns.length;
  /**
   * Instructions retired since the run loop called in: by the blocks that chained here and by this
   * block's earlier rounds. Kept in the retired word too, so an exception counts them.
   */
  const done = e.local(T.I32);
  const npc = e.tmp(T.F64, 3);
  const retired = (extra: number) => e.get(P_ST).get(done).i32(extra).op(Op.i32_add).mem(Op.i32_store, 2, JIT_VARS.retired);
  e.get(P_ST).mem(Op.i32_load, 2, JIT_VARS.retired).set(done);
  const loops = exitsOf(decoded).includes(0);
  const head: InsnRun = { b, decoded, base: 0, name: `${tag}o` };
  const tail: InsnRun | null = partner === null ? null : { b: partner.b, decoded: partner.decoded, base: partner.delta, name: `${tag}p` };
  const out = emptyPart();
  if (loops || tail !== null) {
    // Emitted once aside to learn which registers the rounds use, which then stay in locals throughout.
    const trial = new Emitter();
    const scratch = emptyPart();
    for (const r of [head, tail]) if (r !== null) emitInsns(trial, r, () => undefined, scratch, importBase);
    e.enterLoop(trial.slotsUsed());
    e.op(Op.loop, VOID);
  }
  emitInsns(e, head, retired, out, importBase);
  const roundAgain = (depth: number) => {
    // Round again while the branch went back to the start and budget is left.
    e.get(npc).get(P_PC).op(Op.f64_eq).get(done).get(P_BUDGET).op(Op.i32_lt_u, Op.i32_and);
    e.op(Op.if, VOID);
    retired(0);
    e.loopBack();
    e.op(Op.br).u32(depth + 1).op(Op.end);
  };
  if (b.setsNpc) e.set(npc);
  else e.get(P_PC).f64(n * 4).op(Op.f64_add).set(npc);
  e.get(done).i32(n).op(Op.i32_add).set(done);
  if (loops) roundAgain(0);
  if (tail !== null) {
    e.get(npc).get(P_PC).f64(tail.base).op(Op.f64_add, Op.f64_eq).get(done).get(P_BUDGET).op(Op.i32_lt_u, Op.i32_and);
    e.op(Op.if, VOID);
    e.scope(() => {
      // An exception in the partner counts the head's instructions of this round as retired.
      retired(0);
      emitInsns(e, tail, retired, out, importBase);
      e.set(npc);
      e.get(done).i32(tail.b.insns.length).op(Op.i32_add).set(done);
      roundAgain(1);
    });
    e.op(Op.end);
  }
  if (loops || tail !== null) e.op(Op.end);
  // It returns or chains: the next code reads the state from memory.
  e.sync();
  // Chain to the next block when it is compiled, unless the last instruction was interpreted
  // (it may have ended the block for a reason of its own).
  if (!b.setsNpc || exitsInline(decoded)) chain(e, npc, done);
  retired(0);
  e.get(npc);
  return { e, loop2: partner !== null, ...out };
}

/** What emitting a block's instructions gathers: the closures it calls, and how many are inline. */
interface BlockPart {
  readonly imports: Record<string, Step>;
  readonly funcImports: { name: string; type: number }[];
  inline: number;
  readonly interpreted: string[];
}

function emptyPart(): BlockPart {
  return { imports: {}, funcImports: [], inline: 0, interpreted: [] };
}

/** One block's instructions to emit: at `base` bytes from the function's PC, imports named `name` + index. */
interface InsnRun {
  readonly b: WasmCompilableBlock;
  readonly decoded: readonly Decoded[];
  readonly base: number;
  readonly name: string;
}

/**
 * Emits a block's instructions into `e`, each inline or as a call of its interpreter closure (whose
 * imports go into `out`, numbered from `importBase`); `retired` stores the count on an early return.
 */
function emitInsns(e: Emitter, r: InsnRun, retired: (extra: number) => void, out: BlockPart, importBase: number): void {
  const { b, decoded, base } = r;
  const n = b.insns.length;
  for (let k = 0; k < n; k++) {
    const isLast = k === n - 1 && b.setsNpc;
    const d = decoded[k]!;
    const offset = base + k * 4;
    const site: InsnSite = {
      offset,
      interpret: (writes) => {
        // Translated again here, for the instructions called rather than emitted: the code cache
        // keeps no closure for an instruction with a compact form.
        const t = translateInsn(b.insns[k]!);
        const name = `${r.name}${k}`;
        let index = out.funcImports.findIndex((f) => f.name === name);
        if (index < 0) {
          out.imports[name] = step(t.exec, b, isLast, k);
          index = out.funcImports.push({ name, type: isLast ? TYPE_LAST : TYPE_STEP }) - 1;
        }
        // The closure reads and writes the state in memory, and may raise an exception from there.
        e.sync();
        e.get(P_C).get(P_PC).f64(offset).op(Op.f64_add, Op.call).u32(importBase + index);
        e.forget(writes);
        if (isLast) return;
        if (t.registerOnly) {
          e.op(Op.drop);
          return;
        }
        e.op(Op.i32_eqz, Op.if, VOID);
        retired(k + 1);
        e.get(P_PC).f64(offset + 4).op(Op.f64_add, Op.return, Op.end);
        e.reloadTlbVars();
      },
    };
    const emit = d === null ? undefined : isLast ? BRANCH_EMITTERS[d.name] : EMITTERS[d.name];
    e.beginInsn();
    if (emit === undefined) {
      site.interpret();
      out.interpreted.push(d?.name ?? 'UNDEFINED');
    } else {
      emit(e, d!.fields, site);
      out.inline++;
    }
  }
}

/**
 * With budget left, tail-calls the compiled block at `npc` if the fetch TLB maps it (inline probe,
 * as `fetchOffset` does) and the jump cache names a block at that RAM offset; else falls through to
 * return to the run loop. What the run loop does at a block boundary needs no doing here: exits only
 * come from interpreted instructions, which return instead, and the target is found as it would be.
 */
function chain(e: Emitter, npc: number, done: number): void {
  const va = e.tmp(T.I64, 3);
  const ent = e.tmp(T.I32, 3);
  const off = e.tmp(T.I32, 4);
  const page = e.tmp(T.F64, 0);
  const tag = e.tmp(T.F64, 1);
  e.get(done).get(P_BUDGET).op(Op.i32_lt_u, Op.if, VOID);
  e.get(npc).op(Op.i64_trunc_f64_s).tee(va).op(Op.i32_wrap_i64).i32(3).op(Op.i32_and, Op.i32_eqz, Op.if, VOID);
  e.get(P_ST).get(e.tlb).op(Op.i32_add).get(va).i64(12).op(Op.i64_shr_u, Op.i32_wrap_i64).i32(TLB_SIZE - 1).op(Op.i32_and).i32(4).op(Op.i32_shl, Op.i32_add).set(ent);
  e.get(va).i64(-4096).op(Op.i64_and, Op.f64_convert_i64_s).set(page);
  e.get(ent).mem(Op.f64_load, 3, CPU_AREA.xTlb).set(tag);
  e.get(tag).get(page).op(Op.f64_eq).get(tag).get(page).get(e.key).op(Op.f64_add, Op.f64_eq, Op.i32_or, Op.if, VOID);
  e.get(npc).get(ent).mem(Op.f64_load, 3, CPU_AREA.xTlb + 8).op(Op.f64_add, Op.i32_trunc_f64_u).set(off);
  // The jump cache entry for that RAM offset: [offset, slot].
  e.get(P_ST).get(off).i32(2).op(Op.i32_shr_u).i32(JUMP_CACHE_ENTRIES - 1).op(Op.i32_and).i32(3).op(Op.i32_shl, Op.i32_add).set(ent);
  e.get(ent).mem(Op.i32_load, 2, CPU_AREA.jumpCache).get(off).op(Op.i32_eq, Op.if, VOID);
  e.get(P_ST).get(done).mem(Op.i32_store, 2, JIT_VARS.retired);
  e.get(P_C).get(npc).get(P_ST).get(P_BUDGET).get(ent).mem(Op.i32_load, 2, CPU_AREA.jumpCache + 4);
  e.op(Op.return_call).u32(HUB_FUNC);
  e.op(Op.end, Op.end, Op.end, Op.end);
}

/**
 * Compiles `blocks` for vCPUs on `memory` into one module (the per-module cost dominates a small
 * block's), setting each one's `wasmSlot`. Per block: its function, or null when it would mostly call
 * the interpreter or the engine refuses (no WebAssembly, code generation forbidden), and the caller
 * keeps it at the JS tier. `lookup` finds translated blocks by RAM offset (the partners of loops).
 */
export function compileWasmBlocks(
  blocks: readonly WasmCompilableBlock[], memory: WebAssembly.Memory, chainTable: ChainTable, lookup: (off: number) => WasmCompilableBlock | undefined,
): (BlockFn | null)[] {
  const t0 = performance.now();
  try {
    return compileModule(blocks, memory, chainTable, lookup);
  } finally {
    wasmStats.compileMs += performance.now() - t0;
  }
}

type Run = (c: Cpu, pc: number, st: number, budget: number) => number;

function compileModule(
  blocks: readonly WasmCompilableBlock[], memory: WebAssembly.Memory, chainTable: ChainTable, lookup: (off: number) => WasmCompilableBlock | undefined,
): (BlockFn | null)[] {
  const codes: BlockCode[] = [];
  const chosen: WasmCompilableBlock[] = [];
  let importBase = FIRST_CLOSURE_FUNC;
  for (const b of blocks) {
    const decoded = Array.from(b.insns, (w) => decodeInsn(w));
    const code = emitBlock(b, decoded, partnerOf(b, decoded, lookup), `b${codes.length}`, importBase);
    if (code.interpreted.length * inlinePerInterpreted > code.inline) {
      wasmStats.keptJs++;
      continue;
    }
    codes.push(code);
    chosen.push(b);
    importBase += code.funcImports.length;
  }
  const fns = new Map<WasmCompilableBlock, BlockFn>();
  if (codes.length > 0) {
    const bytes = moduleOf(codes);
    let exports: Record<string, unknown>;
    try {
      const imports = Object.assign({}, ...codes.map((c) => c.imports)) as Record<string, Step>;
      exports = new WebAssembly.Instance(new WebAssembly.Module(bytes), { m: { mem: memory, [CHAIN_IMPORT]: chainTable.go }, f: imports }).exports;
    } catch (e) {
      if (e instanceof WebAssembly.CompileError || e instanceof WebAssembly.LinkError || e instanceof EvalError) return blocks.map(() => null);
      throw e;
    }
    wasmStats.bytes += bytes.length;
    chosen.forEach((b, i) => {
      const code = codes[i]!;
      wasmStats.blocks++;
      if (code.loop2) wasmStats.loops++;
      wasmStats.inline += code.inline;
      wasmStats.interpreted += code.interpreted.length;
      for (const name of code.interpreted) wasmStats.interpretedByPattern.set(name, (wasmStats.interpretedByPattern.get(name) ?? 0) + 1);
      const run = exports[`f${i}`] as Run;
      b.wasmSlot = chainTable.add(run);
      fns.set(b, entry(run));
    });
  }
  return blocks.map((b) => fns.get(b) ?? null);
}

/** The run loop's way in to a compiled block: hands over flags and TLB state, takes back the count. */
function entry(run: Run): BlockFn {
  return (c, pc, stop) => {
    const st = c.state;
    st.nzcv = c.nzcv;
    c.syncJitVars();
    c.jitResetRetired();
    c.jitEpoch = c.fetchEpoch;
    const npc = run(c, pc, c.jitArea!, Math.min(stop - c.icount, MAX_BUDGET));
    c.icount += c.jitRetired();
    c.nzcv = st.nzcv;
    return npc;
  };
}
