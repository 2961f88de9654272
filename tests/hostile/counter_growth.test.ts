/**
 * Regression case from the hostile guest (every seed showed it): the per-domain debug counters were
 * keyed by whatever number the guest passed, so a guest walking through hypercall and subop numbers
 * grew `hypercallCounts` and `enosysCounts` without bound, one Map entry per value: host memory a
 * domU could consume at will. They are bounded now (64 numbers, 63 names and "other").
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DomainRuntime } from '../../src/hv/domain_runtime.js';
import { Hypervisor } from '../../src/hv/hypervisor.js';
import { Asm, arm64Image } from './a64.js';

/** x5 counts up from 0x100; each round calls hypercall x5, then xen_version(x5). */
function walkerImage(): Uint8Array {
  const a = new Asm();
  a.movz(5, 0x100).label('loop');
  a.mov(16, 5).hvc(0xea1);
  a.movz(16, 17).mov(0, 5).hvc(0xea1);
  a.addImm(5, 5, 1).b('loop');
  return arm64Image(a.assemble());
}

/** Distinct keys the debug counters may hold for one domain, whatever the guest does. */
const MAX_COUNTER_KEYS = 65;

test('a domU cannot grow the hypercall debug counters without bound', () => {
  let ns = 1e9;
  const clock = { monotonicNs: () => (ns += 1000), wallClockMs: () => 0 };
  const hv = new Hypervisor();
  const rt = new DomainRuntime(
    {
      domid: hv.allocateDomid(), name: 'walker', uuid: new Uint8Array(16), vcpus: 1, memoryBytes: 16 << 20, gicVersion: 3, kernel: walkerImage(),
      rngSeed: new Uint8Array(128), bootUnixNs: 0n, peers: [hv.dom0Descriptor],
    },
    { clock, sleep: () => Promise.resolve(), yieldNow: () => Promise.resolve(), log: () => undefined, stateChanged: () => undefined },
  );
  rt.unpause();
  while (rt.arch.instructionsRetired() < 100_000 && rt.arch.runRound().kind === 'ran');
  const d = rt.d;
  assert.ok(d.hypercallCounts.size <= MAX_COUNTER_KEYS, `hypercallCounts holds ${d.hypercallCounts.size} keys after 100k instructions`);
  assert.ok(d.enosysCounts.size <= MAX_COUNTER_KEYS, `enosysCounts holds ${d.enosysCounts.size} keys after 100k instructions`);
});
