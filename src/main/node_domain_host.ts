/**
 * The domain manager's host services on Node: the clock, a worker thread per domain, sleeping on
 * the event loop, random bytes,
 * and per-domain console logs in xenconsoled's layout (guest-NAME.log) under a log directory.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { DomainManagerHost } from '../toolstack/domain_manager.js';
import { nodeHostClock } from '../host/node/clock.js';
import { NodeIdleWaiter } from '../host/node/console.js';
import { WorkerLauncher } from './worker_launcher.js';

/** Where console logs go: /var/log/xenon/console as root (xenconsoled: /var/log/xen/console), else under the user's state directory. */
export function defaultConsoleLogDir(): string {
  if (process.getuid?.() === 0) return '/var/log/xenon/console';
  const state = process.env['XDG_STATE_HOME'] ?? path.join(os.homedir(), '.local', 'state');
  return path.join(state, 'xenon', 'console');
}

export function nodeDomainHost(opts: { consoleLogDir?: string } = {}): DomainManagerHost {
  const waiter = new NodeIdleWaiter();
  const dir = opts.consoleLogDir ?? defaultConsoleLogDir();
  return {
    clock: nodeHostClock,
    launcher: new WorkerLauncher(),
    wait: (ms) => waiter.wait(ms),
    wake: () => waiter.wake(),
    randomBytes: (n) => new Uint8Array(randomBytes(n)),
    consoleLog: (name) => {
      fs.mkdirSync(dir, { recursive: true });
      const fd = fs.openSync(path.join(dir, `guest-${name}.log`), 'a');
      return (bytes) => {
        fs.writeSync(fd, bytes);
      };
    },
  };
}
