/**
 * The interpreter's compact form of the commonest instructions: a kind and its operands as three
 * small integers, which one shared handler (`predecoded_run.ts`) executes with a switch.
 *
 * Why: a block that runs rarely (the kernel's timer, scheduler and idle paths, run a few times a
 * second by an idle guest) finds little of its closures, their contexts and their machine code
 * still in the host's caches, and paid about 200 ns an instruction for the memory traffic of one
 * closure call each. Here it reads three integers from one array and runs code that every block
 * shares. Anything not listed keeps its closure (kind CLOSURE); the two forms must agree, which
 * `predecode.test.ts` checks instruction by instruction on random words and states.
 *
 * Layout, per instruction: `[head, imm0, imm1]`, with head = kind | a << 8 | b << 16 | c << 24,
 * where a, b and c are register slots (state.ts: 0-33) or small fields, and the immediates are int32
 * (so V8 keeps the block's array as small integers).
 */
import { sext, type Fields } from '../decode/pattern.js';
import { Ext, opFor, Op, slotFor } from './ldst.js';
import { decodeBitMasks, SHIFT_ASR, SHIFT_LSL, SHIFT_LSR } from './alu.js';
import { dstZr, regSp, srcZr } from './regs.js';
import { lookupSysreg, sysregKey } from '../sysreg/table.js';

/** Array entries per instruction. */
export const PRE_STRIDE = 3;

export const enum Kind {
  CLOSURE, NOP,
  // Register moves and logic, unshifted: d = a, n = b, m = c.
  MOV_X, MOV_W, AND_X, ORR_X, EOR_X, AND_W, ORR_W, EOR_W,
  // Add/subtract, register, unshifted: d, n, m.
  ADD_X, SUB_X, ADD_W, SUB_W, ADDS_X, SUBS_X, ADDS_W, SUBS_W,
  // Add/subtract, immediate: d, n; imm0.
  ADDI_X, SUBI_X, ADDI_W, SUBI_W, ADDSI_X, SUBSI_X, ADDSI_W, SUBSI_W,
  // Logical, immediate: d, n; imm0 = mask's low half, imm1 = its high half.
  ANDI_X, ORRI_X, EORI_X, ANDSI_X, ANDI_W, ORRI_W, EORI_W, ANDSI_W,
  // d; imm0 = low half, imm1 = high half (MOVZ, MOVN).
  MOVC,
  // d, half, sf; imm0 = the bits kept, imm1 = the bits set.
  MOVK,
  // Conditional select: d, n, m; imm0 = cond.
  CSEL_X, CSEL_W, CSINC_X, CSINC_W,
  // d; imm0 = byte offset (ADR) or page offset (ADRP).
  ADR, ADRP,
  // Base + offset: n = b, t = a; imm0 = offset. LDST: the access kind (ldst.ts `Op`) in imm1.
  LDR_X, STR_X, LDR_W, STR_W, LDRH, STRH, LDRB, STRB, LDST,
  // LDST_REG: t, n, m; imm0 = op | index extension << 8 | shift << 16. LDST_WB: t, n; imm0 = offset, imm1 = op | post-index << 8.
  LDST_REG, LDST_WB,
  // Pairs of X registers: t = a, t2 = c, n = b; imm0 = offset.
  LDP_X, STP_X, LDP_X_PRE, STP_X_PRE, LDP_X_POST, STP_X_POST,
  // Branches (they end the block and set npc); imm0 = offset.
  B, BL, B_COND /* a = cond */, CBZ_X, CBNZ_X, CBZ_W, CBNZ_W /* a = t */, TBZ, TBNZ /* a = word slot, b = bit */,
  BR, BLR /* a = n */,
  // Shifts (LSL, LSR, ASR: the UBFM and SBFM aliases, and LSLV, LSRV, ASRV): d, n (and m for the
  // register forms); imm0 = the amount (immediate forms), imm1 = the type (alu.ts SHIFT_*).
  SHIFT_X, SHIFT_W, SHIFTV_X, SHIFTV_W,
  // System registers kept as plain storage (TPIDR_EL1, ESR_EL1, and SP_EL0, the kernel's `current`):
  // MRS t = a, MSR from t = a; b = SYS_EL1_ONLY | SYS_SPSEL_1; imm0 = the register's slot in the
  // state's `sys`. MRS of DAIF (every local_irq_save), MSR of DAIF (every local_irq_restore): t = a, b.
  MRS_SYS, MSR_SYS, MRS_DAIF, MSR_DAIF,
  // MSR DAIFSet, DAIFClr (local_irq_disable, enable; they end the block); imm0 = the PSTATE bits.
  DAIF_SET, DAIF_CLR,
  // The shifted-register and flag-setting forms the kinds above leave out: d, n, m; imm0 = amount |
  // type << 8 (alu.ts SHIFT_*). Logical (AND, BIC, ORR, ORN, EOR, EON, ANDS, BICS): imm1 = op (0 AND,
  // 1 ORR, 2 EOR) | invert << 2 | set flags << 3. Add/subtract: imm1 = subtract | set flags << 1.
  LOGIC_SH_X, LOGIC_SH_W, ADDSUB_SH_X, ADDSUB_SH_W,
  // Add/subtract (extended register): d, n (SP-capable), m; imm0 = option | amount << 4; imm1 as above.
  ADDSUB_EXT_X, ADDSUB_EXT_W,
  // MADD, MSUB (and MUL, MNEG): d, n, m; imm0 = the addend's slot; imm1 = 1 for MSUB.
  MADD_X, MADD_W,
  // CCMP, CCMN: a = cond, n = b, m = c (register forms); imm0 = the flags when the condition fails
  // (nzcv << 28); imm1 = imm5 | immediate form << 8 | compare (subtract) << 9.
  CCMP_X, CCMP_W,
  // CSINV, CSNEG (CSETM, CNEG): d, n, m; imm0 = cond.
  CSINV_X, CSINV_W, CSNEG_X, CSNEG_W,
  // CLZ: d, n.
  CLZ_X, CLZ_W,
  // LDAR, STLR (smp_load_acquire, smp_store_release; the address must be aligned to the size): t = a,
  // n = b; imm0 = log2 of the size.
  LDAR, STLR,
}

