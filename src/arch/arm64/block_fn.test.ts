import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flatMachine } from '../../../tests/harness/flat_machine.js';
import { compileBlock, HOT_BLOCK_RUNS, HOT_WINDOW_INSNS, setCompileAfterRuns, setJitTier } from './block_fn.js';
import { CodeCache } from './code_cache.js';
import { EC, ecOf } from './exit.js';
import { setForceWasm } from './jit/compile.js';
import { translateInsn } from './interp/index.js';

/**
 * Runs `body` with every block compiled before its first run, once to JavaScript and once to
 * WebAssembly (`jit`: the machine to build has a JIT area), then restores the defaults.
 */
function compiledFirst(body: (jit: boolean) => void): void {
  setCompileAfterRuns(0);
  try {
    setJitTier('js');
    body(false);
    setJitTier('wasm');
    setForceWasm(true);
    body(true);
  } finally {
    setCompileAfterRuns(HOT_BLOCK_RUNS);
    setJitTier('wasm');
    setForceWasm(false);
  }
}

test('a compiled block stores the PC only before instructions that read it or may fault', () => {
  const words = [0x91000421, 0x10000040, 0xb9400022, 0xd4000001]; // add x1, x1, #1; adr x0, .+8; ldr w2, [x1]; svc #0
  const t = words.map((w) => translateInsn(w));
  assert.deepEqual(t.map((x) => x.registerOnly), [true, false, false, false]);
  const fn = compileBlock({ insns: words, setsNpc: true, valid: true });
  assert.notEqual(fn, null);
  const src = String(fn);
  assert.doesNotMatch(src, /c\.pc = pc \+ 0;/, 'the ADD runs without a PC store');
  assert.match(src, /c\.pc = pc \+ 4;/, 'ADR reads the PC');
  assert.match(src, /c\.pc = pc \+ 8;/, 'a load may fault');
});

test('compiled blocks: a counted loop retires the same instructions as interpreted', () => {
  for (const [threshold, jit] of [[Infinity, false], [0, false], [0, true]] as const) {
    setCompileAfterRuns(threshold);
    try {
      const m = flatMachine(undefined, { jit });
      m.load([0xd2800140, 0xd2800001, 0x91000421, 0xf1000400, 0x54ffffc1, 0xd4000021]);
      assert.equal(m.run().kind, 'svc');
      assert.equal(m.cpu.state.getX(1), 10n);
      assert.equal(m.cpu.icount, 2 + 3 * 10 + 1, `threshold ${threshold}`);
    } finally {
      setCompileAfterRuns(HOT_BLOCK_RUNS);
    }
  }
});

test('compiled blocks: a fault in the middle reports its own PC and counts only the instructions before it', () => {
  compiledFirst((jit) => {
    const m = flatMachine(undefined, { jit });
    // movz x0, #5; add x0, x0, #1; movz x1, #0x8000, lsl #16 (outside RAM); ldr x2, [x1]; movz x0, #9; svc #0
    m.load([0xd28000a0, 0x91000400, 0xd2b00001, 0xf9400022, 0xd2800120, 0xd4000001]);
    const exit = m.run();
    assert.equal(exit.kind, 'exception');
    assert.equal(exit.kind === 'exception' && ecOf(exit.esr), EC.DABT_LOWER);
    assert.equal(m.cpu.state.pc, 0x100c, 'PC on the load');
    assert.equal(m.cpu.icount, 3);
    assert.equal(m.cpu.state.getX(0), 6n, 'the instructions after the fault did not run');
  });
});

test('compiled blocks: a store into the running block takes effect on the next instruction', () => {
  compiledFirst((jit) => {
    const m = flatMachine(undefined, { jit });
    const patched = 0xd28000e0; // movz x0, #7
    m.load([
      0xd2820201, // movz x1, #0x1010
      0x52800002 | ((patched & 0xffff) << 5),
      0x72a00002 | (((patched >>> 16) & 0xffff) << 5),
      0xb9000022, // str w2, [x1] (overwrites the next word)
      0xd2800020, // movz x0, #1 (replaced before it runs)
      0xd4000001,
    ]);
    m.run();
    assert.equal(m.cpu.state.getX(0), 7n);
  });
});

