import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flatMachine } from '../../../../tests/harness/flat_machine.js';
import { systemMachine } from '../../../../tests/harness/system_machine.js';
import { HOT_BLOCK_RUNS, HOT_WINDOW_INSNS, setCompileAfterRuns } from '../block_fn.js';
import { Cpu } from '../cpu.js';
import { FSC } from '../exit.js';
import type { AddressTranslator, PhysicalBus } from '../mmu/translator.js';
import { buildBlockModule, setForceWasm, wasmStats } from './compile.js';
import { allocateJitMemory, jitAreaOffset } from './guest_memory.js';
import { Bytes } from './wasm_writer.js';

function withThreshold(runs: number, body: () => void): void {
  setCompileAfterRuns(runs);
  try {
    body();
  } finally {
    setCompileAfterRuns(HOT_BLOCK_RUNS);
  }
}

test('LEB128 immediates are encoded as the binary format defines them', () => {
  const hex = (b: Bytes) => Buffer.from(b.view()).toString('hex');
  assert.equal(hex(new Bytes().u32(624485)), 'e58e26');
  assert.equal(hex(new Bytes().s32(-123456)), 'c0bb78');
  assert.equal(hex(new Bytes().s32(63)), '3f');
  assert.equal(hex(new Bytes().s32(64)), 'c000');
  assert.equal(hex(new Bytes().s64(-1n)), '7f');
  assert.equal(hex(new Bytes().s64(0x8000_0000_0000_0000n)), '8080808080808080807f');
});

test('a block of every inline kind builds a module the engine validates', () => {
  const words = [
    0x91000421, // add x1, x1, #1
    0xab020020, // adds x0, x1, x2
    0xf8408423, // ldr x3, [x1], #8
    0xa9bf7bfd, // stp x29, x30, [sp, #-16]!
    0x9ac20c20, // sdiv x0, x1, x2
    0xfa421824, // ccmp x1, x2, #4, ne
    0x9a821020, // csel x0, x1, x2, ne
    0xd65f03c0, // ret
  ];
  const { bytes, inline } = buildBlockModule({ off: 0, insns: words, setsNpc: true, valid: true, wasmSlot: -1 });
  assert.ok(WebAssembly.validate(bytes));
  assert.equal(inline, words.length, 'every instruction compiled inline');
  // Only the chain hub imports the table: an engine copies an imported table into every importer.
  const imports = WebAssembly.Module.imports(new WebAssembly.Module(bytes));
  assert.deepEqual(imports.filter((i) => i.module === 'm'), [{ module: 'm', name: 'mem', kind: 'memory' }, { module: 'm', name: 'go', kind: 'function' }]);
  assert.ok(!imports.some((i) => i.kind === 'table'));
});

test('WebAssembly blocks: a loop summing memory with post-indexed loads matches the interpreter', () => {
  // movz x1, #0x8000; movz x2, #64; movz x0, #0;
  // 1: ldr x3, [x1], #8; add x0, x0, x3; subs x2, x2, #1; b.ne 1b; svc #0
  const prog = [0xd2900001, 0xd2800802, 0xd2800000, 0xf8408423, 0x8b030000, 0xf1000442, 0x54ffffa1, 0xd4000001];
  const results: bigint[] = [];
  for (const [runs, jit] of [[Infinity, false], [0, true]] as const) {
    withThreshold(runs, () => {
      const m = flatMachine(1 << 20, { jit });
      for (let i = 0; i < 64; i++) new DataView(m.ram.buffer).setBigUint64(0x8000 + i * 8, BigInt(i) * 0x1_0000_0001n, true);
      const before = wasmStats.inline;
      m.load(prog);
      assert.equal(m.run().kind, 'svc');
      assert.equal(m.cpu.icount, 3 + 4 * 64 + 1);
      assert.equal(m.cpu.state.getX(1), 0x8000n + 64n * 8n, 'the base register was written back');
      if (jit) assert.ok(wasmStats.inline > before, 'the loop ran as WebAssembly');
      results.push(m.cpu.state.getX(0));
    });
  }
  assert.equal(results[0], (63n * 64n / 2n) * 0x1_0000_0001n);
  assert.equal(results[1], results[0]);
});