/** An instruction's compact form: head, imm0, imm1. */
export type Predecoded = readonly [number, number, number];

const CLOSURE: Predecoded = [Kind.CLOSURE, 0, 0];

/** MRS_SYS, MSR_SYS, MRS_DAIF, MSR_DAIF: the access is UNDEFINED at EL0. */
export const SYS_EL1_ONLY = 1;
/** MRS_SYS: UNDEFINED while SPSel is 0 (SP_EL0 is then the current SP). */
export const SYS_SPSEL_1 = 2;

function form(kind: Kind, a: number, b: number, c: number, imm0 = 0, imm1 = 0): Predecoded {
  return [kind | (a << 8) | (b << 16) | (c << 24), imm0 | 0, imm1 | 0];
}

const LOGIC_REG: Readonly<Record<string, readonly [Kind, Kind]>> = {
  AND_r: [Kind.AND_X, Kind.AND_W], ORR_r: [Kind.ORR_X, Kind.ORR_W], EOR_r: [Kind.EOR_X, Kind.EOR_W],
};
const ADD_REG: Readonly<Record<string, readonly [Kind, Kind]>> = {
  ADD_r: [Kind.ADD_X, Kind.ADD_W], SUB_r: [Kind.SUB_X, Kind.SUB_W], ADDS_r: [Kind.ADDS_X, Kind.ADDS_W], SUBS_r: [Kind.SUBS_X, Kind.SUBS_W],
};
/** The shifted-register logical operations' imm1 (LOGIC_SH_X, LOGIC_SH_W). */
const LOGIC_SHIFTED: Readonly<Record<string, number>> = {
  AND_r: 0, ORR_r: 1, EOR_r: 2, BIC_r: 0 | 4, ORN_r: 1 | 4, EON_r: 2 | 4, ANDS_r: 0 | 8, BICS_r: 0 | 4 | 8,
};
/** Add/subtract (extended register)'s imm1: subtract | set flags << 1. */
const ADD_EXT: Readonly<Record<string, number>> = { ADD_x: 0, SUB_x: 1, ADDS_x: 2, SUBS_x: 3 };
const ADD_IMM: Readonly<Record<string, readonly [Kind, Kind]>> = {
  ADD_i: [Kind.ADDI_X, Kind.ADDI_W], SUB_i: [Kind.SUBI_X, Kind.SUBI_W], ADDS_i: [Kind.ADDSI_X, Kind.ADDSI_W], SUBS_i: [Kind.SUBSI_X, Kind.SUBSI_W],
};
const LOGIC_IMM: Readonly<Record<string, readonly [Kind, Kind]>> = {
  AND_i: [Kind.ANDI_X, Kind.ANDI_W], ORR_i: [Kind.ORRI_X, Kind.ORRI_W], EOR_i: [Kind.EORI_X, Kind.EORI_W], ANDS_i: [Kind.ANDSI_X, Kind.ANDSI_W],
};
const CONDITIONAL_SELECT: Readonly<Record<string, readonly [Kind, Kind]>> = {
  CSEL: [Kind.CSEL_X, Kind.CSEL_W], CSINC: [Kind.CSINC_X, Kind.CSINC_W], CSINV: [Kind.CSINV_X, Kind.CSINV_W], CSNEG: [Kind.CSNEG_X, Kind.CSNEG_W],
};
const BASE_OFFSET: ReadonlyMap<Op, Kind> = new Map([
  [Op.LD64, Kind.LDR_X], [Op.ST64, Kind.STR_X], [Op.LD32, Kind.LDR_W], [Op.ST32, Kind.STR_W],
  [Op.LD16, Kind.LDRH], [Op.ST16, Kind.STRH], [Op.LD8, Kind.LDRB], [Op.ST8, Kind.STRB],
]);