test('compiled blocks: a block branching to itself loops in place and still stops at the budget and at an exit', () => {
  compiledFirst((jit) => {
    const m = flatMachine(undefined, { jit });
    m.load([0x14000000]); // b .
    assert.equal(m.run(1000).kind, 'budget');
    assert.equal(m.cpu.icount, 1000, 'one instruction per iteration, stopped exactly at the budget');
    assert.equal(m.cpu.state.pc, 0x1000);
    // A loop of 4 with an SVC after 5 rounds: cbz x3 leaves it.
    // movz x3, #5; 1: sub x3, x3, #1; add x4, x4, #2; cbnz x3, 1b; svc #0
    m.load([0xd28000a3, 0xd1000463, 0x91000884, 0xb5ffffc3, 0xd4000001]);
    m.cpu.state.setX(4, 0n);
    const before = m.cpu.icount;
    assert.equal(m.run().kind, 'svc');
    assert.equal(m.cpu.state.getX(4), 10n);
    assert.equal(m.cpu.icount - before, 1 + 3 * 5 + 1);
  });
});

test('a block is compiled when its runs come within HOT_WINDOW_INSNS instructions, not when they add up over a longer span', () => {
  setCompileAfterRuns(4);
  setJitTier('js');
  try {
    const m = flatMachine();
    m.load([0x91000421, 0xd4000001]); // add x1, x1, #1; svc #0
    const runOnce = () => {
      m.cpu.state.pc = 0x1000;
      assert.equal(m.run().kind, 'svc');
    };
    // Ten runs, each after a window's worth of other work (as an idle guest runs its wake-up path).
    for (let k = 0; k < 10; k++) {
      runOnce();
      m.cpu.icount += HOT_WINDOW_INSNS;
    }
    assert.equal(m.cpu.codeStats.blocksCompiled, 0, 'ten runs far apart: still interpreted');
    // The count that began before the gap starts again at most once: twice the count and one more.
    for (let k = 0; k < 9; k++) runOnce();
    assert.equal(m.cpu.codeStats.blocksCompiled, 1, 'runs in a row: compiled');
    assert.equal(m.cpu.state.getX(1), 19n);
  } finally {
    setCompileAfterRuns(HOT_BLOCK_RUNS);
    setJitTier('wasm');
  }
});

test('a block run once every few thousand instructions is compiled: the window holds its count', () => {
  // busybox sha256sum's per-chunk blocks run once for each 64 bytes hashed, about 3,350
  // instructions apart, so 4096 runs span 13.7 million instructions. With a window of 2^22 they
  // stayed interpreted: 4 % of its instructions and a fifth of its time.
  const SPACING = 3350;
  setJitTier('js');
  try {
    const m = flatMachine();
    m.load([0x91000421, 0xd4000001]); // add x1, x1, #1; svc #0
    for (let k = 0; k <= HOT_BLOCK_RUNS; k++) {
      m.cpu.state.pc = 0x1000;
      assert.equal(m.run().kind, 'svc');
      m.cpu.icount += SPACING;
    }
    assert.equal(m.cpu.codeStats.blocksCompiled, 1);
    assert.equal(m.cpu.state.getX(1), BigInt(HOT_BLOCK_RUNS + 1));
  } finally {
    setJitTier('wasm');
  }
});

test('the code cache counts blocks translated, pages discarded by a store and whole flushes', () => {
  const m = flatMachine();
  // movz x1, #0x1100; str wzr, [x1] (a word on the block's own page, outside the block); svc #0
  m.load([0xd2822001, 0xb900003f, 0xd4000001]);
  const s0 = { ...m.cpu.codeStats };
  assert.equal(m.run().kind, 'svc');
  const s = m.cpu.codeStats;
  assert.equal(s.pagesDiscarded - s0.pagesDiscarded, 1, 'the store reached a page holding code');
  assert.equal(s.blocksTranslated - s0.blocksTranslated, 2, 'the block, and its rest after the store discarded it');
  // IC IALLU is UNDEFINED at EL0, where this machine runs; it flushes through the same call.
  const f0 = m.cpu.codeStats.flushes;
  m.cpu.flushCode();
  assert.equal(m.cpu.codeStats.flushes - f0, 1);
});

