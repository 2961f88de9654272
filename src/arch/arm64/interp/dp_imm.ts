/** Data processing (immediate): PC-relative addressing, add/subtract, move wide, logical, bitfield, extract. */
import { DP_IMM_PATTERNS } from '../decode/dp_imm.js';
import type { Exec, Factory, InsnGroup } from './group.js';
import { addWithCarry32, addWithCarry64 } from './alu.js';
import { BFM, EXTR, SBFM, UBFM, logicalImm } from './dp_imm_bits.js';
import { dstZr, regSp, setXFromAddress } from './regs.js';

const ADR: Factory = (f) => {
  const d = dstZr(f.rd!);
  const imm = (((f.immhi! << 2) | f.immlo!) << 11) >> 11; // sign-extend 21 bits
  return (c) => setXFromAddress(c.x32, d, c.pc + imm);
};

const ADRP: Factory = (f) => {
  const d = dstZr(f.rd!);
  const pages = (((f.immhi! << 2) | f.immlo!) << 11) >> 11;
  return (c) => setXFromAddress(c.x32, d, c.pc - (c.pc & 0xfff) + pages * 4096);
};

/** ADD/SUB (immediate) without flags, the hottest instructions of all: one add and a carry/borrow test. */
function addSubImmPlain(sub: boolean, sf: boolean, n: number, d: number, imm: number): Exec {
  if (!sf) {
    return sub
      ? (c) => { const x = c.x32; x[2 * d] = x[2 * n]! - imm; x[2 * d + 1] = 0; }
      : (c) => { const x = c.x32; x[2 * d] = x[2 * n]! + imm; x[2 * d + 1] = 0; };
  }
  if (sub) {
    return (c) => {
      const x = c.x32;
      const lo = x[2 * n]! - imm;
      x[2 * d + 1] = x[2 * n + 1]! - (lo < 0 ? 1 : 0);
      x[2 * d] = lo;
    };
  }
  return (c) => {
    const x = c.x32;
    const lo = x[2 * n]! + imm;
    x[2 * d + 1] = x[2 * n + 1]! + (lo > 0xffff_ffff ? 1 : 0);
    x[2 * d] = lo;
  };
}

/** ADD/ADDS/SUB/SUBS (immediate): Rn may be SP; Rd is SP for the non-flag forms and ZR for the flag forms. */
function addSubImm(sub: boolean, setFlags: boolean): Factory {
  return (f) => {
    const n = regSp(f.rn!);
    const d = setFlags ? dstZr(f.rd!) : regSp(f.rd!);
    const imm = f.imm! * (f.sh === 1 ? 4096 : 1);
    if (!setFlags) return addSubImmPlain(sub, f.sf === 1, n, d, imm);
    if (f.sf === 1) {
      const bLo = sub ? ~imm >>> 0 : imm;
      const bHi = sub ? 0xffff_ffff : 0;
      const cin = sub ? 1 : 0;
      return (c) => {
        const x = c.x32;
        addWithCarry64(c, d, x[2 * n]!, x[2 * n + 1]!, bLo, bHi, cin, setFlags);
      };
    }
    const b = sub ? ~imm >>> 0 : imm;
    const cin = sub ? 1 : 0;
    return (c) => addWithCarry32(c, d, c.x32[2 * n]!, b, cin, setFlags);
  };
}

function moveWide(kind: 'N' | 'Z' | 'K'): Factory {
  return (f) => {
    if (f.sf === 0 && f.hw! >= 2) return null;
    const d = dstZr(f.rd!);
    const shift = f.hw! * 16;
    const half = shift >= 32 ? 1 : 0;
    const part = (f.imm! << (shift & 31)) >>> 0;
    const sf = f.sf === 1;
    if (kind === 'K') {
      const keep = ~(0xffff << (shift & 31)) >>> 0;
      return (c) => {
        const x = c.x32;
        x[2 * d + half] = (x[2 * d + half]! & keep) | part;
        if (!sf) x[2 * d + 1] = 0;
      };
    }
    let lo = half === 0 ? part : 0;
    let hi = half === 1 ? part : 0;
    if (kind === 'N') {
      lo = ~lo >>> 0;
      hi = sf ? ~hi >>> 0 : 0;
    }
    return (c) => {
      const x = c.x32;
      x[2 * d] = lo;
      x[2 * d + 1] = hi;
    };
  };
}

export const DP_IMM: InsnGroup = {
  name: 'dp_imm',
  patterns: DP_IMM_PATTERNS,
  handlers: {
    ADR,
    ADRP,
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
    SBFM,
    BFM,
    UBFM,
    EXTR,
  },
  endsBlock: new Set(),
  // All but ADR and ADRP, which read the PC.
  registerOnly: new Set(['ADD_i', 'ADDS_i', 'SUB_i', 'SUBS_i', 'MOVN', 'MOVZ', 'MOVK', 'AND_i', 'ORR_i', 'EOR_i', 'ANDS_i', 'SBFM', 'BFM', 'UBFM', 'EXTR']),
};
