import { xorshift32 } from '../../../lib/prng.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fuzzEventChannelOps } from './fuzz.js';

const rng = xorshift32;

test('fuzzEventChannelOps() lets no exception escape on 3000 seeded random inputs', () => {
  const next = rng(0x5eed);
  for (let i = 0; i < 3000; i++) {
    const bytes = Uint8Array.from({ length: 64 + (next() % 1500) }, () => next() & 0xff);
    assert.doesNotThrow(() => fuzzEventChannelOps(bytes), `input ${i}`);
  }
});

test('fuzzEventChannelOps() accepts empty and degenerate inputs', () => {
  fuzzEventChannelOps(new Uint8Array(0));
  fuzzEventChannelOps(new Uint8Array(4096).fill(0xff));
  fuzzEventChannelOps(new Uint8Array(4096));
});
