import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flatMachine } from '../../../../tests/harness/flat_machine.js';
import { EC, ecOf } from '../exit.js';
import { translateInsn } from './index.js';

/**
 * Expected V2 and FPSR.QC after one instruction, recorded from qemu-aarch64-static (cortex-a76) with
 * V0 = 00017f8081feff40123456789abcdef0, V1 = ff0101807f0280c0f9fa10203f40ffc1 and
 * V2 = 0123456789abcdeffedcba9876543210 (bytes in memory order, lane 0 first), FPSR = 0.
 * Columns: assembly, encoding, V2 bytes in memory order, QC.
 */
const QEMU_CASES: readonly (readonly [string, number, string, number])[] = [
  ['cmeq v2.16b, v0.16b, v1.16b', 0x6e218c02, '00ff00ff000000000000000000000000', 0],
  ['cmeq v2.8b, v0.8b, #0', 0x0e209802, 'ff000000000000000000000000000000', 0],
  ['cmhs v2.16b, v0.16b, v1.16b', 0x6e213c02, '00ffffffffffff000000ffffffff00ff', 0],
  ['cmgt v2.4s, v0.4s, v1.4s', 0x4ea13402, 'ffffffffffffffffffffffffffffffff', 0],
  ['umaxp v2.16b, v0.16b, v1.16b', 0x6e21a402, '0180feff3478bcf0ff807fc0fa2040ff', 0],
  ['uminp v2.16b, v0.16b, v1.16b', 0x6e21ac02, '007f814012569ade01010280f9103fc1', 0],
  ['addp v2.16b, v0.16b, v2.16b', 0x4e22bc02, '01ff7f3f46ce56ce24ac34bcda52ca42', 0],
  ['addp d2, v0.2d', 0x5ef1b802, '1235d5f81bbbde310000000000000000', 0],
  ['shrn v2.8b, v0.8h, #4', 0x0f0c8402, '1007e80f4185c90d0000000000000000', 0],
  ['shrn2 v2.16b, v0.8h, #4', 0x4f0c8402, '0123456789abcdef1007e80f4185c90d', 0],
  ['sqadd v2.8h, v0.8h, v1.8h', 0x4e610c02, 'ff02008000017f010b2fff7fd9fcddb2', 1],
  ['uqsub v2.4s, v0.4s, v1.4s', 0x6ea12c02, '01ff7d0000000000193945585b7cdf2e', 1],
  ['sqadd d2, d0, d1', 0x5ee10c02, 'ff028000010180010000000000000000', 0],
  ['sqrdmulh v2.4s, v0.4s, v1.4s', 0x6ea1b402, '01fe7f7f0202c1dfbd83251e50335407', 0],
  ['sqdmulh h2, h0, h1', 0x5e61b402, '03000000000000000000000000000000', 0],
  ['srshl v2.2d, v0.2d, v1.2d', 0x4ee15402, '80803fc040ff7f2068acf03479bde1ff', 0],
  ['uqrshl v2.16b, v0.16b, v1.16b', 0x6e215c02, '0002fe00ffff00000001ffffffff6f00', 1],
  ['mla v2.8h, v0.8h, v1.8h', 0x4e619402, '0122c46788ef4daf80161ade5c3e545b', 0],
  ['pmul v2.16b, v0.16b, v1.16b', 0x6e219c02, '00017f00fffc800062086000f6004af0', 0],
  ['uabal2 v2.8h, v0.16b, v1.16b', 0x6e215002, 'e8230b68cfab25f059dd369997546110', 0],
  ['smull v2.2d, v0.2s, v1.2s', 0x0ea1c002, '00ff827e00ffbf3fff437c3f0181e0ef', 0],
  ['umlal2 v2.4s, v0.8h, v1.8h', 0x6e618002, '835c519ae9f0dffee4c60fc8989fb9c6', 0],
  ['sqdmlal v2.4s, v0.4h, v1.4h', 0x0e619002, '0121496787ac4d6ffc64b39876d3f3ef', 0],
  ['pmull v2.8h, v0.8b, v1.8b', 0x0e21e002, '000001007f000040ff3ffc01807f0030', 0],
  ['raddhn2 v2.16b, v0.8h, v1.8h', 0x6e214002, '0123456789abcdef030101012f98fdb3', 0],
  ['subhn v2.2s, v0.2d, v1.2d', 0x0ea16002, '02fc7f805b7cdf2e0000000000000000', 0],
  ['uadalp v2.4s, v0.8h', 0x6e606802, '80a4456709ebceef6689bb98ee013410', 0],
  ['cls v2.16b, v0.16b', 0x4e204802, '07060000000607000201000000000103', 0],
  ['clz v2.4s, v0.4s', 0x6ea04802, '00000000010000000100000000000000', 0],
  ['sqabs v2.16b, v0.16b', 0x4e207802, '00017f7f7f0201401234567866442210', 1],
  ['sqneg d2, d0', 0x7ee07802, '00ff807f7e0100bf0000000000000000', 0],
  ['suqadd v2.8h, v0.8h', 0x4e603802, '0124ff7fff7fcc3010111011ff7fff7f', 1],
  ['usqadd b2, b0', 0x7e203802, '01000000000000000000000000000000', 0],
  ['sqxtun v2.8b, v0.8h', 0x2e212802, 'ff0000ffffff00000000000000000000', 1],
  ['uqxtn2 v2.8h, v0.4s', 0x6e614802, '0123456789abcdefffffffffffffffff', 1],
  ['shll2 v2.4s, v0.8h, #16', 0x6e613802, '000012340000567800009abc0000def0', 0],
  ['xtn v2.2s, v0.2d', 0x0ea12802, '00017f80123456780000000000000000', 0],
  ['cmlt d2, d0, #0', 0x5ee0a802, '00000000000000000000000000000000', 0],
  ['abs v2.2d, v0.2d', 0x4ee0b802, '00017f8081feff40eecba9876543210f', 0],
  ['ursra v2.4s, v0.4s, #7', 0x6f393402, '0321466886ab4ff06689ab99ef111412', 0],
  ['sri v2.8h, v0.8h, #3', 0x6f1d4402, '20200f70d0bf1fe882c60a8f93571b1e', 0],
  ['sli d2, d0, #17', 0x7f515402, '01230102fe0003fd0000000000000000', 0],
  ['sqshlu v2.16b, v0.16b, #3', 0x6f0b6402, '0008ff00000000ff90ffffff00000000', 1],
  ['uqshl s2, s0, #5', 0x7f257402, 'ffffffff000000000000000000000000', 1],
  ['sqrshrun2 v2.8h, v0.4s, #9', 0x6f178c02, '0123456789abcdef0000ffffffff0000', 1],
  ['sshll2 v2.2d, v0.4s, #31', 0x4f3fa402, '00000000091a2b3c000000004d5e6ff8', 0],
  ['ushll v2.8h, v0.8b, #0', 0x2f08a402, '000001007f0080008100fe00ff004000', 0],
  ['mul v2.8h, v0.8h, v1.h[7]', 0x4f718802, '00ff81bd7fc301fdee6faab366f7224b', 0],
  ['smlsl2 v2.2d, v0.4s, v1.s[3]', 0x4fa16802, '93d21bcd48e6f20c18f35dabce3a880c', 0],
  ['sqdmulh v2.4s, v0.4s, v1.s[1]', 0x4fa1c002, '04fc403f0202c1df833e4dc424808107', 0],
  ['sqrdmulh h2, h0, v1.h[3]', 0x5f71d002, '81ff0000000000000000000000000000', 0],
  ['sqdmull d2, s0, v1.s[2]', 0x5f81b802, '00f2032520d60ee00000000000000000', 0],
  ['sqdmlsl s2, h0, h1', 0x5e61b002, '01254167000000000000000000000000', 0],
  ['cmtst v2.2d, v0.2d, v1.2d', 0x4ee18c02, 'ffffffffffffffffffffffffffffffff', 0],
  ['ssra d2, d0, #64', 0x5f401402, '0123456789abcdef0000000000000000', 0],
  ['ushr v2.4s, v0.4s, #32', 0x6f200402, '00000000000000000000000000000000', 0],
  ['shadd v2.8b, v0.8b, v1.8b', 0x0e210402, 'ff0140800000bf000000000000000000', 0],
  ['urhadd v2.8h, v0.8h, v1.8h', 0x6e611402, '800140808080c0808697334c6d7e6fd9', 0],
  ['sabd v2.4s, v0.4s, v1.4s', 0x4ea17402, '01ff7d0002fc7f80193945585b7cdf2e', 0],
  ['smaxp v2.4h, v0.4h, v1.4h', 0x0e61a402, '0001ff40ff017f020000000000000000', 0],
  ['usubw2 v2.2d, v0.2d, v1.4s', 0x6ea13002, '07066e6081feff40d3f356b699bcdef0', 0],
  // Forms with specialised closures (simd_int_fast*.ts): SWAR lanes, 64-bit halves, widening/narrowing.
  ['cmeq v2.8h, v0.8h, v1.8h', 0x6e618c02, '00000000000000000000000000000000', 0],
  ['cmeq v2.4s, v0.4s, v1.4s', 0x6ea18c02, '00000000000000000000000000000000', 0],
  ['add v2.16b, v0.16b, v1.16b', 0x4e218402, 'ff02800000007f000b2e6698d9fcddb1', 0],
  ['sub v2.8h, v0.8h, v1.8h', 0x6e618402, '01ff7e0002fc7f80193946585b7cdf2e', 0],
  ['sub v2.8b, v0.8b, v1.8b', 0x2e218402, '01007e0002fc7f800000000000000000', 0],
  ['cmtst v2.16b, v0.16b, v1.16b', 0x4e218c02, '00ffffffffffffffffffffffff00ffff', 0],
  ['cmhi v2.16b, v0.16b, v1.16b', 0x6e213402, '0000ff00ffffff000000ffffffff00ff', 0],
  ['cmgt v2.16b, v0.16b, v1.16b', 0x4e213402, 'ff00ff000000ffffffffffff000000ff', 0],
  ['cmge v2.8b, v0.8b, v1.8b', 0x0e213c02, 'ffffffff0000ffff0000000000000000', 0],
  ['umax v2.16b, v0.16b, v1.16b', 0x6e216402, 'ff017f8081feffc0f9fa56789abcfff0', 0],
  ['umin v2.8b, v0.8b, v1.8b', 0x2e216c02, '000101807f0280400000000000000000', 0],
  ['addp v2.8h, v0.8h, v1.8h', 0x4e61bc02, '7f81803f68ac78ad0082ffc2091b3e02', 0],
  ['umaxp v2.4s, v0.4s, v1.4s', 0x6ea1a402, '00017f809abcdef07f0280c03f40ffc1', 0],
  ['uminp v2.8b, v0.8b, v1.8b', 0x2e21ac02, '007f8140010102800000000000000000', 0],
  ['umaxp v2.16b, v2.16b, v2.16b', 0x6e22a442, '2367abeffeba76322367abeffeba7632', 0],
  ['add v2.2d, v0.2d, v1.2d', 0x4ee18402, 'ff028000010180010b2f6798d9fcddb2', 0],
  ['sub v2.2d, v0.2d, v1.2d', 0x6ee18402, '01ff7d0002fc7f80193945585b7cdf2e', 0],
  ['cmeq v2.2d, v0.2d, v1.2d', 0x6ee18c02, '00000000000000000000000000000000', 0],
  ['cmhi v2.2d, v0.2d, v1.2d', 0x6ee13402, '0000000000000000ffffffffffffffff', 0],
  ['cmhs v2.2d, v1.2d, v0.2d', 0x6ee03c22, 'ffffffffffffffff0000000000000000', 0],
  ['cmeq v2.4s, v0.4s, #0', 0x4ea09802, '00000000000000000000000000000000', 0],
  ['cmlt v2.16b, v0.16b, #0', 0x4e20a802, '000000ffffffff0000000000ffffffff', 0],
  ['neg v2.8h, v0.8h', 0x6e60b802, '00ff817f7f0101bfeecbaa876643220f', 0],
  ['shl v2.4s, v0.4s, #9', 0x4f295402, '000002fe0002fdff002468ac003479bd', 0],
  ['ushr v2.16b, v0.16b, #8', 0x6f080402, '00000000000000000000000000000000', 0],
  ['sshr v2.8h, v0.8h, #16', 0x4f100402, '0000ffffffff000000000000ffffffff', 0],
  ['usra v2.4s, v0.4s, #32', 0x6f201402, '0123456789abcdeffedcba9876543210', 0],
  ['ushr v2.2d, v0.2d, #40', 0x6f580402, 'feff400000000000bcdef00000000000', 0],
  ['sshr d2, d0, #64', 0x5f400402, '00000000000000000000000000000000', 0],
  ['sshr v2.2d, v0.2d, #3', 0x4f7d0402, '20e00f30d0ff1f0882c60a4f93d71bfe', 0],
  ['shl v2.2d, v0.2d, #33', 0x4f615402, '000000000002fe00000000002468acf0', 0],
  ['usra d2, d0, #1', 0x7f7f1402, '81a38427caaa4d100000000000000000', 0],
  ['ssra v2.2d, v0.2d, #35', 0x4f5d1402, 'd122656f89abcdef91b4d69676543210', 0],
  ['uxtl2 v2.2d, v0.4s', 0x6f20a402, '12345678000000009abcdef000000000', 0],
  ['sxtl v2.2d, v0.2s', 0x0f20a402, '00017f80ffffffff81feff4000000000', 0],
  ['sshll v2.2d, v0.2s, #7', 0x0f27a402, '0080803fc0ffffff8040ff7f20000000', 0],
  ['ushll v2.8h, v0.8b, #3', 0x2f0ba402, '00000800f80300040804f007f8070002', 0],
  ['xtn v2.8b, v0.8h', 0x0e212802, '007f81ff12569ade0000000000000000', 0],
  ['xtn2 v2.16b, v0.8h', 0x4e212802, '0123456789abcdef007f81ff12569ade', 0],
  ['xtn2 v2.4s, v0.2d', 0x4ea12802, '0123456789abcdef00017f8012345678', 0],
  ['shrn2 v2.8h, v0.4s, #16', 0x4f108402, '0123456789abcdef7f80ff405678def0', 0],
];

