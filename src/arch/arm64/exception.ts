/**
 * Exception entry to EL1 and exception return in system mode (Arm ARM DDI0487 D1.10 "Exception
 * entry", D1.11 "Exception return"): SPSR/ELR/ESR/FAR, the vector offset, PSTATE and the SP bank.
 *
 * PSTATE lives in the state buffer in the SPSR layout (M[3:0] = EL:SPSel, DAIF in bits 9..6, IL in
 * bit 20) except NZCV, which the CPU keeps in `nzcv` while running. Slot 31 of the X registers is
 * always the current SP; the other one is banked in the SP_EL0 or SP_EL1 system register slot.
 */
import type { Cpu } from './cpu.js';
import { EC, ecOf, makeEsr } from './exit.js';
import { sysregSlot } from './sysreg/table.js';

export const PSTATE_SPSEL = 1;
export const PSTATE_EL_SHIFT = 2;
export const PSTATE_F = 1 << 6;
export const PSTATE_I = 1 << 7;
export const PSTATE_A = 1 << 8;
export const PSTATE_D = 1 << 9;
export const PSTATE_DAIF = PSTATE_D | PSTATE_A | PSTATE_I | PSTATE_F;
export const PSTATE_IL = 1 << 20;
/** EL1 using SP_EL1 with every interrupt masked: the state after reset and on exception entry. */
export const PSTATE_EL1H_MASKED = (1 << PSTATE_EL_SHIFT) | PSTATE_SPSEL | PSTATE_DAIF;

/** Offsets within a vector table quarter (D1.10.2). */
export const VECTOR_SYNC = 0x000;
export const VECTOR_IRQ = 0x080;
export const VECTOR_FIQ = 0x100;
export const VECTOR_SERROR = 0x180;

export const SLOT_SPSR = sysregSlot('SPSR_EL1');
export const SLOT_ELR = sysregSlot('ELR_EL1');
export const SLOT_ESR = sysregSlot('ESR_EL1');
export const SLOT_FAR = sysregSlot('FAR_EL1');
export const SLOT_VBAR = sysregSlot('VBAR_EL1');
export const SLOT_SP_EL0 = sysregSlot('SP_EL0');
export const SLOT_SP_EL1 = sysregSlot('SP_EL1');
export const SLOT_SCTLR = sysregSlot('SCTLR_EL1');
export const SLOT_PAR = sysregSlot('PAR_EL1');
export const SLOT_TCR = sysregSlot('TCR_EL1');
export const SLOT_TTBR0 = sysregSlot('TTBR0_EL1');
export const SLOT_TTBR1 = sysregSlot('TTBR1_EL1');

/** Does this PSTATE run on SP_EL0 (EL0, or EL1 with SPSel = 0)? */
export function usesSpEl0(pstate: number): boolean {
  return (pstate & (3 << PSTATE_EL_SHIFT)) === 0 || (pstate & PSTATE_SPSEL) === 0;
}

/** Exception classes that report a faulting address in FAR_EL1. */
function setsFar(ec: number): boolean {
  return ec === EC.IABT_LOWER || ec === EC.IABT_CUR || ec === EC.PC_ALIGN || ec === EC.DABT_LOWER || ec === EC.DABT_CUR;
}

/** A 64-bit register value as the CPU's sign-extended address number. */
function toAddress(v: bigint): number {
  return Number(BigInt.asIntN(64, v));
}

/**
 * Takes an exception to EL1: saves PSTATE (with NZCV) in SPSR_EL1 and `returnPc` in ELR_EL1, sets
 * ESR_EL1 (and FAR_EL1 for aborts) when `esr` is given, switches to EL1h with DAIF masked, and
 * returns the vector address. The caller sets the PC (state.pc between blocks, npc inside one).
 */
export function enterException(c: Cpu, esr: number | null, far: number, offset: number, returnPc: number): number {
  const s = c.state;
  const ps = s.pstate;
  const sys = s.sys;
  sys[SLOT_SPSR] = BigInt(((ps & ~0xf000_0000) | (c.nzcv & 0xf000_0000)) >>> 0);
  sys[SLOT_ELR] = BigInt.asUintN(64, BigInt(returnPc));
  if (esr !== null) {
    sys[SLOT_ESR] = BigInt(esr >>> 0);
    if (setsFar(ecOf(esr))) sys[SLOT_FAR] = BigInt.asUintN(64, BigInt(far));
  }
  const fromEl = (ps >>> PSTATE_EL_SHIFT) & 3;
  const quarter = fromEl === 0 ? 0x400 : (ps & PSTATE_SPSEL) !== 0 ? 0x200 : 0;
  c.setPstate(PSTATE_EL1H_MASKED);
  c.exclusiveAddr = -1;
  return toAddress(sys[SLOT_VBAR]!) + quarter + offset;
}

/**
 * ERET from EL1 (D1.11): restores PSTATE and NZCV from SPSR_EL1 and branches to ELR_EL1. An illegal
 * return (AArch32, EL2/EL3, EL0 with SPSel = 1) keeps the EL and SP, as the architecture does, and
 * takes the Illegal Execution State exception at the target instead of running it with PSTATE.IL set.
 */
export function exceptionReturn(c: Cpu): void {
  const s = c.state;
  const spsr = Number(s.sys[SLOT_SPSR]! & 0xffff_ffffn);
  const target = toAddress(s.sys[SLOT_ELR]!);
  const m = spsr & 0x1f;
  const el = (m >>> PSTATE_EL_SHIFT) & 3;
  const legal = (m & 0x12) === 0 && el <= 1 && !(el === 0 && (m & PSTATE_SPSEL) !== 0);
  c.nzcv = (spsr & 0xf000_0000) >>> 0;
  c.exclusiveAddr = -1;
  if (!legal) {
    c.setPstate((s.pstate & 0xf) | (spsr & PSTATE_DAIF) | PSTATE_IL);
    c.npc = enterException(c, makeEsr(EC.ILLEGAL_STATE, 0), 0, VECTOR_SYNC, target);
    return;
  }
  c.setPstate(spsr & (0xf | PSTATE_DAIF));
  c.npc = target;
  c.checkIrq();
}