/**
 * The compact form of an instruction the interpreter decoded as pattern `name` with fields `f` (its
 * factory accepted them), or the CLOSURE form for one it has no kind for.
 */
export function predecode(name: string, f: Fields): Predecoded {
  const sf = f.sf === 1;
  const logicReg = LOGIC_REG[name];
  if (logicReg !== undefined && f.imm6 === 0) {
    const d = dstZr(f.rd!);
    const m = srcZr(f.rm!);
    if (name === 'ORR_r' && f.rn === 31) return form(sf ? Kind.MOV_X : Kind.MOV_W, d, 0, m);
    return form(logicReg[sf ? 0 : 1], d, srcZr(f.rn!), m);
  }
  const logicShifted = LOGIC_SHIFTED[name];
  if (logicShifted !== undefined) {
    return form(sf ? Kind.LOGIC_SH_X : Kind.LOGIC_SH_W, dstZr(f.rd!), srcZr(f.rn!), srcZr(f.rm!), f.imm6! | (f.shift! << 8), logicShifted);
  }
  const addReg = ADD_REG[name];
  if (addReg !== undefined) {
    const d = dstZr(f.rd!);
    if (f.imm6 === 0) return form(addReg[sf ? 0 : 1], d, srcZr(f.rn!), srcZr(f.rm!));
    const how = (name.startsWith('SUB') ? 1 : 0) | (name.endsWith('S_r') ? 2 : 0);
    return form(sf ? Kind.ADDSUB_SH_X : Kind.ADDSUB_SH_W, d, srcZr(f.rn!), srcZr(f.rm!), f.imm6! | (f.shift! << 8), how);
  }
  const addExt = ADD_EXT[name];
  if (addExt !== undefined) {
    const d = (addExt & 2) !== 0 ? dstZr(f.rd!) : regSp(f.rd!);
    return form(sf ? Kind.ADDSUB_EXT_X : Kind.ADDSUB_EXT_W, d, regSp(f.rn!), srcZr(f.rm!), f.option! | (f.imm3! << 4), addExt);
  }
  const addImm = ADD_IMM[name];
  if (addImm !== undefined) {
    const setFlags = name.startsWith('ADDS') || name.startsWith('SUBS');
    const d = setFlags ? dstZr(f.rd!) : regSp(f.rd!);
    return form(addImm[sf ? 0 : 1], d, regSp(f.rn!), 0, f.imm! * (f.sh === 1 ? 4096 : 1));
  }
  const logicImm = LOGIC_IMM[name];
  if (logicImm !== undefined) {
    const bm = decodeBitMasks(f.n!, f.imms!, f.immr!, true)!;
    const d = name === 'ANDS_i' ? dstZr(f.rd!) : regSp(f.rd!);
    return form(logicImm[sf ? 0 : 1], d, srcZr(f.rn!), 0, bm.wLo, sf ? bm.wHi : 0);
  }
  switch (name) {
    case 'UBFM': case 'SBFM': {
      // The aliases (C6.2 LSL, LSR, ASR (immediate)): the rest of the bitfield moves keep their closure.
      const top = sf ? 63 : 31;
      const kind = sf ? Kind.SHIFT_X : Kind.SHIFT_W;
      if (f.imms === top) return form(kind, dstZr(f.rd!), srcZr(f.rn!), 0, f.immr!, name === 'UBFM' ? SHIFT_LSR : SHIFT_ASR);
      if (name === 'UBFM' && f.imms! + 1 === f.immr) return form(kind, dstZr(f.rd!), srcZr(f.rn!), 0, top - f.imms!, SHIFT_LSL);
      return CLOSURE;
    }
    case 'LSLV': case 'LSRV': case 'ASRV':
      return form(sf ? Kind.SHIFTV_X : Kind.SHIFTV_W, dstZr(f.rd!), srcZr(f.rn!), srcZr(f.rm!), 0, name === 'LSLV' ? SHIFT_LSL : name === 'LSRV' ? SHIFT_LSR : SHIFT_ASR);
    case 'MADD': case 'MSUB':
      return form(sf ? Kind.MADD_X : Kind.MADD_W, dstZr(f.rd!), srcZr(f.rn!), srcZr(f.rm!), srcZr(f.ra!), name === 'MSUB' ? 1 : 0);
    case 'CCMP_r': case 'CCMN_r': case 'CCMP_i': case 'CCMN_i': {
      const imm = name.endsWith('_i');
      const how = (imm ? f.imm5! | (1 << 8) : 0) | (name.startsWith('CCMP') ? 1 << 9 : 0);
      return form(sf ? Kind.CCMP_X : Kind.CCMP_W, f.cond!, srcZr(f.rn!), imm ? 0 : srcZr(f.rm!), f.nzcv! << 28, how);
    }
    case 'MSR_i': {
      // The DAIFSet and DAIFClr fields (op1 = 3, op2 = 6 or 7), their bits at PSTATE.{D,A,I,F}.
      const field = (f.op1! << 3) | f.op2!;
      if (field !== 0b011_110 && field !== 0b011_111) return CLOSURE;
      return form(field === 0b011_110 ? Kind.DAIF_SET : Kind.DAIF_CLR, 0, 0, 0, f.crm! << 6);
    }
    case 'MRS': case 'MSR_r':
      return systemRegister(name === 'MRS', f);
    case 'HINT': case 'DMB': case 'DSB':
      return form(Kind.NOP, 0, 0, 0);
    case 'MOVZ': case 'MOVN': {
      const shift = f.hw! * 16;
      const part = (f.imm! << (shift & 31)) >>> 0;
      let lo = shift < 32 ? part : 0;
      let hi = shift >= 32 ? part : 0;
      if (name === 'MOVN') {
        lo = ~lo;
        hi = sf ? ~hi : 0;
      }
      return form(Kind.MOVC, dstZr(f.rd!), 0, 0, lo, hi);
    }
    case 'MOVK': {
      const shift = f.hw! * 16;
      return form(Kind.MOVK, dstZr(f.rd!), shift >= 32 ? 1 : 0, f.sf!, ~(0xffff << (shift & 31)), f.imm! << (shift & 31));
    }
    case 'CSEL': case 'CSINC': case 'CSINV': case 'CSNEG': {
      const kinds = CONDITIONAL_SELECT[name]!;
      return form(kinds[sf ? 0 : 1], dstZr(f.rd!), srcZr(f.rn!), srcZr(f.rm!), f.cond!);
    }
    case 'CLZ':
      return form(sf ? Kind.CLZ_X : Kind.CLZ_W, dstZr(f.rd!), srcZr(f.rn!), 0);
    case 'LDAR':
      return form(Kind.LDAR, dstZr(f.rt!), regSp(f.rn!), 0, f.size!);
    case 'STLR':
      return form(Kind.STLR, srcZr(f.rt!), regSp(f.rn!), 0, f.size!);
    case 'ADR': case 'ADRP':
      return form(name === 'ADR' ? Kind.ADR : Kind.ADRP, dstZr(f.rd!), 0, 0, sext((f.immhi! << 2) | f.immlo!, 21));
    case 'LDST_uimm': case 'LDST_unscaled': {
      const op = opFor(f.size!, f.opc!)!;
      const off = name === 'LDST_uimm' ? f.imm! << f.size! : sext(f.imm!, 9);
      const t = slotFor(op, f.rt!);
      if (op === Op.PRFM) return form(Kind.NOP, 0, 0, 0);
      return form(BASE_OFFSET.get(op) ?? Kind.LDST, t, regSp(f.rn!), 0, off, op);
    }
    case 'LDST_reg': {
      const op = opFor(f.size!, f.opc!)!;
      if (op === Op.PRFM) return form(Kind.NOP, 0, 0, 0);
      const ext = f.option === 2 ? Ext.UXTW : f.option === 6 ? Ext.SXTW : Ext.X;
      const shift = f.s === 1 ? f.size! : 0;
      return form(Kind.LDST_REG, slotFor(op, f.rt!), regSp(f.rn!), srcZr(f.rm!), op | (ext << 8) | (shift << 16));
    }
    case 'LDST_pre': case 'LDST_post': {
      const op = opFor(f.size!, f.opc!)!;
      return form(Kind.LDST_WB, slotFor(op, f.rt!), regSp(f.rn!), 0, sext(f.imm!, 9), op | (name === 'LDST_post' ? 1 << 8 : 0));
    }
    case 'LDSTP_off': case 'LDSTP_pre': case 'LDSTP_post': {
      if (f.opc !== 2) return CLOSURE;
      const load = f.l === 1;
      const t = load ? dstZr(f.rt!) : srcZr(f.rt!);
      const t2 = load ? dstZr(f.rt2!) : srcZr(f.rt2!);
      const kinds = name === 'LDSTP_off' ? [Kind.LDP_X, Kind.STP_X] : name === 'LDSTP_pre' ? [Kind.LDP_X_PRE, Kind.STP_X_PRE] : [Kind.LDP_X_POST, Kind.STP_X_POST];
      return form(kinds[load ? 0 : 1]!, t, regSp(f.rn!), t2, sext(f.imm!, 7) * 8);
    }
    case 'B': case 'BL':
      return form(name === 'B' ? Kind.B : Kind.BL, 0, 0, 0, sext(f.imm!, 26) * 4);
    case 'B_cond':
      return form(Kind.B_COND, f.cond!, 0, 0, sext(f.imm!, 19) * 4);
    case 'CBZ': case 'CBNZ': {
      const kind = name === 'CBZ' ? (sf ? Kind.CBZ_X : Kind.CBZ_W) : sf ? Kind.CBNZ_X : Kind.CBNZ_W;
      return form(kind, srcZr(f.rt!), 0, 0, sext(f.imm!, 19) * 4);
    }
    case 'TBZ': case 'TBNZ': {
      const bit = (f.b5! << 5) | f.b40!;
      return form(name === 'TBZ' ? Kind.TBZ : Kind.TBNZ, 2 * srcZr(f.rt!) + (bit >>> 5), bit & 31, 0, sext(f.imm!, 14) * 4);
    }
    case 'BR': case 'RET': case 'BLR':
      return form(name === 'BLR' ? Kind.BLR : Kind.BR, srcZr(f.rn!), 0, 0);
    default:
      return CLOSURE;
  }
}

