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
import { decodeInsn } from '../interp/index.js';
import type { BlockFn, CompilableBlock } from '../block_fn.js';
import { ALU_EMITTERS } from './emit_alu.js';
import { BRANCH_EMITTERS } from './emit_branch.js';
import { LDST_EMITTERS } from './emit_ldst.js';
import { Emitter, P_BUDGET, P_C, P_PC, P_ST } from './emitter.js';
import { JIT_VARS } from './guest_memory.js';
import type { InsnEmitter, InsnSite } from './site.js';
import { Op, T, VOID, writeModule } from './wasm_writer.js';

const EMITTERS: Readonly<Record<string, InsnEmitter>> = { ...ALU_EMITTERS, ...LDST_EMITTERS };

/** What the WebAssembly tier needs of a block: the compiled-JS view plus the instruction words. */
export interface WasmCompilableBlock extends CompilableBlock {
  readonly insns: readonly number[];
}

const TYPE_RUN = 0;
const TYPE_STEP = 1;
const TYPE_LAST = 2;
const TYPES = [
  { params: [T.EXTERNREF, T.F64, T.I32, T.I32], results: [T.F64] },
  { params: [T.EXTERNREF, T.F64], results: [T.I32] },
  { params: [T.EXTERNREF, T.F64], results: [T.F64] },
];

/** Bounds the budget handed to a block, so its count of retired instructions stays a small i32. */
const MAX_BUDGET = 1 << 30;

/** Instructions compiled inline and interpreted, over every block compiled (for `--stats` and tests). */
export const wasmStats = {
  blocks: 0, inline: 0, interpreted: 0, bytes: 0,
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
function step(op: Exec, b: CompilableBlock, last: boolean): Step {
  return (c, pc) => {
    const st = c.state;
    c.pc = pc;
    c.nzcv = st.nzcv;
    try {
      op(c);
    } catch (e) {
      c.icount += c.jitRetired();
      throw e;
    }
    st.nzcv = c.nzcv;
    c.syncJitVars();
    if (last) return c.npc;
    return b.valid && c.jitMayContinue() ? 1 : 0;
  };
}

/** The module's bytes and imports for block `b` (exported for the golden-output tests). */
export function buildBlockModule(b: WasmCompilableBlock): { bytes: Uint8Array; imports: Record<string, Step>; inline: number } {
  const e = new Emitter();
  const imports: Record<string, Step> = {};
  const funcImports: { name: string; type: number }[] = [];
  const n = b.ops.length;
  let inline = 0;
  /** Instructions retired in earlier rounds of a self-loop. */
  const done = e.local(T.I32);
  const npc = e.tmp(T.F64, 3);
  const retired = (extra: number) => e.get(P_ST).get(done).i32(extra).op(Op.i32_add).mem(Op.i32_store, 2, JIT_VARS.retired);
  retired(0);
  const decoded = b.insns.map((w) => decodeInsn(w));
  const last = decoded[n - 1];
  // Only a closing branch compiled inline may loop in place: anything interpreted could end the block.
  const loops = b.setsNpc && last !== undefined && last !== null && BRANCH_EMITTERS[last.name] !== undefined;
  if (loops) e.op(Op.loop, VOID);
  for (let k = 0; k < n; k++) {
    const isLast = k === n - 1 && b.setsNpc;
    const d = decoded[k]!;
    const site: InsnSite = {
      offset: k * 4,
      interpret: (writes) => {
        const name = `o${k}`;
        let index = funcImports.findIndex((f) => f.name === name);
        if (index < 0) {
          imports[name] = step(b.ops[k]!, b, isLast);
          index = funcImports.push({ name, type: isLast ? TYPE_LAST : TYPE_STEP }) - 1;
        }
        e.get(P_C).get(P_PC).f64(k * 4).op(Op.f64_add, Op.call).u32(index);
        e.forget(writes);
        if (isLast) return;
        if (b.registerOnly[k] === true) {
          e.op(Op.drop);
          return;
        }
        e.op(Op.i32_eqz, Op.if, VOID);
        retired(k + 1);
        e.get(P_PC).f64((k + 1) * 4).op(Op.f64_add, Op.return, Op.end);
        e.reloadTlbVars();
      },
    };
    const emit = d === null ? undefined : isLast ? BRANCH_EMITTERS[d.name] : EMITTERS[d.name];
    if (emit === undefined) {
      site.interpret();
      const name = d?.name ?? 'UNDEFINED';
      wasmStats.interpretedByPattern.set(name, (wasmStats.interpretedByPattern.get(name) ?? 0) + 1);
    } else {
      emit(e, d!.fields, site);
      inline++;
    }
  }
  if (b.setsNpc) e.set(npc);
  else e.get(P_PC).f64(n * 4).op(Op.f64_add).set(npc);
  e.get(done).i32(n).op(Op.i32_add).set(done);
  if (loops) {
    // Round again while the branch went back to the start and budget is left.
    e.get(npc).get(P_PC).op(Op.f64_eq).get(done).get(P_BUDGET).op(Op.i32_lt_u, Op.i32_and);
    e.op(Op.if, VOID);
    retired(0);
    e.op(Op.br).u32(1).op(Op.end, Op.end);
  }
  retired(0);
  e.get(npc);
  const bytes = writeModule({
    types: TYPES, funcImports, memoryMaxPages: 65536,
    func: { type: TYPE_RUN, locals: e.locals, body: e.code },
  });
  return { bytes, imports, inline };
}

/**
 * Compiles block `b` for vCPUs on `memory`; null when the engine refuses (no WebAssembly, or code
 * generation forbidden), and the caller keeps the block at the JS tier.
 */
export function compileWasmBlock(b: WasmCompilableBlock, memory: WebAssembly.Memory): BlockFn | null {
  const { bytes, imports, inline } = buildBlockModule(b);
  let run: (c: Cpu, pc: number, st: number, budget: number) => number;
  try {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { m: { mem: memory }, f: imports });
    run = instance.exports.run as typeof run;
  } catch (e) {
    if (e instanceof WebAssembly.CompileError || e instanceof WebAssembly.LinkError || e instanceof EvalError) return null;
    throw e;
  }
  wasmStats.blocks++;
  wasmStats.inline += inline;
  wasmStats.interpreted += b.ops.length - inline;
  wasmStats.bytes += bytes.length;
  return (c, pc, stop) => {
    const st = c.state;
    st.nzcv = c.nzcv;
    c.syncJitVars();
    c.jitEpoch = c.fetchEpoch;
    const npc = run(c, pc, c.jitArea!, Math.min(stop - c.icount, MAX_BUDGET));
    c.icount += c.jitRetired();
    c.nzcv = st.nzcv;
    return npc;
  };
}
