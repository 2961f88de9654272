/**
 * The vCPUs of one machine, as far as broadcast TLB maintenance is concerned: a TLBI ...IS executed
 * by one reaches the TLBs of all (Arm ARM DDI0487 D8.13.4, "Broadcast TLB maintenance"). A machine's
 * vCPUs run on one thread, so the broadcast is a plain loop and complete when the TLBI retires, as a
 * DSB after it would guarantee.
 */

/** What a TLBI names: everything (VMALLE1), the entries for one VA (VAE1, VAAE1, VALE1, VAALE1), or one ASID (ASIDE1). */
export type TlbiScope = 'all' | 'va' | 'asid';

/** One vCPU's TLB, as the broadcast sees it. */
export interface TlbMember {
  tlbInvalidateLocal(scope: TlbiScope, va: number, asid: number): void;
}

export class InnerShareable {
  /** By vCPU index: a vCPU that powers on again joins with its new CPU in its old place. */
  private readonly members: TlbMember[] = [];

  join(index: number, member: TlbMember): void {
    this.members[index] = member;
  }

  invalidate(scope: TlbiScope, va: number, asid: number): void {
    for (const m of this.members) m?.tlbInvalidateLocal(scope, va, asid);
  }
}
