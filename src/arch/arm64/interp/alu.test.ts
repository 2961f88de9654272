import { xorshift32 } from '../../../lib/prng.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  SHIFT_ASR, SHIFT_LSL, SHIFT_LSR, SHIFT_ROR, decodeBitMasks, funnel64, mulhu32, shift32, shiftHi64, shiftLo64,
} from './alu.js';
import { CRC32C_TABLE, CRC32_TABLE, crc32Update } from './crc32.js';
import { REG_ZR_READ } from '../state.js';

const M64 = (1n << 64n) - 1n;

/** A small deterministic generator, so failures reproduce. */
const rng = xorshift32;

function refShift(v: bigint, t: number, s: number): bigint {
  const b = BigInt(s);
  switch (t) {
    case SHIFT_LSL: return (v << b) & M64;
    case SHIFT_LSR: return v >> b;
    case SHIFT_ASR: return BigInt.asUintN(64, BigInt.asIntN(64, v) >> b);
    default: return ((v >> b) | (v << ((64n - b) % 64n))) & M64;
  }
}

test('shiftLo64()/shiftHi64() agree with a BigInt ShiftReg for every type and amount', () => {
  const next = rng(1);
  for (let i = 0; i < 200; i++) {
    const lo = next();
    const hi = i % 7 === 0 ? 0x8000_0000 : next();
    const v = (BigInt(hi) << 32n) | BigInt(lo);
    for (let t = 0; t < 4; t++) {
      for (let s = 0; s < 64; s++) {
        const want = refShift(v, t, s);
        const got = (BigInt(shiftHi64(lo, hi, t, s)) << 32n) | BigInt(shiftLo64(lo, hi, t, s));
        assert.equal(got, want, `t=${t} s=${s} v=${v.toString(16)}`);
      }
    }
  }
});

test('funnel64() word plans reproduce LSL/LSR/ROR of a register for every amount', () => {
  const x = new Uint32Array(68);
  x[2 * 5] = 0x89ab_cdef;
  x[2 * 5 + 1] = 0x8123_4567;
  const v = 0x8123_4567_89ab_cdefn;
  assert.equal(x[2 * REG_ZR_READ], 0);
  for (const t of [SHIFT_LSL, SHIFT_LSR, SHIFT_ROR]) {
    for (let s = 0; s < 64; s++) {
      const f = funnel64(5, t, s)!;
      const l = 32 - f.r;
      const lo = f.r === 0 ? x[f.i0]! : ((x[f.i0]! >>> f.r) | (x[f.i1]! << l)) >>> 0;
      const hi = f.r === 0 ? x[f.i1]! : ((x[f.i1]! >>> f.r) | (x[f.i2]! << l)) >>> 0;
      assert.equal((BigInt(hi) << 32n) | BigInt(lo), refShift(v, t, s), `t=${t} s=${s}`);
    }
  }
  assert.equal(funnel64(5, SHIFT_ASR, 3), null);
});

test('shift32() handles all four types, including ROR and ASR of negative values', () => {
  assert.equal(shift32(0x8000_0001, SHIFT_ROR, 1), 0xc000_0000);
  assert.equal(shift32(0x8000_0000, SHIFT_ASR, 31), 0xffff_ffff);
  assert.equal(shift32(0xffff_ffff, SHIFT_LSR, 28), 0xf);
  assert.equal(shift32(0x3, SHIFT_LSL, 31), 0x8000_0000);
  assert.equal(shift32(0x1234_5678, SHIFT_ROR, 0), 0x1234_5678);
});

test('mulhu32() is the high word of the exact 64-bit product', () => {
  const next = rng(7);
  const edge = [0, 1, 0xffff, 0x1_0000, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff];
  const vals = [...edge, ...Array.from({ length: 60 }, next)];
  for (const a of vals) {
    for (const b of vals) assert.equal(mulhu32(a, b), Number((BigInt(a) * BigInt(b)) >> 32n), `${a} * ${b}`);
  }
});

test('decodeBitMasks() decodes logical immediates as the assembler encodes them', () => {
  // Encodings taken from aarch64-linux-gnu-as output: N, immr, imms -> value.
  const cases: [number, number, number, bigint][] = [
    [0, 8, 0x27, 0xff00ff00ff00ff00n], // and x0, x1, #0xff00ff00ff00ff00
    [0, 0, 0x3c, 0x5555555555555555n], // orr w0, wzr, #0x55555555 (replicated to 64 bits)
    [1, 60, 0x3b, 0xfffffffffffffff0n], // orr x0, xzr, #0xfffffffffffffff0
    [1, 1, 0, 0x8000000000000000n], // eor x0, x1, #0x8000000000000000
    [0, 1, 1, 0x8000000180000001n], // ands w0, w1, #0x80000001
  ];
  for (const [n, immr, imms, want] of cases) {
    const m = decodeBitMasks(n, imms, immr, true)!;
    assert.equal((BigInt(m.wHi) << 32n) | BigInt(m.wLo >>> 0), want, `N=${n} immr=${immr} imms=${imms}`);
  }
});

test('decodeBitMasks() rejects the reserved logical-immediate encodings but not the same bitfield ones', () => {
  assert.equal(decodeBitMasks(1, 0x3f, 0, true), null); // all-ones 64-bit element
  assert.equal(decodeBitMasks(0, 0x3d, 0, true), null); // all-ones 2-bit element
  assert.equal(decodeBitMasks(0, 0x3f, 0, true), null); // no element size
  assert.notEqual(decodeBitMasks(1, 0x3f, 0, false), null); // UBFM x, x, #0, #63 is fine
});

test('crc32Update() gives the standard CRC-32 and CRC-32C check values with pre/post inversion', () => {
  const bytes = Array.from('123456789', (ch) => ch.charCodeAt(0));
  const run = (table: Int32Array): number => (bytes.reduce((crc, b) => crc32Update(table, crc, b, 1), 0xffff_ffff) ^ 0xffff_ffff) >>> 0;
  assert.equal(run(CRC32_TABLE), 0xcbf4_3926);
  assert.equal(run(CRC32C_TABLE), 0xe306_9283);
});
