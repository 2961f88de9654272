/**
 * What the CPU reports to whoever runs it when it stops: the same data serves the user-mode runner
 * (which plays the part of an EL1 kernel) and the hypervisor (which plays EL2).
 * Syndromes use the ESR_ELx encoding (Arm ARM DDI0487, D17.2.37 ESR_EL1), so consumers can read them
 * the way Xen's traps.c reads HSR.
 */

/** Exception classes, ESR_ELx.EC. */
export const EC = {
  UNKNOWN: 0x00,
  WFX: 0x01,
  FP_ACCESS: 0x07,
  ILLEGAL_STATE: 0x0e,
  SVC64: 0x15,
  HVC64: 0x16,
  SMC64: 0x17,
  SYSREG: 0x18,
  IABT_LOWER: 0x20,
  IABT_CUR: 0x21,
  PC_ALIGN: 0x22,
  DABT_LOWER: 0x24,
  DABT_CUR: 0x25,
  SP_ALIGN: 0x26,
  FP_EXC64: 0x2c,
  SERROR: 0x2f,
  BRK64: 0x3c,
} as const;

/** Fault status codes, ESR_ELx.ISS.DFSC/IFSC. */
export const FSC = {
  ADDRESS_SIZE_L0: 0x00,
  TRANSLATION_L0: 0x04,
  ACCESS_FLAG_L0: 0x08,
  PERMISSION_L0: 0x0c,
  SYNC_EXTERNAL: 0x10,
  ALIGNMENT: 0x21,
} as const;

export type VcpuExit =
  /** The instruction budget ran out; nothing happened that needs the caller. */
  | { readonly kind: 'budget' }
  /** SVC, HVC, SMC or BRK: PC is the preferred return address (the next instruction, BRK: this one). */
  | { readonly kind: 'svc' | 'hvc' | 'smc' | 'brk'; readonly imm: number; readonly esr: number }
  /** WFI or WFE: PC is the next instruction. */
  | { readonly kind: 'wfi' | 'wfe'; readonly esr: number }
  /** Any other synchronous exception routed to the caller: undefined instruction, aborts, alignment. PC is the faulting instruction. */
  | { readonly kind: 'exception'; readonly esr: number; readonly far: number }
  /**
   * System mode: a synchronous exception was taken at the address of its own vector, so the vector
   * faults again the same way, forever (an unmapped or unreadable vector table). PC is the vector;
   * running the vCPU again repeats this exit. `esr` and `far` are the exception's.
   */
  | { readonly kind: 'exception-loop'; readonly esr: number; readonly far: number }
  /**
   * System mode with a stage 2: the access was refused at stage 2. `esr` is the data or instruction
   * abort as EL2 sees it (EC 0x24/0x20; ISV, SAS, SSE, SRT, SF for single-register loads and stores;
   * S1PTW; WnR), `far` the virtual address, `ipa` the intermediate physical address. PC is the
   * faulting instruction.
   */
  | { readonly kind: 'stage2'; readonly esr: number; readonly far: number; readonly ipa: number };

export const EXIT_BUDGET: VcpuExit = Object.freeze({ kind: 'budget' });

export function ecOf(esr: number): number {
  return (esr >>> 26) & 0x3f;
}

/** ESR with IL=1 (32-bit instruction) and the given class and ISS. */
export function makeEsr(ec: number, iss: number): number {
  return ((ec << 26) | (1 << 25) | (iss & 0x1ffffff)) >>> 0;
}