test('code evicted by sweeps runs again from a new translation, and a store to its page still discards what was translated there anew', () => {
  compiledFirst((jit) => {
    const code = new CodeCache(1 << 20);
    const m = flatMachine(undefined, { jit, code });
    const addX1 = (imm: number) => 0x91000021 | (imm << 10); // add x1, x1, #imm
    const storeToA = (insn: number) => [
      0xd2820002, // movz x2, #0x1000
      0x52800003 | ((insn & 0xffff) << 5), // movz w3, #lo
      0x72a00003 | ((insn >>> 16) << 5), // movk w3, #hi, lsl #16
      0xb9000043, // str w3, [x2]
      0xd4000001, // svc #0
    ];
    m.load([addX1(1), 0xd4000001]); // A, at 0x1000: add x1, x1, #1; svc #0
    m.load(storeToA(addX1(1)), 0x2000); // the same word again, so only the write mapping changes
    m.load(storeToA(addX1(2)), 0x2100);
    const runAt = (pc: number) => {
      m.cpu.state.pc = pc;
      assert.equal(m.run().kind, 'svc');
    };
    m.load([0x91000484, 0xd4000001], 0x3000); // B: add x4, x4, #1; svc #0, run before every sweep
    m.load([0xd4000001], 0x4000); // C: svc #0, run once, so most blocks go and the sweep renumbers
    runAt(0x1000);
    runAt(0x4000);
    // The first sweep notes A's run; the two after it find none.
    for (let k = 0; k < 3; k++) {
      runAt(0x3000);
      code.sweep();
    }
    assert.equal(code.get(0x1000), undefined, 'A was evicted');
    const b = code.get(0x3000);
    assert.notEqual(b, undefined, 'B, compiled and entered before every sweep, was seen to run');
    assert.equal(b!.id, 0, 'B, the one block left, was renumbered');
    runAt(0x3000);
    assert.equal(m.cpu.state.getX(4), 4n, 'B ran under its new id');
    // With A's page no longer code, this store may leave the vCPU a write mapping for it.
    runAt(0x2000);
    const t0 = code.stats.blocksTranslated;
    runAt(0x1000);
    assert.equal(code.stats.blocksTranslated - t0, 1, 'A was translated again');
    assert.equal(m.cpu.state.getX(1), 2n);
    // Translating A made its page code again and dropped that write mapping: this store discards A.
    const d0 = code.stats.pagesDiscarded;
    runAt(0x2100);
    assert.equal(code.stats.pagesDiscarded - d0, 1, `the store reached A's page as code (jit ${jit})`);
    runAt(0x1000);
    assert.equal(m.cpu.state.getX(1), 4n, 'the new instruction ran, not the stale translation');
  });
});

test('blocks whose forms moved when the shared forms array was compacted run as before', () => {
  const m = flatMachine();
  // 12,000 blocks of add x1, x1, #1; b .+4 on 24 pages (6 entries each, more than the array's first
  // 65,536), then a loop storing back the first word of each of the first 12 pages, which discards
  // their blocks: each run translates those again, and the third compacts the array, moving the live
  // blocks of the last 12 pages over the dead entries.
  const words: number[] = [];
  for (let k = 0; k < 12_000; k++) words.push(0x91000421, 0x14000001);
  words.push(
    0xd2820003, // movz x3, #0x1000
    0xd29a0005, // movz x5, #0xd000
    0xb9400064, // 1: ldr w4, [x3]
    0xb9000064, // str w4, [x3]
    0x91400463, // add x3, x3, #1, lsl #12
    0xeb05007f, // cmp x3, x5
    0x54ffff81, // b.ne 1b
    0xd4000001, // svc #0
  );
  m.load(words);
  for (let run = 0; run < 4; run++) {
    m.cpu.state.pc = 0x1000;
    assert.equal(m.run(1e6).kind, 'svc');
  }
  assert.equal(m.cpu.codeStats.pagesDiscarded, 4 * 12);
  assert.equal(m.cpu.state.getX(1), 48_000n, 'every add ran from its own forms');
});

test('setCompileAfterRuns() refuses a value that is not a count', () => {
  assert.throws(() => setCompileAfterRuns(-1), RangeError);
  assert.throws(() => setCompileAfterRuns(NaN), RangeError);
});
