/**
 * The FP groups' patterns against the whole decoder: every encoding one of our handlers accepts must
 * decode to that pattern (no other group claims it first), and every pattern accepts something.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { translateInsn } from './index.js';
import { FP_CONV } from './fp_conv.js';
import { FP_SCALAR } from './fp_scalar.js';
import { SIMD_FP } from './simd_fp.js';
import { extractFields } from '../decode/pattern.js';

test('FP encodings decode to their own patterns', () => {
  let seed = 0x9e3779b9;
  const next = (): number => {
    seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return (seed ^ (seed >>> 13)) >>> 0;
  };
  for (const g of [FP_SCALAR, FP_CONV, SIMD_FP]) {
    for (const p of g.patterns) {
      let accepted = 0;
      for (let i = 0; i < 400; i++) {
        const insn = ((next() & ~p.mask) | p.match) >>> 0;
        if (g.handlers[p.name]!(extractFields(p, insn), insn) === null) continue;
        accepted++;
        assert.equal(translateInsn(insn).name, p.name, `0x${insn.toString(16)}`);
      }
      assert.ok(accepted > 0, `${p.name} accepted no encoding`);
    }
  }
});
