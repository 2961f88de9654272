/**
 * Where a domU runs. The domain manager launches each domain through a DomainLauncher and then
 * talks to it only through a DomainProxy: control requests one way, state changes and log lines
 * the other, and everything else through shared memory. Node runs each domain in a worker thread
 * (src/main/worker_launcher.ts); `InThreadLauncher` runs them on the caller's thread (a browser
 * without workers, or a test that wants one thread).
 */
import type { ShutdownReason } from '../abi/xen.js';
import type { HostClock } from '../host/common/clock.js';
import type { DomainState } from '../hv/common/domain.js';
import type { EvtchnSharedDescriptor } from '../hv/common/event/index.js';
import { DomainRuntime, type DomainBuildParams, type DomainBuilt, type DomainCounters } from '../hv/domain_runtime.js';
import type { DirtyBitmap, DirtyLogOp } from '../lib/dirty_log.js';
import { HvmRuntime, type HvmBuildParams } from '../hv/hvm_runtime.js';

/** What a launched domain reports back. */
export interface DomainEvents {
  state(state: DomainState, reason: ShutdownReason | null): void;
  log(line: string): void;
  /** The domain's thread died or threw: the domain is crashed. */
  failed(reason: string): void;
}

export interface DomainProxy {
  readonly built: DomainBuilt;
  /** Lets the domain reach another domain's event channels (created after it). */
  addPeer(desc: EvtchnSharedDescriptor): void;
  /** The other domain is gone. */
  removePeer(domid: number): void;
  unpause(): void;
  pause(): void;
  /** Destroys the domain and releases its thread. */
  destroy(): Promise<void>;
  counters(): Promise<DomainCounters>;
  /** Log-dirty mode (`DomainRuntime.dirtyLog`), carried out on the domain's thread. */
  dirtyLog(op: DirtyLogOp): Promise<DirtyBitmap | null>;
}

/** An HVM domain (the emulated `virt` board): no Xen interfaces, its console is its UART. */
export interface HvmProxy {
  unpause(): void;
  pause(): void;
  destroy(): Promise<void>;
  counters(): Promise<DomainCounters>;
  /** Log-dirty mode over the board's RAM (`HvmRuntime.dirtyLog`), carried out on the domain's thread. */
  dirtyLog(op: DirtyLogOp): Promise<DirtyBitmap | null>;
  /** Bytes for the guest's serial console. */
  consoleInput(bytes: Uint8Array): void;
}

/** What an HVM domain reports besides its state: its serial console's output. */
export interface HvmEvents extends DomainEvents {
  console(bytes: Uint8Array): void;
}

export interface DomainLauncher {
  launch(params: DomainBuildParams, events: DomainEvents): Promise<DomainProxy>;
  launchHvm(params: HvmBuildParams, events: HvmEvents): Promise<HvmProxy>;
}

/** Sleeps on a shared word with Atomics.waitAsync (ES2024; Node 20, browsers). */
export async function sleepOnWord(words: Int32Array, index: number, seen: number, ms: number): Promise<void> {
  const r = (Atomics as unknown as {
    waitAsync(a: Int32Array, i: number, v: number, t?: number): { async: boolean; value: Promise<string> | string };
  }).waitAsync(words, index, seen, Number.isFinite(ms) ? ms : undefined);
  if (r.async) await r.value;
}

/** Runs every domain on the calling thread, interleaved by the event loop. */
export class InThreadLauncher implements DomainLauncher {
  constructor(private readonly clock: HostClock) {}

  launch(params: DomainBuildParams, events: DomainEvents): Promise<DomainProxy> {
    const rt = new DomainRuntime(params, {
      clock: this.clock,
      sleep: sleepOnWord,
      yieldNow: () => new Promise((resolve) => setTimeout(resolve, 0)),
      log: (line) => events.log(line),
      stateChanged: (state, reason) => events.state(state, reason),
    });
    rt.run().catch((e: unknown) => {
      rt.d.shutdown('crash');
      events.failed(e instanceof Error ? e.stack ?? e.message : String(e));
    });
    return Promise.resolve({
      built: rt.built,
      addPeer: (desc) => rt.addPeer(desc),
      removePeer: (domid) => rt.removePeer(domid),
      unpause: () => rt.unpause(),
      pause: () => rt.pause(),
      destroy: () => {
        rt.destroy();
        return Promise.resolve();
      },
      counters: () => Promise.resolve(rt.counters()),
      dirtyLog: (op) => Promise.resolve(rt.dirtyLog(op)),
    });
  }

  launchHvm(params: HvmBuildParams, events: HvmEvents): Promise<HvmProxy> {
    let wake: (() => void) | null = null;
    const rt = new HvmRuntime(params, {
      clock: this.clock,
      sleep: (ms) => new Promise<void>((resolve) => {
        const t = Number.isFinite(ms) ? setTimeout(() => done(), ms) : null;
        const done = () => {
          if (t !== null) clearTimeout(t);
          wake = null;
          resolve();
        };
        wake = done;
      }),
      wake: () => wake?.(),
      sleepOnWord,
      yieldNow: () => new Promise((resolve) => setTimeout(resolve, 0)),
      console: (b) => events.console(b),
      stateChanged: (state, reason) => events.state(state, reason),
    });
    rt.run().catch((e: unknown) => events.failed(e instanceof Error ? e.stack ?? e.message : String(e)));
    return Promise.resolve({
      unpause: () => rt.unpause(),
      pause: () => rt.pause(),
      destroy: () => {
        rt.destroy();
        return Promise.resolve();
      },
      counters: () => Promise.resolve(rt.counters()),
      dirtyLog: (op) => Promise.resolve(rt.dirtyLog(op)),
      consoleInput: (b) => rt.consoleInput(b),
    });
  }
}
