/**
 * Data processing (register), the arithmetic and logical classes: logical (shifted register),
 * add/subtract (shifted register), add/subtract (extended register), add/subtract with carry
 * (Arm ARM DDI0487 C4.1.87, C6.2 AND/BIC/ORR/ORN/EOR/EON/ANDS/BICS, ADD/SUB(S), ADC/SBC(S)).
 *
 * These are the most executed instructions there are, so the factories pick a closure per
 * operation and datasize, with a separate fast closure for the unshifted forms (MOV, ADD, CMP...).
 */
import type { Exec, Factory } from './group.js';
import {
  SHIFT_LSL, SHIFT_LSR, SHIFT_ROR, addWithCarry32, funnel64, addWithCarry64, logicFlags32, logicFlags64, shift32, shiftHi64, shiftLo64,
} from './alu.js';
import { REG_ZR_READ } from '../state.js';
import { dstZr, regSp, srcZr } from './regs.js';

type LogicOp = 'and' | 'orr' | 'eor';

function logic(op: LogicOp, a: number, b: number): number {
  switch (op) {
    case 'and': return a & b;
    case 'orr': return a | b;
    default: return a ^ b;
  }
}

/** Unshifted, uninverted, non-flag-setting logical operations: the MOV/AND/ORR/EOR fast paths. */
function logicPlain(op: LogicOp, sf: boolean, n: number, m: number, d: number, rnZr: boolean): Exec {
  if (op === 'orr' && rnZr) {
    return sf
      ? (c) => { const x = c.x32; const lo = x[2 * m]!; x[2 * d + 1] = x[2 * m + 1]!; x[2 * d] = lo; }
      : (c) => { const x = c.x32; x[2 * d] = x[2 * m]!; x[2 * d + 1] = 0; };
  }
  if (!sf) return (c) => { const x = c.x32; x[2 * d] = logic(op, x[2 * n]!, x[2 * m]!); x[2 * d + 1] = 0; };
  switch (op) {
    case 'and':
      return (c) => { const x = c.x32; x[2 * d] = x[2 * n]! & x[2 * m]!; x[2 * d + 1] = x[2 * n + 1]! & x[2 * m + 1]!; };
    case 'orr':
      return (c) => { const x = c.x32; x[2 * d] = x[2 * n]! | x[2 * m]!; x[2 * d + 1] = x[2 * n + 1]! | x[2 * m + 1]!; };
    default:
      return (c) => { const x = c.x32; x[2 * d] = x[2 * n]! ^ x[2 * m]!; x[2 * d + 1] = x[2 * n + 1]! ^ x[2 * m + 1]!; };
  }
}

/**
 * A 32-bit LSL/LSR/ROR of slot `m` by 1..31 as (x[i0] >>> r) | (x[i1] << (32 - r)), zeros coming from
 * the XZR slot; null for ASR and for no shift. Hash and cipher code (EOR with ROR) lives on these.
 */
function funnel32(m: number, t: number, s: number): { i0: number; i1: number; r: number } | null {
  const z = 2 * REG_ZR_READ;
  if (s === 0) return null;
  switch (t) {
    case SHIFT_LSL: return { i0: z, i1: 2 * m, r: 32 - s };
    case SHIFT_LSR: return { i0: 2 * m, i1: z, r: s };
    case SHIFT_ROR: return { i0: 2 * m, i1: 2 * m, r: s };
    default: return null;
  }
}

function logicFunnel32(op: LogicOp, inv: number, n: number, d: number, fu: { i0: number; i1: number; r: number }): Exec {
  const { i0, i1, r } = fu;
  const l = 32 - r;
  switch (op) {
    case 'and':
      return (c) => { const x = c.x32; x[2 * d] = x[2 * n]! & (((x[i0]! >>> r) | (x[i1]! << l)) ^ inv); x[2 * d + 1] = 0; };
    case 'orr':
      return (c) => { const x = c.x32; x[2 * d] = x[2 * n]! | (((x[i0]! >>> r) | (x[i1]! << l)) ^ inv); x[2 * d + 1] = 0; };
    default:
      return (c) => { const x = c.x32; x[2 * d] = x[2 * n]! ^ (((x[i0]! >>> r) | (x[i1]! << l)) ^ inv); x[2 * d + 1] = 0; };
  }
}

