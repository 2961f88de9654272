/**
 * A domU's thread: Node's worker_threads entry that builds the domain (DomainRuntime) from the
 * parameters the launcher posts and runs it until it is destroyed. Control requests arrive as
 * messages (each followed by a ring of the domain's wake word, so a sleeping loop notices them);
 * state changes, log lines and counters go back as messages. An exception that escapes is a
 * crashed domain: it is reported and the thread ends, the host and other domains go on.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { nodeHostClock } from '../host/node/clock.js';
import { DomainRuntime, type DomainBuildParams } from '../hv/domain_runtime.js';
import { sleepOnWord } from '../toolstack/launcher.js';
import type { WorkerReply, WorkerRequest } from './worker_protocol.js';

const port = parentPort;
if (port === null) throw new Error('domain_worker.js must run as a worker thread');
const post = (m: WorkerReply) => port.postMessage(m);

let rt: DomainRuntime;
try {
  rt = new DomainRuntime(workerData as DomainBuildParams, {
    clock: nodeHostClock,
    sleep: sleepOnWord,
    yieldNow: () => new Promise((resolve) => setImmediate(resolve)),
    log: (line) => post({ kind: 'log', line }),
    stateChanged: (state, reason) => post({ kind: 'state', state, reason }),
  });
} catch (e) {
  post({ kind: 'build-failed', message: e instanceof Error ? e.message : String(e) });
  process.exit(0);
}
post({ kind: 'built', built: rt.built });

port.on('message', (m: WorkerRequest) => {
  switch (m.kind) {
    case 'unpause': rt.unpause(); break;
    case 'pause': rt.pause(); break;
    case 'destroy': rt.destroy(); break;
    case 'add-peer': rt.addPeer(m.desc); break;
    case 'remove-peer': rt.removePeer(m.domid); break;
    case 'counters': post({ kind: 'counters', id: m.id, counters: rt.counters() }); break;
  }
});

rt.run().then(() => {
  post({ kind: 'destroyed' });
  port.close();
}, (e: unknown) => {
  post({ kind: 'failed', message: e instanceof Error ? e.stack ?? e.message : String(e) });
  port.close();
});
