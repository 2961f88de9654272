/**
 * Translation at scale: does compiling a block to WebAssembly cost the same after thousands of blocks
 * as after a few? A long-running guest keeps compiling code that grows hot late (an idle kernel's
 * timer paths, a new program), so a cost that grows with what was compiled before (as instantiating
 * modules that each import the chain table did: `jit/chain_table.ts`) slows it ever more. A bare
 * CPU runs a straight line of BLOCKS blocks (`add x0, x0, #1; b .+4`) with every block compiled on
 * its first run, one module each, and the time per module is printed for the first WINDOW blocks
 * and for the last WINDOW. Timings are printed, never asserted.
 */
import { setCompileAfterRuns, HOT_BLOCK_RUNS } from '../src/arch/arm64/block_fn.js';
import { wasmStats } from '../src/arch/arm64/jit/compile.js';
import { flatMachine } from '../tests/harness/flat_machine.js';

const BLOCKS = 6000;
const WINDOW = 500;
const ADD_X0_1 = 0x91000400;
const B_NEXT = 0x14000001;
const SVC_0 = 0xd4000001;

export function benchTranslation(): void {
  const m = flatMachine(1 << 20, { jit: true });
  const words: number[] = [];
  for (let i = 0; i < BLOCKS; i++) words.push(ADD_X0_1, B_NEXT);
  words.push(SVC_0);
  m.load(words);
  setCompileAfterRuns(0);
  try {
    const before = wasmStats.blocks;
    const windowMs = (): number => {
      const t0 = performance.now();
      const exit = m.run(2 * WINDOW);
      if (exit.kind !== 'budget') throw new Error(`Translation benchmark: exit ${exit.kind} before the last block`);
      return performance.now() - t0;
    };
    const first = windowMs();
    m.run(2 * (BLOCKS - 2 * WINDOW));
    const last = windowMs();
    if (m.run().kind !== 'svc' || m.cpu.state.getX(0) !== BigInt(BLOCKS)) throw new Error('Translation benchmark: the line of blocks did not run to its end');
    if (wasmStats.blocks - before < BLOCKS) throw new Error(`Translation benchmark: ${wasmStats.blocks - before} of ${BLOCKS} blocks compiled`);
    console.log(`\nTranslation at scale: ${BLOCKS} two-instruction blocks, each compiled to WebAssembly on its first run, one module each:`);
    console.log('| blocks compiled before | ms per block (module) |');
    console.log('|---|---|');
    console.log(`| 0–${WINDOW} | ${(first / WINDOW).toFixed(3)} |`);
    console.log(`| ${BLOCKS - WINDOW}–${BLOCKS} | ${(last / WINDOW).toFixed(3)} |`);
  } finally {
    setCompileAfterRuns(HOT_BLOCK_RUNS);
  }
}
