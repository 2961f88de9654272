/**
 * A domain manager on Node's host services for end-to-end tests that drive it directly (no
 * daemon), with every guest's console gathered by name.
 */
import { availableParallelism } from 'node:os';
import { nodeHostClock } from '../../src/host/node/clock.js';
import { NodeIdleWaiter } from '../../src/host/node/console.js';
import { WorkerLauncher } from '../../src/main/worker_launcher.js';
import { DomainManager, type DomainManagerHost } from '../../src/toolstack/domain_manager.js';

export interface TestManager {
  readonly m: DomainManager;
  /** Console output so far of the domain named `name`. */
  output(name: string): string;
}

/** `extra` adds host services (disks, uplinks) to the plain Node host. */
export function testManager(extra: Pick<DomainManagerHost, 'openDisk' | 'openUplink'> = {}): TestManager {
  const waiter = new NodeIdleWaiter();
  const logs = new Map<string, string>();
  const m = new DomainManager({
    clock: nodeHostClock, launcher: new WorkerLauncher(), wait: (ms) => waiter.wait(ms), wake: () => waiter.wake(),
    randomBytes: (n) => new Uint8Array(n), nrPcpus: availableParallelism(),
    consoleLog: (name) => (bytes) => { logs.set(name, (logs.get(name) ?? '') + Buffer.from(bytes).toString('latin1')); },
    ...extra,
  });
  return { m, output: (name) => logs.get(name) ?? '' };
}
