import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flatMachine } from '../../../tests/harness/flat_machine.js';
import { DirtyLog, isPageDirty } from '../../lib/dirty_log.js';
import { forEachCpuTier } from '../../../tests/harness/cpu_tiers.js';
import { wasmStats } from './jit/compile.js';

const PROGRAM = [
  0xd2a00081, // mov x1, #0x40000
  0xd2a000a2, // mov x2, #0x50000
  0xd2a000c3, // mov x3, #0x60000
  0xd1002063, // sub x3, x3, #8
  0xd2800064, // mov x4, #3
  0xf9000024, // loop: str x4, [x1]
  0x39002024, // strb w4, [x1, #8]
  0xb9001044, // str w4, [x2, #16]
  0xa9001064, // stp x4, x4, [x3]: 16 bytes across pages 0x5f and 0x60
  0xf1000484, // subs x4, x4, #1
  0x54ffff61, // b.ne loop
  0xd4000001, // svc #0
  0xd2a000e5, // (0x1030) mov x5, #0x70000
  0xf90000a4, // str x4, [x5]
  0xd4000001, // svc #0
];
const LOOP_PAGES = [0x40, 0x50, 0x5f, 0x60];

function dirtyPages(bits: Uint32Array): number[] {
  const pages: number[] = [];
  for (let p = 0; p < bits.length * 32; p++) if (isPageDirty(bits, p)) pages.push(p);
  return pages;
}

/**
 * Live migration resends what the log says was written, so a store the log misses is guest memory
 * lost on the destination. Every tier's stores must mark it, including those that hit a write
 * mapping the TLB took before the log was enabled or last cleaned (which the owner drops then).
 */
test('every store marks the dirty log, in every tier, across enable and clean', () => {
  forEachCpuTier((t) => {
    const log = new DirtyLog({ bytes: 1 << 21 });
    const m = flatMachine(1 << 21, { jit: t.jit, dirtyLog: log });
    m.load(PROGRAM);
    const runAt = (pc: number) => {
      m.cpu.state.pc = pc;
      assert.equal(m.run().kind, 'svc', t.name);
    };
    // The log is off: stores fill the write TLB without marking anything.
    const compiledBefore = wasmStats.blocks;
    runAt(0x1000);
    assert.equal(log.peek().dirtyCount, 0);
    if (t.jit) assert.ok(wasmStats.blocks > compiledBefore, 'the loop runs as WebAssembly, its stores inline');
    log.enable();
    m.cpu.dropWriteMappingsForLog();
    runAt(0x1000);
    assert.deepEqual(dirtyPages(log.peek().bits), LOOP_PAGES, `${t.name}: the loop's pages after enable`);
    assert.deepEqual(dirtyPages(log.clean().bits), LOOP_PAGES);
    m.cpu.dropWriteMappingsForLog();
    runAt(0x1000);
    assert.deepEqual(dirtyPages(log.clean().bits), LOOP_PAGES, `${t.name}: every page again after a clean`);
    m.cpu.dropWriteMappingsForLog();
    runAt(0x1030);
    assert.deepEqual(dirtyPages(log.clean().bits), [0x70], `${t.name}: only what was written since the clean`);
    log.disable();
    runAt(0x1000);
    assert.equal(log.peek().dirtyCount, 0, `${t.name}: nothing is marked once the log is off`);
  });
});