/**
 * MRS and MSR (register) of the registers `interp/system.ts` gives the plainest closures: storage
 * copied as halves, with only the EL0 check; and the reads of SP_EL0 and DAIF, whose accessors are as
 * simple. Everything else (accessors with side effects, constants, the board's registers) keeps its
 * closure.
 */
function systemRegister(isRead: boolean, f: Fields): Predecoded {
  const found = lookupSysreg(sysregKey(2 + f.o0!, f.op1!, f.crn!, f.crm!, f.op2!));
  if (found === undefined) return CLOSURE;
  const { info, slot } = found;
  if (isRead) {
    const t = dstZr(f.rt!);
    const el1 = info.el0 === 'none' ? SYS_EL1_ONLY : 0;
    if (info.name === 'SP_EL0') return form(Kind.MRS_SYS, t, el1 | SYS_SPSEL_1, 0, slot);
    if (info.name === 'DAIF') return form(Kind.MRS_DAIF, t, el1, 0);
    if (info.readHalves !== undefined || info.read !== undefined || !info.writable) return CLOSURE;
    return form(Kind.MRS_SYS, t, el1, 0, slot);
  }
  const el1 = info.el0 !== 'rw' ? SYS_EL1_ONLY : 0;
  if (info.name === 'DAIF') return form(Kind.MSR_DAIF, srcZr(f.rt!), el1, 0);
  if (!info.writable || info.writeHalves !== undefined || info.write !== undefined) return CLOSURE;
  return form(Kind.MSR_SYS, srcZr(f.rt!), el1, 0, slot);
}
