/** The CPU tier options shared by `boot` and `run-elf`, and what `--stats` says about compiled code. */
import { XenonError } from '../lib/errors.js';
import { setCompileAfterRuns, setJitTier } from '../arch/arm64/block_fn.js';
import { wasmStats } from '../arch/arm64/jit/compile.js';

export type JitMode = 'wasm' | 'js' | 'off';

/** Help lines for the options, with the option names padded to `width` columns. */
export function jitHelp(width: number): string[] {
  return [
    ['--jit MODE', 'wasm: compile hot blocks to WebAssembly (default); js: to JavaScript only; off: interpret'],
    ['--no-jit', 'the same as --jit off: interpret every block'],
  ].map(([o, text]) => `  ${o!.padEnd(width)} ${text!}`);
}

export function parseJitMode(v: string): JitMode {
  if (v === 'wasm' || v === 'js' || v === 'off') return v;
  throw new XenonError('USAGE', `Cannot use --jit "${v}": give wasm, js or off`);
}

/** Sets the tier for every CPU this process creates from now on. */
export function applyJitMode(mode: JitMode): void {
  if (mode === 'off') setCompileAfterRuns(Infinity);
  else setJitTier(mode);
}

/** One line on what the WebAssembly tier compiled, with the patterns it left to the interpreter most often. */
export function jitStatsLine(): string {
  const s = wasmStats;
  if (s.blocks === 0) return 'xenon: no block compiled to WebAssembly';
  const top = [...s.interpretedByPattern].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([n, c]) => `${n} ${c}`).join(', ');
  return `xenon: ${s.blocks} blocks compiled to WebAssembly (${(s.bytes / 1024).toFixed(0)} KiB): ${s.inline} instructions inline, ${s.interpreted} through the interpreter${top === '' ? '' : ` (most: ${top})`}; ${s.loops} two-block loops; ${s.keptJs} hot blocks kept as JavaScript; translation ${s.compileMs.toFixed(0)} ms (${((s.compileMs * 1000) / Math.max(1, s.inline + s.interpreted)).toFixed(1)} µs per instruction)`;
}
