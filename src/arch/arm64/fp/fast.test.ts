/**
 * The fast kernels against the exact core (itself checked against QEMU by tests/diff): whenever a
 * kernel answers (non-NaN), its bits and flags must equal the core's under FPCR = 0. Operands are
 * drawn from a seeded generator aimed at the hard spots: ties, cancellation, the denormal and
 * overflow boundaries, equal operands, signed zeros.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as K from './fast.js';
import { fpAdd, fpDiv, fpMul, fpMulAdd, fpSqrt } from './arith.js';
import { fpMinMax } from './compare.js';
import { fpRoundInt } from './convert.js';
import { FMT_D, FMT_S } from './format.js';
import type { FpFormat } from './format.js';
import { MAX, MIN, RECPE, RSQRTE, roundInt } from './ops.js';
import { fpRecipEstimate, fpRSqrtEstimate } from './estimate.js';
import type { FpStatus } from './fpcr.js';

const F64 = new Float64Array(1);
const U64 = new BigUint64Array(F64.buffer);
const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

function bits(fmt: FpFormat, x: number): bigint {
  if (fmt === FMT_D) {
    F64[0] = x;
    return U64[0]!;
  }
  F32[0] = x;
  return BigInt(U32[0]!);
}

/** mulberry32 */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const RANGES: readonly (readonly [number, number])[] = [[-4, 4], [-1080, -1010], [-160, -115], [120, 130], [990, 1024], [-1074, 1023]];

function operand(r: () => number, single: boolean): number {
  const [lo, hi] = RANGES[Math.floor(r() * RANGES.length)]!;
  let m = 1 + r();
  if (r() < 0.4) m = Math.floor(m * 2 ** Math.floor(r() * 24)) / 2 ** Math.floor(r() * 24 + 1) + 1; // short mantissas make ties
  const x = (r() < 0.5 ? -1 : 1) * m * 2 ** (lo + Math.floor(r() * (hi - lo)));
  const v = single ? Math.fround(x) : x;
  if (r() < 0.03) return r() < 0.5 ? 0 : -0;
  return v;
}

type Exact = (fmt: FpFormat, a: bigint, b: bigint, c: bigint, st: FpStatus) => bigint;

type Kernel = (a: readonly number[], st: FpStatus) => number;

function check(name: string, arity: number, ks: Kernel, kd: Kernel, exact: Exact): void {
  test(`${name}: kernels agree with the exact core`, () => {
    const r = prng(0x5eed ^ name.length * 7919);
    let answered = 0;
    for (let i = 0; i < 8000; i++) {
      const single = (i & 1) === 0;
      const fmt = single ? FMT_S : FMT_D;
      const x = operand(r, single);
      let y = operand(r, single);
      if (r() < 0.15) y = single ? Math.fround(-x * (1 + (r() - 0.5) * 2 ** -20)) : -x * (1 + (r() - 0.5) * 2 ** -40);
      if (r() < 0.05) y = x;
      const z = operand(r, single);
      const s1 = { fpsr: 0 };
      const args = arity === 1 ? [Math.abs(x)] : arity === 2 ? [x, y] : [z, x, y];
      const got = (single ? ks : kd)(args, s1);
      if (got !== got) continue;
      answered++;
      const s2 = { fpsr: 0 };
      const b = args.map((v) => bits(fmt, v));
      const want = exact(fmt, b[0]!, b[1] ?? 0n, b[2] ?? 0n, s2);
      assert.equal(bits(fmt, got).toString(16), want.toString(16), `${name} ${single ? 'S' : 'D'} ${args.join(', ')}`);
      assert.equal(s1.fpsr, s2.fpsr, `${name} flags ${args.join(', ')}`);
    }
    assert.ok(answered > 800, `${name}: the fast path answered only ${answered} cases`);
  });
}

