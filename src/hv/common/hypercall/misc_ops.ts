/**
 * The small hypercalls: vm_assist (common/domain.c), console_io (drivers/char/console.c, which only a
 * privileged domain may use on a non-debug Xen), physdev_op (Arm has only PCI device add/remove for
 * the hardware domain), and the privileged-only calls a domU must be refused.
 */
import { XEN_EFAULT, XEN_EINVAL, XEN_ENOSYS, XEN_EPERM } from '../../../abi/errno.js';
import { vaOf } from '../guest_copy.js';
import { u32Arg, type HypercallContext } from './context.js';

export const VMASST_CMD_enable = 0;
export const VMASST_CMD_disable = 1;
/** The only assist valid on Arm (arch/arm/include/asm/config.h VM_ASSIST_VALID). */
export const VMASST_TYPE_runstate_update_flag = 5;
export const CONSOLEIO_write = 0;
export const CONSOLEIO_read = 1;
/** Longest console_io write taken in one call. */
const MAX_CONSOLE_WRITE = 4096;

export function doVmAssist(ctx: HypercallContext): number {
  const cmd = u32Arg(ctx, 0);
  const type = u32Arg(ctx, 1);
  if (cmd !== VMASST_CMD_enable && cmd !== VMASST_CMD_disable) return -XEN_ENOSYS;
  if (type !== VMASST_TYPE_runstate_update_flag) return -XEN_EINVAL;
  ctx.d.runstateUpdateFlag = cmd === VMASST_CMD_enable;
  return 0;
}

export function doConsoleIo(ctx: HypercallContext): number {
  if (!ctx.d.privileged) return -XEN_EPERM;
  const cmd = u32Arg(ctx, 0);
  const count = u32Arg(ctx, 1);
  if (cmd === CONSOLEIO_read) return 0; // the hypervisor has no console input to hand a domain
  if (cmd !== CONSOLEIO_write) return -XEN_EINVAL;
  const text = ctx.guest.readString(vaOf(ctx.args[2] ?? 0n), Math.min(count, MAX_CONSOLE_WRITE));
  if (text === null) return -XEN_EFAULT;
  ctx.d.log.console(ctx.d.domid, text);
  return 0;
}

export function doPhysdevOp(ctx: HypercallContext): number {
  ctx.d.countEnosys(`physdev_op(${u32Arg(ctx, 0)})`);
  return -XEN_ENOSYS;
}

/** sysctl, domctl and platform_op: the toolstack's calls; a domU is refused by XSM. */
export function doPrivilegedOnly(name: string) {
  return (ctx: HypercallContext): number => {
    if (!ctx.d.privileged) return -XEN_EPERM;
    ctx.d.countEnosys(name);
    return -XEN_ENOSYS;
  };
}