test('WebAssembly blocks: a hot block waiting for its batch compiles once its runs double, however long they take', () => {
  withThreshold(4, () => {
    const m = flatMachine(1 << 20, { jit: true });
    m.load([0x91000421, 0xd4000001]); // add x1, x1, #1; svc #0
    const runOnce = () => {
      m.cpu.state.pc = 0x1000;
      assert.equal(m.run().kind, 'svc');
    };
    // Five runs in a row: hot, and queued for a batch that this program alone never fills.
    for (let k = 0; k < 5; k++) runOnce();
    assert.equal(m.cpu.codeStats.blocksCompiled, 0, 'queued, not yet compiled');
    // The next runs come a window apart (md5sum's rounds, run about 5,000 times a window, took more
    // than a window to double): the queued block is not judged cold again, and compiles at twice
    // the count and one more.
    for (let k = 0; k < 4; k++) {
      m.cpu.icount += HOT_WINDOW_INSNS;
      runOnce();
    }
    assert.equal(m.cpu.codeStats.blocksCompiled, 1, 'compiled at the ninth run');
    assert.equal(m.cpu.state.getX(1), 9n);
  });
});

/** A CPU whose translator maps the virtual page at 0x10000 wherever `target.pa` says. */
function remappable(): { cpu: Cpu; dv: DataView; target: { pa: number } } {
  const ramBytes = 1 << 20;
  const jit = allocateJitMemory(ramBytes, 1)!;
  const bus: PhysicalBus = { ram: jit.memory.buffer, ramBase: 0, ramSize: ramBytes, jit, mmioRead: () => null, mmioWrite: () => false };
  const target = { pa: 0x20000 };
  const translator: AddressTranslator = {
    translate: (va) => {
      if (va >= 0x10000 && va < 0x11000) return target.pa + (va - 0x10000);
      return va >= 0 && va < ramBytes ? va : { fsc: FSC.TRANSLATION_L0 };
    },
  };
  const cpu = new Cpu({ bus, translator, jitArea: jitAreaOffset(jit, 0)! });
  return { cpu, dv: new DataView(jit.memory.buffer, 0, ramBytes), target };
}

test('WebAssembly blocks: inline loads follow a remapped page once its TLB entry is invalidated', () => {
  withThreshold(0, () => {
    const { cpu, dv, target } = remappable();
    dv.setUint32(0x20000, 111, true);
    dv.setUint32(0x30000, 222, true);
    // movz x1, #0x1, lsl #16; ldr w0, [x1]; ldr w2, [x1]; svc #0  (the second load hits the TLB inline)
    [0xd2a00021, 0xb9400020, 0xb9400022, 0xd4000001].forEach((w, i) => dv.setUint32(0x1000 + 4 * i, w, true));
    const runOnce = () => {
      cpu.state.pc = 0x1000;
      assert.equal(cpu.run(100).kind, 'svc');
      return [cpu.state.getX(0), cpu.state.getX(2)];
    };
    assert.deepEqual(runOnce(), [111n, 111n]);
    target.pa = 0x30000;
    assert.deepEqual(runOnce(), [111n, 111n], 'the stale entry still maps the page, as a real TLB would');
    cpu.tlbFlushVa(0x10000);
    assert.deepEqual(runOnce(), [222n, 222n]);
  });
});

test('WebAssembly blocks: a store to code already translated, from a compiled loop, replaces that code', () => {
  withThreshold(0, () => {
    const m = flatMachine(1 << 20, { jit: true });
    const ret = 0xd65f03c0;
    // At 0x3000: movz x0, #1; ret. Call it once, so it is translated and its page marked as code.
    m.load([0xd2800020, ret], 0x3000);
    // movz x5, #0x3000; blr x5; (then) movz x2, #0x00e0; movk x2, #0xd280, lsl #16 (movz x0, #7);
    // movz x3, #4; 1: str w2, [x5]; subs x3, x3, #1; b.ne 1b; blr x5; svc #0
    m.load([0xd2860005, 0xd63f00a0, 0xd2801c02, 0xf2ba5002, 0xd2800083, 0xb90000a2, 0xf1000463, 0x54ffffc1, 0xd63f00a0, 0xd4000001]);
    assert.equal(m.run().kind, 'svc');
    assert.equal(m.cpu.state.getX(0), 7n, 'the second call ran the new instruction');
  });
});

