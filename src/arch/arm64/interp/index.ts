/**
 * The interpreter's instruction table: every group's patterns joined with its handlers, and the
 * translation of one instruction word into a closure.
 */
import { Decoder, joinPatterns } from '../decode/decoder.js';
import type { Exec, Factory, InsnGroup } from './group.js';
import type { Fields } from '../decode/pattern.js';
import { Kind, predecode } from './predecode.js';
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
  /** Its compact form for the interpreter's shared handler (`predecode.ts`), as three fields. */
  readonly preHead: number;
  readonly preImm0: number;
  readonly preImm1: number;
}

function translated(exec: Exec, endsBlock: boolean, registerOnly: boolean, name: string, f: Fields): TranslatedInsn {
  const [preHead, preImm0, preImm1] = predecode(name, f);
  return { exec, endsBlock, registerOnly, name, preHead, preImm0, preImm1 };
}

const UNDEFINED: TranslatedInsn = translated((c) => c.undefined(), false, false, 'UNDEFINED', {});

/**
 * Translates `insn` afresh: its closure and everything about it. Closures depend only on the
 * instruction word (never on its address). What compiles a hot block, and tools that name words.
 */
export function translateInsn(insn: number): TranslatedInsn {
  return DECODER.decode(insn, (cand, f) => {
    const exec = cand.handler.factory(f, insn);
    const h = cand.handler;
    return exec === null ? null : translated(exec, h.endsBlock, h.registerOnly, h.name, f);
  }) ?? UNDEFINED;
}

/** What the interpreter runs an instruction by: its compact form, and its closure only if that form is CLOSURE. */
export interface InsnForm {
  readonly endsBlock: boolean;
  readonly preHead: number;
  readonly preImm0: number;
  readonly preImm1: number;
  /** Null unless the compact form is kind CLOSURE. */
  readonly closure: Exec | null;
}

/**
 * The words translated lately, each translated once while it stays here: those since the last
 * `ageInsnForms`, and those of the interval before, which a lookup moves back. The closures of words
 * with a compact form are not kept: the interpreter never calls them, and with their contexts and
 * decoded fields (and the blocks' arrays of them) they were 23 MB of the 58.5 MB of live heap a
 * Debian domU has after boot, which every full collection marks. Nor are words kept for good: a
 * boot translates some 74,000 distinct words that an idle guest whose boot code has been evicted
 * (`CodeCache.sweep`) does not run again; forgetting them took an idle domU's live heap after a full
 * collection from 23.4 to 13.9 MB.
 */
let formsByWord = new Map<number, InsnForm>();
let olderFormsByWord = new Map<number, InsnForm>();

/** `insn`'s InsnForm, from the shared cache or translated now. */
export function insnForm(insn: number): InsnForm {
  let f = formsByWord.get(insn);
  if (f === undefined) {
    f = olderFormsByWord.get(insn);
    if (f === undefined) {
      const t = translateInsn(insn);
      const closure = (t.preHead & 0xff) === Kind.CLOSURE ? t.exec : null;
      f = { endsBlock: t.endsBlock, preHead: t.preHead, preImm0: t.preImm0, preImm1: t.preImm1, closure };
    }
    formsByWord.set(insn, f);
  }
  return f;
}

/**
 * Begins a new interval of `insnForm`'s cache: words not looked up since the call before this one
 * are forgotten. For the code cache's sweeps; the cache is the thread's, shared by its code caches.
 */
export function ageInsnForms(): void {
  olderFormsByWord = formsByWord;
  formsByWord = new Map();
}

/**
 * The pattern and fields the interpreter translates `insn` by (the first pattern whose factory accepts
 * it), or null for UNDEFINED: what the JIT's emitters, keyed by the same names, compile from.
 */
export function decodeInsn(insn: number): { readonly name: string; readonly fields: Fields } | null {
  return DECODER.decode(insn, (cand, f) => (cand.handler.factory(f, insn) === null ? null : { name: cand.handler.name, fields: f }));
}
