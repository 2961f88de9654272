/** A one-vCPU domU of 16 MiB running `code` on the caller's thread, with a clock the test moves. */
import { arm64Image } from './_test_arm64_image.js';
import { DomainRuntime } from './domain_runtime.js';
import { Hypervisor } from './hypervisor.js';

export function testDomainRuntime(code: readonly number[], clock: { monotonicNs(): number; wallClockMs(): number }): DomainRuntime {
  const hv = new Hypervisor();
  return new DomainRuntime({
    domid: hv.allocateDomid(), name: 'test', uuid: new Uint8Array(16), vcpus: 1, memoryBytes: 16 << 20, gicVersion: 3,
    kernel: arm64Image(code), rngSeed: new Uint8Array(128), bootUnixNs: 0n, peers: [hv.dom0Descriptor],
  }, { clock, sleep: () => Promise.resolve(), yieldNow: () => Promise.resolve(), log: () => undefined, stateChanged: () => undefined });
}
