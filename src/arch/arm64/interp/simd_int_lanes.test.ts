import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flatMachine } from '../../../../tests/harness/flat_machine.js';
import { Clear, flushQc, laneExec, Pairing, satS, satSBig, satU, satUBig, shape } from './simd_int_lanes.js';
import { ADD, qadd } from './simd_int_ops.js';

test('satS()/satU() clamp to the element range and flushQc() then sets FPSR.QC once', () => {
  const m = flatMachine();
  m.cpu.state.fpsr = 0;
  flushQc(m.cpu);
  assert.equal(m.cpu.state.fpsr, 0);
  assert.equal(satS(127, 8), 127);
  assert.equal(satS(-128, 8), -128);
  flushQc(m.cpu);
  assert.equal(m.cpu.state.fpsr, 0, 'in-range values do not saturate');
  assert.equal(satS(128, 8), 127);
  assert.equal(satU(-1, 16), 0);
  assert.equal(satU(2 ** 32, 32), 0xffff_ffff);
  assert.equal(satSBig(1n << 63n, 64), (1n << 63n) - 1n);
  assert.equal(satUBig(-5n, 64), 0n);
  flushQc(m.cpu);
  assert.equal(m.cpu.state.fpsr, 0x0800_0000);
});

test('laneExec() reads all sources before writing, so Vd may alias Vm in pairwise forms', () => {
  const m = flatMachine();
  const c = m.cpu;
  c.v32.set([1, 2, 3, 4], 4 * 1); // V1.4S
  c.v32.set([10, 20, 30, 40], 4 * 2); // V2.4S
  // ADDP V2.4S, V1.4S, V2.4S
  const exec = laneExec(shape({ count: 4, n: 1, m: 2, d: 2, nBits: 32, pairing: Pairing.CONCAT }), ADD)!;
  exec(c);
  assert.deepEqual(Array.from(c.v32.subarray(8, 12)), [3, 7, 30, 70]);
});

test('laneExec() with 64-bit lanes uses the BigInt form and Clear.ALL zeroes the rest of a scalar', () => {
  const m = flatMachine();
  const c = m.cpu;
  c.v64[0] = 0x7fff_ffff_ffff_fff0n;
  c.v64[2] = 0x20n;
  c.v64[4] = 0xdeadn;
  c.v64[5] = 0xbeefn;
  c.state.fpsr = 0;
  // SQADD D2, D0, D1
  const exec = laneExec(shape({ count: 1, n: 0, m: 1, d: 2, nBits: 64, nSigned: true, clear: Clear.ALL }), qadd(64, true))!;
  exec(c);
  assert.equal(c.v64[4], 0x7fff_ffff_ffff_ffffn);
  assert.equal(c.v64[5], 0n);
  assert.equal(c.state.fpsr, 0x0800_0000);
});
