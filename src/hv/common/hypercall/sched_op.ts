/** HYPERVISOR_sched_op (common/sched/core.c do_sched_op) as an arm64 domain sees it. */
import { XEN_EFAULT, XEN_EINVAL, XEN_ENOSYS, XEN_EPERM, XEN_ESRCH } from '../../../abi/errno.js';
import { SHUTDOWN, type ShutdownReason } from '../../../abi/xen.js';
import { vaOf } from '../guest_copy.js';
import { u32Arg, type HypercallContext } from './context.js';

export const SCHEDOP = { yield: 0, block: 1, shutdown: 2, poll: 3, remote_shutdown: 4, shutdown_code: 5, watchdog: 6, pin_override: 7 } as const;
/** sched.h: SCHEDOP_poll takes at most this many ports (Xen rejects more with -EINVAL). */
const MAX_POLL_PORTS = 128;

const REASONS = Object.keys(SHUTDOWN) as ShutdownReason[];

function reasonOf(code: number): ShutdownReason | null {
  return REASONS.find((r) => SHUTDOWN[r] === code) ?? null;
}

function readReason(ctx: HypercallContext): ShutdownReason | number {
  const a = ctx.guest.readStruct(vaOf(ctx.args[1] ?? 0n), 4);
  if (a === null) return -XEN_EFAULT;
  return reasonOf(a.getUint32(0, true)) ?? -XEN_EINVAL;
}

export function doSchedOp(ctx: HypercallContext): number {
  const cmd = u32Arg(ctx, 0);
  switch (cmd) {
    case SCHEDOP.yield:
      ctx.sched.yield();
      return 0;
    case SCHEDOP.block:
      ctx.sched.block();
      return 0;
    case SCHEDOP.shutdown: {
      const r = readReason(ctx);
      if (typeof r === 'number') return r;
      ctx.d.log.guest(ctx.d.domid, `SCHEDOP_shutdown ${r} from vcpu ${ctx.vcpu}`);
      ctx.sched.shutdown(r);
      return 0;
    }
    case SCHEDOP.shutdown_code: {
      const r = readReason(ctx);
      if (typeof r === 'number') return r;
      ctx.d.shutdownCode = r;
      return 0;
    }
    case SCHEDOP.poll: {
      const a = ctx.guest.readStruct(vaOf(ctx.args[1] ?? 0n), 24);
      if (a === null) return -XEN_EFAULT;
      const nrPorts = a.getUint32(8, true);
      if (nrPorts > MAX_POLL_PORTS) return -XEN_EINVAL;
      const timeout = a.getBigUint64(16, true);
      // Wakes on any event for this vCPU (spurious wake-ups are allowed: callers re-check their ports).
      ctx.sched.block(timeout === 0n ? undefined : Number(timeout));
      return 0;
    }
    case SCHEDOP.remote_shutdown: {
      if (!ctx.d.privileged) return -XEN_EPERM;
      const a = ctx.guest.readStruct(vaOf(ctx.args[1] ?? 0n), 8);
      if (a === null) return -XEN_EFAULT;
      const reason = reasonOf(a.getUint32(4, true));
      if (reason === null) return -XEN_EINVAL;
      const target = a.getUint16(0, true);
      return ctx.hv.domain(target) === undefined ? -XEN_ESRCH : ctx.hv.remoteShutdown(target, reason);
    }
    case SCHEDOP.watchdog: {
      const a = ctx.guest.readStruct(vaOf(ctx.args[1] ?? 0n), 8);
      if (a === null) return -XEN_EFAULT;
      return ctx.sched.watchdog(a.getUint32(0, true), a.getUint32(4, true));
    }
    case SCHEDOP.pin_override:
      return ctx.d.privileged ? -XEN_EINVAL : -XEN_EPERM;
    default:
      ctx.d.countEnosys(`sched_op(${cmd})`);
      return -XEN_ENOSYS;
  }
}
