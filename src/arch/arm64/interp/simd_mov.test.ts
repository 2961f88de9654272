import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flatMachine } from '../../../../tests/harness/flat_machine.js';
import { runFixed } from './simd_perm_fixture.test.js';

/** [assembly, word, destination, expected bytes lowest first]: from qemu-aarch64-static 7.2, same fixed state. */
const CASES: readonly (readonly [string, number, number, string])[] = [
  ['movi v0.4s, #0xab, lsl #16', 0x4f054560, 0, '0000ab000000ab000000ab000000ab00'],
  ['mvni v1.8h, #0x12, lsl #8', 0x6f00a641, 1, 'ffedffedffedffedffedffedffedffed'],
  ['orr v2.4s, #0x80', 0x4f041402, 2, 'a0212223a4252627a8292a2bac2d2e2f'],
  ['bic v3.2s, #0xff, lsl #24', 0x2f0777e3, 3, '30313200343536000000000000000000'],
  ['movi v4.4s, #0x12, msl #8', 0x4f00c644, 4, 'ff120000ff120000ff120000ff120000'],
  ['movi d5, #0xff00ff0000ff00ff', 0x2f05e4a5, 5, 'ff00ff0000ff00ff0000000000000000'],
  ['movi v6.16b, #0x5a', 0x4f02e746, 6, '5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a'],
  ['fmov v7.4s, #-1.5', 0x4f07f707, 7, '0000c0bf0000c0bf0000c0bf0000c0bf'],
  ['fmov v8.2d, #0.25', 0x6f02f608, 8, '000000000000d03f000000000000d03f'],
  ['addv b9, v20.16b', 0x4e31ba89, 9, '3c000000000000000000000000000000'],
  ['uaddlv h10, v20.16b', 0x6e303a8a, 10, '3c070000000000000000000000000000'],
  ['saddlv d11, v20.4s', 0x4eb03a8b, 11, '0ec7db90ffffffff0000000000000000'],
  ['smaxv h12, v20.8h', 0x4e70aa8c, 12, '807f0000000000000000000000000000'],
  ['uminv s13, v20.4s', 0x6eb1aa8d, 13, '807fff01000000000000000000000000'],
  ['and v14.16b, v20.16b, v21.16b', 0x4e351e8e, 14, '00703c011000128400002a8010024400'],
  ['bsl v22.16b, v20.16b, v21.16b', 0x6e751e96, 22, '0ff17e819b603ac401c13f957d026ec0'],
  ['bif v23.8b, v20.8b, v21.8b', 0x2ef51e97, 23, '807ff34374f0736d0000000000000000'],
  ['orn v24.16b, v20.16b, v21.16b', 0x4ef51e98, 24, 'f07fff3d10ffb7defe7faa81fedfff77'],
  ['not v25.16b, v20.16b', 0x6e205a99, 25, '7f8000feef0fcc33ffaa557e81fd01bf'],
  ['rbit v26.8b, v20.8b', 0x2e605a9a, 26, '01feff80080fcc330000000000000000'],
  ['cnt v27.16b, v20.16b', 0x4e205a9b, 27, '01070801010404040004040206010701'],
  ['rev32 v28.8h, v20.8h', 0x6e600a9c, 28, 'ff01807f33cc10f0aa810055fe407e02'],
  ['rev64 v29.16b, v20.16b', 0x4e200a9d, 29, 'cc33f01001ff7f8040fe027e81aa5500'],
  ['rev16 v30.16b, v20.16b', 0x4e201a9e, 30, '7f8001fff010cc33550081aa027e40fe'],
];

for (const [asm, word, d, want] of CASES) {
  test(`${asm} gives QEMU's result`, () => {
    assert.equal(runFixed(word).v(d), want);
  });
}

test('reserved modified-immediate, across-lanes and misc encodings are undefined', () => {
  for (const word of [
    0x2f07f707, // fmov .2d form with Q = 0
    0x0f00fc00, // o2 = 1: FMOV .4h (FEAT_FP16, not implemented)
    0x0eb1b800, // addv s0, v0.2s (Q = 0 with 32-bit lanes)
    0x4ef1b800, // addv with 64-bit lanes
    0x4e605800, // cnt .8h
    0x4ee00800, // rev64 .2d
    0x6ea00800, // rev32 .4s
  ]) {
    const m = flatMachine();
    m.load([word]);
    const exit = m.run();
    assert.equal(exit.kind === 'exception' && exit.esr >>> 26, 0, word.toString(16));
    assert.equal(m.cpu.state.pc, 0x1000, word.toString(16)); // on the reserved word itself
  }
});
