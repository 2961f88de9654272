/**
 * Data processing (register), the conditional classes: conditional compare (register and immediate)
 * and conditional select (Arm ARM DDI0487 C4.1.87, C6.2 CCMN, CCMP, CSEL, CSINC, CSINV, CSNEG).
 */
import type { Factory } from './group.js';
import { addWithCarry32, addWithCarry64, conditionHolds } from './alu.js';
import { REG_ZR_READ, REG_ZR_WRITE } from '../state.js';
import { dstZr, srcZr } from './regs.js';

/**
 * CCMN/CCMP: when the condition holds, the flags of Rn + op2 (CCMN) or Rn - op2 (CCMP); otherwise the
 * flags from the instruction's nzcv field. The result itself goes to the discard slot.
 */
function condCompare(sub: boolean, imm: boolean): Factory {
  return (f) => {
    const cond = f.cond!;
    const flags = (f.nzcv! << 28) >>> 0;
    const n = srcZr(f.rn!);
    const inv = sub ? -1 : 0;
    const cin = sub ? 1 : 0;
    if (imm) {
      const bl = (f.imm5! ^ inv) >>> 0;
      const bh = (0 ^ inv) >>> 0;
      if (f.sf === 0) {
        return (c) => {
          if (conditionHolds(cond, c.nzcv)) addWithCarry32(c, REG_ZR_WRITE, c.x32[2 * n]!, bl, cin, true);
          else c.nzcv = flags;
        };
      }
      return (c) => {
        const x = c.x32;
        if (conditionHolds(cond, c.nzcv)) addWithCarry64(c, REG_ZR_WRITE, x[2 * n]!, x[2 * n + 1]!, bl, bh, cin, true);
        else c.nzcv = flags;
      };
    }
    const m = srcZr(f.rm!);
    if (f.sf === 0) {
      return (c) => {
        const x = c.x32;
        if (conditionHolds(cond, c.nzcv)) addWithCarry32(c, REG_ZR_WRITE, x[2 * n]!, (x[2 * m]! ^ inv) >>> 0, cin, true);
        else c.nzcv = flags;
      };
    }
    return (c) => {
      const x = c.x32;
      if (conditionHolds(cond, c.nzcv)) {
        const bl = (x[2 * m]! ^ inv) >>> 0;
        const bh = (x[2 * m + 1]! ^ inv) >>> 0;
        addWithCarry64(c, REG_ZR_WRITE, x[2 * n]!, x[2 * n + 1]!, bl, bh, cin, true);
      } else {
        c.nzcv = flags;
      }
    };
  };
}

type SelectOp = 'sel' | 'inc' | 'inv' | 'neg';

/** CSEL/CSINC/CSINV/CSNEG: Rd = cond ? Rn : op(Rm). CSET/CSETM (both sources ZR) become a constant select. */
function condSelect(op: SelectOp): Factory {
  return (f) => {
    const cond = f.cond!;
    const n = srcZr(f.rn!);
    const m = srcZr(f.rm!);
    const d = dstZr(f.rd!);
    const sf = f.sf === 1;
    if (n === REG_ZR_READ && m === REG_ZR_READ && (op === 'inc' || op === 'inv')) {
      const lo = op === 'inc' ? 1 : 0xffff_ffff;
      const hi = op === 'inv' && sf ? 0xffff_ffff : 0;
      return (c) => {
        const x = c.x32;
        const t = conditionHolds(cond, c.nzcv);
        x[2 * d] = t ? 0 : lo;
        x[2 * d + 1] = t ? 0 : hi;
      };
    }
    if (!sf) {
      switch (op) {
        case 'sel':
          return (c) => { const x = c.x32; x[2 * d] = x[conditionHolds(cond, c.nzcv) ? 2 * n : 2 * m]!; x[2 * d + 1] = 0; };
        case 'inc':
          return (c) => { const x = c.x32; x[2 * d] = conditionHolds(cond, c.nzcv) ? x[2 * n]! : x[2 * m]! + 1; x[2 * d + 1] = 0; };
        case 'inv':
          return (c) => { const x = c.x32; x[2 * d] = conditionHolds(cond, c.nzcv) ? x[2 * n]! : ~x[2 * m]!; x[2 * d + 1] = 0; };
        default:
          return (c) => { const x = c.x32; x[2 * d] = conditionHolds(cond, c.nzcv) ? x[2 * n]! : -x[2 * m]!; x[2 * d + 1] = 0; };
      }
    }
    if (op === 'sel') {
      return (c) => {
        const x = c.x32;
        const s = conditionHolds(cond, c.nzcv) ? 2 * n : 2 * m;
        const lo = x[s]!;
        x[2 * d + 1] = x[s + 1]!;
        x[2 * d] = lo;
      };
    }
    return (c) => {
      const x = c.x32;
      let lo: number;
      let hi: number;
      if (conditionHolds(cond, c.nzcv)) {
        lo = x[2 * n]!;
        hi = x[2 * n + 1]!;
      } else {
        const ml = x[2 * m]!;
        const mh = x[2 * m + 1]!;
        switch (op) {
          case 'inc': lo = ml + 1; hi = mh + (lo > 0xffff_ffff ? 1 : 0); break;
          case 'inv': lo = ~ml; hi = ~mh; break;
          default: lo = -ml; hi = -mh - (ml !== 0 ? 1 : 0); break;
        }
      }
      x[2 * d] = lo;
      x[2 * d + 1] = hi;
    };
  };
}

export const COND_HANDLERS: Readonly<Record<string, Factory>> = {
  CCMN_r: condCompare(false, false),
  CCMP_r: condCompare(true, false),
  CCMN_i: condCompare(false, true),
  CCMP_i: condCompare(true, true),
  CSEL: condSelect('sel'),
  CSINC: condSelect('inc'),
  CSINV: condSelect('inv'),
  CSNEG: condSelect('neg'),
};