/** AND/BIC/ORR/ORN/EOR/EON/ANDS/BICS (shifted register); `invert` is the N bit. All four shifts are allowed. */
function logicalReg(op: LogicOp, invert: boolean, setFlags: boolean): Factory {
  return (f) => {
    const sf = f.sf === 1;
    const t = f.shift!;
    const s = f.imm6!;
    if (!sf && s >= 32) return null;
    const n = srcZr(f.rn!);
    const m = srcZr(f.rm!);
    const d = dstZr(f.rd!);
    if (s === 0 && !invert && !setFlags) return logicPlain(op, sf, n, m, d, f.rn === 31);
    const inv = invert ? -1 : 0;
    if (!sf) {
      const fu = funnel32(m, t, s);
      if (fu !== null && !setFlags) return logicFunnel32(op, inv, n, d, fu);
      return (c) => {
        const x = c.x32;
        const r = logic(op, x[2 * n]!, shift32(x[2 * m]!, t, s) ^ inv);
        if (setFlags) logicFlags32(c, r);
        x[2 * d] = r;
        x[2 * d + 1] = 0;
      };
    }
    const fu = funnel64(m, t, s);
    if (fu === null) {
      return (c) => {
        const x = c.x32;
        const ml = x[2 * m]!;
        const mh = x[2 * m + 1]!;
        const rl = logic(op, x[2 * n]!, shiftLo64(ml, mh, t, s) ^ inv);
        const rh = logic(op, x[2 * n + 1]!, shiftHi64(ml, mh, t, s) ^ inv);
        if (setFlags) logicFlags64(c, rl, rh);
        x[2 * d] = rl;
        x[2 * d + 1] = rh;
      };
    }
    const { i0, i1, i2, r } = fu;
    const l = 32 - r;
    if (r === 0) {
      return (c) => {
        const x = c.x32;
        const rl = logic(op, x[2 * n]!, x[i0]! ^ inv);
        const rh = logic(op, x[2 * n + 1]!, x[i1]! ^ inv);
        if (setFlags) logicFlags64(c, rl, rh);
        x[2 * d] = rl;
        x[2 * d + 1] = rh;
      };
    }
    return (c) => {
      const x = c.x32;
      const a = x[i0]!;
      const b = x[i1]!;
      const rl = logic(op, x[2 * n]!, ((a >>> r) | (b << l)) ^ inv);
      const rh = logic(op, x[2 * n + 1]!, ((b >>> r) | (x[i2]! << l)) ^ inv);
      if (setFlags) logicFlags64(c, rl, rh);
      x[2 * d] = rl;
      x[2 * d + 1] = rh;
    };
  };
}

export const LOGICAL_REG_HANDLERS: Readonly<Record<string, Factory>> = {
  AND_r: logicalReg('and', false, false),
  BIC_r: logicalReg('and', true, false),
  ORR_r: logicalReg('orr', false, false),
  ORN_r: logicalReg('orr', true, false),
  EOR_r: logicalReg('eor', false, false),
  EON_r: logicalReg('eor', true, false),
  ANDS_r: logicalReg('and', false, true),
  BICS_r: logicalReg('and', true, true),
};

/** ADD/SUB without flags and without shift, on 32-bit halves with an explicit carry/borrow. */
function addSubPlain(sub: boolean, sf: boolean, n: number, m: number, d: number): Exec {
  if (!sf) {
    return sub
      ? (c) => { const x = c.x32; x[2 * d] = x[2 * n]! - x[2 * m]!; x[2 * d + 1] = 0; }
      : (c) => { const x = c.x32; x[2 * d] = x[2 * n]! + x[2 * m]!; x[2 * d + 1] = 0; };
  }
  if (sub) {
    return (c) => {
      const x = c.x32;
      const lo = x[2 * n]! - x[2 * m]!;
      const hi = x[2 * n + 1]! - x[2 * m + 1]! - (lo < 0 ? 1 : 0);
      x[2 * d] = lo;
      x[2 * d + 1] = hi;
    };
  }
  return (c) => {
    const x = c.x32;
    const lo = x[2 * n]! + x[2 * m]!;
    const hi = x[2 * n + 1]! + x[2 * m + 1]! + (lo > 0xffff_ffff ? 1 : 0);
    x[2 * d] = lo;
    x[2 * d + 1] = hi;
  };
}

