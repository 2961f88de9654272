/**
 * Tier two of the interpreter: a block that has run often enough becomes one JavaScript function
 * that calls its instructions' closures in a row. Each call site then sees a single target, so V8
 * inlines the closures into the block's function and optimises across them, and the run loop's
 * per-instruction dispatch (loading the next closure, the indirect call, the loop test) goes away.
 * The function keeps the interpreter's contract: PC is stored before each instruction that reads it
 * or may fault (so a fault reports it precisely), and the block's validity is checked after each
 * one that may store (so a store into the running block stops it after that instruction). The rest,
 * which only compute on registers (`InsnGroup.registerOnly`), run with neither.
 *
 * A block whose branch goes back to its own start (a tight loop: memset, memcpy, a checksum round)
 * loops inside its function while the CPU lets it (`Cpu.mayLoop`: budget left, no exit pending, the
 * fetch translation unchanged), so V8 optimises the loop in place and the run loop is not entered
 * per iteration.
 *
 * Built with the Function constructor from a fixed template: the source holds only numbers and
 * parameter names, never guest data. Where code generation is not allowed (a browser page whose
 * Content Security Policy forbids it), `compileBlock` returns null and the block stays interpreted.
 */
import type { Cpu } from './cpu.js';
import type { Exec } from './interp/group.js';
import { translateInsn } from './interp/index.js';

/**
 * Runs the block at virtual address `pc` (again while it loops to itself and the CPU allows, up to
 * `stop` retired instructions), adds the instructions it retired to `c.icount` and returns the PC of
 * the next instruction to run.
 */
export type BlockFn = (c: Cpu, pc: number, stop: number) => number;

/** What a compiled block needs of the block it runs. */
export interface CompilableBlock {
  /** Its instruction words, translated again when it is compiled (the code cache keeps no closures for most). */
  readonly insns: ArrayLike<number>;
  /** Its last op is block-ending and sets `c.npc`. */
  readonly setsNpc: boolean;
  readonly valid: boolean;
}

/**
 * Interpreted runs after which a block is compiled. Both what compiling costs (V8 optimising a
 * function with the closures inlined) and what each run saves grow with the block's length, so the
 * break-even is a number of runs whatever the length. Measured: at 32 or 256 runs a Debian boot
 * compiled thousands of lukewarm blocks and took a third longer than interpreted, and an idle domU
 * cost more; at 4096 the boot is as fast as interpreted and hot loops still gain 1.4-2.9x.
 */
export const HOT_BLOCK_RUNS = 4096;

/**
 * The span of a vCPU's retired instructions its HOT_BLOCK_RUNS runs must fall within for a block to
 * be compiled: hot means run often lately, not run often since boot. An idle domU runs the same few
 * thousand blocks at each of its 5 or so wake-ups a second, and each time from cold caches, where
 * compiled code gains nothing; counted since boot, a block run once a wake-up would cross the count
 * after some 13 minutes, and the blocks crossing it one after another kept an idle domU compiling for
 * the first hour (a quarter of its CPU time a minute after boot, measured). At an idle domU's 55,000
 * instructions a second this span is about five minutes, so only blocks run three times or more a
 * wake-up cross the count; at a busy guest's hundreds of millions a second it is a few hundredths
 * of a second. It was 2^22 until a program's per-item blocks showed it too short: busybox
 * sha256sum's run once for each 64 bytes hashed, 3,350 instructions apart, so their 4096 runs span
 * 13.7 million instructions; interpreted, they were 4 % of its instructions and a fifth of its time.
 */
export const HOT_WINDOW_INSNS = 2 ** 24;

/**
 * The threshold in force (read by the run loop): HOT_BLOCK_RUNS by default, 0 to compile every block
 * before its first run (the differential tests' compiled mode), Infinity for the interpreter alone.
 */
export let compileAfterRuns = HOT_BLOCK_RUNS;

/** Sets the threshold for every CPU of this thread (`--no-jit` sets Infinity). */
export function setCompileAfterRuns(runs: number): void {
  if (!(runs >= 0)) throw new RangeError(`compileAfterRuns: ${runs} is not a count of runs`);
  compileAfterRuns = runs;
}

/**
 * Which tier hot blocks go to on vCPUs that have a JIT area: 'wasm' (`jit/compile.ts`, the default)
 * or 'js' (this file's functions, as vCPUs without an area always do).
 */
export let jitTier: 'wasm' | 'js' = 'wasm';

/** Sets the tier for every CPU of this thread (`--jit=js`, the differential tests' modes). */
export function setJitTier(tier: 'wasm' | 'js'): void {
  jitTier = tier;
}

export function compileBlock(b: CompilableBlock): BlockFn | null {
  const t = Array.from(b.insns, (w) => translateInsn(w));
  const n = t.length;
  const names = t.map((_, k) => `o${k}`);
  let body = '';
  for (let k = 0; k < n; k++) {
    if (t[k]!.registerOnly) {
      body += `o${k}(c);\n`;
    } else {
      body += `c.pc = pc + ${k * 4}; o${k}(c);`;
      // A store into this block stops it after that instruction, as in the interpreter.
      body += k < n - 1 ? ` if (!b.valid) { c.icount += ${k + 1}; return pc + ${(k + 1) * 4}; }\n` : '\n';
    }
  }
  body += `c.icount += ${n};\n`;
  body += b.setsNpc ? 'if (c.npc !== pc || !b.valid || !c.mayLoop(stop, epoch)) return c.npc;\n' : `return pc + ${n * 4};\n`;
  const fn = b.setsNpc ? `const epoch = c.fetchEpoch;\nfor (;;) {\n${body}}` : body;
  try {
    const make = new Function('b', ...names, `return function block(c, pc, stop) {\n${fn}\n};`) as (b: CompilableBlock, ...ops: Exec[]) => BlockFn;
    return make(b, ...t.map((x) => x.exec));
  } catch (e) {
    if (!(e instanceof EvalError)) throw e;
    compileAfterRuns = Infinity;
    return null;
  }
}
