/**
 * Runs a block in its compact form (`predecode.ts`): one switch, shared by every block, over each
 * instruction's kind, and the instruction's closure for the kinds it has none for. Each case does
 * exactly what that instruction's closure does (the same memory calls, in the same order, so faults
 * and partial effects agree); `predecode.test.ts` holds the two to it.
 */
import type { Cpu } from '../cpu.js';
import type { Exec } from './group.js';
import { access, regAddr, type Ext, type Op } from './ldst.js';
import { addWithCarry32, addWithCarry64, conditionHolds, logicFlags32, logicFlags64, mulhu32, shift32, shiftHi64, shiftLo64 } from './alu.js';
import { REG_ZR_WRITE } from '../state.js';
import { setXFromAddress, xAddress } from './regs.js';
import { extHi, extLo } from './dp_reg_arith.js';
import { loadPair64, storePair64 } from './ldst_pair.js';
import { readSized, writeSized } from './ldst_excl.js';
import { Kind, PRE_STRIDE, SYS_EL1_ONLY, SYS_SPSEL_1 } from './predecode.js';
import { BugIndicatingError } from '../../../lib/errors.js';
import { Hdr, HdrFlag } from '../code_cache.js';
import { currentEl } from './system.js';
import { PSTATE_DAIF, PSTATE_SPSEL } from '../exception.js';

const TWO32 = 0x1_0000_0000;

/** AND (0), ORR (1) or EOR (2). */
function logic(op: number, a: number, b: number): number {
  return op === 0 ? a & b : op === 1 ? a | b : a ^ b;
}

/** x[d] = x[n] shifted by `s` (0-63) as type `t` (alu.ts SHIFT_*) says, n's halves read first. */
function shiftX(x: Uint32Array, d: number, n: number, t: number, s: number): void {
  const lo = x[2 * n]!;
  const hi = x[2 * n + 1]!;
  x[2 * d] = shiftLo64(lo, hi, t, s);
  x[2 * d + 1] = shiftHi64(lo, hi, t, s);
}

/** w[d] = w[n] shifted by `s` (0-31) as type `t` says; the high half cleared. */
function shiftW(x: Uint32Array, d: number, n: number, t: number, s: number): void {
  x[2 * d] = shift32(x[2 * n]!, t, s);
  x[2 * d + 1] = 0;
}

/**
 * Runs the block whose header row starts at `row` in `hdr` (the code cache's, `code_cache.ts` Hdr)
 * at virtual address `pc`, from its first instruction, its forms read from `p` (the code cache's
 * `forms`) and the closures of its CLOSURE forms from `closures`, stopping early if a store discards
 * it; returns how many instructions retired (a fault throws from the instruction, with `c.pc` on
 * it). A block-ending instruction sets `c.npc`.
 */