test('WebAssembly blocks: every condition after CMP (tested from the operands) agrees with the interpreter', () => {
  const values = [0n, 1n, 5n, 0x7fff_ffffn, 0x8000_0000n, 0xffff_ffffn, 0x7fff_ffff_ffff_ffffn, 0x8000_0000_0000_0000n, 0xffff_ffff_ffff_ffffn];
  const outcomes = (jit: boolean): string[] => {
    const out: string[] = [];
    withThreshold(jit ? 0 : Infinity, () => {
      setForceWasm(jit);
      try {
        const m = flatMachine(1 << 20, { jit });
        for (let cond = 0; cond < 16; cond++) {
          const inv = cond ^ 1;
          // cmp x1, x2; cset x0, cond; cmp w1, w2; cset x3, cond; cmp x1, x2; b.cond 1f; movz x4, #1; 1: svc #0
          m.load([0xeb02003f, 0x9a9f07e0 | (inv << 12), 0x6b02003f, 0x9a9f07e3 | (inv << 12), 0xeb02003f, 0x54000040 | cond, 0xd2800024, 0xd4000001]);
          for (const a of values) {
            for (const b of values) {
              const s = m.cpu.state;
              s.setX(1, a);
              s.setX(2, b);
              s.setX(4, 0n);
              s.pc = 0x1000;
              assert.equal(m.run(100).kind, 'svc');
              out.push(`${cond} ${a} ${b}: ${s.getX(0)} ${s.getX(3)} ${s.getX(4)} ${s.nzcv}`);
            }
          }
        }
      } finally {
        setForceWasm(false);
      }
    });
    return out;
  };
  assert.deepEqual(outcomes(true), outcomes(false));
});

test('hostile: a mapping that points past guest RAM reaches no JIT area, in any tier', () => {
  for (const runs of [Infinity, 0]) {
    withThreshold(runs, () => {
      const { cpu, dv, target } = remappable();
      // The page at 0x10000 now maps to where this vCPU's state and TLB live, right after RAM.
      target.pa = 1 << 20;
      // movz x1, #0x1, lsl #16; ldr x0, [x1]; str x1, [x1, #8]; svc #0
      [0xd2a00021, 0xf9400020, 0xf9000421, 0xd4000001].forEach((w, i) => dv.setUint32(0x1000 + 4 * i, w, true));
      cpu.state.pc = 0x1000;
      cpu.state.setX(0, 0x1234n);
      const exit = cpu.run(100);
      assert.equal(exit.kind, 'exception', `threshold ${runs}`);
      assert.equal(exit.kind === 'exception' && exit.esr & 0x3f, FSC.SYNC_EXTERNAL, 'an external abort, as for a hole in the bus');
      assert.equal(cpu.state.getX(0), 0x1234n, 'nothing was loaded');
      assert.equal(cpu.state.pc, 0x1004);
    });
  }
});

test('WebAssembly blocks: MRS of a plain and of a constant system register at EL1 reads what the interpreter reads', () => {
  const results: string[] = [];
  for (const jit of [false, true]) {
    withThreshold(jit ? 0 : Infinity, () => {
      setForceWasm(jit);
      try {
        const m = systemMachine({ jit });
        // msr tpidr_el1, x1; mrs x0, tpidr_el1; mrs x2, midr_el1; hvc #0
        m.load([[0x1000, [0xd518d081, 0xd538d080, 0xd5380002, 0xd4000002]]]);
        m.setX(1, 0xffff_8000_1234_5678n);
        assert.equal(m.run().kind, 'hvc');
        results.push(`${m.x(0)} ${m.x(2)}`);
      } finally {
        setForceWasm(false);
      }
    });
  }
  assert.equal(results[0]!.split(' ')[0], String(0xffff_8000_1234_5678n));
  assert.equal(results[1], results[0]);
});

test('WebAssembly blocks: LDAR and STLR at a misaligned address fault as the interpreter makes them, even with the page in the TLB', () => {
  // movz x1, #0x8001; ldr x2, [x1] and str x2, [x1] (unaligned is fine for them, and fills the TLB)
  const warm = [0xd2900021, 0xf9400022, 0xf9000022];
  const cases = [
    { words: [...warm, 0xc8dffc20, 0xd4000001], at: 0x100c }, // ldar x0, [x1]
    { words: [...warm, 0xc89ffc20, 0xd4000001], at: 0x100c }, // stlr x0, [x1]
  ];
  for (const [runs, jit] of [[Infinity, false], [0, true]] as const) {
    withThreshold(runs, () => {
      setForceWasm(jit);
      try {
        for (const c of cases) {
          const m = flatMachine(1 << 20, { jit });
          m.load(c.words);
          const exit = m.run();
          assert.equal(exit.kind, 'exception', `${jit ? 'wasm' : 'interpreted'}: ${c.words[3]!.toString(16)}`);
          assert.equal(exit.kind === 'exception' && exit.esr & 0x3f, FSC.ALIGNMENT);
          assert.equal(m.cpu.state.pc, c.at);
        }
      } finally {
        setForceWasm(false);
      }
    });
  }
});

