/**
 * The domain manager's host services on Node: the clock, a worker thread per domain, sleeping on
 * the event loop, random bytes,
 * per-domain console logs in xenconsoled's layout (guest-NAME.log) under a log directory, and disk
 * images (raw natively, other formats through qemu-storage-daemon).
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { DomainManagerHost } from '../toolstack/domain_manager.js';
import { nodeHostClock } from '../host/node/clock.js';
import { NodeIdleWaiter } from '../host/node/console.js';
import { nodeDiskOpener } from '../host/node/open_disk.js';
import { defaultConsoleLogDir, defaultRunDir } from './paths.js';
import { WorkerLauncher } from './worker_launcher.js';
import { MAX_PCPUS } from '../hv/common/sched/credit2.js';

export function nodeDomainHost(opts: { consoleLogDir?: string } = {}): DomainManagerHost {
  const waiter = new NodeIdleWaiter();
  const dir = opts.consoleLogDir ?? defaultConsoleLogDir();
  return {
    clock: nodeHostClock,
    launcher: new WorkerLauncher(),
    // One pCPU per host core: at most that many domain threads run guest code at once.
    nrPcpus: Math.min(MAX_PCPUS, os.availableParallelism()),
    memoryMiB: Math.floor(os.totalmem() / 2 ** 20),
    wait: (ms) => waiter.wait(ms),
    wake: () => waiter.wake(),
    randomBytes: (n) => new Uint8Array(randomBytes(n)),
    openDisk: nodeDiskOpener(defaultRunDir()),
    consoleLog: (name) => {
      fs.mkdirSync(dir, { recursive: true });
      const fd = fs.openSync(path.join(dir, `guest-${name}.log`), 'a');
      return (bytes) => {
        fs.writeSync(fd, bytes);
      };
    },
  };
}
