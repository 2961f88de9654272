/**
 * SYS instructions (cache maintenance, TLB maintenance) as data, keyed like system registers by
 * op1:CRn:CRm:op2 (Arm ARM DDI0487 C5.3, "A64 System instructions for cache maintenance" and "for TLB
 * maintenance"). `el0` says whether EL0 may execute it under Linux (SCTLR_EL1.UCI and .DZE set);
 * everything else is EL1 and UNDEFINED at EL0. DC CVAP/CVADP (FEAT_DPB, v8.2) are not in a v8.0 CPU.
 */

export type SysOpKind =
  /** DC ZVA: zero a DCZID_EL0-sized block (64 bytes), a store. */
  | 'zva'
  /**
   * Data cache maintenance (by VA or set/way): nothing to do. By-VA operations (these and IC IVAU) do
   * not even check the address: QEMU (user and system mode) never faults on them, and the
   * differential tests follow QEMU; hardware may report a translation fault.
   */
  | 'nop'
  /**
   * Instruction cache invalidation by VA (IC IVAU) or of everything (IC IALLU, IC IALLUIS): drops
   * translated code. The CPU's own stores drop it already; these are how the guest says that
   * something else wrote code (a backend's grant copy, a device's DMA into a page it will execute).
   */
  | 'ic-va'
  | 'ic-all'
  /** TLB invalidation of everything (VMALLE1), by VA (VAE1, VAAE1, VALE1, VAALE1) or by ASID (ASIDE1). */
  | 'tlbi-all'
  | 'tlbi-va'
  | 'tlbi-asid'
  /** AT S1E{0,1}{R,W}: stage-1 translation of X[t] into PAR_EL1 (system mode). */
  | 'at';

export interface SysOpInfo {
  readonly name: string;
  readonly op1: number;
  readonly crn: number;
  readonly crm: number;
  readonly op2: number;
  readonly el0: boolean;
  readonly kind: SysOpKind;
}

function op(name: string, op1: number, crn: number, crm: number, op2: number, el0: boolean, kind: SysOpKind): SysOpInfo {
  return { name, op1, crn, crm, op2, el0, kind };
}

export const SYS_OPS: readonly SysOpInfo[] = [
  op('DC ZVA', 3, 7, 4, 1, true, 'zva'),
  op('DC CVAC', 3, 7, 10, 1, true, 'nop'),
  op('DC CVAU', 3, 7, 11, 1, true, 'nop'),
  op('DC CIVAC', 3, 7, 14, 1, true, 'nop'),
  op('IC IVAU', 3, 7, 5, 1, true, 'ic-va'),
  op('IC IALLUIS', 0, 7, 1, 0, false, 'ic-all'),
  op('IC IALLU', 0, 7, 5, 0, false, 'ic-all'),
  op('DC IVAC', 0, 7, 6, 1, false, 'nop'),
  op('DC ISW', 0, 7, 6, 2, false, 'nop'),
  op('DC CSW', 0, 7, 10, 2, false, 'nop'),
  op('DC CISW', 0, 7, 14, 2, false, 'nop'),
  op('AT S1E1R', 0, 7, 8, 0, false, 'at'),
  op('AT S1E1W', 0, 7, 8, 1, false, 'at'),
  op('AT S1E0R', 0, 7, 8, 2, false, 'at'),
  op('AT S1E0W', 0, 7, 8, 3, false, 'at'),
  op('TLBI VMALLE1IS', 0, 8, 3, 0, false, 'tlbi-all'),
  op('TLBI VAE1IS', 0, 8, 3, 1, false, 'tlbi-va'),
  op('TLBI ASIDE1IS', 0, 8, 3, 2, false, 'tlbi-asid'),
  op('TLBI VAAE1IS', 0, 8, 3, 3, false, 'tlbi-va'),
  op('TLBI VALE1IS', 0, 8, 3, 5, false, 'tlbi-va'),
  op('TLBI VAALE1IS', 0, 8, 3, 7, false, 'tlbi-va'),
  op('TLBI VMALLE1', 0, 8, 7, 0, false, 'tlbi-all'),
  op('TLBI VAE1', 0, 8, 7, 1, false, 'tlbi-va'),
  op('TLBI ASIDE1', 0, 8, 7, 2, false, 'tlbi-asid'),
  op('TLBI VAAE1', 0, 8, 7, 3, false, 'tlbi-va'),
  op('TLBI VALE1', 0, 8, 7, 5, false, 'tlbi-va'),
  op('TLBI VAALE1', 0, 8, 7, 7, false, 'tlbi-va'),
];

/** Key of a SYS encoding: op1:CRn:CRm:op2 as in the instruction's bits 18..5. */
export function sysOpKey(op1: number, crn: number, crm: number, op2: number): number {
  return (op1 << 11) | (crn << 7) | (crm << 3) | op2;
}

const BY_KEY = new Map<number, SysOpInfo>(SYS_OPS.map((o) => [sysOpKey(o.op1, o.crn, o.crm, o.op2), o]));

/** The SYS operation for an encoding, or undefined when not implemented (UNDEFINED). */
export function lookupSysOp(key: number): SysOpInfo | undefined {
  return BY_KEY.get(key);
}
