/**
 * Runs a test body once per CPU tier: interpreted, every block compiled to JavaScript before its
 * first run, and every block compiled to WebAssembly (on a machine with a JIT area), restoring the
 * defaults after each, whatever the body throws.
 */
import { HOT_BLOCK_RUNS, setCompileAfterRuns, setJitTier } from '../../src/arch/arm64/block_fn.js';
import { setForceWasm } from '../../src/arch/arm64/jit/compile.js';

export interface CpuTier {
  readonly name: 'interpreted' | 'JavaScript' | 'WebAssembly';
  /** Whether the machine needs a JIT area (`flatMachine(…, { jit })`). */
  readonly jit: boolean;
}

const TIERS = [
  { name: 'interpreted', runs: Infinity, tier: 'js', jit: false },
  { name: 'JavaScript', runs: 0, tier: 'js', jit: false },
  { name: 'WebAssembly', runs: 0, tier: 'wasm', jit: true },
] as const;

export function forEachCpuTier(body: (t: CpuTier) => void): void {
  for (const t of TIERS) {
    setCompileAfterRuns(t.runs);
    setJitTier(t.tier);
    setForceWasm(t.jit);
    try {
      body({ name: t.name, jit: t.jit });
    } finally {
      setCompileAfterRuns(HOT_BLOCK_RUNS);
      setJitTier('wasm');
      setForceWasm(false);
    }
  }
}
