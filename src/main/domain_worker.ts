/**
 * A domain's thread: Node's worker_threads entry that builds the domain (a Xen domU in a
 * DomainRuntime, or an HVM domain in an HvmRuntime) from what the launcher posts and runs it until
 * it is destroyed. Control requests arrive as messages (each followed by a ring of the domain's
 * wake word, so a sleeping loop notices them); state changes, log lines, console output and
 * counters go back as messages. An exception that escapes is a crashed domain: it is reported and
 * the thread ends; the host and other domains go on.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { ShutdownReason } from '../abi/xen.js';
import { nodeHostClock } from '../host/node/clock.js';
import type { DomainState } from '../hv/common/domain.js';
import { NodeIdleWaiter } from '../host/node/console.js';
import { DomainRuntime } from '../hv/domain_runtime.js';
import { HvmRuntime } from '../hv/hvm_runtime.js';
import { sleepOnWord } from '../toolstack/launcher.js';
import type { WorkerLaunch, WorkerReply, WorkerRequest } from './worker_protocol.js';
import type { DirtyBitmap, DirtyLogOp } from '../lib/dirty_log.js';

const port = parentPort;
if (port === null) throw new Error('domain_worker.js must run as a worker thread');
const post = (m: WorkerReply) => port.postMessage(m);
const launch = workerData as WorkerLaunch;
const yieldNow = () => new Promise<void>((resolve) => setImmediate(resolve));
const stateChanged = (state: DomainState, reason: ShutdownReason | null) => post({ kind: 'state', state, reason });

interface Runner {
  unpause(): void;
  pause(): void;
  destroy(): void;
  run(): Promise<void>;
  counters(): ReturnType<DomainRuntime['counters']>;
  dirtyLog(op: DirtyLogOp): DirtyBitmap | null;
}

let runner: Runner;
let xen: DomainRuntime | null = null;
let hvm: HvmRuntime | null = null;
try {
  if (launch.kind === 'xen') {
    xen = new DomainRuntime(launch.params, {
      clock: nodeHostClock, sleep: sleepOnWord, yieldNow, log: (line) => post({ kind: 'log', line }), stateChanged,
    });
    runner = xen;
  } else {
    const waiter = new NodeIdleWaiter();
    hvm = new HvmRuntime(launch.params, {
      clock: nodeHostClock, sleep: (ms) => waiter.wait(ms), wake: () => waiter.wake(), sleepOnWord, yieldNow,
      console: (bytes) => post({ kind: 'console', bytes: Uint8Array.from(bytes) }), stateChanged,
    });
    runner = hvm;
  }
} catch (e) {
  post({ kind: 'build-failed', message: e instanceof Error ? e.message : String(e) });
  process.exit(0);
}
post({ kind: 'built', built: xen?.built ?? null });

port.on('message', (m: WorkerRequest) => {
  switch (m.kind) {
    case 'unpause': runner.unpause(); break;
    case 'pause': runner.pause(); break;
    case 'destroy': runner.destroy(); break;
    case 'add-peer': xen?.addPeer(m.desc); break;
    case 'remove-peer': xen?.removePeer(m.domid); break;
    case 'console-input': hvm?.consoleInput(m.bytes); break;
    case 'counters': post({ kind: 'counters', id: m.id, counters: runner.counters() }); break;
    case 'dirty-log': post({ kind: 'dirty-log', id: m.id, bitmap: runner.dirtyLog(m.op) }); break;
  }
});

runner.run().then(() => {
  post({ kind: 'destroyed' });
  port.close();
}, (e: unknown) => {
  post({ kind: 'failed', message: e instanceof Error ? e.stack ?? e.message : String(e) });
  port.close();
});
