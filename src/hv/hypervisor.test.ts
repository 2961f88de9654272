import { test } from 'node:test';
import assert from 'node:assert/strict';
import { arm64Image, psciThenSpin, PSCI_SYSTEM_OFF } from './_test_arm64_image.js';
import { DomainRuntime } from './domain_runtime.js';
import { Hypervisor } from './hypervisor.js';

test('a domain that shuts down raises Domain-0\'s VIRQ_DOM_EXC, across threads through its doorbell', () => {
  const hv = new Hypervisor();
  let domExc = 0;
  hv.bindDomExc(() => domExc++);
  let ns = 0;
  const clock = { monotonicNs: () => (ns += 1000), wallClockMs: () => 0 };
  const rt = new DomainRuntime({
    domid: hv.allocateDomid(), name: 'off', uuid: new Uint8Array(16), vcpus: 1, memoryBytes: 16 << 20, gicVersion: 3,
    kernel: arm64Image(psciThenSpin(PSCI_SYSTEM_OFF)), rngSeed: new Uint8Array(128), bootUnixNs: 0n, peers: [hv.dom0Descriptor],
  }, { clock, sleep: () => Promise.resolve(), yieldNow: () => Promise.resolve(), log: () => undefined, stateChanged: () => undefined });
  hv.addDomain(rt.built.evtchn);
  rt.unpause();
  void rt.run();
  assert.equal(rt.d.state, 'shutdown');
  assert.equal(rt.d.shutdownReason, 'poweroff');
  assert.equal(domExc, 0, 'nothing is delivered until Domain-0 drains its doorbell');
  hv.processEvents();
  assert.equal(domExc, 1);
  rt.destroy();
});

test('domain ids move forward and are not handed out twice while in use', () => {
  const hv = new Hypervisor();
  const a = hv.allocateDomid();
  const b = hv.allocateDomid();
  assert.deepEqual([a, b], [1, 2]);
  hv.removeDomain(a);
  assert.equal(hv.allocateDomid(), 3, 'a freed id is not reused at once (a rebooted domain gets a new id)');
});
