/**
 * The swappable delivery policy of a domain, as Xen's `struct evtchn_port_ops` (event.h): 2-level
 * (event_2l.ts), FIFO (event_fifo.ts) and, for Domain-0 which is the host, host callbacks
 * (event_host.ts). All of it runs on the domain's owner thread.
 */
import type { GuestPhysMemory } from '../memory/p2m.js';
import { testAndSetBit } from './bitops.js';
import { VCPU_INFO_EVTCHN_UPCALL_PENDING } from './abi.js';

/** What a guest domain tells the event channels about its memory and vCPUs. */
export interface EvtchnGuestHooks {
  readonly mem: GuestPhysMemory;
  readonly nrVcpus: number;
  /** Host byte offset of shared_info, or -1 before the guest mapped it. */
  sharedInfoOffset(): number;
  /** Host byte offset of vCPU v's vcpu_info (its registered area, or the shared_info slot for vCPU 0), or -1. */
  vcpuInfoOffset(v: number): number;
  /** evtchn_upcall_pending of vCPU v went 0 -> 1: the caller asserts the event PPI and wakes the vCPU. */
  raiseUpcall(v: number): void;
}

/** Domain-0 is the host: its raised ports become calls, on the owner thread. */
export interface HostEvtchnHooks {
  onEvent(port: number): void;
}

/** Which implementation a domain uses. */
export type EvtchnAbi = '2l' | 'fifo' | 'host';

/** One delivery policy (event.h struct evtchn_port_ops); ports passed in are always valid. */
export interface EvtchnPortOps {
  readonly abi: EvtchnAbi;
  /** max_evtchns(d): the ABI's port limit. */
  readonly maxEvtchns: number;
  setPending(v: number, port: number): void;
  clearPending(port: number): void;
  unmask(port: number): void;
  isPending(port: number): boolean;
  isMasked(port: number): boolean;
  /** A freed port that must not be reused yet (FIFO: still LINKED). */
  isBusy(port: number): boolean;
  /** Returns 0 or -errno; null when the ABI has no priorities (Xen: -ENOSYS). */
  readonly setPriority: ((port: number, priority: number) => number) | null;
  /** The ABI-specific column of Xen's 'e' debug-key dump. */
  printState(port: number): string;
}

/** Counters the ops feed. */
export interface EvtchnDeliveryCounters {
  upcalls: number;
}

/**
 * arm/domain.c vcpu_mark_events_pending(): set bit 0 of evtchn_upcall_pending and inject the
 * event PPI only on the 0 -> 1 edge. A vCPU without a vcpu_info yet (secondary vCPUs before
 * VCPUOP_register_vcpu_info) is skipped: registration marks everything pending (domain.c map_vcpu_info).
 */
export function vcpuMarkEventsPending(g: EvtchnGuestHooks, v: number, counters: EvtchnDeliveryCounters): void {
  const off = g.vcpuInfoOffset(v);
  if (!isUsableOffset(g.mem, off, 16)) return;
  if (testAndSetBit(g.mem.i32, off + VCPU_INFO_EVTCHN_UPCALL_PENDING, 0)) return;
  counters.upcalls++;
  g.raiseUpcall(v);
}

/** True when [off, off + sizeBytes) lies inside the host buffer (offsets come from hooks, so check). */
export function isUsableOffset(mem: GuestPhysMemory, off: number, sizeBytes: number): boolean {
  return Number.isInteger(off) && off >= 0 && off + sizeBytes <= mem.u8.length;
}
