import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testDomainRuntime } from './_test_domain_runtime.js';

/** mov x0, #0; loop: add x0, x0, #1; b loop — a guest that counts as fast as it can. */
const COUNT_LOOP = [0xd2800000, 0x91000400, 0x17ffffff];

test('a domain sweeps its code every 30 s of its own time, not while paused, and keeps the code it runs', () => {
  let hostNs = 0;
  const rt = testDomainRuntime(COUNT_LOOP, { monotonicNs: () => hostNs, wallClockMs: () => 0 });
  const sweeps = () => rt.arch.codeStats().sweeps;
  rt.unpause();
  rt.arch.runRound();
  hostNs += 29e9;
  rt.arch.runRound();
  assert.equal(sweeps(), 0);
  hostNs += 1e9;
  rt.arch.runRound();
  assert.equal(sweeps(), 1, 'at 30 s of guest time');
  rt.pause();
  hostNs += 120e9;
  rt.arch.runRound();
  rt.unpause();
  rt.arch.runRound();
  assert.equal(sweeps(), 1, 'host time spent paused is no guest time');
  for (let k = 0; k < 3; k++) {
    hostNs += 30e9;
    rt.arch.runRound();
  }
  assert.equal(sweeps(), 4);
  assert.equal(rt.arch.codeStats().pagesEvicted, 0, 'the loop it runs every round stays');
});
