import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fuzzGrantTableOps } from './fuzz.js';

/** xorshift32, so every run sees the same inputs and a failure names its seed. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

describe('fuzzGrantTableOps()', () => {
  it('survives 3000 seeded random inputs without throwing or touching memory outside the domains', () => {
    const next = rng(0x6e746e67);
    for (let i = 0; i < 3000; i++) {
      const bytes = new Uint8Array(16 + (next() % 1024));
      for (let j = 0; j < bytes.length; j++) bytes[j] = next() & 0xff;
      assert.doesNotThrow(() => fuzzGrantTableOps(bytes), `case ${i}`);
    }
  });

  it('survives degenerate inputs', () => {
    for (const bytes of [new Uint8Array(0), new Uint8Array(4096), new Uint8Array(4096).fill(0xff), new Uint8Array(4096).fill(0x82)]) {
      fuzzGrantTableOps(bytes);
    }
  });
});