const k1 = (k: K.K1): Kernel => (a, st) => k(a[0]!, st);
const k2 = (k: K.K2): Kernel => (a, st) => k(a[0]!, a[1]!, st);
const k3 = (k: K.K3): Kernel => (a, st) => k(a[0]!, a[1]!, a[2]!, st);
check('add', 2, k2(K.kAddS), k2(K.kAddD), (f, a, b, _c, st) => fpAdd(f, a, b, false, 0, st));
check('sub', 2, k2(K.kSubS), k2(K.kSubD), (f, a, b, _c, st) => fpAdd(f, a, b, true, 0, st));
check('mul', 2, k2(K.kMulS), k2(K.kMulD), (f, a, b, _c, st) => fpMul(f, a, b, false, 0, st));
check('div', 2, k2(K.kDivS), k2(K.kDivD), (f, a, b, _c, st) => fpDiv(f, a, b, 0, st));
check('sqrt', 1, k1(K.kSqrtS), k1(K.kSqrtD), (f, a, _b, _c, st) => fpSqrt(f, a, 0, st));
check('fma', 3, k3(K.kFmaS), k3(K.kFmaD), (f, a, b, c, st) => fpMulAdd(f, a, b, c, 0, st));
check('max', 2, k2(MAX.ks!), k2(MAX.kd!), (f, a, b, _c, st) => fpMinMax(f, a, b, true, false, 0, st));
check('min', 2, k2(MIN.ks!), k2(MIN.kd!), (f, a, b, _c, st) => fpMinMax(f, a, b, false, false, 0, st));
for (const [mode, name] of [[0, 'N'], [1, 'P'], [2, 'M'], [3, 'Z'], [4, 'A']] as const) {
  const op = roundInt(mode, name === 'N');
  check(`frint${name}`, 2, k1(op.ks!), k1(op.kd!), (f, a, _b, _c, st) => fpRoundInt(f, a, 0, mode, name === 'N', st));
}

test('fma: zero operands and exact cancellation take the fast path and agree with the exact core', () => {
  const tiny = 2 ** -1074;
  const zs = [0, -0, 1.5, -tiny, 3e300, -(2 ** -149)];
  const others = [2.5, -7, 0, -0, tiny, -1e300];
  const cases: [number, number, number][] = [];
  for (const z of zs) for (const y of others) cases.push([z, 0, y], [z, -0, y], [z, y, 0], [z, y, -0]);
  // Products that are exact, cancelled by z: the sum is exactly zero, +0 under round to nearest.
  cases.push([6, 1.5, -4], [-6, -1.5, -4], [-(2 ** -900), 2 ** -500, 2 ** -400], [0.75, -0.5, 1.5]);
  for (const single of [false, true]) {
    const fmt = single ? FMT_S : FMT_D;
    for (const c of cases) {
      const [z, x, y] = single ? c.map((v) => Math.fround(v)) : c;
      if (![z, x, y].every(Number.isFinite)) continue; // 3e300 and -1e300 in single precision
      const s1 = { fpsr: 0 };
      const got = (single ? K.kFmaS : K.kFmaD)(z!, x!, y!, s1);
      assert.ok(got === got, `${single ? 'S' : 'D'} ${z} + ${x} * ${y}: the fast path declined`);
      const s2 = { fpsr: 0 };
      const want = fpMulAdd(fmt, bits(fmt, z!), bits(fmt, x!), bits(fmt, y!), 0, s2);
      assert.equal(bits(fmt, got).toString(16), want.toString(16), `${single ? 'S' : 'D'} ${z} + ${x} * ${y}`);
      assert.equal(s1.fpsr, s2.fpsr, `flags of ${z} + ${x} * ${y}`);
    }
  }
});

test('FRECPE/FRSQRTE single-precision shortcuts agree with the exact core on every exponent', () => {
  const r = prng(0xe57);
  for (let i = 0; i < 6000; i++) {
    const a = (Math.floor(r() * 2) << 31 | (i % 256) << 23 | Math.floor(r() * 0x800000)) >>> 0;
    for (const fpcr of [0, 1 << 24, 3 << 22]) {
      const s1 = { fpsr: 0 };
      const s2 = { fpsr: 0 };
      assert.equal(RECPE.s(a, fpcr, s1), Number(fpRecipEstimate(FMT_S, BigInt(a), fpcr, s2)), `frecpe ${a.toString(16)}`);
      assert.equal(s1.fpsr, s2.fpsr);
      const s3 = { fpsr: 0 };
      const s4 = { fpsr: 0 };
      assert.equal(RSQRTE.s(a, fpcr, s3), Number(fpRSqrtEstimate(FMT_S, BigInt(a), fpcr, s4)), `frsqrte ${a.toString(16)}`);
      assert.equal(s3.fpsr, s4.fpsr);
    }
  }
});
