/**
 * FPCR control bits and FPSR cumulative exception flags, Arm ARM DDI0487 C5.2.8 (FPCR) and C5.2.9 (FPSR).
 */

export const FPCR_AHP = 1 << 26;
export const FPCR_DN = 1 << 25;
export const FPCR_FZ = 1 << 24;
export const FPCR_RMODE_SHIFT = 22;
export const FPCR_FZ16 = 1 << 19;
/** The FPCR bits that move a computation off the round-to-nearest, no-flush fast path. */
export const FPCR_SLOW = FPCR_FZ | (3 << FPCR_RMODE_SHIFT);

export const FPSR_IOC = 1 << 0;
export const FPSR_DZC = 1 << 1;
export const FPSR_OFC = 1 << 2;
export const FPSR_UFC = 1 << 3;
export const FPSR_IXC = 1 << 4;
export const FPSR_IDC = 1 << 7;

/** FPRounding: the first four are FPCR.RMode's encodings (Arm ARM DDI0487 J1.3 FPDecodeRounding). */
export const RN = 0;
export const RP = 1;
export const RM = 2;
export const RZ = 3;
export const RA = 4; // ties away from zero (FRINTA, FCVTA*)
export const RO = 5; // round to odd (FCVTXN)

export function fpcrRounding(fpcr: number): number {
  return (fpcr >>> FPCR_RMODE_SHIFT) & 3;
}

/** Where an operation reports its cumulative exceptions: the CPU state (its `fpsr`) or a test double. */
export interface FpStatus {
  fpsr: number;
}
