/**
 * Emitters for the branches that end a block: each leaves the next PC (f64, a sign-extended address
 * as the interpreter keeps it) on the stack. Targets are formed as `interp/branch.ts` forms them:
 * PC-relative in doubles, register targets as sext55 of the register (top byte ignored).
 */
import { sext, type Fields } from '../decode/pattern.js';
import { srcZr } from '../interp/regs.js';
import { P_PC, type Emitter } from './emitter.js';
import type { BranchEmitter, InsnSite } from './site.js';
import { Op, T } from './wasm_writer.js';

/** Pushes PC + `delta` for the instruction at `site`. */
function pcPlus(e: Emitter, site: InsnSite, delta: number): void {
  e.get(P_PC).f64(site.offset + delta).op(Op.f64_add);
}

/** Pushes the taken target when the i32 `test` pushes is non-zero, else the next instruction. */
function conditional(e: Emitter, site: InsnSite, off: number, test: () => void): void {
  pcPlus(e, site, off);
  pcPlus(e, site, 4);
  test();
  e.op(Op.select);
}

const B: BranchEmitter = (e, f, site) => pcPlus(e, site, sext(f.imm!, 26) * 4);

const BL: BranchEmitter = (e, f, site) => {
  e.setX(30, () => {
    pcPlus(e, site, 4);
    e.op(Op.i64_trunc_f64_s);
  });
  pcPlus(e, site, sext(f.imm!, 26) * 4);
};

const B_cond: BranchEmitter = (e, f, site) => conditional(e, site, sext(f.imm!, 19) * 4, () => e.cond(f.cond!));

function compareBranch(nonZero: boolean): BranchEmitter {
  return (e, f, site) => conditional(e, site, sext(f.imm!, 19) * 4, () => {
    const t = srcZr(f.rt!);
    if (f.sf === 1) e.x(t).op(Op.i64_eqz);
    else e.w(t).op(Op.i32_eqz);
    if (nonZero) e.op(Op.i32_eqz);
  });
}

function testBranch(nonZero: boolean): BranchEmitter {
  return (e, f, site) => conditional(e, site, sext(f.imm!, 14) * 4, () => {
    const bit = (f.b5! << 5) | f.b40!;
    e.x(srcZr(f.rt!)).i64(bit).op(Op.i64_shr_u).i64(1).op(Op.i64_and, Op.i32_wrap_i64);
    if (!nonZero) e.op(Op.i32_eqz);
  });
}

function branchReg(link: boolean): BranchEmitter {
  return (e, f, site) => {
    const target = e.tmp(T.F64, 2);
    e.x(srcZr(f.rn!)).i64(8).op(Op.i64_shl).i64(8).op(Op.i64_shr_s, Op.f64_convert_i64_s).set(target);
    if (link) {
      e.setX(30, () => {
        pcPlus(e, site, 4);
        e.op(Op.i64_trunc_f64_s);
      });
    }
    e.get(target);
  };
}

/**
 * A direct branch's ways out as byte offsets from the branch itself (4: falling through), or null
 * for a branch to a register: what lets the compiler find a loop through two blocks.
 */
export function directTargets(name: string, f: Fields): readonly number[] | null {
  switch (name) {
    case 'B':
      return [sext(f.imm!, 26) * 4];
    case 'B_cond':
    case 'CBZ':
    case 'CBNZ':
      return [sext(f.imm!, 19) * 4, 4];
    case 'TBZ':
    case 'TBNZ':
      return [sext(f.imm!, 14) * 4, 4];
    default:
      return null;
  }
}

export const BRANCH_EMITTERS: Readonly<Record<string, BranchEmitter>> = {
  B,
  BL,
  B_cond,
  CBZ: compareBranch(false),
  CBNZ: compareBranch(true),
  TBZ: testBranch(false),
  TBNZ: testBranch(true),
  BR: branchReg(false),
  BLR: branchReg(true),
  RET: branchReg(false),
};
