/**
 * The interpreter's instruction table: every group's patterns joined with its handlers, and the
 * translation of one instruction word into a closure.
 */
import { Decoder, joinPatterns } from '../decode/decoder.js';
import type { Exec, Factory, InsnGroup } from './group.js';
import type { Fields } from '../decode/pattern.js';
import { predecode } from './predecode.js';
import { BRANCH } from './branch.js';
import { DP_IMM } from './dp_imm.js';
import { DP_REG } from './dp_reg.js';
import { LDST } from './ldst.js';
import { LDST_ATOMIC } from './ldst_atomic.js';
import { LDST_EXCL } from './ldst_excl.js';
import { LDST_PAIR } from './ldst_pair.js';
import { SYSTEM } from './system.js';
import { LDST_SIMD } from './ldst_simd.js';
import { SIMD_MOV } from './simd_mov.js';
import { SIMD_PERM } from './simd_perm.js';
import { SIMD_INT } from './simd_int.js';
import { SIMD_INT_SHIFT } from './simd_int_shift.js';
import { SIMD_FP } from './simd_fp.js';
import { FP_SCALAR } from './fp_scalar.js';
import { FP_CONV } from './fp_conv.js';

/** Groups in decode order. Patterns of different groups do not overlap except where noted in the group. */
export const GROUPS: readonly InsnGroup[] = [DP_IMM, DP_REG, BRANCH, SYSTEM, LDST, LDST_PAIR, LDST_EXCL, LDST_ATOMIC, LDST_SIMD, SIMD_INT, SIMD_INT_SHIFT, SIMD_PERM, SIMD_MOV, FP_CONV, FP_SCALAR, SIMD_FP];

interface Handler {
  readonly factory: Factory;
  readonly endsBlock: boolean;
  readonly registerOnly: boolean;
  readonly name: string;
}

export const DECODER = new Decoder<Handler>(
  GROUPS.flatMap((g) =>
    joinPatterns(
      g.patterns,
      Object.fromEntries(
        Object.entries(g.handlers).map(([name, factory]) => [
          name,
          { factory, endsBlock: g.endsBlock.has(name), registerOnly: g.registerOnly === 'all' || (g.registerOnly?.has(name) ?? false), name },
        ]),
      ),
      g.name,
    ),
  ),
);

export interface TranslatedInsn {
  readonly exec: Exec;
  readonly endsBlock: boolean;
  /** Only computes on registers (see `InsnGroup.registerOnly`). */
  readonly registerOnly: boolean;
  /** Pattern name, or "UNDEFINED". */
  readonly name: string;
  /**
   * Its compact form for the interpreter's shared handler (`predecode.ts`), as three fields rather
   * than an array: a translation is kept for every distinct word a guest ran, and an array each cost
   * an idle domU about 12 MB.
   */
  readonly preHead: number;
  readonly preImm0: number;
  readonly preImm1: number;
}

function translated(exec: Exec, endsBlock: boolean, registerOnly: boolean, name: string, f: Fields): TranslatedInsn {
  const [preHead, preImm0, preImm1] = predecode(name, f);
  return { exec, endsBlock, registerOnly, name, preHead, preImm0, preImm1 };
}

const UNDEFINED: TranslatedInsn = translated((c) => c.undefined(), false, false, 'UNDEFINED', {});

/** Closures depend only on the instruction word (never on its address), so translations are shared. */
const cache = new Map<number, TranslatedInsn>();

export function translateInsn(insn: number): TranslatedInsn {
  let t = cache.get(insn);
  if (t === undefined) {
    t =
      DECODER.decode(insn, (cand, f) => {
        const exec = cand.handler.factory(f, insn);
        const h = cand.handler;
        return exec === null ? null : translated(exec, h.endsBlock, h.registerOnly, h.name, f);
      }) ?? UNDEFINED;
    cache.set(insn, t);
  }
  return t;
}

/**
 * The pattern and fields the interpreter translates `insn` by (the first pattern whose factory accepts
 * it), or null for UNDEFINED: what the JIT's emitters, keyed by the same names, compile from.
 */
export function decodeInsn(insn: number): { readonly name: string; readonly fields: Fields } | null {
  return DECODER.decode(insn, (cand, f) => (cand.handler.factory(f, insn) === null ? null : { name: cand.handler.name, fields: f }));
}
