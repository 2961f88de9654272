/**
 * The exact FP core on its own: FPRound's tininess, flushing and overflow rules, the estimate
 * algorithms and the integer square root. Expected values are IEEE 754 facts (also confirmed on QEMU
 * through the instruction-level tests in interp/fp_golden.test.ts and tests/diff).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FMT_D, FMT_H, FMT_S, round, unpack, NORMAL, ZERO } from './format.js';
import { FPCR_FZ, FPSR_IDC, FPSR_IOC, FPSR_IXC, FPSR_OFC, FPSR_UFC, RM, RN, RO, RP, RZ } from './fpcr.js';
import { fpAdd, fpDiv, fpMulAdd, fpSqrt, isqrt } from './arith.js';
import { fpConvert, fpToFixed } from './convert.js';
import { recipEstimate, recipSqrtEstimate, unsignedRecipEstimate } from './estimate.js';

function st(): { fpsr: number } {
  return { fpsr: 0 };
}

test('round() ties to even and honours directed modes', () => {
  // 1 + 2^-24 in single: exactly halfway between 1 and 1 + 2^-23.
  const m = (1n << 24n) + 1n;
  const s = st();
  assert.equal(round(FMT_S, 0, m, -24, 0, RN, s), 0x3f800000n);
  assert.equal(s.fpsr, FPSR_IXC);
  assert.equal(round(FMT_S, 0, m, -24, 0, RP, st()), 0x3f800001n);
  assert.equal(round(FMT_S, 1, m, -24, 0, RM, st()), 0xbf800001n);
  assert.equal(round(FMT_S, 1, m, -24, 0, RZ, st()), 0xbf800000n);
  assert.equal(round(FMT_S, 0, (1n << 24n) + 2n, -24, 0, RO, st()), 0x3f800001n);
});

test('round() detects tininess before rounding (a value rounding up to the smallest normal underflows)', () => {
  // (2^24 - 1) * 2^-150 is just below 2^-126 and rounds up to it under RN.
  const s = st();
  assert.equal(round(FMT_S, 0, (1n << 24n) - 1n, -150, 0, RN, s), 0x00800000n);
  assert.equal(s.fpsr, FPSR_UFC | FPSR_IXC);
  // An exact denormal is not an underflow.
  const e = st();
  assert.equal(round(FMT_S, 0, 3n, -149, 0, RN, e), 3n);
  assert.equal(e.fpsr, 0);
});

test('round() flushes tiny results to zero under FZ with UFC and no IXC', () => {
  const s = st();
  assert.equal(round(FMT_D, 1, 3n, -1074, FPCR_FZ, RN, s), 1n << 63n);
  assert.equal(s.fpsr, FPSR_UFC);
});

test('round() overflows to infinity or the largest finite value by mode', () => {
  const s = st();
  assert.equal(round(FMT_S, 0, 1n, 128, 0, RN, s), 0x7f800000n);
  assert.equal(s.fpsr, FPSR_OFC | FPSR_IXC);
  assert.equal(round(FMT_S, 0, 1n, 128, 0, RZ, st()), 0x7f7fffffn);
  assert.equal(round(FMT_S, 1, 1n, 128, 0, RP, st()), 0xff7fffffn);
});

test('unpack() flushes single/double denormals under FZ with IDC, half precision silently', () => {
  const s = st();
  assert.equal(unpack(FMT_S, 1n, FPCR_FZ, s).kind, ZERO);
  assert.equal(s.fpsr, FPSR_IDC);
  const h = st();
  assert.equal(unpack(FMT_H, 1n, FPCR_FZ, h).kind, NORMAL);
  assert.equal(h.fpsr, 0);
});

test('fpAdd gives -0 for x - x only under RM', () => {
  assert.equal(fpAdd(FMT_D, 0x3ff0000000000000n, 0x3ff0000000000000n, true, 0, st()), 0n);
  assert.equal(fpAdd(FMT_D, 0x3ff0000000000000n, 0x3ff0000000000000n, true, RM << 22, st()), 1n << 63n);
});

test('fpDiv and fpSqrt are correctly rounded and flag inexact results', () => {
  const s = st();
  assert.equal(fpDiv(FMT_D, 0x3ff0000000000000n, 0x4008000000000000n, 0, s), 0x3fd5555555555555n);
  assert.equal(s.fpsr, FPSR_IXC);
  const q = st();
  assert.equal(fpSqrt(FMT_D, 0x4010000000000000n, 0, q), 0x4000000000000000n);
  assert.equal(q.fpsr, 0);
  assert.equal(fpSqrt(FMT_S, 0x40000000n, 0, st()), 0x3fb504f3n);
});

test('fpMulAdd rounds once: 1 + (1+2^-52)(1-2^-53) - 1 keeps the tiny product term', () => {
  // (1 + 2^-52)(1 - 2^-53) = 1 + 2^-53 - 2^-105; adding -1 leaves 2^-53 - 2^-105 exactly representable-ish.
  const r = fpMulAdd(FMT_D, 0xbff0000000000000n, 0x3ff0000000000001n, 0x3fefffffffffffffn, 0, st());
  assert.equal(r, 0x3c9ffffffffffffen);
});

test('fpConvert: AHP saturates infinity, IEEE half overflows, NaN payloads move', () => {
  const a = st();
  assert.equal(fpConvert(FMT_S, FMT_H, 0x7f800000n, 1 << 26, RN, a), 0x7fffn);
  assert.equal(a.fpsr, FPSR_IOC);
  assert.equal(fpConvert(FMT_S, FMT_H, 0x477ff000n, 0, RN, st()), 0x7c00n);
  assert.equal(fpConvert(FMT_S, FMT_D, 0x7f800001n, 0, RN, st()), 0x7ff8000020000000n);
});

test('fpToFixed saturates with IOC and rounds by the given mode', () => {
  const s = st();
  assert.equal(fpToFixed(FMT_S, 0xd3800000n, 0, false, 32, 0, RZ, s), 0x80000000n);
  assert.equal(s.fpsr, FPSR_IOC);
  assert.equal(fpToFixed(FMT_D, 0xc004000000000000n, 0, false, 64, 0, RN, st()), 0xfffffffffffffffen);
});

test('estimate algorithms give the architecture\'s 8-bit estimates at the ends of their ranges', () => {
  assert.equal(recipEstimate(256), 511);
  assert.equal(recipEstimate(511), 256);
  assert.equal(recipSqrtEstimate(128), 511);
  assert.equal(recipSqrtEstimate(256), 361); // 512 / sqrt(2)
  assert.equal(recipSqrtEstimate(511), 256);
  assert.equal(unsignedRecipEstimate(0x7fffffff), 0xffffffff);
});

test('isqrt is the floor square root', () => {
  assert.equal(isqrt(0n), 0n);
  assert.equal(isqrt(15n), 3n);
  assert.equal(isqrt(16n), 4n);
  assert.equal(isqrt((1n << 120n) + 5n), 1n << 60n);
});