const SVC0 = 0xd4000001;
const bytes = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex, 'hex'));

function runOne(word: number, fpsr = 0): { v2: string; qc: number; name: string } {
  const m = flatMachine();
  const s = m.cpu.state;
  s.v8.set(bytes('00017f8081feff40123456789abcdef0'), 0);
  s.v8.set(bytes('ff0101807f0280c0f9fa10203f40ffc1'), 16);
  s.v8.set(bytes('0123456789abcdeffedcba9876543210'), 32);
  s.fpsr = fpsr;
  m.load([word, SVC0]);
  const exit = m.run();
  assert.equal(exit.kind, 'svc');
  return { v2: Buffer.from(s.v8.subarray(32, 48)).toString('hex'), qc: (s.fpsr >>> 27) & 1, name: translateInsn(word).name };
}

for (const [asm, word, v2, qc] of QEMU_CASES) {
  test(`${asm} gives QEMU's result`, () => {
    const r = runOne(word);
    assert.notEqual(r.name, 'UNDEFINED');
    assert.equal(r.v2, v2);
    assert.equal(r.qc, qc);
  });
}

test('FPSR.QC is sticky: a non-saturating instruction leaves it set', () => {
  const r = runOne(0x6e218c02, 0x0800_0000); // cmeq v2.16b, v0.16b, v1.16b
  assert.equal(r.qc, 1);
});

test('reserved size/Q combinations and 64-bit PMULL are UNDEFINED', () => {
  for (const word of [
    0x0ee18402, // add v2.1d, v0.1d, v1.1d (size 11, Q 0)
    0x4ee19c02, // mul v2.2d (size 11)
    0x0ee1e002, // pmull v2.1q, v0.1d, v1.1d (FEAT_PMULL)
    0x4e61e002, // pmull with 16-bit elements
    0x5e218402, // add b2, b0, b1 (scalar ADD is D only)
    0x5f090402, // sshr b2, b0, #7 (scalar SSHR is D only)
    0x0f480402, // sshr v2.1d, v0.1d, #56 (size 64, Q 0)
  ]) {
    const m = flatMachine();
    m.load([word, SVC0]);
    const exit = m.run();
    assert.equal(exit.kind, 'exception', word.toString(16));
    assert.equal(exit.kind === 'exception' && ecOf(exit.esr), EC.UNKNOWN);
  }
});