export function runPredecoded(c: Cpu, hdr: Int32Array, row: number, p: Int32Array, closures: readonly Exec[], pc: number): number {
  const n = hdr[row + Hdr.SIZE]! & 0xff;
  const pre = hdr[row + Hdr.PRE]!;
  const x = c.x32;
  let i = 0;
  for (; i < n && (hdr[row + Hdr.FLAGS]! & HdrFlag.VALID) !== 0; i++) {
    const at = pc + i * 4;
    c.pc = at;
    const j = pre + i * PRE_STRIDE;
    const h = p[j]!;
    const ra = (h >>> 8) & 0xff;
    const rb = (h >>> 16) & 0xff;
    const rc = h >>> 24;
    switch (h & 0xff) {
      case Kind.CLOSURE: closures[p[j + 1]!]!(c); break;
      case Kind.NOP: break;

      case Kind.MOV_X: { const lo = x[2 * rc]!; x[2 * ra + 1] = x[2 * rc + 1]!; x[2 * ra] = lo; break; }
      case Kind.MOV_W: x[2 * ra] = x[2 * rc]!; x[2 * ra + 1] = 0; break;
      case Kind.AND_X: { const lo = x[2 * rb]! & x[2 * rc]!; x[2 * ra + 1] = x[2 * rb + 1]! & x[2 * rc + 1]!; x[2 * ra] = lo; break; }
      case Kind.ORR_X: { const lo = x[2 * rb]! | x[2 * rc]!; x[2 * ra + 1] = x[2 * rb + 1]! | x[2 * rc + 1]!; x[2 * ra] = lo; break; }
      case Kind.EOR_X: { const lo = x[2 * rb]! ^ x[2 * rc]!; x[2 * ra + 1] = x[2 * rb + 1]! ^ x[2 * rc + 1]!; x[2 * ra] = lo; break; }
      case Kind.AND_W: x[2 * ra] = x[2 * rb]! & x[2 * rc]!; x[2 * ra + 1] = 0; break;
      case Kind.ORR_W: x[2 * ra] = x[2 * rb]! | x[2 * rc]!; x[2 * ra + 1] = 0; break;
      case Kind.EOR_W: x[2 * ra] = x[2 * rb]! ^ x[2 * rc]!; x[2 * ra + 1] = 0; break;

      case Kind.ADD_X: {
        const lo = x[2 * rb]! + x[2 * rc]!;
        const hi = x[2 * rb + 1]! + x[2 * rc + 1]! + (lo > 0xffff_ffff ? 1 : 0);
        x[2 * ra] = lo;
        x[2 * ra + 1] = hi;
        break;
      }
      case Kind.SUB_X: {
        const lo = x[2 * rb]! - x[2 * rc]!;
        const hi = x[2 * rb + 1]! - x[2 * rc + 1]! - (lo < 0 ? 1 : 0);
        x[2 * ra] = lo;
        x[2 * ra + 1] = hi;
        break;
      }
      case Kind.ADD_W: x[2 * ra] = x[2 * rb]! + x[2 * rc]!; x[2 * ra + 1] = 0; break;
      case Kind.SUB_W: x[2 * ra] = x[2 * rb]! - x[2 * rc]!; x[2 * ra + 1] = 0; break;
      case Kind.ADDS_X: addWithCarry64(c, ra, x[2 * rb]!, x[2 * rb + 1]!, x[2 * rc]!, x[2 * rc + 1]!, 0, true); break;
      case Kind.SUBS_X: addWithCarry64(c, ra, x[2 * rb]!, x[2 * rb + 1]!, ~x[2 * rc]! >>> 0, ~x[2 * rc + 1]! >>> 0, 1, true); break;
      case Kind.ADDS_W: addWithCarry32(c, ra, x[2 * rb]!, x[2 * rc]!, 0, true); break;
      case Kind.SUBS_W: addWithCarry32(c, ra, x[2 * rb]!, ~x[2 * rc]! >>> 0, 1, true); break;

      case Kind.ADDI_X: {
        const lo = x[2 * rb]! + p[j + 1]!;
        x[2 * ra + 1] = x[2 * rb + 1]! + (lo > 0xffff_ffff ? 1 : 0);
        x[2 * ra] = lo;
        break;
      }
      case Kind.SUBI_X: {
        const lo = x[2 * rb]! - p[j + 1]!;
        x[2 * ra + 1] = x[2 * rb + 1]! - (lo < 0 ? 1 : 0);
        x[2 * ra] = lo;
        break;
      }
      case Kind.ADDI_W: x[2 * ra] = x[2 * rb]! + p[j + 1]!; x[2 * ra + 1] = 0; break;
      case Kind.SUBI_W: x[2 * ra] = x[2 * rb]! - p[j + 1]!; x[2 * ra + 1] = 0; break;
      case Kind.ADDSI_X: addWithCarry64(c, ra, x[2 * rb]!, x[2 * rb + 1]!, p[j + 1]!, 0, 0, true); break;
      case Kind.SUBSI_X: addWithCarry64(c, ra, x[2 * rb]!, x[2 * rb + 1]!, ~p[j + 1]! >>> 0, 0xffff_ffff, 1, true); break;
      case Kind.ADDSI_W: addWithCarry32(c, ra, x[2 * rb]!, p[j + 1]!, 0, true); break;
      case Kind.SUBSI_W: addWithCarry32(c, ra, x[2 * rb]!, ~p[j + 1]! >>> 0, 1, true); break;

      case Kind.ANDI_X: { const lo = x[2 * rb]! & p[j + 1]!; x[2 * ra + 1] = x[2 * rb + 1]! & p[j + 2]!; x[2 * ra] = lo; break; }
      case Kind.ORRI_X: { const lo = x[2 * rb]! | p[j + 1]!; x[2 * ra + 1] = x[2 * rb + 1]! | p[j + 2]!; x[2 * ra] = lo; break; }
      case Kind.EORI_X: { const lo = x[2 * rb]! ^ p[j + 1]!; x[2 * ra + 1] = x[2 * rb + 1]! ^ p[j + 2]!; x[2 * ra] = lo; break; }
      case Kind.ANDSI_X: {
        const lo = x[2 * rb]! & p[j + 1]!;
        const hi = x[2 * rb + 1]! & p[j + 2]!;
        logicFlags64(c, lo, hi);
        x[2 * ra] = lo;
        x[2 * ra + 1] = hi;
        break;
      }
      case Kind.ANDI_W: x[2 * ra] = x[2 * rb]! & p[j + 1]!; x[2 * ra + 1] = 0; break;
      case Kind.ORRI_W: x[2 * ra] = x[2 * rb]! | p[j + 1]!; x[2 * ra + 1] = 0; break;
      case Kind.EORI_W: x[2 * ra] = x[2 * rb]! ^ p[j + 1]!; x[2 * ra + 1] = 0; break;
      case Kind.ANDSI_W: {
        const r = x[2 * rb]! & p[j + 1]!;
        logicFlags32(c, r);
        x[2 * ra] = r;
        x[2 * ra + 1] = 0;
        break;
      }

      case Kind.MOVC: x[2 * ra] = p[j + 1]!; x[2 * ra + 1] = p[j + 2]!; break;
      case Kind.MOVK: x[2 * ra + rb] = (x[2 * ra + rb]! & p[j + 1]!) | p[j + 2]!; if (rc === 0) x[2 * ra + 1] = 0; break;
      case Kind.CSEL_X: { const s = conditionHolds(p[j + 1]!, c.nzcv) ? 2 * rb : 2 * rc; const lo = x[s]!; x[2 * ra + 1] = x[s + 1]!; x[2 * ra] = lo; break; }
      case Kind.CSEL_W: x[2 * ra] = x[conditionHolds(p[j + 1]!, c.nzcv) ? 2 * rb : 2 * rc]!; x[2 * ra + 1] = 0; break;
      case Kind.CSINC_X: {
        let lo: number;
        let hi: number;
        if (conditionHolds(p[j + 1]!, c.nzcv)) {
          lo = x[2 * rb]!;
          hi = x[2 * rb + 1]!;
        } else {
          lo = x[2 * rc]! + 1;
          hi = x[2 * rc + 1]! + (lo > 0xffff_ffff ? 1 : 0);
        }
        x[2 * ra] = lo;
        x[2 * ra + 1] = hi;
        break;
      }
      case Kind.CSINC_W: x[2 * ra] = conditionHolds(p[j + 1]!, c.nzcv) ? x[2 * rb]! : x[2 * rc]! + 1; x[2 * ra + 1] = 0; break;
      // As dp_reg_cond.ts condSelect.
      case Kind.CSINV_X: case Kind.CSNEG_X: {
        let lo: number;
        let hi: number;
        if (conditionHolds(p[j + 1]!, c.nzcv)) {
          lo = x[2 * rb]!;
          hi = x[2 * rb + 1]!;
        } else if ((h & 0xff) === Kind.CSINV_X) {
          lo = ~x[2 * rc]!;
          hi = ~x[2 * rc + 1]!;
        } else {
          const ml = x[2 * rc]!;
          lo = -ml;
          hi = -x[2 * rc + 1]! - (ml !== 0 ? 1 : 0);
        }
        x[2 * ra] = lo;
        x[2 * ra + 1] = hi;
        break;
      }
      case Kind.CSINV_W: x[2 * ra] = conditionHolds(p[j + 1]!, c.nzcv) ? x[2 * rb]! : ~x[2 * rc]!; x[2 * ra + 1] = 0; break;
      case Kind.CSNEG_W: x[2 * ra] = conditionHolds(p[j + 1]!, c.nzcv) ? x[2 * rb]! : -x[2 * rc]!; x[2 * ra + 1] = 0; break;
      // As dp_reg_misc.ts oneSource('clz').
      case Kind.CLZ_X: {
        const hi = x[2 * rb + 1]!;
        x[2 * ra] = hi !== 0 ? Math.clz32(hi) : 32 + Math.clz32(x[2 * rb]!);
        x[2 * ra + 1] = 0;
        break;
      }
      case Kind.CLZ_W: x[2 * ra] = Math.clz32(x[2 * rb]!); x[2 * ra + 1] = 0; break;
      case Kind.ADR: setXFromAddress(x, ra, at + p[j + 1]!); break;
      case Kind.ADRP: setXFromAddress(x, ra, at - (at & 0xfff) + p[j + 1]! * 4096); break;

      case Kind.LDR_X: c.read64(xAddress(x, rb) + p[j + 1]!, x, 2 * ra); break;
      case Kind.STR_X: c.write64(xAddress(x, rb) + p[j + 1]!, x, 2 * ra); break;
      case Kind.LDR_W: x[2 * ra] = c.read32(xAddress(x, rb) + p[j + 1]!); x[2 * ra + 1] = 0; break;
      case Kind.STR_W: c.write32(xAddress(x, rb) + p[j + 1]!, x[2 * ra]!); break;
      case Kind.LDRH: x[2 * ra] = c.read16(xAddress(x, rb) + p[j + 1]!); x[2 * ra + 1] = 0; break;
      case Kind.STRH: c.write16(xAddress(x, rb) + p[j + 1]!, x[2 * ra]! & 0xffff); break;
      case Kind.LDRB: x[2 * ra] = c.read8(xAddress(x, rb) + p[j + 1]!); x[2 * ra + 1] = 0; break;
      case Kind.STRB: c.write8(xAddress(x, rb) + p[j + 1]!, x[2 * ra]! & 0xff); break;
      case Kind.LDST: access(c, p[j + 2]! as Op, xAddress(x, rb) + p[j + 1]!, ra); break;

      case Kind.LDST_REG: {
        const e = p[j + 1]!;
        access(c, (e & 0xff) as Op, regAddr(x, rb, rc, ((e >>> 8) & 0xff) as Ext, e >>> 16), ra);
        break;
      }
      case Kind.LDST_WB: {
        // The new base is computed from the old one before the access (Rt may be Rn).
        const off = p[j + 1]!;
        const e = p[j + 2]!;
        const lo = x[2 * rb]! + off;
        const hi = x[2 * rb + 1]! + Math.floor(lo / TWO32);
        access(c, (e & 0xff) as Op, xAddress(x, rb) + (e >>> 8 === 0 ? off : 0), ra);
        x[2 * rb] = lo;
        x[2 * rb + 1] = hi;
        break;
      }
      // As ldst_excl.ts LDAR and STLR.
      case Kind.LDAR: case Kind.STLR: {
        const va = xAddress(x, rb);
        const size = p[j + 1]!;
        const store = (h & 0xff) === Kind.STLR;
        if ((va & ((1 << size) - 1)) !== 0) c.alignmentFault(va, store);
        if (store) writeSized(c, size, va, x, 2 * ra);
        else readSized(c, size, va, x, 2 * ra);
        break;
      }
      case Kind.LDP_X: loadPair64(c, xAddress(x, rb) + p[j + 1]!, ra, rc); break;
      case Kind.STP_X: storePair64(c, xAddress(x, rb) + p[j + 1]!, ra, rc); break;
      case Kind.LDP_X_PRE: case Kind.LDP_X_POST: case Kind.STP_X_PRE: case Kind.STP_X_POST: {
        // The new base is computed from the old one before the access (Rt or Rt2 may be Rn).
        const kind = h & 0xff;
        const off = p[j + 1]!;
        const lo = x[2 * rb]! + off;
        const hi = x[2 * rb + 1]! + Math.floor(lo / TWO32);
        const va = xAddress(x, rb) + (kind === Kind.LDP_X_PRE || kind === Kind.STP_X_PRE ? off : 0);
        if (kind === Kind.LDP_X_PRE || kind === Kind.LDP_X_POST) loadPair64(c, va, ra, rc);
        else storePair64(c, va, ra, rc);
        x[2 * rb] = lo;
        x[2 * rb + 1] = hi;
        break;
      }

      case Kind.B: c.npc = at + p[j + 1]!; break;
      case Kind.BL: setXFromAddress(x, 30, at + 4); c.npc = at + p[j + 1]!; break;
      case Kind.B_COND: c.npc = conditionHolds(ra, c.nzcv) ? at + p[j + 1]! : at + 4; break;
      case Kind.CBZ_X: c.npc = (x[2 * ra]! | x[2 * ra + 1]!) === 0 ? at + p[j + 1]! : at + 4; break;
      case Kind.CBNZ_X: c.npc = (x[2 * ra]! | x[2 * ra + 1]!) !== 0 ? at + p[j + 1]! : at + 4; break;
      case Kind.CBZ_W: c.npc = x[2 * ra] === 0 ? at + p[j + 1]! : at + 4; break;
      case Kind.CBNZ_W: c.npc = x[2 * ra] !== 0 ? at + p[j + 1]! : at + 4; break;
      case Kind.TBZ: c.npc = (x[ra]! & (1 << rb)) === 0 ? at + p[j + 1]! : at + 4; break;
      case Kind.TBNZ: c.npc = (x[ra]! & (1 << rb)) !== 0 ? at + p[j + 1]! : at + 4; break;
      case Kind.SHIFT_X: shiftX(x, ra, rb, p[j + 2]!, p[j + 1]!); break;
      case Kind.SHIFT_W: shiftW(x, ra, rb, p[j + 2]!, p[j + 1]!); break;
      // The amount is the register's value modulo the width (C6.2 LSLV): its low word holds it.
      case Kind.SHIFTV_X: shiftX(x, ra, rb, p[j + 2]!, x[2 * rc]! & 63); break;
      case Kind.SHIFTV_W: shiftW(x, ra, rb, p[j + 2]!, x[2 * rc]! & 31); break;
      // As dp_reg_arith.ts logicalReg, addSubShifted and addSubExtended.
      case Kind.LOGIC_SH_X: {
        const s = p[j + 1]! & 0xff;
        const t = p[j + 1]! >>> 8;
        const how = p[j + 2]!;
        const inv = (how & 4) !== 0 ? -1 : 0;
        const ml = x[2 * rc]!;
        const mh = x[2 * rc + 1]!;
        const rl = logic(how & 3, x[2 * rb]!, shiftLo64(ml, mh, t, s) ^ inv);
        const rh = logic(how & 3, x[2 * rb + 1]!, shiftHi64(ml, mh, t, s) ^ inv);
        if ((how & 8) !== 0) logicFlags64(c, rl, rh);
        x[2 * ra] = rl;
        x[2 * ra + 1] = rh;
        break;
      }
      case Kind.LOGIC_SH_W: {
        const how = p[j + 2]!;
        const r = logic(how & 3, x[2 * rb]!, shift32(x[2 * rc]!, p[j + 1]! >>> 8, p[j + 1]! & 0xff) ^ ((how & 4) !== 0 ? -1 : 0));
        if ((how & 8) !== 0) logicFlags32(c, r);
        x[2 * ra] = r;
        x[2 * ra + 1] = 0;
        break;
      }
      case Kind.ADDSUB_SH_X: {
        const how = p[j + 2]!;
        const inv = (how & 1) !== 0 ? -1 : 0;
        const lo = shiftLo64(x[2 * rc]!, x[2 * rc + 1]!, p[j + 1]! >>> 8, p[j + 1]! & 0xff) ^ inv;
        const hi = shiftHi64(x[2 * rc]!, x[2 * rc + 1]!, p[j + 1]! >>> 8, p[j + 1]! & 0xff) ^ inv;
        addWithCarry64(c, ra, x[2 * rb]!, x[2 * rb + 1]!, lo >>> 0, hi >>> 0, how & 1, (how & 2) !== 0);
        break;
      }
      case Kind.ADDSUB_SH_W: {
        const how = p[j + 2]!;
        const b = (shift32(x[2 * rc]!, p[j + 1]! >>> 8, p[j + 1]! & 0xff) ^ ((how & 1) !== 0 ? -1 : 0)) >>> 0;
        addWithCarry32(c, ra, x[2 * rb]!, b, how & 1, (how & 2) !== 0);
        break;
      }
      case Kind.ADDSUB_EXT_X: {
        const option = p[j + 1]! & 15;
        const s = p[j + 1]! >>> 4;
        const how = p[j + 2]!;
        const inv = (how & 1) !== 0 ? -1 : 0;
        const v = x[2 * rc]!;
        const el = extLo(v, option);
        const eh = extHi(v, x[2 * rc + 1]!, option);
        const bh = s === 0 ? eh : (eh << s) | (el >>> (32 - s));
        addWithCarry64(c, ra, x[2 * rb]!, x[2 * rb + 1]!, ((el << s) ^ inv) >>> 0, (bh ^ inv) >>> 0, how & 1, (how & 2) !== 0);
        break;
      }
      case Kind.ADDSUB_EXT_W: {
        const how = p[j + 2]!;
        const b = ((extLo(x[2 * rc]!, p[j + 1]! & 15) << (p[j + 1]! >>> 4)) ^ ((how & 1) !== 0 ? -1 : 0)) >>> 0;
        addWithCarry32(c, ra, x[2 * rb]!, b, how & 1, (how & 2) !== 0);
        break;
      }
      // As dp_reg_misc.ts mulAdd.
      case Kind.MADD_X: {
        const nl = x[2 * rb]!;
        const ml = x[2 * rc]!;
        const pl = Math.imul(nl, ml) >>> 0;
        const ph = (mulhu32(nl, ml) + Math.imul(nl, x[2 * rc + 1]!) + Math.imul(x[2 * rb + 1]!, ml)) >>> 0;
        const a = p[j + 1]!;
        if (p[j + 2] === 0) {
          const lo = x[2 * a]! + pl;
          x[2 * ra + 1] = x[2 * a + 1]! + ph + (lo > 0xffff_ffff ? 1 : 0);
          x[2 * ra] = lo;
        } else {
          const lo = x[2 * a]! - pl;
          x[2 * ra + 1] = x[2 * a + 1]! - ph - (lo < 0 ? 1 : 0);
          x[2 * ra] = lo;
        }
        break;
      }
      case Kind.MADD_W: {
        const prod = Math.imul(x[2 * rb]!, x[2 * rc]!);
        x[2 * ra] = p[j + 2] === 0 ? x[2 * p[j + 1]!]! + prod : x[2 * p[j + 1]!]! - prod;
        x[2 * ra + 1] = 0;
        break;
      }
      // As dp_reg_cond.ts condCompare: the flags of n + op2 or n - op2 when cond holds, else imm0's.
      case Kind.CCMP_X:
      case Kind.CCMP_W: {
        const how = p[j + 2]!;
        if (!conditionHolds(ra, c.nzcv)) {
          c.nzcv = p[j + 1]! >>> 0;
          break;
        }
        const inv = (how & (1 << 9)) !== 0 ? -1 : 0;
        const imm = (how & (1 << 8)) !== 0;
        const bl = ((imm ? how & 31 : x[2 * rc]!) ^ inv) >>> 0;
        if ((h & 0xff) === Kind.CCMP_W) {
          addWithCarry32(c, REG_ZR_WRITE, x[2 * rb]!, bl, (how >>> 9) & 1, true);
          break;
        }
        const bh = ((imm ? 0 : x[2 * rc + 1]!) ^ inv) >>> 0;
        addWithCarry64(c, REG_ZR_WRITE, x[2 * rb]!, x[2 * rb + 1]!, bl, bh, (how >>> 9) & 1, true);
        break;
      }
      // As the closures of interp/system.ts MRS and MSR_r, and sysreg/el1.ts SP_EL0 and DAIF.
      case Kind.MRS_SYS: {
        if ((rb & SYS_EL1_ONLY) !== 0 && currentEl(c) === 0) c.undefined();
        if ((rb & SYS_SPSEL_1) !== 0 && (c.state.pstate & PSTATE_SPSEL) === 0) c.undefined();
        const slot = p[j + 1]!;
        x[2 * ra] = c.sys32[2 * slot]!;
        x[2 * ra + 1] = c.sys32[2 * slot + 1]!;
        break;
      }
      case Kind.MSR_SYS: {
        if ((rb & SYS_EL1_ONLY) !== 0 && currentEl(c) === 0) c.undefined();
        const slot = p[j + 1]!;
        c.sys32[2 * slot] = x[2 * ra]!;
        c.sys32[2 * slot + 1] = x[2 * ra + 1]!;
        break;
      }
      case Kind.MSR_DAIF:
        if ((rb & SYS_EL1_ONLY) !== 0 && currentEl(c) === 0) c.undefined();
        c.setPstate((c.state.pstate & ~PSTATE_DAIF) | (x[2 * ra]! & PSTATE_DAIF));
        c.checkIrq();
        break;
      // As interp/system.ts MSR_i: UNDEFINED at EL0; DAIFClr may unmask a pending IRQ.
      case Kind.DAIF_SET:
        if (currentEl(c) === 0) c.undefined();
        c.state.pstate = (c.state.pstate | p[j + 1]!) >>> 0;
        c.npc = at + 4;
        break;
      case Kind.DAIF_CLR:
        if (currentEl(c) === 0) c.undefined();
        c.state.pstate = (c.state.pstate & ~p[j + 1]!) >>> 0;
        c.checkIrq();
        c.npc = at + 4;
        break;
      case Kind.MRS_DAIF:
        if ((rb & SYS_EL1_ONLY) !== 0 && currentEl(c) === 0) c.undefined();
        x[2 * ra] = c.state.pstate & PSTATE_DAIF;
        x[2 * ra + 1] = 0;
        break;
      case Kind.BR: c.npc = xAddress(x, ra); break;
      case Kind.BLR: {
        // The target is read before X30 is written, so BLR X30 works.
        const target = xAddress(x, ra);
        setXFromAddress(x, 30, at + 4);
        c.npc = target;
        break;
      }
      default: throw new BugIndicatingError(`predecoded kind ${h & 0xff} has no case`);
    }
  }
  return i;
}
