/**
 * HVM parameters (public/hvm/params.h): the values the toolstack hands a domU before it runs (its
 * xenstore and console rings and ports) and the rules Xen on Arm applies to guest access
 * (xen/arch/arm/hvm.c do_hvm_op).
 */
export const HVM_PARAM = {
  CALLBACK_IRQ: 0,
  STORE_PFN: 1,
  STORE_EVTCHN: 2,
  CONSOLE_PFN: 17,
  CONSOLE_EVTCHN: 18,
  MONITOR_RING_PFN: 28,
} as const;
/** HVM_NR_PARAMS: indices at or above it are invalid. */
export const HVM_NR_PARAMS = 39;

/** The five parameters a guest on Arm may read, and may not write. */
const GUEST_READABLE: ReadonlySet<number> = new Set([
  HVM_PARAM.CALLBACK_IRQ, HVM_PARAM.STORE_PFN, HVM_PARAM.STORE_EVTCHN, HVM_PARAM.CONSOLE_PFN, HVM_PARAM.CONSOLE_EVTCHN,
]);

export type HvmParamAccess = 'ok' | 'einval' | 'eperm';

/** May `index` be read (or written) by the domain itself? (xsm_hvm_param and Arm's allow list.) */
export function guestParamAccess(index: number, write: boolean): HvmParamAccess {
  if (!Number.isInteger(index) || index < 0 || index >= HVM_NR_PARAMS) return 'einval';
  if (index === HVM_PARAM.MONITOR_RING_PFN) return 'eperm';
  if (!GUEST_READABLE.has(index)) return 'einval';
  return write ? 'eperm' : 'ok';
}

/** HVM_PARAM_CALLBACK_IRQ for the event PPI: type PPI (2) << 56, active-low level (2) << 8, INTID. */
export function callbackIrqParam(ppi: number): bigint {
  return (2n << 56n) | (2n << 8n) | BigInt(ppi);
}
