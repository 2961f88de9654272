/**
 * The domain manager's host services on Node: the clock, a worker thread per domain, sleeping on
 * the event loop, random bytes,
 * per-domain console logs in xenconsoled's layout (guest-NAME.log) under a log directory, and disk
 * images (raw natively, other formats through qemu-storage-daemon), and an uplink (passt, or a TAP
 * device) for the bridges configured with one.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { DomainManagerHost } from '../toolstack/domain_manager.js';
import { nodeHostClock } from '../host/node/clock.js';
import { NodeIdleWaiter } from '../host/node/console.js';
import { nodeDiskOpener } from '../host/node/open_disk.js';
import { startPasst } from '../host/node/passt/index.js';
import { openTap } from '../host/node/tap/tap_link.js';
import type { Uplink } from '../daemon/network_config.js';
import { LINK_MTU } from '../backends/net/link_port.js';
import { defaultConsoleLogDir, defaultRunDir } from './paths.js';
import { WorkerLauncher } from './worker_launcher.js';
import { MAX_PCPUS } from '../hv/common/sched/credit2.js';

export interface NodeDomainHostOptions {
  readonly consoleLogDir?: string;
  /** Bridges with an uplink (passt's user-mode NAT, or a TAP device as root), by bridge name. */
  readonly uplinks?: ReadonlyMap<string, Uplink>;
}

export function nodeDomainHost(opts: NodeDomainHostOptions = {}): DomainManagerHost {
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
    // The guests' MTU: passt would offer 65520, which their netfront (MTU 1500) cannot take whole.
    openUplink: async (bridge) => {
      const u = opts.uplinks?.get(bridge);
      if (u === undefined) return null;
      return u.kind === 'tap' ? openTap({ device: u.device }) : startPasst({ mtu: LINK_MTU, ...u.passt });
    },
    consoleLog: (name) => {
      fs.mkdirSync(dir, { recursive: true });
      const fd = fs.openSync(path.join(dir, `guest-${name}.log`), 'a');
      return (bytes) => {
        fs.writeSync(fd, bytes);
      };
    },
  };
}
