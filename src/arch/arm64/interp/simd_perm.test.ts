import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flatMachine } from '../../../../tests/harness/flat_machine.js';
import { runFixed } from './simd_perm_fixture.test.js';

/** [assembly, word, destination ('x6' / 'v0'), expected value (X: hex number, V: bytes lowest first)]. */
const CASES: readonly (readonly [string, number, string, string])[] = [
  ['dup v0.16b, w1', 0x4e010c20, 'v0', '88888888888888888888888888888888'],
  ['dup v1.8h, v2.h[5]', 0x4e160441, 'v1', '2a2b2a2b2a2b2a2b2a2b2a2b2a2b2a2b'],
  ['dup v3.2d, x1', 0x4e080c23, 'v3', '88776655443322118877665544332211'],
  ['ins v4.s[2], w1', 0x4e141c24, 'v4', '4041424344454647887766554c4d4e4f'],
  ['mov v5.b[15], v2.b[0]', 0x6e1f0445, 'v5', '505152535455565758595a5b5c5d5e20'],
  ['umov w6, v2.h[7]', 0x0e1e3c46, 'x6', '2f2e'],
  ['smov x7, v2.b[3]', 0x4e072c47, 'x7', '23'],
  ['smov w8, v2.h[1]', 0x0e062c48, 'x8', '2322'],
  ['mov x9, v2.d[1]', 0x4e183c49, 'x9', '2f2e2d2c2b2a2928'],
  ['mov s10, v2.s[3]', 0x5e1c044a, 'v10', '2c2d2e2f000000000000000000000000'],
  ['ext v11.16b, v2.16b, v12.16b, #3', 0x6e0c184b, 'v11', '232425262728292a2b2c2d2e2fc0c1c2'],
  ['tbl v13.16b, {v2.16b, v3.16b}, v14.16b', 0x4e0e204d, 'v13', '2025303f0000272f3100002122233e28'],
  ['tbx v15.8b, {v2.16b}, v14.8b', 0x0e0e104f, 'v15', '2025f2f3f4f5272f0000000000000000'],
  ['zip1 v16.8h, v2.8h, v12.8h', 0x4e4c3850, 'v16', '2021c0c12223c2c32425c4c52627c6c7'],
  ['uzp2 v17.4s, v2.4s, v12.4s', 0x4e8c5851, 'v17', '242526272c2d2e2fc4c5c6c7cccdcecf'],
  ['trn1 v18.16b, v2.16b, v12.16b', 0x4e0c2852, 'v18', '20c022c224c426c628c82aca2ccc2ece'],
  ['zip2 v19.2d, v2.2d, v12.2d', 0x4ecc7853, 'v19', '28292a2b2c2d2e2fc8c9cacbcccdcecf'],
];

for (const [asm, word, dst, want] of CASES) {
  test(`${asm} gives QEMU's result`, () => {
    const r = runFixed(word);
    if (dst.startsWith('x')) assert.equal(r.x(Number(dst.slice(1))).toString(16), want);
    else assert.equal(r.v(Number(dst.slice(1))), want);
  });
}

test('reserved copy/permute encodings are undefined', () => {
  for (const word of [
    0x0e080c20, // dup v0.1d, x1 (Q = 0 with a 64-bit element)
    0x0e000c20, // dup with imm5 = 0
    0x4e0e3c46, // umov with Q = 1 and a 32-bit element
    0x0ec07853, // zip2 .1d
    0x2e0c404b, // ext .8b with index 8
  ]) {
    const m = flatMachine();
    m.load([word]);
    const exit = m.run();
    assert.equal(exit.kind === 'exception' && exit.esr >>> 26, 0, word.toString(16));
    assert.equal(m.cpu.state.pc, 0x1000, word.toString(16)); // on the reserved word itself
  }
});
