/**
 * Runs each domU on its own worker thread (domain_worker.ts), so a busy domain stalls neither
 * Domain-0 nor another domain, and two busy domains use two host cores. Guest memory and event
 * channels are shared memory; the rest is the message protocol of worker_protocol.ts. A worker
 * that throws or exits unexpectedly is a crashed domain.
 */
import { Worker } from 'node:worker_threads';
import { XenonError } from '../lib/errors.js';
import { Doorbell } from '../hv/common/event/index.js';
import type { DomainBuildParams, DomainCounters } from '../hv/domain_runtime.js';
import type { DomainEvents, DomainLauncher, DomainProxy } from '../toolstack/launcher.js';
import type { WorkerReply, WorkerRequest } from './worker_protocol.js';

const WORKER_URL = new URL('./domain_worker.js', import.meta.url);

export class WorkerLauncher implements DomainLauncher {
  launch(params: DomainBuildParams, events: DomainEvents): Promise<DomainProxy> {
    const worker = new Worker(WORKER_URL, { workerData: params });
    let nextId = 0;
    const pendingCounters = new Map<number, (c: DomainCounters) => void>();
    let exited = false;
    let destroying = false;
    let onExit: (() => void) | null = null;
    return new Promise((resolve, reject) => {
      let wake: Int32Array | null = null;
      const send = (m: WorkerRequest) => {
        if (exited) return;
        worker.postMessage(m);
        if (wake !== null) {
          Atomics.add(wake, Doorbell.WAKE_INDEX, 1);
          Atomics.notify(wake, Doorbell.WAKE_INDEX);
        }
      };
      worker.on('message', (m: WorkerReply) => {
        switch (m.kind) {
          case 'built': {
            wake = new Int32Array(m.built.evtchn.doorbell);
            resolve({
              built: m.built,
              addPeer: (desc) => send({ kind: 'add-peer', desc }),
              removePeer: (domid) => send({ kind: 'remove-peer', domid }),
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
            });
            break;
          }
          case 'build-failed':
            reject(new XenonError('BAD_EXECUTABLE', m.message));
            break;
          case 'state': events.state(m.state, m.reason); break;
          case 'log': events.log(m.line); break;
          case 'counters':
            pendingCounters.get(m.id)?.(m.counters);
            pendingCounters.delete(m.id);
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
}
