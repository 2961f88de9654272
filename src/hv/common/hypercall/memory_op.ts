/**
 * HYPERVISOR_memory_op (common/memory.c do_memory_op, arch/arm/mm.c xenmem_add_to_physmap_one):
 * placing shared_info and grant frames in the guest's physical space, and the reservation calls a
 * balloon driver makes. Frame numbers and lists come from the guest and are checked one by one.
 */
import { XEN_EFAULT, XEN_EINVAL, XEN_ENOSYS, XEN_EPERM, XEN_ESRCH } from '../../../abi/errno.js';
import { DOMID_SELF, XEN_PAGE_SIZE } from '../../../abi/xen.js';
import { vaOf } from '../guest_copy.js';
import { u32Arg, type HypercallContext } from './context.js';

export const XENMEM = {
  increase_reservation: 0, decrease_reservation: 1, maximum_ram_page: 2, current_reservation: 3,
  maximum_reservation: 4, populate_physmap: 6, add_to_physmap: 7, maximum_gpfn: 14,
} as const;
export const XENMAPSPACE = { shared_info: 0, grant_table: 1, gmfn: 2, gmfn_range: 3, gmfn_foreign: 4, dev_mmio: 5 } as const;
/** memory.h MEMOP_CMD_MASK: the bits above carry a continuation's progress. */
const MEMOP_CMD_MASK = 0x3f;
/** Largest extent order a domU may ask for (Xen's max_order for a non-privileged domain). */
const MAX_DOMU_EXTENT_ORDER = 9;
/** Guest frame numbers beyond a 40-bit IPA space do not exist. */
const MAX_GFN = 2 ** 28;

/** `domid` in an argument names the caller itself (DOMID_SELF or its own id). */
function isSelf(ctx: HypercallContext, domid: number): boolean {
  return domid === DOMID_SELF || domid === ctx.d.domid;
}

function addToPhysmap(ctx: HypercallContext): number {
  const va = vaOf(ctx.args[1] ?? 0n);
  const a = ctx.guest.readStruct(va, 24);
  if (a === null) return -XEN_EFAULT;
  const domid = a.getUint16(0, true);
  const space = a.getUint32(4, true);
  const idx = a.getBigUint64(8, true);
  const gpfn = a.getBigUint64(16, true);
  if (!isSelf(ctx, domid)) return ctx.d.privileged ? -XEN_ESRCH : -XEN_EPERM;
  if (gpfn >= BigInt(MAX_GFN)) return -XEN_EINVAL;
  const gfn = Number(gpfn);
  switch (space) {
    case XENMAPSPACE.shared_info:
      if (idx !== 0n) return -XEN_EINVAL;
      return ctx.d.mapSharedInfo(gfn) ? 0 : -XEN_EINVAL;
    case XENMAPSPACE.grant_table: {
      const off = ctx.d.grant.frameForIndex(idx > 0xffff_ffffn ? -1 : Number(idx));
      if (off < 0) return off;
      ctx.d.mem.mapPage(gfn, off);
      return 0;
    }
    case XENMAPSPACE.gmfn_foreign:
      // Only XENMEM_add_to_physmap_batch may map foreign frames (common/memory.c).
      return -XEN_EINVAL;
    case XENMAPSPACE.dev_mmio:
      return ctx.d.privileged ? -XEN_ENOSYS : -XEN_EPERM;
    default:
      // gmfn and gmfn_range: Arm's xenmem_add_to_physmap_one has no case for them.
      ctx.d.countEnosys(`memory_op(add_to_physmap space ${space})`);
      return -XEN_ENOSYS;
  }
}

/**
 * increase/decrease_reservation and populate_physmap over a `xen_memory_reservation`: the number
 * of extents done is the result, and a frame that cannot be given back or populated ends the call
 * there (Xen's partial-progress rule, on which Linux's balloon driver relies).
 */
function reservation(ctx: HypercallContext, cmd: number): number {
  const va = vaOf(ctx.args[1] ?? 0n);
  const r = ctx.guest.readStruct(va, 32);
  if (r === null) return -XEN_EFAULT;
  const listVa = vaOf(r.getBigUint64(0, true));
  const nr = r.getBigUint64(8, true);
  const order = r.getUint32(16, true);
  const domid = r.getUint16(24, true);
  if (!isSelf(ctx, domid)) return ctx.d.privileged ? -XEN_ESRCH : -XEN_EPERM;
  if (order > MAX_DOMU_EXTENT_ORDER) return 0;
  if (cmd === XENMEM.increase_reservation) return 0; // auto-translated guests populate by gfn instead
  const frames = 1 << order;
  const limit = nr > BigInt(ctx.d.layout.ramBytes / XEN_PAGE_SIZE) ? ctx.d.layout.ramBytes / XEN_PAGE_SIZE : Number(nr);
  let done = 0;
  for (; done < limit; done++) {
    const e = ctx.guest.readStruct(listVa + done * 8, 8);
    if (e === null) return done === 0 ? -XEN_EFAULT : done;
    const first = e.getBigUint64(0, true);
    if (first >= BigInt(MAX_GFN)) return done;
    const gfn = Number(first);
    if (gfn % frames !== 0) return done;
    for (let i = 0; i < frames; i++) {
      const ok = cmd === XENMEM.decrease_reservation ? ctx.d.mem.releaseFrame(gfn + i) : ctx.d.mem.populateFrame(gfn + i);
      if (!ok) return done;
    }
  }
  return done;
}

/** current_reservation / maximum_reservation / maximum_gpfn take a pointer to a domid_t. */
function domainQuery(ctx: HypercallContext, cmd: number): number {
  const a = ctx.guest.readStruct(vaOf(ctx.args[1] ?? 0n), 2);
  if (a === null) return -XEN_EFAULT;
  if (!isSelf(ctx, a.getUint16(0, true))) return ctx.d.privileged ? -XEN_ESRCH : -XEN_EPERM;
  const ramFrames = ctx.d.layout.ramBytes / XEN_PAGE_SIZE;
  if (cmd === XENMEM.current_reservation) return ramFrames - ctx.d.mem.releasedFrames;
  if (cmd === XENMEM.maximum_reservation) return ramFrames;
  return Math.max(...ctx.d.mem.ramRanges.map((r) => r.gfn + r.frames - 1));
}

export function doMemoryOp(ctx: HypercallContext): number {
  const cmd = u32Arg(ctx, 0) & MEMOP_CMD_MASK;
  switch (cmd) {
    case XENMEM.add_to_physmap:
      return addToPhysmap(ctx);
    case XENMEM.increase_reservation:
    case XENMEM.decrease_reservation:
    case XENMEM.populate_physmap:
      return reservation(ctx, cmd);
    case XENMEM.current_reservation:
    case XENMEM.maximum_reservation:
    case XENMEM.maximum_gpfn:
      return domainQuery(ctx, cmd);
    case XENMEM.maximum_ram_page:
      return ctx.d.layout.ramBytes / XEN_PAGE_SIZE;
    default:
      ctx.d.countEnosys(`memory_op(${cmd})`);
      return -XEN_ENOSYS;
  }
}
