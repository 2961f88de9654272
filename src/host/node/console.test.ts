import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NodeIdleWaiter } from './console.js';

test('NodeIdleWaiter.wait() ends after its timeout, or at once on wake()', async () => {
  const w = new NodeIdleWaiter();
  const t0 = performance.now();
  await w.wait(20);
  assert.ok(performance.now() - t0 >= 15);
  const t1 = performance.now();
  const p = w.wait(Infinity);
  setTimeout(() => w.wake(), 5);
  await p;
  assert.ok(performance.now() - t1 < 1000);
  w.wake(); // no pending wait: nothing happens
  await w.yieldNow();
});
