/**
 * Emitters for system instructions that are hot in kernel code: MRS of a register the table stores
 * plainly (TPIDR_EL1 for per-CPU data, TPIDR_EL0 for TLS, ...) or holds constant (ID registers).
 * The EL check the interpreter's closure makes is made inline; at EL0, for a register EL0 may not
 * read, the closure runs instead and raises UNDEFINED exactly as it would. Registers with accessors
 * (timers, SP_EL0, DAIF, NZCV, GIC registers) are always interpreted.
 */
import { PSTATE_EL_SHIFT } from '../exception.js';
import { dstZr } from '../interp/regs.js';
import { STATE_LAYOUT } from '../state.js';
import { lookupSysreg, sysregKey } from '../sysreg/table.js';
import { P_ST, type Emitter } from './emitter.js';
import type { InsnEmitter } from './site.js';
import { Op, VOID } from './wasm_writer.js';

const MRS: InsnEmitter = (e, f, site) => {
  const found = lookupSysreg(sysregKey(2 + f.o0!, f.op1!, f.crn!, f.crm!, f.op2!));
  const t = dstZr(f.rt!);
  if (found === undefined || found.info.read !== undefined || found.info.readHalves !== undefined) {
    site.interpret([t]);
    return;
  }
  const { info, slot } = found;
  const value = (em: Emitter) => {
    if (info.writable) em.setX(t, () => em.get(P_ST).mem(Op.i64_load, 3, STATE_LAYOUT.sys + slot * 8));
    else em.setX(t, () => em.i64(info.reset));
  };
  if (info.el0 !== 'none') {
    value(e);
    return;
  }
  // EL0 may not read it: UNDEFINED there, which the interpreter's closure raises.
  e.get(P_ST).mem(Op.i32_load, 2, STATE_LAYOUT.pstate).i32(PSTATE_EL_SHIFT).op(Op.i32_shr_u).i32(3).op(Op.i32_and, Op.if, VOID);
  e.scope(() => value(e));
  e.op(Op.else);
  e.scope(() => site.interpret([t]));
  e.op(Op.end);
};

export const SYSTEM_EMITTERS: Readonly<Record<string, InsnEmitter>> = { MRS };
