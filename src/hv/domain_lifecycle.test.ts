import { test } from 'node:test';
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import vm from 'node:vm';
import type { HostClock } from '../host/common/clock.js';
import { arm64Image, WFI_LOOP } from './_test_arm64_image.js';
import type { DomainState } from './common/domain.js';
import { EVTCHNSTAT_closed, EVTCHNSTAT_interdomain } from './common/event/index.js';
import { DomainRuntime, type DomainRuntimeHost } from './domain_runtime.js';
import { Hypervisor } from './hypervisor.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const clock: HostClock = { monotonicNs: () => performance.now() * 1e6, wallClockMs: () => Date.now() };
const KERNEL = arm64Image(WFI_LOOP);
const DOMAINS = 500;
const BASELINE_AT = 50;
const MB = 1024 * 1024;

/** A host whose sleeps return at once; after `rounds` sleeps it destroys the domain, ending run(). */
function fakeHost(rounds: number, states: DomainState[], rt: () => DomainRuntime): DomainRuntimeHost {
  let sleeps = 0;
  return {
    clock,
    sleep: () => {
      if (++sleeps >= rounds) rt().destroy();
      return Promise.resolve();
    },
    yieldNow: () => Promise.resolve(),
    log: () => undefined,
    stateChanged: (s) => states.push(s),
  };
}

function settle(): { heapUsed: number; arrayBuffers: number } {
  gc();
  gc();
  const u = process.memoryUsage();
  return { heapUsed: u.heapUsed, arrayBuffers: u.arrayBuffers };
}

test(`DomainRuntime: creating, running and destroying ${DOMAINS} 16 MiB domains leaves the heap flat and every directory empty`, async () => {
  const hv = new Hypervisor();
  let baseline: { heapUsed: number; arrayBuffers: number } | null = null;
  let instructions = 0;
  for (let i = 0; i < DOMAINS; i++) {
    if (i === BASELINE_AT) baseline = settle();
    const domid = hv.allocateDomid();
    const states: DomainState[] = [];
    let rt: DomainRuntime | null = null;
    rt = new DomainRuntime({
      domid, name: `d${i}`, uuid: new Uint8Array(16).fill(i & 0xff), vcpus: 1, memoryBytes: 16 * MB, gicVersion: i % 2 === 0 ? 3 : 2,
      kernel: KERNEL, rngSeed: new Uint8Array(128), bootUnixNs: 0n, peers: [hv.dom0Descriptor],
    }, fakeHost(3, states, () => rt!));
    // What the domain manager does: Domain-0 reaches the domain and binds its store and console ports.
    hv.addDomain(rt.built.evtchn);
    const dom0Ports = [hv.bindDom0(domid, rt.built.storePort, () => undefined), hv.bindDom0(domid, rt.built.consolePort, () => undefined)];
    for (const p of dom0Ports) {
      const s = hv.dom0Evtchn.status(p);
      assert.ok(typeof s !== 'number' && s.status === EVTCHNSTAT_interdomain && s.dom === domid);
    }
    rt.unpause();
    await rt.run();
    instructions += rt.counters().instructions;
    assert.deepEqual(states, ['running', 'destroyed'], `domain ${domid}'s states`);
    assert.equal(rt.d.evtchn.directory.lookup(domid), undefined, `domain ${domid} left its own event-channel directory`);
    for (const p of dom0Ports) hv.unbindDom0(p);
    hv.removeDomain(domid);
    assert.equal(hv.evtchnDirectory.lookup(domid), undefined, `domain ${domid} left Domain-0's event-channel directory`);
    for (const p of dom0Ports) {
      const s = hv.dom0Evtchn.status(p);
      assert.ok(typeof s !== 'number' && s.status === EVTCHNSTAT_closed, `Domain-0 port ${p} closed after domain ${domid}`);
    }
    rt = null;
  }
  assert.ok(instructions >= DOMAINS * 2, `every domain ran its WFI loop (${instructions} instructions)`);
  const end = settle();
  const b = baseline!;
  const growth = { heapUsed: end.heapUsed - b.heapUsed, arrayBuffers: end.arrayBuffers - b.arrayBuffers };
  const detail = `after ${BASELINE_AT}: ${JSON.stringify(b)}, after ${DOMAINS}: ${JSON.stringify(end)}`;
  assert.ok(growth.heapUsed < 20 * MB, `heapUsed grew by ${(growth.heapUsed / MB).toFixed(1)} MB; ${detail}`);
  assert.ok(growth.arrayBuffers < 20 * MB, `arrayBuffers grew by ${(growth.arrayBuffers / MB).toFixed(1)} MB; ${detail}`);
});
