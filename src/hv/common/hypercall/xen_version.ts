/**
 * HYPERVISOR_xen_version (common/version.c do_xen_version as Xen 4.17 answers an unprivileged arm64
 * guest; the sizes of each buffer are public/version.h's).
 */
import { XEN_EFAULT, XEN_EINVAL, XEN_ENOSYS, XEN_EPERM } from '../../../abi/errno.js';
import { XEN_MAJOR, XEN_MINOR } from '../../../abi/xen_version.js';
import { vaOf } from '../guest_copy.js';
import { u32Arg, type HypercallContext } from './context.js';

export const XENVER = {
  version: 0, extraversion: 1, compile_info: 2, capabilities: 3, changeset: 4, platform_parameters: 5,
  get_features: 6, pagesize: 7, guest_handle: 8, commandline: 9, build_id: 10,
} as const;

/**
 * XENFEAT_* a domU on Arm gets (Xen 4.17): writable_page_tables (0), auto_translated_physmap (2,
 * without which Linux takes the PV grant path), memory_op_vnode_supported (13), ARM_SMCCC_supported
 * (14), not_direct_mapped (16).
 */
export const DOMU_FEATURES = (1 << 0) | (1 << 2) | (1 << 13) | (1 << 14) | (1 << 16);
/** XENFEAT_dom0 (11): only for the hardware domain. */
const XENFEAT_DOM0 = 1 << 11;
export const XEN_EXTRAVERSION = '-xenon';
export const XEN_CAPABILITIES = 'xen-3.0-aarch64 xen-3.0-armv7l ';
/** HYPERVISOR_VIRT_START on arm64 (asm/config.h XEN_VIRT_START), what platform_parameters reports. */
const HYPERVISOR_VIRT_START = 0x0020_0000n;

function fixedString(s: string, size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < s.length && i < size - 1; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

function put(ctx: HypercallContext, bytes: Uint8Array): number {
  return ctx.guest.write(vaOf(ctx.args[1] ?? 0n), bytes) ? 0 : -XEN_EFAULT;
}

export function doXenVersion(ctx: HypercallContext): number {
  const cmd = u32Arg(ctx, 0);
  switch (cmd) {
    case XENVER.version:
      return (XEN_MAJOR << 16) | XEN_MINOR;
    case XENVER.extraversion:
      return put(ctx, fixedString(XEN_EXTRAVERSION, 16));
    case XENVER.compile_info: {
      const b = new Uint8Array(144);
      b.set(fixedString('TypeScript', 64), 0);
      b.set(fixedString('xenon', 16), 64);
      b.set(fixedString('', 32), 80);
      b.set(fixedString('', 32), 112);
      return put(ctx, b);
    }
    case XENVER.capabilities:
      return put(ctx, fixedString(XEN_CAPABILITIES, 1024));
    case XENVER.changeset:
      return put(ctx, fixedString('xenon', 64));
    case XENVER.platform_parameters: {
      const b = new Uint8Array(8);
      new DataView(b.buffer).setBigUint64(0, HYPERVISOR_VIRT_START, true);
      return put(ctx, b);
    }
    case XENVER.get_features: {
      const va = vaOf(ctx.args[1] ?? 0n);
      const fi = ctx.guest.readStruct(va, 8);
      if (fi === null) return -XEN_EFAULT;
      if (fi.getUint32(0, true) !== 0) return -XEN_EINVAL;
      fi.setUint32(4, ctx.d.privileged ? DOMU_FEATURES | XENFEAT_DOM0 : DOMU_FEATURES, true);
      return ctx.guest.writeStruct(va, fi) ? 0 : -XEN_EFAULT;
    }
    case XENVER.pagesize:
      return 4096;
    case XENVER.guest_handle:
      return put(ctx, ctx.d.uuid);
    case XENVER.commandline:
      // Only the hardware domain sees Xen's command line (xsm_xen_version).
      return put(ctx, fixedString(ctx.d.privileged ? '' : '<denied>', 1024));
    case XENVER.build_id:
      return -XEN_EPERM;
    default:
      ctx.d.countEnosys(`xen_version(${cmd})`);
      return -XEN_ENOSYS;
  }
}