test('WebAssembly blocks: a loop keeping registers and flags in locals faults in a later round with the state exact', () => {
  // movz x0, #0; movz x1, #0xffc0; movk x1, #0xf, lsl #16 (8 loads before the end of RAM); movz x2, #100
  // 1: add x0, x0, #1; cmp x0, #3; clz x6, x0 (interpreted); adds x5, x0, x0; ldr x3, [x1], #8;
  //    add x4, x4, x3; subs x2, x2, #1; b.ne 1b; svc #0
  const prog = [0xd2800000, 0xd29ff801, 0xf2a001e1, 0xd2800c82, 0x91000400, 0xf1000c1f, 0xdac01006, 0xab000005, 0xf8408423, 0x8b030084, 0xf1000442, 0x54ffff21, 0xd4000001];
  const states: string[] = [];
  for (const jit of [false, true]) {
    withThreshold(jit ? 0 : Infinity, () => {
      setForceWasm(jit);
      try {
        const { cpu, dv } = remappable();
        prog.forEach((w, i) => dv.setUint32(0x1000 + 4 * i, w, true));
        for (let i = 0; i < 8; i++) dv.setBigUint64(0xfffc0 + 8 * i, BigInt(i + 1) << 32n, true);
        cpu.state.pc = 0x1000;
        const inlineBefore = wasmStats.inline;
        const exit = cpu.run(10_000);
        assert.equal(exit.kind, 'exception');
        if (jit) assert.ok(wasmStats.inline > inlineBefore, 'the loop ran as WebAssembly');
        const s = cpu.state;
        const regs = [0, 1, 2, 3, 4, 5, 6].map((n) => s.getX(n).toString(16)).join(' ');
        states.push(`${exit.kind === 'exception' ? `${exit.esr} ${exit.far}` : ''} pc ${s.pc.toString(16)} nzcv ${s.nzcv >>> 28} icount ${cpu.icount} x0-x6 ${regs}`);
      } finally {
        setForceWasm(false);
      }
    });
  }
  // Round 9's load faults: x0 = 9 and the flags of its ADDS, x1 not written back, x2 from round 8.
  assert.match(states[0]!, / pc 1020 nzcv 0 icount 72 x0-x6 9 100000 5c /);
  assert.equal(states[1], states[0]);
});

