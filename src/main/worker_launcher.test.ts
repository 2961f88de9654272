import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getHeapSpaceStatistics } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { DOMAIN_MIN_SEMI_SPACE_MIB, setDomainHeapFlags } from './worker_launcher.js';

const newSpaceBytes = (): number => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')!.space_size;

/** A fresh worker's young generation, as the isolate reports it before it has allocated much. */
function workerNewSpaceBytes(): Promise<number> {
  const code = `const v8 = require('node:v8');
require('node:worker_threads').parentPort.postMessage(v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size);`;
  return new Promise((resolve, reject) => {
    const w = new Worker(code, { eval: true });
    w.once('message', (bytes: number) => {
      resolve(bytes);
      void w.terminate();
    });
    w.once('error', reject);
  });
}

test('workers started after the domain heap flags keep the larger young generation; Domain-0 keeps its own', async () => {
  const before = await workerNewSpaceBytes();
  const mainBefore = newSpaceBytes();
  assert.ok(before < DOMAIN_MIN_SEMI_SPACE_MIB * 2 ** 20, `V8's default already starts a worker at ${before} bytes: the test shows nothing`);
  setDomainHeapFlags();
  const after = await workerNewSpaceBytes();
  assert.ok(after >= DOMAIN_MIN_SEMI_SPACE_MIB * 2 ** 20, `a worker's young generation is ${after} bytes`);
  assert.equal(newSpaceBytes(), mainBefore);
});
