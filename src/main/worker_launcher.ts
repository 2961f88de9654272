/**
 * Runs each domain on its own worker thread (domain_worker.ts), so a busy domain stalls neither
 * Domain-0 nor another domain, and two busy domains use two host cores. Guest memory and event
 * channels are shared memory; the rest is the message protocol of worker_protocol.ts. A worker
 * that throws or exits unexpectedly is a crashed domain.
 */
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { XenonError } from '../lib/errors.js';
import { Doorbell } from '../hv/common/event/index.js';
import type { DomainBuildParams, DomainBuilt, DomainCounters } from '../hv/domain_runtime.js';
import type { DirtyBitmap, DirtyLogOp } from '../lib/dirty_log.js';
import type { HvmBuildParams } from '../hv/hvm_runtime.js';
import type { DomainEvents, DomainLauncher, DomainProxy, HvmEvents, HvmProxy } from '../toolstack/launcher.js';
import type { WorkerLaunch, WorkerReply, WorkerRequest } from './worker_protocol.js';

const WORKER_URL = new URL('./domain_worker.js', import.meta.url);

/**
 * The young generation each domain's isolate keeps at least, in MiB per semi-space (V8's default
 * lets it shrink to 1). An idle guest's vCPU still allocates about 1 MiB a second (numbers boxed
 * across the interpreter's calls), so a 1 MiB nursery meant a scavenge every second in every
 * domain, and the survivors they promoted set off old-generation collections a minute or two
 * apart. At 8 MiB, three idle domUs took 10-12 % less host CPU side by side with the default
 * (docs/BENCHMARKS.md). The nursery may now hold 16 MiB rather than 2, but the host memory the
 * benchmark reports per domU did not rise (202 and 204 MiB against 211 and 214).
 */
export const DOMAIN_MIN_SEMI_SPACE_MIB = 8;
let heapFlagsSet = false;

/**
 * V8's heap flags are the process's, read when an isolate is made: set before the first domain's
 * worker, they shape every domain's heap and leave Domain-0's main isolate as it is (worker_launcher.test.ts holds both).
 */
export function setDomainHeapFlags(): void {
  if (heapFlagsSet) return;
  heapFlagsSet = true;
  setFlagsFromString(`--min-semi-space-size=${DOMAIN_MIN_SEMI_SPACE_MIB}`);
}

/** A started worker: what it built, and the requests every kind of domain answers. */
interface Started {
  readonly built: DomainBuilt | null;
  send(m: WorkerRequest): void;
  unpause(): void;
  pause(): void;
  destroy(): Promise<void>;
  counters(): Promise<DomainCounters>;
  dirtyLog(op: DirtyLogOp): Promise<DirtyBitmap | null>;
}

function startWorker(launch: WorkerLaunch, events: DomainEvents, onConsole?: (bytes: Uint8Array) => void): Promise<Started> {
  setDomainHeapFlags();
  const worker = new Worker(WORKER_URL, { workerData: launch });
  let nextId = 0;
  const pendingCounters = new Map<number, (c: DomainCounters) => void>();
  const pendingDirtyLogs = new Map<number, (b: DirtyBitmap | null) => void>();
  let exited = false;
  let destroying = false;
  let onExit: (() => void) | null = null;
  let wake: Int32Array | null = null;
  const send = (m: WorkerRequest) => {
    if (exited) return;
    worker.postMessage(m);
    // A Xen domain sleeps on its doorbell's wake word, not on its message port.
    if (wake !== null) {
      Atomics.add(wake, Doorbell.WAKE_INDEX, 1);
      Atomics.notify(wake, Doorbell.WAKE_INDEX);
    }
  };
  return new Promise((resolve, reject) => {
    worker.on('message', (m: WorkerReply) => {
      switch (m.kind) {
        case 'built':
          if (m.built !== null) wake = new Int32Array(m.built.evtchn.doorbell);
          resolve({
            built: m.built,
            send,
            unpause: () => send({ kind: 'unpause' }),
            pause: () => send({ kind: 'pause' }),
            destroy: () => new Promise<void>((done) => {
              if (exited) return done();
              destroying = true;
              onExit = done;
              send({ kind: 'destroy' });
            }),
            counters: () => new Promise<DomainCounters>((done) => {
              const id = nextId++;
              pendingCounters.set(id, done);
              send({ kind: 'counters', id });
            }),
            dirtyLog: (op) => new Promise<DirtyBitmap | null>((done) => {
              const id = nextId++;
              pendingDirtyLogs.set(id, done);
              send({ kind: 'dirty-log', id, op });
            }),
          });
          break;
        case 'build-failed':
          reject(new XenonError('BAD_EXECUTABLE', m.message));
          break;
        case 'state': events.state(m.state, m.reason); break;
        case 'log': events.log(m.line); break;
        case 'console': onConsole?.(m.bytes); break;
        case 'counters':
          pendingCounters.get(m.id)?.(m.counters);
          pendingCounters.delete(m.id);
          break;
        case 'dirty-log':
          pendingDirtyLogs.get(m.id)?.(m.bitmap);
          pendingDirtyLogs.delete(m.id);
          break;
        case 'failed': events.failed(m.message); break;
        case 'destroyed': break;
      }
    });
    worker.on('error', (e) => {
      events.failed(e.stack ?? e.message);
      reject(e);
    });
    worker.on('exit', (code) => {
      exited = true;
      if (!destroying && code !== 0) events.failed(`the domain's worker exited with status ${code}`);
      onExit?.();
    });
  });
}

export class WorkerLauncher implements DomainLauncher {
  async launch(params: DomainBuildParams, events: DomainEvents): Promise<DomainProxy> {
    const w = await startWorker({ kind: 'xen', params }, events);
    return {
      built: w.built!, unpause: w.unpause, pause: w.pause, destroy: w.destroy, counters: w.counters, dirtyLog: w.dirtyLog,
      addPeer: (desc) => w.send({ kind: 'add-peer', desc }),
      removePeer: (domid) => w.send({ kind: 'remove-peer', domid }),
    };
  }

  async launchHvm(params: HvmBuildParams, events: HvmEvents): Promise<HvmProxy> {
    const w = await startWorker({ kind: 'hvm', params }, events, (b) => events.console(b));
    return {
      unpause: w.unpause, pause: w.pause, destroy: w.destroy, counters: w.counters, dirtyLog: w.dirtyLog,
      consoleInput: (bytes) => w.send({ kind: 'console-input', bytes }),
    };
  }
}
