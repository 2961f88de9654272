import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flatMachine } from '../../../../tests/harness/flat_machine.js';
import { extractFields } from '../decode/pattern.js';
import { SIMD_INT } from './simd_int.js';
import { SIMD_INT_SHIFT } from './simd_int_shift.js';
import { FAST_PATHS } from './simd_int_fast_common.js';

/** mulberry32: a small deterministic PRNG, so a failure names a reproducible case. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

const EDGE = [0x00, 0x01, 0x7f, 0x80, 0x81, 0xfe, 0xff];

/**
 * The specialised closures (simd_int_fast*.ts) must behave exactly like the lane engine, which the
 * differential tests check against QEMU. This runs both on the same random states for random
 * encodings of every pattern, so it needs no QEMU.
 */
test('specialised closures match the lane engine on random encodings and states', () => {
  const next = rng(0x5eed);
  const a = flatMachine();
  const b = flatMachine();
  let compared = 0;
  for (const group of [SIMD_INT, SIMD_INT_SHIFT]) {
    for (const p of group.patterns) {
      const factory = group.handlers[p.name]!;
      for (let k = 0; k < 40; k++) {
        const word = (p.match | (next() & ~p.mask)) >>> 0;
        const f = extractFields(p, word);
        FAST_PATHS.enabled = true;
        const fast = factory(f, word);
        FAST_PATHS.enabled = false;
        const generic = factory(f, word);
        FAST_PATHS.enabled = true;
        assert.equal(fast === null, generic === null, `${p.name} ${word.toString(16)}: decode differs`);
        if (fast === null || generic === null) continue;
        for (let i = 0; i < 512; i++) a.cpu.v8[i] = next() % 3 === 0 ? EDGE[next() % EDGE.length]! : next() & 0xff;
        const fpsr = next() % 4 === 0 ? 0x0800_0000 : 0;
        b.cpu.v8.set(a.cpu.v8);
        a.cpu.state.fpsr = fpsr;
        b.cpu.state.fpsr = fpsr;
        fast(a.cpu);
        generic(b.cpu);
        assert.deepEqual(a.cpu.v8, b.cpu.v8, `${p.name} ${word.toString(16)}: registers differ`);
        assert.equal(a.cpu.state.fpsr, b.cpu.state.fpsr, `${p.name} ${word.toString(16)}: FPSR differs`);
        compared++;
      }
    }
  }
  assert.ok(compared > 1000, `only ${compared} cases compared`);
});
