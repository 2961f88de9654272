/**
 * A frontend domain as backends' tests see it: its pages in one shared buffer, grants as a table
 * the test fills, and event channels whose signals are recorded, so tests can act as a guest's
 * frontend driver, well-behaved or hostile.
 */
import type { BackendEvents, BackendGrants, GrantedPage } from './host.js';

export const PAGE = 4096;

export class FakeGuest {
  readonly mem: Uint8Array;
  /** ref → page index; refs the test did not grant are refused. */
  readonly grants = new Map<number, { page: number; writable: boolean }>();
  /** Grants mapped now (must drop to zero once the backend is done). */
  mapped = 0;
  /** Notifications the backend sent, by the guest's port. */
  readonly notified = new Map<number, number>();
  /** The backend's handlers by the guest port they bound. */
  readonly handlers = new Map<number, () => void>();
  readonly backendGrants: BackendGrants;
  readonly backendEvents: BackendEvents;

  /**
   * @param pages guest memory size in pages
   * @param unboundPorts the guest's ports the backend may bind (allocated with EVTCHNOP_alloc_unbound)
   */
  constructor(pages: number, unboundPorts: readonly number[]) {
    this.mem = new Uint8Array(new SharedArrayBuffer(pages * PAGE));
    // Local port = guest port + 100, so tests can tell them apart.
    this.backendGrants = {
      map: (ref, writable) => {
        const g = this.grants.get(ref);
        if (g === undefined) return `bad gref ${ref}`;
        if (writable && !g.writable) return `gref ${ref} is read-only`;
        this.mapped++;
        let released = false;
        const page: GrantedPage = {
          page: this.mem.subarray(g.page * PAGE, (g.page + 1) * PAGE),
          release: () => {
            if (!released) this.mapped--;
            released = true;
          },
        };
        return page;
      },
    };
    this.backendEvents = {
      bind: (remote, onEvent) => {
        if (!unboundPorts.includes(remote) || this.handlers.has(remote)) return `port ${remote} is not unbound`;
        this.handlers.set(remote, onEvent);
        return remote + 100;
      },
      notify: (port) => void this.notified.set(port - 100, (this.notified.get(port - 100) ?? 0) + 1),
      unbind: (port) => void this.handlers.delete(port - 100),
    };
  }

  /** Total notifications on every port. */
  get notifications(): number {
    let n = 0;
    for (const v of this.notified.values()) n += v;
    return n;
  }

  /** Signals the backend through the guest's port `port` (EVTCHNOP_send). */
  signal(port: number): void {
    this.handlers.get(port)?.();
  }

  page(n: number): Uint8Array {
    return this.mem.subarray(n * PAGE, (n + 1) * PAGE);
  }
}
