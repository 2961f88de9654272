/**
 * What every hypercall handler gets: the calling domain and vCPU, the guest's arguments (x0-x4),
 * access to guest memory by virtual address, and the scheduling actions a call may take. Handlers
 * return the value for x0: 0 or a positive result, or a negated XEN_E* value.
 */
import type { ShutdownReason } from '../../../abi/xen.js';
import type { XenDomain } from '../domain.js';
import type { GuestCopy } from '../guest_copy.js';

/** Scheduling actions of the calling vCPU and domain, provided by the architecture's run loop. */
export interface VcpuSchedOps {
  /** SCHEDOP_yield: end this vCPU's time slice. */
  yield(): void;
  /** SCHEDOP_block / SCHEDOP_poll: sleep until an event is pending for this vCPU, or guest time `untilNs`. */
  block(untilNs?: number): void;
  /** The domain shuts down (every vCPU stops) with `reason`. */
  shutdown(reason: ShutdownReason): void;
  /** SCHEDOP_watchdog: arms (timeoutS > 0) or disarms watchdog `id`; returns Xen's result. */
  watchdog(id: number, timeoutS: number): number;
}

/** Hypervisor-wide services a privileged caller may use on other domains. */
export interface HypervisorServices {
  /** The domain with this id, if it exists (for privileged remote operations). */
  domain(domid: number): XenDomain | undefined;
  /** Shuts down another domain (SCHEDOP_remote_shutdown). */
  remoteShutdown(domid: number, reason: ShutdownReason): number;
}

export interface HypercallContext {
  readonly d: XenDomain;
  readonly vcpu: number;
  /** x0..x4 as the guest passed them. */
  readonly args: readonly bigint[];
  readonly guest: GuestCopy;
  readonly sched: VcpuSchedOps;
  readonly hv: HypervisorServices;
  /** Nesting depth: multicall entries run at depth 1 and may not nest. */
  readonly depth: number;
  /**
   * Preempts a long call as Xen's hypercall_create_continuation does: the guest's argument
   * registers take `args` and the HVC runs again, so a huge batch never holds the host thread.
   * The handler's return value is then ignored. Null inside a multicall (which cannot preempt).
   */
  readonly continueWith: ((args: readonly bigint[]) => void) | null;
}

export type HypercallHandler = (ctx: HypercallContext) => number;

/** The low 32 bits of an argument as an unsigned number (a `unsigned int cmd`). */
export function u32Arg(ctx: HypercallContext, i: number): number {
  return Number((ctx.args[i] ?? 0n) & 0xffff_ffffn);
}

/** A signed C `int` argument. */
export function i32Arg(ctx: HypercallContext, i: number): number {
  return Number(BigInt.asIntN(32, ctx.args[i] ?? 0n));
}