/** ADD/ADDS/SUB/SUBS (shifted register): Rn, Rm and Rd are ZR (never SP); ROR and 32-bit shifts of 32+ are unallocated. */
function addSubShifted(sub: boolean, setFlags: boolean): Factory {
  return (f) => {
    const sf = f.sf === 1;
    const t = f.shift!;
    const s = f.imm6!;
    if (t === SHIFT_ROR || (!sf && s >= 32)) return null;
    const n = srcZr(f.rn!);
    const m = srcZr(f.rm!);
    const d = dstZr(f.rd!);
    if (s === 0 && !setFlags) return addSubPlain(sub, sf, n, m, d);
    const inv = sub ? -1 : 0;
    const cin = sub ? 1 : 0;
    if (!sf) {
      return (c) => {
        const x = c.x32;
        addWithCarry32(c, d, x[2 * n]!, (shift32(x[2 * m]!, t, s) ^ inv) >>> 0, cin, setFlags);
      };
    }
    const fu = funnel64(m, t, s);
    if (fu === null) {
      return (c) => {
        const x = c.x32;
        const ml = x[2 * m]!;
        const mh = x[2 * m + 1]!;
        const bl = (shiftLo64(ml, mh, t, s) ^ inv) >>> 0;
        const bh = (shiftHi64(ml, mh, t, s) ^ inv) >>> 0;
        addWithCarry64(c, d, x[2 * n]!, x[2 * n + 1]!, bl, bh, cin, setFlags);
      };
    }
    const { i0, i1, i2, r } = fu;
    const l = 32 - r;
    if (r === 0) {
      return (c) => {
        const x = c.x32;
        addWithCarry64(c, d, x[2 * n]!, x[2 * n + 1]!, (x[i0]! ^ inv) >>> 0, (x[i1]! ^ inv) >>> 0, cin, setFlags);
      };
    }
    if (!setFlags) {
      // ADD/SUB Xd, Xn, Xm, LSL #k (array indexing): no flags, so add or subtract the halves directly.
      return sub
        ? (c) => {
          const x = c.x32;
          const a = x[i0]!;
          const b = x[i1]!;
          const lo = x[2 * n]! - (((a >>> r) | (b << l)) >>> 0);
          x[2 * d + 1] = x[2 * n + 1]! - (((b >>> r) | (x[i2]! << l)) >>> 0) - (lo < 0 ? 1 : 0);
          x[2 * d] = lo;
        }
        : (c) => {
          const x = c.x32;
          const a = x[i0]!;
          const b = x[i1]!;
          const lo = x[2 * n]! + (((a >>> r) | (b << l)) >>> 0);
          x[2 * d + 1] = x[2 * n + 1]! + (((b >>> r) | (x[i2]! << l)) >>> 0) + (lo > 0xffff_ffff ? 1 : 0);
          x[2 * d] = lo;
        };
    }
    return (c) => {
      const x = c.x32;
      const a = x[i0]!;
      const b = x[i1]!;
      const bl = (((a >>> r) | (b << l)) ^ inv) >>> 0;
      const bh = (((b >>> r) | (x[i2]! << l)) ^ inv) >>> 0;
      addWithCarry64(c, d, x[2 * n]!, x[2 * n + 1]!, bl, bh, cin, setFlags);
    };
  };
}

/** Low word of ExtendReg's extension step (option: bit 2 signed, bits 1..0 size), unsigned. */
export function extLo(v: number, option: number): number {
  switch (option) {
    case 0: return v & 0xff;
    case 1: return v & 0xffff;
    case 4: return ((v << 24) >> 24) >>> 0;
    case 5: return ((v << 16) >> 16) >>> 0;
    default: return v;
  }
}

