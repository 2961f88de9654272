/**
 * Emitters for the integer data-processing instructions (Arm ARM DDI0487 C4.1.86-C4.1.95): add and
 * subtract, logical, moves, bitfield, conditional select and compare, multiply, divide and variable
 * shifts, each in native i64 or i32 arithmetic. Register resolution follows the interpreter's
 * factories (which register 31 is SP and which is ZR), and flags are computed as `alu.ts` does.
 */
import { decodeBitMasks } from '../interp/alu.js';
import { dstZr, regSp, srcZr } from '../interp/regs.js';
import { P_PC, type Emitter } from './emitter.js';
import type { InsnEmitter } from './site.js';
import { Op, T, VOID } from './wasm_writer.js';

const MASK32 = 0xffff_ffffn;

function u64(hi: number, lo: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

/** Applies shift type `t` (LSL, LSR, ASR, ROR) by constant `s` to the value on the stack. */
function shift(e: Emitter, sf: boolean, t: number, s: number): void {
  if (s === 0) return;
  if (sf) e.i64(s).op([Op.i64_shl, Op.i64_shr_u, Op.i64_shr_s, Op.i64_rotr][t]!);
  else e.i32(s).op([Op.i32_shl, Op.i32_shr_u, Op.i32_shr_s, Op.i32_rotr][t]!);
}

/**
 * d = a + b or a - b in 64 (sf) or 32 bits, a and b pushed by the callbacks; with `setFlags`, NZCV as
 * AddWithCarry sets it (C: carry out, or no borrow; V: signed overflow).
 */
function addSub(e: Emitter, sf: boolean, sub: boolean, setFlags: boolean, d: number, a: () => void, b: () => void): void {
  const t = sf ? T.I64 : T.I32;
  const la = e.tmp(t, 0);
  const lb = e.tmp(t, 1);
  const lr = e.tmp(t, 2);
  a();
  e.set(la);
  b();
  e.set(lb);
  e.get(la).get(lb).op(sf ? (sub ? Op.i64_sub : Op.i64_add) : sub ? Op.i32_sub : Op.i32_add).set(lr);
  if (setFlags) flagsAddSub(e, sf, sub, la, lb, lr);
  if (sf) e.setX(d, () => e.get(lr));
  else e.setW(d, () => e.get(lr));
  // The next instruction may test these flags straight from the operands (locals 0 and 1 of the type).
  if (setFlags && sub) e.compare = { sf, a: la, b: lb };
}

function flagsAddSub(e: Emitter, sf: boolean, sub: boolean, la: number, lb: number, lr: number): void {
  e.setFlagsFrom(lr, sf, () => {
    if (sub) e.get(la).get(lb).op(sf ? Op.i64_ge_u : Op.i32_ge_u);
    else e.get(lr).get(la).op(sf ? Op.i64_lt_u : Op.i32_lt_u);
    e.bitFrom(29);
    // V, the sign bit of (a ^ r) & (b ^ r) for a + b, of (a ^ b) & (a ^ r) for a - b.
    const [xor, and] = sf ? [Op.i64_xor, Op.i64_and] : [Op.i32_xor, Op.i32_and];
    if (sub) e.get(la).get(lb).op(xor).get(la).get(lr).op(xor, and);
    else e.get(la).get(lr).op(xor).get(lb).get(lr).op(xor, and);
    if (sf) e.i64(63).op(Op.i64_shr_u, Op.i32_wrap_i64);
    else e.i32(31).op(Op.i32_shr_u);
    e.bitFrom(28).op(Op.i32_or);
  });
}

function addSubImm(sub: boolean, setFlags: boolean): InsnEmitter {
  return (e, f) => {
    const sf = f.sf === 1;
    const n = regSp(f.rn!);
    const d = setFlags ? dstZr(f.rd!) : regSp(f.rd!);
    const imm = f.imm! * (f.sh === 1 ? 4096 : 1);
    addSub(e, sf, sub, setFlags, d, () => (sf ? e.x(n) : e.w(n)), () => (sf ? e.i64(imm) : e.i32(imm)));
  };
}

function addSubShifted(sub: boolean, setFlags: boolean): InsnEmitter {
  return (e, f) => {
    const sf = f.sf === 1;
    const m = srcZr(f.rm!);
    addSub(e, sf, sub, setFlags, dstZr(f.rd!), () => (sf ? e.x(srcZr(f.rn!)) : e.w(srcZr(f.rn!))), () => {
      if (sf) e.x(m);
      else e.w(m);
      shift(e, sf, f.shift!, f.imm6!);
    });
  };
}

/** The extended register operand: option 0-3 zero-extends a byte, halfword, word or all; 4-7 sign-extends; then LSL imm3. */
function extended(e: Emitter, m: number, option: number, imm3: number): void {
  e.x(m);
  switch (option) {
    case 0: e.i64(0xff).op(Op.i64_and); break;
    case 1: e.i64(0xffff).op(Op.i64_and); break;
    case 2: e.i64(MASK32).op(Op.i64_and); break;
    case 4: e.op(Op.i64_extend8_s); break;
    case 5: e.op(Op.i64_extend16_s); break;
    case 6: e.op(Op.i64_extend32_s); break;
    default: break;
  }
  if (imm3 !== 0) e.i64(imm3).op(Op.i64_shl);
}

function addSubExtended(sub: boolean, setFlags: boolean): InsnEmitter {
  return (e, f) => {
    const sf = f.sf === 1;
    const n = regSp(f.rn!);
    const d = setFlags ? dstZr(f.rd!) : regSp(f.rd!);
    addSub(e, sf, sub, setFlags, d, () => (sf ? e.x(n) : e.w(n)), () => {
      extended(e, srcZr(f.rm!), f.option!, f.imm3!);
      if (!sf) e.op(Op.i32_wrap_i64);
    });
  };
}

type Logic = 'and' | 'orr' | 'eor';
const LOGIC64 = { and: Op.i64_and, orr: Op.i64_or, eor: Op.i64_xor } as const;
const LOGIC32 = { and: Op.i32_and, orr: Op.i32_or, eor: Op.i32_xor } as const;

/** d = a OP b; with `setFlags` (ANDS, BICS), N and Z from the result and C = V = 0. */
function logic(e: Emitter, sf: boolean, op: Logic, setFlags: boolean, d: number, a: () => void, b: () => void): void {
  const lr = e.tmp(sf ? T.I64 : T.I32, 2);
  a();
  b();
  e.op(sf ? LOGIC64[op] : LOGIC32[op]).set(lr);
  if (setFlags) e.setFlagsFrom(lr, sf, null);
  if (sf) e.setX(d, () => e.get(lr));
  else e.setW(d, () => e.get(lr));
}

function logicalImm(op: Logic, setFlags: boolean): InsnEmitter {
  return (e, f) => {
    const sf = f.sf === 1;
    const bm = decodeBitMasks(f.n!, f.imms!, f.immr!, true)!;
    const n = srcZr(f.rn!);
    const d = setFlags ? dstZr(f.rd!) : regSp(f.rd!);
    logic(e, sf, op, setFlags, d, () => (sf ? e.x(n) : e.w(n)), () => (sf ? e.i64(u64(bm.wHi, bm.wLo)) : e.i32(bm.wLo | 0)));
  };
}

function logicalReg(op: Logic, invert: boolean, setFlags: boolean): InsnEmitter {
  return (e, f) => {
    const sf = f.sf === 1;
    const n = srcZr(f.rn!);
    const m = srcZr(f.rm!);
    logic(e, sf, op, setFlags, dstZr(f.rd!), () => (sf ? e.x(n) : e.w(n)), () => {
      if (sf) e.x(m);
      else e.w(m);
      shift(e, sf, f.shift!, f.imm6!);
      if (invert) {
        if (sf) e.i64(-1).op(Op.i64_xor);
        else e.i32(-1).op(Op.i32_xor);
      }
    });
  };
}

function moveWide(kind: 'N' | 'Z' | 'K'): InsnEmitter {
  return (e, f) => {
    const sf = f.sf === 1;
    const pos = BigInt(f.hw! * 16);
    const imm = BigInt(f.imm!) << pos;
    const d = dstZr(f.rd!);
    const width = sf ? 0xffff_ffff_ffff_ffffn : MASK32;
    if (kind === 'Z') e.setX(d, () => e.i64(imm));
    else if (kind === 'N') e.setX(d, () => e.i64(~imm & width));
    else {
      e.setX(d, () => {
        e.x(srcZr(f.rd!)).i64(BigInt.asIntN(64, ~(0xffffn << pos) & width)).op(Op.i64_and).i64(imm).op(Op.i64_or);
      });
    }
  };
}

function bitfield(kind: 'S' | 'B' | 'U'): InsnEmitter {
  return (e, f) => {
    const sf = f.sf === 1;
    const bm = decodeBitMasks(f.n!, f.imms!, f.immr!, false)!;
    const n = srcZr(f.rn!);
    const s = f.imms!;
    const rot = f.immr!;
    if (sf) {
      const m = u64(bm.wHi & bm.tHi, bm.wLo & bm.tLo);
      const notT = ~u64(bm.tHi, bm.tLo) & 0xffff_ffff_ffff_ffffn;
      e.setX(dstZr(f.rd!), () => {
        e.x(n);
        if (rot !== 0) e.i64(rot).op(Op.i64_rotr);
        e.i64(BigInt.asIntN(64, m)).op(Op.i64_and);
        if (kind === 'S') e.x(n).i64(63 - s).op(Op.i64_shl).i64(63).op(Op.i64_shr_s).i64(BigInt.asIntN(64, notT)).op(Op.i64_and, Op.i64_or);
        if (kind === 'B') e.x(srcZr(f.rd!)).i64(BigInt.asIntN(64, ~m)).op(Op.i64_and, Op.i64_or);
      });
      return;
    }
    const m = bm.wLo & bm.tLo;
    e.setW(dstZr(f.rd!), () => {
      e.w(n);
      if (rot !== 0) e.i32(rot).op(Op.i32_rotr);
      e.i32(m).op(Op.i32_and);
      if (kind === 'S') e.w(n).i32(31 - s).op(Op.i32_shl).i32(31).op(Op.i32_shr_s).i32(~bm.tLo).op(Op.i32_and, Op.i32_or);
      if (kind === 'B') e.w(srcZr(f.rd!)).i32(~m).op(Op.i32_and, Op.i32_or);
    });
  };
}

const EXTR: InsnEmitter = (e, f) => {
  const sf = f.sf === 1;
  const n = srcZr(f.rn!);
  const m = srcZr(f.rm!);
  const lsb = f.imms!;
  if (sf) {
    e.setX(dstZr(f.rd!), () => {
      if (lsb === 0) e.x(m);
      else e.x(n).i64(64 - lsb).op(Op.i64_shl).x(m).i64(lsb).op(Op.i64_shr_u, Op.i64_or);
    });
  } else {
    e.setW(dstZr(f.rd!), () => {
      if (lsb === 0) e.w(m);
      else e.w(n).i32(32 - lsb).op(Op.i32_shl).w(m).i32(lsb).op(Op.i32_shr_u, Op.i32_or);
    });
  }
};

function condSelect(kind: 'sel' | 'inc' | 'inv' | 'neg'): InsnEmitter {
  return (e, f) => {
    const sf = f.sf === 1;
    const m = srcZr(f.rm!);
    e.setXW(dstZr(f.rd!), sf, () => {
      e.x(srcZr(f.rn!));
      if (kind === 'neg') e.i64(0);
      e.x(m);
      if (kind === 'inc') e.i64(1).op(Op.i64_add);
      else if (kind === 'inv') e.i64(-1).op(Op.i64_xor);
      else if (kind === 'neg') e.op(Op.i64_sub);
      e.cond(f.cond!).op(Op.select);
    });
  };
}

/** CCMP/CCMN: the compare's flags when the condition holds, else the instruction's nzcv field. */
function condCompare(sub: boolean, imm: boolean): InsnEmitter {
  return (e, f) => {
    const sf = f.sf === 1;
    const t = sf ? T.I64 : T.I32;
    const la = e.tmp(t, 0);
    const lb = e.tmp(t, 1);
    const lr = e.tmp(t, 2);
    e.cond(f.cond!).op(Op.if, VOID);
    e.scope(() => {
      const n = srcZr(f.rn!);
      if (sf) e.x(n);
      else e.w(n);
      e.set(la);
      if (imm) {
        if (sf) e.i64(f.imm5!);
        else e.i32(f.imm5!);
      } else if (sf) e.x(srcZr(f.rm!));
      else e.w(srcZr(f.rm!));
      e.set(lb);
      e.get(la).get(lb).op(sf ? (sub ? Op.i64_sub : Op.i64_add) : sub ? Op.i32_sub : Op.i32_add).set(lr);
      flagsAddSub(e, sf, sub, la, lb, lr);
    });
    e.op(Op.else);
    e.setNzcv(() => e.i32((f.nzcv! << 28) | 0));
    e.op(Op.end);
  };
}

function mulAdd(sub: boolean): InsnEmitter {
  return (e, f) => {
    const sf = f.sf === 1;
    e.setXW(dstZr(f.rd!), sf, () => {
      e.x(srcZr(f.ra!)).x(srcZr(f.rn!)).x(srcZr(f.rm!)).op(Op.i64_mul, sub ? Op.i64_sub : Op.i64_add);
    });
  };
}

function mulAddLong(signed: boolean, sub: boolean): InsnEmitter {
  return (e, f) => {
    const ext = signed ? Op.i64_extend_i32_s : Op.i64_extend_i32_u;
    e.setX(dstZr(f.rd!), () => {
      e.x(srcZr(f.ra!)).w(srcZr(f.rn!)).op(ext).w(srcZr(f.rm!)).op(ext, Op.i64_mul, sub ? Op.i64_sub : Op.i64_add);
    });
  };
}

function shiftVar(t: number): InsnEmitter {
  return (e, f) => {
    const sf = f.sf === 1;
    const n = srcZr(f.rn!);
    const m = srcZr(f.rm!);
    // Wasm takes the shift count modulo the width, as the architecture does.
    if (sf) e.setX(dstZr(f.rd!), () => e.x(n).x(m).op([Op.i64_shl, Op.i64_shr_u, Op.i64_shr_s, Op.i64_rotr][t]!));
    else e.setW(dstZr(f.rd!), () => e.w(n).w(m).op([Op.i32_shl, Op.i32_shr_u, Op.i32_shr_s, Op.i32_rotr][t]!));
  };
}

/** UDIV/SDIV: division by zero gives 0, and the most negative value divided by -1 gives itself (no trap). */
function divide(signed: boolean): InsnEmitter {
  return (e, f) => {
    const sf = f.sf === 1;
    const t = sf ? T.I64 : T.I32;
    const la = e.tmp(t, 0);
    const lb = e.tmp(t, 1);
    const n = srcZr(f.rn!);
    const m = srcZr(f.rm!);
    if (sf) e.x(n).set(la).x(m).set(lb);
    else e.w(n).set(la).w(m).set(lb);
    e.setXW(dstZr(f.rd!), true, () => {
      e.get(lb).op(sf ? Op.i64_eqz : Op.i32_eqz).op(Op.if, T.I64).i64(0).op(Op.else);
      if (signed) {
        e.get(lb);
        if (sf) e.i64(-1).op(Op.i64_eq);
        else e.i32(-1).op(Op.i32_eq);
        e.op(Op.if, T.I64);
        if (sf) e.i64(0).get(la).op(Op.i64_sub);
        else e.i32(0).get(la).op(Op.i32_sub, Op.i64_extend_i32_u);
        e.op(Op.else);
      }
      e.get(la).get(lb);
      if (sf) e.op(signed ? 0x7f : 0x80);
      else e.op(signed ? 0x6d : 0x6e, Op.i64_extend_i32_u);
      if (signed) e.op(Op.end);
      e.op(Op.end);
    });
  };
}

/**
 * REV16, REV32 and REV as swaps of ever larger units: bytes within halfwords, then halfwords within
 * words, then the two words (a W register's forms run on its zero-extended value).
 */
function reverse(units: 1 | 2 | 3): InsnEmitter {
  return (e, f) => {
    const sf = f.sf === 1;
    const t = e.tmp(T.I64, 0);
    e.setX(dstZr(f.rd!), () => {
      e.xw(srcZr(f.rn!), sf).set(t);
      const swap = (shift: number, mask: bigint) => {
        e.get(t).i64(shift).op(Op.i64_shr_u).i64(mask).op(Op.i64_and);
        e.get(t).i64(mask).op(Op.i64_and).i64(shift).op(Op.i64_shl, Op.i64_or).set(t);
      };
      swap(8, 0x00ff_00ff_00ff_00ffn);
      if (units >= 2) swap(16, 0x0000_ffff_0000_ffffn);
      e.get(t);
      if (units === 3) e.i64(32).op(Op.i64_rotr);
    });
  };
}

const CLZ: InsnEmitter = (e, f) => {
  const n = srcZr(f.rn!);
  if (f.sf === 1) e.setX(dstZr(f.rd!), () => e.x(n).op(Op.i64_clz));
  else e.setW(dstZr(f.rd!), () => e.w(n).op(Op.i32_clz));
};

function pcRelative(page: boolean): InsnEmitter {
  return (e, f, site) => {
    const imm = (((f.immhi! << 2) | f.immlo!) << 11) >> 11;
    e.setX(dstZr(f.rd!), () => {
      if (!page) {
        e.get(P_PC).f64(site.offset + imm).op(Op.f64_add, Op.i64_trunc_f64_s);
        return;
      }
      e.get(P_PC).f64(site.offset).op(Op.f64_add, Op.i64_trunc_f64_s).i64(-4096).op(Op.i64_and).i64(BigInt(imm) * 4096n).op(Op.i64_add);
    });
  };
}

export const ALU_EMITTERS: Readonly<Record<string, InsnEmitter>> = {
  ADR: pcRelative(false),
  ADRP: pcRelative(true),
  ADD_i: addSubImm(false, false),
  ADDS_i: addSubImm(false, true),
  SUB_i: addSubImm(true, false),
  SUBS_i: addSubImm(true, true),
  MOVN: moveWide('N'),
  MOVZ: moveWide('Z'),
  MOVK: moveWide('K'),
  AND_i: logicalImm('and', false),
  ORR_i: logicalImm('orr', false),
  EOR_i: logicalImm('eor', false),
  ANDS_i: logicalImm('and', true),
  SBFM: bitfield('S'),
  BFM: bitfield('B'),
  UBFM: bitfield('U'),
  EXTR,
  AND_r: logicalReg('and', false, false),
  BIC_r: logicalReg('and', true, false),
  ORR_r: logicalReg('orr', false, false),
  ORN_r: logicalReg('orr', true, false),
  EOR_r: logicalReg('eor', false, false),
  EON_r: logicalReg('eor', true, false),
  ANDS_r: logicalReg('and', false, true),
  BICS_r: logicalReg('and', true, true),
  ADD_r: addSubShifted(false, false),
  ADDS_r: addSubShifted(false, true),
  SUB_r: addSubShifted(true, false),
  SUBS_r: addSubShifted(true, true),
  ADD_x: addSubExtended(false, false),
  ADDS_x: addSubExtended(false, true),
  SUB_x: addSubExtended(true, false),
  SUBS_x: addSubExtended(true, true),
  CCMN_r: condCompare(false, false),
  CCMP_r: condCompare(true, false),
  CCMN_i: condCompare(false, true),
  CCMP_i: condCompare(true, true),
  CSEL: condSelect('sel'),
  CSINC: condSelect('inc'),
  CSINV: condSelect('inv'),
  CSNEG: condSelect('neg'),
  UDIV: divide(false),
  SDIV: divide(true),
  LSLV: shiftVar(0),
  LSRV: shiftVar(1),
  ASRV: shiftVar(2),
  RORV: shiftVar(3),
  CLZ,
  REV16: reverse(1),
  REV32: reverse(2),
  REV: reverse(3),
  MADD: mulAdd(false),
  MSUB: mulAdd(true),
  SMADDL: mulAddLong(true, false),
  SMSUBL: mulAddLong(true, true),
  UMADDL: mulAddLong(false, false),
  UMSUBL: mulAddLong(false, true),
};
