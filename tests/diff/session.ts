/**
 * Runs cases on both sides and compares them: the core shared by fuzz_cli.ts and the tests. Ours
 * runs each case three times, interpreted, with every block compiled to JavaScript before its first
 * run (`block_fn.ts`), and with every block compiled to WebAssembly (`jit/compile.ts`) after a first run has filled
 * the TLB (so loads and stores take the inline path); all must
 * match QEMU, and a difference of a compiled tier names it.
 */
import { compareOutcomes, type FieldDiff } from './compare.js';
import type { Outcome, TestCase } from './layout.js';
import { runQemu } from './qemu.js';
import { OurMachine } from './run_ours.js';
import { HOT_BLOCK_RUNS, setCompileAfterRuns, setJitTier } from '../../src/arch/arm64/block_fn.js';
import { setForceWasm } from '../../src/arch/arm64/jit/compile.js';

export interface CaseResult {
  readonly tc: TestCase;
  readonly ours: Outcome | null;
  readonly qemu: Outcome;
  /** Empty when the two sides agree. */
  readonly diffs: readonly FieldDiff[];
}

let machine: OurMachine | null = null;

export function runBoth(cases: readonly TestCase[]): CaseResult[] {
  const qemu = runQemu(cases);
  try {
    return cases.map((tc, i) => {
      const q = qemu[i]!;
      const interpreted = runOurs(tc, q, Infinity, 'js');
      if (interpreted.diffs.length > 0) return interpreted;
      const compiled = runOurs(tc, q, 0, 'js');
      if (compiled.diffs.length > 0) return { ...compiled, diffs: compiled.diffs.map((d) => ({ ...d, field: `${d.field} (compiled block)` })) };
      const wasm = runOurs(tc, q, 0, 'wasm', true);
      return { ...wasm, diffs: wasm.diffs.map((d) => ({ ...d, field: `${d.field} (WebAssembly block)` })) };
    });
  } finally {
    setCompileAfterRuns(HOT_BLOCK_RUNS);
    setJitTier('wasm');
    setForceWasm(false);
  }
}

/** `warmTlb`: run the case once first, so the run compared finds its pages in the TLB (inline accesses). */
function runOurs(tc: TestCase, q: Outcome, compileAfterRuns: number, tier: 'js' | 'wasm', warmTlb = false): CaseResult {
  setCompileAfterRuns(compileAfterRuns);
  setJitTier(tier);
  setForceWasm(tier === 'wasm');
  const m = (machine ??= new OurMachine());
  let ours: Outcome;
  try {
    if (warmTlb) m.run(tc);
    ours = m.run(tc, warmTlb);
  } catch (e) {
    // A handler bug (a JS exception escaping the CPU) is a mismatch like any other.
    machine = new OurMachine();
    const msg = e instanceof Error ? (e.stack ?? e.message) : String(e);
    return { tc, ours: null, qemu: q, diffs: [{ field: 'exception', ours: msg, qemu: '-' }] };
  }
  return { tc, ours, qemu: q, diffs: compareOutcomes(tc, ours, q) };
}
