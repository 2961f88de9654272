/**
 * The hypercall table (xen/include/hypercall-defs.c, "arm" column) and the dispatcher. Numbers
 * without a handler, and every x86-only call, answer -ENOSYS and are counted per domain so
 * `xenon debug hypercalls` shows what a guest asked for that we do not do.
 */
import { XEN_EFAULT, XEN_EINVAL, XEN_ENOSYS } from '../../../abi/errno.js';
import { HYPERVISOR } from '../../../abi/xen.js';
import { EVTCHNOP_ARG_BYTES, EVTCHNOP_WRITES_BACK } from '../event/index.js';
import { GNTTABOP_ARG_BYTES, GNTTABOP_CMD_MASK, GNTTABOP_MAX_OPS_PER_CALL } from '../grant/index.js';
import { vaOf } from '../guest_copy.js';
import { u32Arg, type HypercallContext, type HypercallHandler } from './context.js';
import { doHvmOp } from './hvm_op.js';
import { doMemoryOp } from './memory_op.js';
import { doConsoleIo, doPhysdevOp, doPrivilegedOnly, doVmAssist } from './misc_ops.js';
import { doSchedOp } from './sched_op.js';
import { doVcpuOp } from './vcpu_op.js';
import { doXenVersion } from './xen_version.js';

/** multicall_entry: op u64 @0, result u64 @8, args[6] u64 @16. */
const MULTICALL_ENTRY_BYTES = 64;
/** Entries taken per multicall; Xen preempts longer batches, we refuse them. */
const MAX_MULTICALL_ENTRIES = 1024;

function doEventChannelOp(ctx: HypercallContext): number {
  const cmd = u32Arg(ctx, 0);
  const size = EVTCHNOP_ARG_BYTES[cmd];
  if (size === undefined) {
    ctx.d.countEnosys(`event_channel_op(${cmd})`);
    return -XEN_ENOSYS;
  }
  const va = vaOf(ctx.args[1] ?? 0n);
  const arg = ctx.guest.readStruct(va, size);
  if (arg === null) return -XEN_EFAULT;
  const rc = ctx.d.evtchn.doEventChannelOp(cmd, arg, ctx.vcpu);
  if (rc === 0 && EVTCHNOP_WRITES_BACK.has(cmd) && !ctx.guest.writeStruct(va, arg)) return -XEN_EFAULT;
  return rc;
}

function doGrantTableOp(ctx: HypercallContext): number {
  const cmd = u32Arg(ctx, 0);
  const count = u32Arg(ctx, 2);
  const size = GNTTABOP_ARG_BYTES[cmd & GNTTABOP_CMD_MASK];
  if (size === undefined) {
    ctx.d.countEnosys(`grant_table_op(${cmd})`);
    return -XEN_ENOSYS;
  }
  if (count >= 0x8000_0000) return -XEN_EINVAL;
  // Batches beyond one preemption unit continue in a re-executed hypercall, as in Xen.
  const now = Math.min(count, GNTTABOP_MAX_OPS_PER_CALL);
  if (now < count && ctx.continueWith === null) return -XEN_EINVAL;
  const va = vaOf(ctx.args[1] ?? 0n);
  const ops = now === 0 ? new DataView(new ArrayBuffer(0)) : ctx.guest.readStruct(va, size * now);
  if (ops === null) return -XEN_EFAULT;
  const rc = ctx.d.grant.doGrantTableOp(cmd, ops, now, ctx.d.domid, ctx.guest);
  if (now > 0 && !ctx.guest.writeStruct(va, ops)) return -XEN_EFAULT;
  if (rc >= 0 && now < count) {
    ctx.continueWith!([ctx.args[0]!, BigInt.asUintN(64, BigInt(va + size * now)), BigInt(count - now)]);
  }
  return rc > 0 ? 0 : rc;
}

function doMulticall(ctx: HypercallContext): number {
  if (ctx.depth > 0) return -XEN_EINVAL;
  const va = vaOf(ctx.args[0] ?? 0n);
  const n = u32Arg(ctx, 1);
  if (n > MAX_MULTICALL_ENTRIES) return -XEN_EINVAL;
  for (let i = 0; i < n; i++) {
    const at = va + i * MULTICALL_ENTRY_BYTES;
    const e = ctx.guest.readStruct(at, MULTICALL_ENTRY_BYTES);
    if (e === null) return -XEN_EFAULT;
    const op = e.getBigUint64(0, true);
    const args = [0, 1, 2, 3, 4].map((k) => e.getBigUint64(16 + k * 8, true));
    const rc = op > 0xffffn ? -XEN_ENOSYS : dispatchHypercall(Number(op), { ...ctx, args, depth: ctx.depth + 1, continueWith: null });
    e.setBigUint64(8, BigInt.asUintN(64, BigInt(rc)), true);
    if (!ctx.guest.writeStruct(at, e)) return -XEN_EFAULT;
  }
  return 0;
}

const TABLE = new Map<number, HypercallHandler>([
  [HYPERVISOR.xen_version, doXenVersion],
  [HYPERVISOR.memory_op, doMemoryOp],
  [HYPERVISOR.hvm_op, doHvmOp],
  [HYPERVISOR.vcpu_op, doVcpuOp],
  [HYPERVISOR.sched_op, doSchedOp],
  [HYPERVISOR.event_channel_op, doEventChannelOp],
  [HYPERVISOR.grant_table_op, doGrantTableOp],
  [HYPERVISOR.vm_assist, doVmAssist],
  [HYPERVISOR.console_io, doConsoleIo],
  [HYPERVISOR.physdev_op, doPhysdevOp],
  [HYPERVISOR.multicall, doMulticall],
  [HYPERVISOR.sysctl, doPrivilegedOnly('sysctl')],
  [HYPERVISOR.domctl, doPrivilegedOnly('domctl')],
  [HYPERVISOR.platform_op, doPrivilegedOnly('platform_op')],
]);

const NAMES = new Map<number, string>(Object.entries(HYPERVISOR).map(([k, v]) => [v, k]));

/** Runs hypercall `nr` for ctx's vCPU; returns the value for x0. Never throws on guest input. */
export function dispatchHypercall(nr: number, ctx: HypercallContext): number {
  const d = ctx.d;
  d.countHypercall(nr);
  const h = TABLE.get(nr);
  if (h === undefined) {
    d.countEnosys(hypercallName(nr));
    return -XEN_ENOSYS;
  }
  return h(ctx);
}

/** The name of hypercall `nr` for the debug counters; numbers past NR_hypercalls share one name. */
export function hypercallName(nr: number): string {
  return NAMES.get(nr) ?? (nr >= 0 && nr < 64 ? `hypercall ${nr}` : 'hypercall (out of range)');
}
