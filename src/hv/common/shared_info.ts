/**
 * Layout of shared_info and vcpu_info on arm64 (public/xen.h, arch-arm.h), and the wall-clock
 * update protocol (common/time.c update_domain_wallclock_time): version odd while writing.
 */
export const SHARED_INFO = {
  /** vcpu_info[XEN_LEGACY_MAX_VCPUS = 1] */
  VCPU_INFO0: 0,
  EVTCHN_PENDING: 48,
  EVTCHN_MASK: 560,
  WC_VERSION: 1072,
  WC_SEC: 1076,
  WC_NSEC: 1080,
  WC_SEC_HI: 1084,
  SIZE: 1088,
} as const;

export const VCPU_INFO = {
  UPCALL_PENDING: 0,
  UPCALL_MASK: 1,
  PENDING_SEL: 8,
  TIME: 16,
  SIZE: 48,
} as const;

/** vcpu_runstate_info (48 bytes) states and offsets. */
export const RUNSTATE = { running: 0, runnable: 1, blocked: 2, offline: 3 } as const;
export const RUNSTATE_INFO = { STATE: 0, STATE_ENTRY_TIME: 8, TIME: 16, SIZE: 48 } as const;

/** Writes the wall clock (Unix time at guest time 0) into shared_info at host offset `off`. */
export function writeWallClock(dv: DataView, off: number, unixNs: bigint): void {
  const sec = unixNs / 1_000_000_000n;
  const nsec = Number(unixNs % 1_000_000_000n);
  const ver = dv.getUint32(off + SHARED_INFO.WC_VERSION, true);
  dv.setUint32(off + SHARED_INFO.WC_VERSION, (ver | 1) >>> 0, true);
  dv.setUint32(off + SHARED_INFO.WC_SEC, Number(sec & 0xffff_ffffn), true);
  dv.setUint32(off + SHARED_INFO.WC_NSEC, nsec, true);
  dv.setUint32(off + SHARED_INFO.WC_SEC_HI, Number((sec >> 32n) & 0xffff_ffffn), true);
  dv.setUint32(off + SHARED_INFO.WC_VERSION, ((ver | 1) + 1) >>> 0, true);
}
