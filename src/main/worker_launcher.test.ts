import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getHeapSpaceStatistics } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { DOMAIN_MIN_SEMI_SPACE_MIB, setDomainHeapFlags, WorkerLauncher } from './worker_launcher.js';
import { Hypervisor } from '../hv/hypervisor.js';
import { arm64Image, WFI_LOOP } from '../hv/_test_arm64_image.js';
import type { DomainState } from '../hv/common/domain.js';

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

/** `p`, or a failure naming `what` after `ms` (a request the sleeping domain never took would hang the test). */
function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms); });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

test('a domain asleep in WFI with no timer set still takes every control request', async () => {
  const hv = new Hypervisor();
  let state: DomainState | null = null;
  let awaited: { readonly state: DomainState; readonly reached: () => void } | null = null;
  const failures: string[] = [];
  const d = await new WorkerLauncher().launch({
    domid: hv.allocateDomid(), name: 'sleeper', uuid: new Uint8Array(16), vcpus: 1, memoryBytes: 16 << 20, gicVersion: 3,
    kernel: arm64Image(WFI_LOOP), rngSeed: new Uint8Array(128), bootUnixNs: 0n, peers: [hv.dom0Descriptor],
  }, {
    state: (s) => {
      state = s;
      if (awaited?.state === s) awaited.reached();
    },
    log: () => undefined,
    failed: (m) => failures.push(m),
  });
  const stateReached = (s: DomainState) => new Promise<void>((reached) => {
    if (state === s) reached();
    else awaited = { state: s, reached };
  });
  try {
    d.unpause();
    // Its vCPU reaches WFI with nothing that could wake it: the domain sleeps until a request rings.
    for (let tries = 0; ; tries++) {
      const c = await within(5000, 'counters while running', d.counters());
      if ((c.exits.find(([kind]) => kind === 'wfi')?.[1] ?? 0) > 0) break;
      assert.ok(tries < 500, 'the vCPU never reached WFI');
      await new Promise((r) => setTimeout(r, 10));
    }
    const asleep = await within(5000, 'counters while asleep', d.counters());
    assert.equal(asleep.vcpus[0]!.state, 'blocked');
    d.pause();
    await within(5000, 'pause', stateReached('paused'));
    d.unpause();
    await within(5000, 'unpause', stateReached('running'));
  } finally {
    // Also after a failure, so a domain left running cannot keep the test process alive.
    await within(5000, 'destroy', d.destroy());
  }
  assert.deepEqual(failures, []);
});