test('WebAssembly blocks: a loop through two blocks runs in one function, exits and faults in either with the state exact', () => {
  // movz x0, #0; x1 = 8 loads before the end of RAM, or a buffer; movz x2, #rounds
  // A: add x0, x0, #1; add x8, x8, #1; umulh x7, x0, x0 (interpreted); cmp x0, #3; subs x2, x2, #1; b.eq out
  // B: subs x5, x0, #20; mrs x6, nzcv (interpreted, reads the flags); ldr x3, [x1], #8; add x4, x4, x3;
  //    umulh x8, x8, x8 (interpreted: x8 = 0, which A reads next round); b A
  // out: svc #0
  const loop = [0x91000400, 0x91000508, 0x9bc07c07, 0xf1000c1f, 0xf1000442, 0x540000e0, 0xf1005005, 0xd53b4206, 0xf8408423, 0x8b030084, 0x9bc87d08, 0x17fffff5, 0xd4000001];
  const nearEnd = [0xd2800000, 0xd29ff801, 0xf2a001e1];
  const buffer = [0xd2800000, 0xd2900001, 0xd503201f]; // movz x1, #0x8000; nop
  const run = (setup: number[], rounds: number, jit: boolean): string => {
    let state = '';
    withThreshold(jit ? 0 : Infinity, () => {
      setForceWasm(jit);
      try {
        const { cpu, dv } = remappable();
        [...setup, 0xd2800002 | (rounds << 5), ...loop].forEach((w, i) => dv.setUint32(0x1000 + 4 * i, w, true));
        for (let i = 0; i < 8; i++) {
          dv.setBigUint64(0xfffc0 + 8 * i, BigInt(i + 1) << 32n, true);
          dv.setBigUint64(0x8000 + 8 * i, BigInt(i + 1) * 3n, true);
        }
        cpu.state.pc = 0x1000;
        const loopsBefore = wasmStats.loops;
        const exit = cpu.run(10_000);
        if (jit) assert.ok(wasmStats.loops > loopsBefore, 'the two blocks were compiled as one loop');
        const s = cpu.state;
        const regs = [0, 1, 2, 3, 4, 5, 6, 7, 8].map((n) => s.getX(n).toString(16)).join(' ');
        state = `${exit.kind} ${exit.kind === 'exception' ? `${exit.esr} ${exit.far}` : ''} pc ${s.pc.toString(16)} nzcv ${s.nzcv >>> 28} icount ${cpu.icount} x0-x8 ${regs}`;
      } finally {
        setForceWasm(false);
      }
    });
    return state;
  };
  // The loop's head is A (B was translated first, before the jump back made A a block of its own),
  // so round 9's load faults in the partner: x0 = 9, x1 not written back, x2 from round 9's SUBS,
  // the flags of B's SUBS (N), which MRS read into x6.
  const fault = run(nearEnd, 100, false);
  assert.match(fault, /^exception .* pc 1030 nzcv 8 icount 108 x0-x8 9 100000 5b 800000000 [0-9a-f]+ fffffffffffffff5 80000000 0 1$/);
  assert.equal(run(nearEnd, 100, true), fault);
  // Five rounds, leaving through A's B.EQ: x2 = 0 and Z and C set by its SUBS.
  const out = run(buffer, 5, false);
  assert.match(out, /^svc .* nzcv 6 icount 59 x0-x8 5 8020 0 .* 1$/);
  assert.equal(run(buffer, 5, true), out);
});

test('WebAssembly blocks: a loop forgets the page its load used once a call of the interpreter may have changed the TLB', () => {
  // movz x1, #0x1, lsl #16; x5 = 0x10ffc; movz x2, #6
  // 1: ldr w0, [x1]; add x4, x4, x0; ldr x3, [x5] (crosses a page: interpreted); subs x2, x2, #1; b.ne 1b; svc #0
  const prog = [0xd2a00021, 0xd281ff85, 0xf2a00025, 0xd28000c2, 0xb9400020, 0x8b000084, 0xf94000a3, 0xf1000442, 0x54ffff81, 0xd4000001];
  const sums: bigint[] = [];
  for (const jit of [false, true]) {
    withThreshold(jit ? 0 : Infinity, () => {
      setForceWasm(jit);
      try {
        const ramBytes = 1 << 20;
        const mem = allocateJitMemory(ramBytes, 1)!;
        const bus: PhysicalBus = { ram: mem.memory.buffer, ramBase: 0, ramSize: ramBytes, jit: mem, mmioRead: () => null, mmioWrite: () => false };
        let pa = 0x20000;
        let cpu: Cpu | null = null;
        // Translating the page after 0x10000 remaps 0x10000 and drops its TLB entry, as a shootdown would.
        const translator: AddressTranslator = {
          translate: (va) => {
            if (va >= 0x10000 && va < 0x11000) return pa + (va - 0x10000);
            if (va >= 0x11000 && va < 0x12000) {
              pa ^= 0x20000 ^ 0x30000;
              cpu!.tlbFlushVa(0x10000);
            }
            return va >= 0 && va < ramBytes ? va : { fsc: FSC.TRANSLATION_L0 };
          },
        };
        cpu = new Cpu({ bus, translator, jitArea: jitAreaOffset(mem, 0)! });
        const dv = new DataView(mem.memory.buffer, 0, ramBytes);
        dv.setUint32(0x20000, 111, true);
        dv.setUint32(0x30000, 222, true);
        prog.forEach((w, i) => dv.setUint32(0x1000 + 4 * i, w, true));
        cpu.state.pc = 0x1000;
        assert.equal(cpu.run(1000).kind, 'svc');
        sums.push(cpu.state.getX(4));
      } finally {
        setForceWasm(false);
      }
    });
  }
  assert.equal(sums[0], 3n * (111n + 222n));
  assert.equal(sums[1], sums[0]);
});
