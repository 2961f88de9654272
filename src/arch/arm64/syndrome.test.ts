import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadStoreSyndrome } from './syndrome.js';

const ISV = 1 << 24;
const SSE = 1 << 21;
const SF = 1 << 15;
const sas = (n: number) => n << 22;
const srt = (n: number) => n << 16;

test('loadStoreSyndrome() reports ISV, SAS, SSE, SRT and SF for single-register loads and stores', () => {
  // Encodings from aarch64-linux-gnu-as.
  assert.equal(loadStoreSyndrome(0xf9400041), ISV | sas(3) | srt(1) | SF, 'ldr x1, [x2]');
  assert.equal(loadStoreSyndrome(0x39000483), ISV | sas(0) | srt(3), 'strb w3, [x4, #1]');
  assert.equal(loadStoreSyndrome(0x798000c5), ISV | sas(1) | SSE | srt(5) | SF, 'ldrsh x5, [x6]');
  assert.equal(loadStoreSyndrome(0xb9800020), ISV | sas(2) | SSE | srt(0) | SF, 'ldrsw x0, [x1]');
  assert.equal(loadStoreSyndrome(0xb8646862), ISV | sas(2) | srt(2), 'ldr w2, [x3, x4]');
  assert.equal(loadStoreSyndrome(0x78dfe107), ISV | sas(1) | SSE | srt(7), 'ldursh w7, [x8, #-2]');
});

test('loadStoreSyndrome() is 0 (ISV clear) for writeback, pairs, SIMD registers and prefetches', () => {
  assert.equal(loadStoreSyndrome(0xb8404420), 0, 'ldr w0, [x1], #4');
  assert.equal(loadStoreSyndrome(0xb8408d49), 0, 'ldr w9, [x10, #8]!');
  assert.equal(loadStoreSyndrome(0xa9400440), 0, 'ldp x0, x1, [x2]');
  assert.equal(loadStoreSyndrome(0x3dc00020), 0, 'ldr q0, [x1]');
  assert.equal(loadStoreSyndrome(0xf9800000), 0, 'prfm pldl1keep, [x0]');
});
