import { xorshift32 } from '../lib/prng.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fuzzWire } from './fuzz.js';
import { encodeMessage, latin1ToBytes, XS_DIRECTORY_PART, XS_MKDIR, XS_READ, XS_RM, XS_SET_PERMS, XS_TRANSACTION_END, XS_TRANSACTION_START, XS_WATCH, XS_WRITE } from './wire.js';

/** A fixed seed makes every run test the same inputs (and a failure replayable). */
const rng = xorshift32;

const msg = (type: number, text: string, txId = 0) => encodeMessage({ type, reqId: 1, txId, payload: latin1ToBytes(text) });
const SEEDS = [
  [msg(XS_WRITE, '/a/b\0v'), msg(XS_READ, '/a/b\0'), msg(XS_WATCH, '/a\0t\0'), msg(XS_RM, '/a\0')],
  [msg(XS_TRANSACTION_START, '\0'), msg(XS_WRITE, 'x\0y', 1), msg(XS_TRANSACTION_END, 'T\0', 1)],
  [msg(XS_MKDIR, 'device/vbd\0'), msg(XS_SET_PERMS, 'device\0n1\0r0\0'), msg(XS_DIRECTORY_PART, '/\0' + '0\0')],
].map((parts) => Uint8Array.from(parts.flatMap((p) => [...p])));

test('fuzzWire() survives 3000 random and mutated inputs (fixed seed)', () => {
  const next = rng(0x5eed1234);
  let runs = 0;
  for (let i = 0; i < 3000; i++) {
    let input: Uint8Array;
    if (i % 3 === 0) {
      input = Uint8Array.from({ length: next() % 600 }, () => next() & 0xff);
    } else {
      input = SEEDS[i % SEEDS.length]!.slice();
      for (let m = next() % 6; m >= 0; m--) input[next() % input.length] = next() & 0xff;
    }
    assert.doesNotThrow(() => fuzzWire(input), `input ${i}`);
    runs++;
  }
  assert.equal(runs, 3000);
});
