import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flatMachine } from '../../../tests/harness/flat_machine.js';
import { forEachCpuTier } from '../../../tests/harness/cpu_tiers.js';

/**
 * Code written behind the CPU's back (a backend's grant copy, a device's DMA) leaves translated
 * blocks stale until the guest does what the architecture asks of it, IC IVAU on the lines (or IC
 * IALLU): then the new code runs, in every tier.
 */
test('IC IVAU drops code that something other than the CPU rewrote', () => {
  forEachCpuTier((t) => {
    const m = flatMachine(1 << 20, { jit: t.jit });
    const dv = new DataView(m.ram.buffer, m.ram.byteOffset, m.ram.byteLength);
    const put = (at: number, words: readonly number[]) => words.forEach((w, i) => dv.setUint32(at + 4 * i, w, true));
    put(0x3000, [0xd2800020, 0xd65f03c0]); // movz x0, #1; ret
    const call = [0xd2860005, 0xd63f00a0, 0xd4000001]; // movz x5, #0x3000; blr x5; svc #0
    const callAfterIc = [0xd2860005, 0xd50b7525, 0xd63f00a0, 0xd4000001]; // ... ic ivau, x5 ...
    m.load(call, 0x1000);
    put(0x1100, callAfterIc);
    const runAt = (pc: number) => {
      m.cpu.state.pc = pc;
      assert.equal(m.run().kind, 'svc', t.name);
      return m.cpu.state.getX(0);
    };
    assert.equal(runAt(0x1000), 1n);
    put(0x3000, [0xd28000e0]); // movz x0, #7, written as DMA would: not by a CPU store
    assert.equal(runAt(0x1000), 1n, `${t.name}: without maintenance the translated code still runs`);
    assert.equal(runAt(0x1100), 7n, `${t.name}: after IC IVAU the new code runs`);
  });
});
