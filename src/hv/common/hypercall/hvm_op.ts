/** HYPERVISOR_hvm_op on Arm (arch/arm/hvm.c do_hvm_op): HVMOP_set_param and HVMOP_get_param only. */
import { XEN_EFAULT, XEN_EINVAL, XEN_ENOSYS, XEN_EPERM, XEN_ESRCH } from '../../../abi/errno.js';
import { DOMID_SELF } from '../../../abi/xen.js';
import { vaOf } from '../guest_copy.js';
import { guestParamAccess, HVM_NR_PARAMS } from '../hvm_params.js';
import { u32Arg, type HypercallContext } from './context.js';

export const HVMOP_set_param = 0;
export const HVMOP_get_param = 1;

export function doHvmOp(ctx: HypercallContext): number {
  const op = u32Arg(ctx, 0);
  if (op !== HVMOP_set_param && op !== HVMOP_get_param) {
    ctx.d.countEnosys(`hvm_op(${op})`);
    return -XEN_ENOSYS;
  }
  const va = vaOf(ctx.args[1] ?? 0n);
  const a = ctx.guest.readStruct(va, 16);
  if (a === null) return -XEN_EFAULT;
  const domid = a.getUint16(0, true);
  const index = a.getUint32(4, true);
  const write = op === HVMOP_set_param;
  let target = ctx.d;
  if (domid !== DOMID_SELF && domid !== ctx.d.domid) {
    if (!ctx.d.privileged) return -XEN_EPERM;
    const t = ctx.hv.domain(domid);
    if (t === undefined) return -XEN_ESRCH;
    target = t;
  }
  if (index >= HVM_NR_PARAMS) return -XEN_EINVAL;
  if (target === ctx.d && !ctx.d.privileged) {
    const access = guestParamAccess(index, write);
    if (access === 'einval') return -XEN_EINVAL;
    if (access === 'eperm') return -XEN_EPERM;
  }
  if (write) {
    target.hvmParams[index] = a.getBigUint64(8, true);
    return 0;
  }
  a.setBigUint64(8, target.hvmParams[index]!, true);
  return ctx.guest.writeStruct(va, a) ? 0 : -XEN_EFAULT;
}
