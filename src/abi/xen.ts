/**
 * Core constants of Xen's public interface (xen/include/public/xen.h, arch-arm.h) shared by the
 * hypervisor, the toolstack and Domain-0's services.
 */

/** HVC immediate that marks a Xen hypercall on arm64 (arch-arm.h XEN_HYPERCALL_TAG). */
export const XEN_HYPERCALL_TAG = 0xea1;

/** Hypercall numbers (xen.h __HYPERVISOR_*), as an arm64 guest issues them in x16. */
export const HYPERVISOR = {
  set_trap_table: 0,
  mmu_update: 1,
  platform_op: 7,
  memory_op: 12,
  multicall: 13,
  xen_version: 17,
  console_io: 18,
  grant_table_op: 20,
  vm_assist: 21,
  vcpu_op: 24,
  xsm_op: 27,
  sched_op: 29,
  event_channel_op: 32,
  physdev_op: 33,
  hvm_op: 34,
  sysctl: 35,
  domctl: 36,
  argo_op: 39,
  dm_op: 41,
  hypfs_op: 42,
} as const;

/** domid_t is 16 bits; these are the reserved values (xen.h). */
export const DOMID_FIRST_RESERVED = 0x7ff0;
export const DOMID_SELF = 0x7ff0;
export const DOMID_IO = 0x7ff1;
export const DOMID_XEN = 0x7ff2;
export const DOMID_COW = 0x7ff3;
export const DOMID_INVALID = 0x7ff4;
export const DOMID_IDLE = 0x7fff;

/** Xen's page size on the guest interface, whatever page size the guest kernel uses. */
export const XEN_PAGE_SIZE = 4096;
export const XEN_PAGE_SHIFT = 12;

/** Guest physical memory map of an arm64 domU (arch-arm.h GUEST_*). */
export const GUEST = {
  GICD_BASE: 0x0300_1000,
  GICC_BASE: 0x0300_2000,
  GICC_SIZE: 0x2000,
  GICV3_GICD_BASE: 0x0300_1000,
  GICV3_GICD_SIZE: 0x1_0000,
  GICV3_GICR0_BASE: 0x0302_0000,
  GICV3_GICR0_SIZE: 0x100_0000,
  PL011_BASE: 0x2200_0000,
  GNTTAB_BASE: 0x3800_0000,
  GNTTAB_SIZE: 0x0100_0000,
  MAGIC_BASE: 0x3900_0000,
  MAGIC_SIZE: 0x0100_0000,
  RAM0_BASE: 0x4000_0000,
  RAM0_SIZE: 0xc000_0000,
  RAM1_BASE: 0x2_0000_0000,
  RAM1_SIZE: 0xfe_0000_0000,
} as const;

/** Frames of the magic region (xg_dom_arm.c alloc_magic_pages): offsets from GUEST.MAGIC_BASE >> 12. */
export const MAGIC_PFN = { CONSOLE: 0, XENSTORE: 1, MEMACCESS: 2, VUART: 3 } as const;
export const NR_MAGIC_PAGES = 4;

/** GIC interrupt ids of a domU (arch-arm.h). */
export const GUEST_EVTCHN_PPI = 31;
export const GUEST_TIMER_VIRT_PPI = 27;
export const GUEST_TIMER_PHYS_S_PPI = 29;
export const GUEST_TIMER_PHYS_NS_PPI = 30;

/** Shutdown reasons (sched.h SHUTDOWN_*). */
export const SHUTDOWN = { poweroff: 0, reboot: 1, suspend: 2, crash: 3, watchdog: 4, soft_reset: 5 } as const;
export type ShutdownReason = keyof typeof SHUTDOWN;

/** VIRQs (xen.h VIRQ_*). */
export const VIRQ = { TIMER: 0, DEBUG: 1, CONSOLE: 2, DOM_EXC: 3 } as const;
export const NR_VIRQS = 24;
