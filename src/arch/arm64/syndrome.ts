/**
 * The instruction-specific part of a data abort syndrome (Arm ARM DDI0487, D17.2.40 ESR_EL2, ISS
 * encoding for an exception from a Data Abort): valid (ISV = 1) only for loads and stores of a
 * single general-purpose register without writeback, which is what a hypervisor needs to emulate
 * an MMIO access (Xen's decode in traps.c, KVM's kvm_handle_mmio_return).
 */

const ISV = 1 << 24;
const SSE = 1 << 21;
const SF = 1 << 15;

/** ISV, SAS, SSE, SRT and SF for instruction word `insn`, or 0 when the syndrome is not valid. */
export function loadStoreSyndrome(insn: number): number {
  // Load/store register: bits 29..27 = 111, V (bit 26) = 0 for general-purpose registers.
  if (((insn >>> 27) & 7) !== 7 || ((insn >>> 26) & 1) !== 0) return 0;
  const size = insn >>> 30;
  const opc = (insn >>> 22) & 3;
  const op24 = (insn >>> 24) & 3;
  if (op24 === 1) {
    // unsigned immediate offset: no writeback
  } else if (op24 === 0 && ((insn >>> 21) & 1) === 0) {
    // bits 11..10: 00 unscaled (LDUR/STUR), 10 unprivileged (LDTR/STTR); 01/11 write back
    const idx = (insn >>> 10) & 3;
    if (idx === 1 || idx === 3) return 0;
  } else if (op24 === 0 && ((insn >>> 10) & 3) === 2) {
    // register offset
  } else {
    return 0;
  }
  if (size === 3 && opc === 2) return 0; // PRFM: not a data access
  if (size === 3 && opc === 3) return 0; // unallocated
  const signed = opc >= 2;
  // Signed loads into X (opc 10) set SF; 64-bit accesses do too.
  const sixtyFour = size === 3 || (signed && opc === 2);
  const rt = insn & 0x1f;
  return ISV | (size << 22) | (signed ? SSE : 0) | (rt << 16) | (sixtyFour ? SF : 0);
}
