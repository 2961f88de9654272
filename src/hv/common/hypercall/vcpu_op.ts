/**
 * HYPERVISOR_vcpu_op on Arm (arch/arm/domain.c do_arm_vcpu_op): only register_vcpu_info and
 * register_runstate_memory_area reach common/domain.c; every other subop is -EINVAL on Arm (vCPUs
 * come and go through PSCI instead of VCPUOP_up/down).
 */
import { XEN_EFAULT, XEN_EINVAL, XEN_ENOENT, XEN_ENXIO } from '../../../abi/errno.js';
import { vaOf } from '../guest_copy.js';
import { VCPU_INFO } from '../shared_info.js';
import { u32Arg, type HypercallContext } from './context.js';

export const VCPUOP_register_runstate_memory_area = 5;
export const VCPUOP_register_vcpu_info = 10;
const XEN_PAGE_SIZE = 4096;

function registerVcpuInfo(ctx: HypercallContext, v: number): number {
  const a = ctx.guest.readStruct(vaOf(ctx.args[2] ?? 0n), 16);
  if (a === null) return -XEN_EFAULT;
  const gfn = a.getBigUint64(0, true);
  const offset = a.getUint32(8, true);
  if (offset > XEN_PAGE_SIZE - VCPU_INFO.SIZE || offset % 8 !== 0) return -XEN_ENXIO;
  const d = ctx.d;
  if (d.vcpuInfoOffsets[v] !== -1) return -XEN_EINVAL;
  // Another vCPU's area may only be set while that vCPU is down (map_vcpu_info).
  if (v !== ctx.vcpu && d.archOps.isVcpuUp(v)) return -XEN_EINVAL;
  if (gfn > 0xfff_ffffn) return -XEN_EINVAL;
  const page = d.mem.offsetOfGfn(Number(gfn), true);
  if (page < 0) return -XEN_EINVAL;
  d.registerVcpuInfo(v, Number(gfn), page + offset);
  return 0;
}

export function doVcpuOp(ctx: HypercallContext): number {
  const cmd = u32Arg(ctx, 0);
  const v = u32Arg(ctx, 1);
  if (v >= ctx.d.nrVcpus) return -XEN_ENOENT;
  switch (cmd) {
    case VCPUOP_register_vcpu_info:
      return registerVcpuInfo(ctx, v);
    case VCPUOP_register_runstate_memory_area: {
      const a = ctx.guest.readStruct(vaOf(ctx.args[2] ?? 0n), 8);
      if (a === null) return -XEN_EFAULT;
      ctx.d.runstateVa[v] = vaOf(a.getBigUint64(0, true));
      return 0;
    }
    default:
      return -XEN_EINVAL;
  }
}