/** High word of ExtendReg's extension step, unsigned. */
export function extHi(v: number, h: number, option: number): number {
  switch (option) {
    case 3:
    case 7: return h;
    case 4: return ((v << 24) >> 31) >>> 0;
    case 5: return ((v << 16) >> 31) >>> 0;
    case 6: return (v >> 31) >>> 0;
    default: return 0;
  }
}

/** ADD/ADDS/SUB/SUBS (extended register): Rn is SP-capable, Rd is SP unless flags are set; shift 0..4. */
function addSubExtended(sub: boolean, setFlags: boolean): Factory {
  return (f) => {
    if (f.opt !== 0 || f.imm3! > 4) return null;
    const sf = f.sf === 1;
    const option = f.option!;
    const s = f.imm3!;
    const n = regSp(f.rn!);
    const m = srcZr(f.rm!);
    const d = setFlags ? dstZr(f.rd!) : regSp(f.rd!);
    const inv = sub ? -1 : 0;
    const cin = sub ? 1 : 0;
    if (!sf) {
      return (c) => {
        const x = c.x32;
        addWithCarry32(c, d, x[2 * n]!, ((extLo(x[2 * m]!, option) << s) ^ inv) >>> 0, cin, setFlags);
      };
    }
    if (s === 0) {
      return (c) => {
        const x = c.x32;
        const v = x[2 * m]!;
        const bl = (extLo(v, option) ^ inv) >>> 0;
        const bh = (extHi(v, x[2 * m + 1]!, option) ^ inv) >>> 0;
        addWithCarry64(c, d, x[2 * n]!, x[2 * n + 1]!, bl, bh, cin, setFlags);
      };
    }
    const l = 32 - s;
    return (c) => {
      const x = c.x32;
      const v = x[2 * m]!;
      const el = extLo(v, option);
      const eh = extHi(v, x[2 * m + 1]!, option);
      const bl = ((el << s) ^ inv) >>> 0;
      const bh = (((eh << s) | (el >>> l)) ^ inv) >>> 0;
      addWithCarry64(c, d, x[2 * n]!, x[2 * n + 1]!, bl, bh, cin, setFlags);
    };
  };
}

/** ADC/ADCS/SBC/SBCS: the carry in is PSTATE.C; SBC adds NOT(Rm). */
function addSubCarry(sub: boolean, setFlags: boolean): Factory {
  return (f) => {
    const n = srcZr(f.rn!);
    const m = srcZr(f.rm!);
    const d = dstZr(f.rd!);
    const inv = sub ? -1 : 0;
    if (f.sf === 0) {
      return (c) => {
        const x = c.x32;
        addWithCarry32(c, d, x[2 * n]!, (x[2 * m]! ^ inv) >>> 0, (c.nzcv >>> 29) & 1, setFlags);
      };
    }
    return (c) => {
      const x = c.x32;
      const bl = (x[2 * m]! ^ inv) >>> 0;
      const bh = (x[2 * m + 1]! ^ inv) >>> 0;
      addWithCarry64(c, d, x[2 * n]!, x[2 * n + 1]!, bl, bh, (c.nzcv >>> 29) & 1, setFlags);
    };
  };
}

export const ADD_SUB_REG_HANDLERS: Readonly<Record<string, Factory>> = {
  ADD_r: addSubShifted(false, false),
  ADDS_r: addSubShifted(false, true),
  SUB_r: addSubShifted(true, false),
  SUBS_r: addSubShifted(true, true),
  ADD_x: addSubExtended(false, false),
  ADDS_x: addSubExtended(false, true),
  SUB_x: addSubExtended(true, false),
  SUBS_x: addSubExtended(true, true),
  ADC: addSubCarry(false, false),
  ADCS: addSubCarry(false, true),
  SBC: addSubCarry(true, false),
  SBCS: addSubCarry(true, true),
};
