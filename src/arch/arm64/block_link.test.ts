import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachCpuTier } from '../../../tests/harness/cpu_tiers.js';
import { Cpu } from './cpu.js';
import { FSC } from './exit.js';
import { allocateJitMemory, jitAreaOffset } from './jit/guest_memory.js';
import type { AddressTranslator, PhysicalBus } from './mmu/translator.js';

/** RAM at 0 mapped flat, except the page at VA 0x10000, which maps wherever `target.pa` says. */
function remappable(jit: boolean): { cpu: Cpu; dv: DataView; target: { pa: number } } {
  const ramBytes = 1 << 20;
  const memory = jit ? allocateJitMemory(ramBytes, 1)! : null;
  const ram = memory === null ? new ArrayBuffer(ramBytes) : memory.memory.buffer;
  const bus: PhysicalBus = { ram, ramBase: 0, ramSize: ramBytes, ...(memory === null ? {} : { jit: memory }), mmioRead: () => null, mmioWrite: () => false };
  const target = { pa: 0x20000 };
  const translator: AddressTranslator = {
    translate: (va) => {
      if (va >= 0x10000 && va < 0x11000) return target.pa + (va - 0x10000);
      return va >= 0 && va < ramBytes ? va : { fsc: FSC.TRANSLATION_L0 };
    },
  };
  const cpu = new Cpu({ bus, translator, ...(memory === null ? {} : { jitArea: jitAreaOffset(memory, 0)! }) });
  return { cpu, dv: new DataView(ram, 0, ramBytes), target };
}

/**
 * The run loop follows a block's link to the block that ran after it only while the vCPU's
 * translations are as they were when the link was made: after a remap and its TLBI, the same
 * virtual PC runs the code of the new page.
 */
test('a block link is not followed across a TLB invalidation', () => {
  forEachCpuTier((t) => {
    const { cpu, dv, target } = remappable(t.jit);
    const put = (at: number, words: readonly number[]) => words.forEach((w, i) => dv.setUint32(at + 4 * i, w, true));
    put(0x1000, [0xd2a00025, 0xd63f00a0, 0xd4000001]); // movz x5, #0x1, lsl #16; blr x5; svc #0
    put(0x20000, [0xd2800020, 0xd65f03c0]); // movz x0, #1; ret
    put(0x30000, [0xd2800040, 0xd65f03c0]); // movz x0, #2; ret
    const call = () => {
      cpu.state.pc = 0x1000;
      assert.equal(cpu.run(1000).kind, 'svc', t.name);
      return cpu.state.getX(0);
    };
    assert.equal(call(), 1n);
    assert.equal(call(), 1n, `${t.name}: the linked block runs again`);
    target.pa = 0x30000;
    cpu.tlbFlushVa(0x10000);
    assert.equal(call(), 2n, `${t.name}: after the remap and its TLBI, the new page's code runs`);
  });
});

/**
 * A discarded block's header row goes to the next block translated: a link that named the old
 * block must not lead to the new one, which starts at another RAM offset.
 */
test('a link to a discarded block is not followed to the block that took its id', () => {
  forEachCpuTier((t) => {
    const { cpu, dv } = remappable(t.jit);
    const put = (at: number, words: readonly number[]) => words.forEach((w, i) => dv.setUint32(at + 4 * i, w, true));
    put(0x1000, [0xd2a00045, 0xd63f00a0, 0xd4000001]); // movz x5, #0x2, lsl #16; blr x5; svc #0
    put(0x20000, [0xd2800020, 0xd65f03c0]); // movz x0, #1; ret
    // Rewrites 0x20000's first instruction as movz x0, #3 (discarding its block), then branches to a
    // block not yet translated, which takes the discarded block's id: movz x7, #0x2, lsl #16;
    // movz w6, #0x60; movk w6, #0xd280, lsl #16; str w6, [x7]; b 0x4000 / svc #0.
    put(0x3000, [0xd2a00047, 0x52800c06, 0x72ba5006, 0xb90000e6, 0x140003fc]);
    put(0x4000, [0xd4000001]);
    const runAt = (pc: number) => {
      cpu.state.pc = pc;
      assert.equal(cpu.run(1000).kind, 'svc', t.name);
      return cpu.state.getX(0);
    };
    assert.equal(runAt(0x1000), 1n);
    assert.equal(runAt(0x1000), 1n, `${t.name}: the linked block runs again`);
    runAt(0x3000);
    assert.equal(dv.getUint32(0x20000, true), 0xd2800060);
    assert.equal(runAt(0x1000), 3n, `${t.name}: the rewritten code runs, not the block that took the old one's id`);
  });
});
