/**
 * Fix-ups that make a random encoding a meaningful, deterministic test: memory accesses go to the
 * data region, branches stay inside the sequence, and nothing asks the host kernel for anything
 * (no SVC, no system registers whose values differ between QEMU's process and ours).
 *
 * Most rules work on the encoding class (Arm ARM DDI0487 C4.1 "A64 instruction set encoding"), so
 * they apply to every group's patterns without naming them. Pattern-specific rules go in
 * PATTERN_RULES, keyed by pattern name.
 */
import type { PatternInfo } from './gen.js';
import { CODE_BASE, DATA_BASE, DATA_SIZE, MAX_WORDS, type CaseState, type Rng } from './layout.js';

/** Registers that hold pointers into the data region in every initial state; load/store bases are forced to them. */
export const BASE_REGS: readonly number[] = [28, 31];
const BASE_X = 28;

export interface ConstrainContext {
  readonly rng: Rng;
  /** Position of this instruction in the sequence, and the sequence length (the terminator's index). */
  readonly index: number;
  readonly count: number;
  /** The case's initial state, which a rule may adjust (e.g. to give an index register a small value). */
  readonly state: CaseState;
  /** Bits fixed by the pattern being generated: rules never change them. */
  readonly fixed: number;
  /** Registers whose initial value an earlier instruction of the case relies on. */
  readonly claimed: ReadonlySet<number>;
  /** Registers this instruction's rules gave a value (claimed once the word is accepted). */
  readonly claims: number[];
}

/** Gives X[r] an initial value this instruction relies on; false if an earlier instruction already relies on X[r]. */
function setReg(ctx: ConstrainContext, r: number, v: bigint): boolean {
  if (ctx.claimed.has(r)) return false;
  ctx.state.x[r] = v;
  ctx.claims.push(r);
  return true;
}

/** Returns the adjusted word, or null to reject it (the generator then draws another). */
export type Rule = (w: number, ctx: ConstrainContext) => number | null;

/** Per-pattern rules, applied after the class rules. Owners of a group add theirs here. */
export const PATTERN_RULES: Readonly<Record<string, Rule>> = {};

const bits = (w: number, hi: number, lo: number): number => (w >>> lo) & ((1 << (hi - lo + 1)) - 1);
/** Replaces bits hi..lo of `w`, unless the pattern fixes any of them (then the word is returned as is). */
function put(ctx: ConstrainContext, w: number, hi: number, lo: number, v: number): number {
  const m = (hi - lo === 31 ? 0xffff_ffff : ((1 << (hi - lo + 1)) - 1) << lo) >>> 0;
  if ((ctx.fixed & m) !== 0) return w;
  return ((w & ~m) | ((v << lo) & m)) >>> 0;
}
const is = (w: number, mask: number, match: number): boolean => ((w & mask) >>> 0) === match >>> 0;

/** A small register value to use as an index: mostly 0..255, sometimes a small negative. */
function smallIndex(rng: Rng): bigint {
  return rng.chance(0.8) ? BigInt(rng.below(256)) : BigInt.asUintN(64, -BigInt(1 + rng.below(64)));
}

/** A register other than the data-region base. */
function notBase(r: number, rng: Rng): number {
  return r === BASE_X ? rng.below(28) : r;
}

export function constrain(info: PatternInfo, word: number, ctx: ConstrainContext): number | null {
  let w: number | null = word >>> 0;
  for (const rule of CLASS_RULES) {
    w = rule(w, ctx);
    if (w === null) return null;
  }
  const own = PATTERN_RULES[info.pattern.name];
  return own === undefined ? w : own(w, ctx);
}

/** System register encodings (op0:op1:CRn:CRm:op2 as bits 20..5 of MRS/MSR) whose values QEMU's process and ours share. */
const SAFE_SYSREGS: readonly { name: string; enc: number; write: boolean; mask: bigint }[] = [
  { name: 'NZCV', enc: sysreg(3, 3, 4, 2, 0), write: true, mask: 0xffff_ffffn },
  { name: 'FPCR', enc: sysreg(3, 3, 4, 4, 0), write: true, mask: 0x07c0_9f00n }, // not FZ16: our CPU has no FP16 arithmetic
  { name: 'FPSR', enc: sysreg(3, 3, 4, 4, 1), write: true, mask: 0xffff_ffffn },
  { name: 'DCZID_EL0', enc: sysreg(3, 3, 0, 0, 7), write: false, mask: 0n },
];

/** Whether the pattern's fixed bits allow system register encoding `enc` in bits 19..5. */
function compatible(ctx: ConstrainContext, w: number, enc: number): boolean {
  return (((w ^ (enc << 5)) & ctx.fixed & 0x000f_ffe0) >>> 0) === 0;
}

function withSysreg(w: number, enc: number): number {
  return ((w & ~0x000f_ffe0) | (enc << 5)) >>> 0;
}

function sysreg(op0: number, op1: number, crn: number, crm: number, op2: number): number {
  return ((op0 & 1) << 14) | (op1 << 11) | (crn << 7) | (crm << 3) | op2;
}

/** Cache maintenance that EL0 may execute under Linux: DC ZVA, DC CVAU/CVAC/CIVAC, IC IVAU. */
const SAFE_SYS_OPS: readonly { enc: number; code: boolean }[] = [
  { enc: sysreg(1, 3, 7, 4, 1), code: false }, // DC ZVA
  { enc: sysreg(1, 3, 7, 11, 1), code: false }, // DC CVAU
  { enc: sysreg(1, 3, 7, 10, 1), code: false }, // DC CVAC
  { enc: sysreg(1, 3, 7, 14, 1), code: false }, // DC CIVAC
  { enc: sysreg(1, 3, 7, 5, 1), code: true }, // IC IVAU
];

const CLASS_RULES: readonly Rule[] = [
  // Keep the data-region base intact for later loads and stores: no instruction writes X28 (bits 4..0
  // are the destination in nearly every class; for the rest, renaming a source loses nothing).
  (w, ctx) => (bits(w, 4, 0) === BASE_X ? put(ctx, w, 4, 0, ctx.rng.below(28)) : w),
  // Exception generation: SVC would be a real system call on QEMU's side.
  (w) => (is(w, 0xffe0_001f, 0xd400_0001) ? null : w),
  // MSR (immediate): only the fields EL0 may not write (DAIFSet/DAIFClr with SCTLR_EL1.UMA = 0 under
  // Linux, SPSel, UAO, PAN; CFINV is v8.4): all SIGILL. SSBS, DIT and TCO are cortex-a76/MTE
  // features we lack and would change PSTATE bits we do not compare.
  (w) => {
    if (!is(w, 0xfff8_f01f, 0xd500_401f)) return w;
    const op1 = bits(w, 18, 16);
    const op2 = bits(w, 7, 5);
    return (op1 === 0 && op2 <= 5) || (op1 === 3 && op2 >= 6) ? w : null;
  },
  // MRS / MSR (register): only registers both processes agree on.
  (w, ctx) => {
    if (!is(w, 0xffd0_0000, 0xd510_0000)) return w;
    const isRead = bits(w, 21, 21) === 1;
    const ok = SAFE_SYSREGS.filter((s) => (isRead || s.write) && compatible(ctx, w, s.enc));
    if (ok.length === 0) return null;
    const r = ctx.rng.pick(ok);
    const rt = bits(w, 4, 0);
    if (!isRead && rt !== 31 && !setReg(ctx, rt, ctx.rng.u64() & r.mask)) return null;
    return withSysreg(w, r.enc);
  },
  // SYS / SYSL: only cache maintenance EL0 may do, on an address in our regions.
  (w, ctx) => {
    if (!is(w, 0xffd8_0000, 0xd508_0000)) return w;
    if (bits(w, 21, 21) === 1) return null; // SYSL: nothing allocated at EL0
    const ok = SAFE_SYS_OPS.filter((s) => compatible(ctx, w, s.enc));
    if (ok.length === 0) return null;
    const op = ctx.rng.pick(ok);
    w = put(ctx, w, 4, 0, notBase(bits(w, 4, 0), ctx.rng));
    const rt = bits(w, 4, 0);
    if (rt === 31 || rt === BASE_X) return null;
    const va = op.code ? CODE_BASE + 4 * ctx.rng.below(MAX_WORDS) : DATA_BASE + 0x1000 + ctx.rng.below(64) * 64;
    if (!setReg(ctx, rt, BigInt(va))) return null;
    return withSysreg(w, op.enc);
  },
  // Branches (immediate): forward to a later instruction or the terminator, so nothing loops.
  (w, ctx) => {
    const field = branchField(w);
    if (field === null) return w;
    const [hi, lo] = field;
    const ahead = ctx.count - ctx.index;
    // Now and then just past the terminator, into the zero-filled rest of the page (UDF).
    const off = ctx.rng.chance(0.05) ? ahead + 1 + ctx.rng.below(2) : 1 + ctx.rng.below(ahead);
    return put(ctx, w, hi, lo, off);
  },
  // Branches (register): usually to a later instruction; otherwise somewhere that faults the same way
  // on QEMU and on hardware: the (non-executable) data region, an unmapped user address, or a misaligned
  // address in the code page. (Random 64-bit targets are avoided: QEMU reports non-canonical and
  // misaligned unmapped targets differently from hardware.)
  (w, ctx) => {
    if (!is(w, 0xfe1f_fc1f, 0xd61f_0000) || bits(w, 24, 21) > 2) return w;
    const rng = ctx.rng;
    // Not X28: a code address there would send later stores into the code page (self-modifying
    // code without maintenance, where hardware may run the old or the new instruction).
    w = put(ctx, w, 9, 5, notBase(bits(w, 9, 5), rng));
    const rn = bits(w, 9, 5);
    if (rn === 31) return w;
    const later = CODE_BASE + 4 * (ctx.index + 1 + rng.below(ctx.count - ctx.index));
    const r = rng.below(10);
    const target =
      r < 7 ? BigInt(later)
      : r === 7 ? BigInt(DATA_BASE + 4 * rng.below(DATA_SIZE / 4))
      : r === 8 ? BigInt(0x3000_0000 + 4 * rng.below(0x100_0000))
      : BigInt(later + 1 + rng.below(3));
    return setReg(ctx, rn, target) ? w : null;
  },
  // Load register (literal): PC-relative, kept inside the code page.
  (w, ctx) => {
    if (!is(w, 0x3b00_0000, 0x1800_0000)) return w;
    const off = ctx.rng.below(MAX_WORDS) - ctx.index;
    return put(ctx, w, 23, 5, off & 0x7ffff);
  },
  // Other loads and stores: base X28 or SP, registers distinct where the architecture makes overlap unpredictable.
  (w, ctx) => {
    if (!is(w, 0x0a00_0000, 0x0800_0000) || is(w, 0x3b00_0000, 0x1800_0000)) return w;
    const rng = ctx.rng;
    const rn = rng.pick(BASE_REGS);
    w = put(ctx, w, 9, 5, rn);
    w = put(ctx, w, 4, 0, notBase(bits(w, 4, 0), rng));
    const rt = bits(w, 4, 0);
    const pair = is(w, 0x3800_0000, 0x2800_0000);
    const exclusive = is(w, 0x3f80_0000, 0x0800_0000); // o2 = 0: LDXR/STXR/LDXP/STXP (and CASP, whose Rt2 is fixed)
    if (pair || exclusive) {
      // Rt2 (bits 14..10) must differ from Rt for loads.
      let rt2 = notBase(bits(w, 14, 10), rng);
      if (rt2 === rt) rt2 = (rt + 1 + rng.below(27)) % 28;
      w = put(ctx, w, 14, 10, rt2);
      if (exclusive) {
        // The status register Rs must differ from Rt, Rt2 and Rn.
        let rs = notBase(bits(w, 20, 16), rng);
        while (rs === rt || rs === rt2) rs = rng.below(28);
        w = put(ctx, w, 20, 16, rs);
      }
    }
    // Register offset (LDR/STR (register)): a small index value.
    if (is(w, 0x3b20_0c00, 0x3820_0800)) {
      const rm = notBase(bits(w, 20, 16), rng);
      w = put(ctx, w, 20, 16, rm);
      if (rm !== 31 && !setReg(ctx, rm, smallIndex(rng))) return null;
    }
    // Atomic memory operations and CAS: Rs (bits 20..16) is a data register.
    if (is(w, 0x3b20_0c00, 0x3820_0000) || is(w, 0x3fa0_7c00, 0x08a0_7c00)) {
      w = put(ctx, w, 20, 16, notBase(bits(w, 20, 16), rng));
    }
    // SIMD&FP structure loads/stores, post-indexed by a register: a small step.
    if (is(w, 0xbe80_0000, 0x0c80_0000)) {
      const rm = notBase(bits(w, 20, 16), rng);
      w = put(ctx, w, 20, 16, rm);
      if (rm !== 31 && !setReg(ctx, rm, smallIndex(rng))) return null;
    }
    return w;
  },
];

/** The immediate-offset field [hi, lo] of B, BL, B.cond, CBZ/CBNZ and TBZ/TBNZ, or null. */
function branchField(w: number): [number, number] | null {
  if (is(w, 0x7c00_0000, 0x1400_0000)) return [25, 0];
  if (is(w, 0xff00_0010, 0x5400_0000)) return [23, 5];
  if (is(w, 0x7e00_0000, 0x3400_0000)) return [23, 5];
  if (is(w, 0x7e00_0000, 0x3600_0000)) return [18, 5];
  return null;
}

/**
 * Instructions to run before `w` so that it does something worth testing: a store-exclusive gets a
 * load-exclusive of the same size from the same base first (70 %), so the monitor is armed and the
 * store can succeed. Only used for single-pattern cases, which contain no branches.
 */
export function prelude(w: number, rng: Rng): number[] {
  // Store exclusive (register or pair): size 001000 o2=0 L=0 o1 Rs o0 Rt2 Rn Rt.
  if (!is(w, 0x3fc0_0000, 0x0800_0000) || !rng.chance(0.7)) return [];
  const rs = bits(w, 20, 16);
  const busy = new Set([rs, bits(w, 4, 0), bits(w, 14, 10), BASE_X, 31]);
  const free = (): number => {
    let r = rng.below(28);
    while (busy.has(r)) r = rng.below(28);
    busy.add(r);
    return r;
  };
  const pair = bits(w, 21, 21) === 1;
  // Load exclusive: L=1, Rs=11111, Rt2=11111 unless a pair; new destinations that disturb nothing the store uses.
  let ld = (w | (1 << 22) | (31 << 16)) >>> 0;
  ld = ((ld & ~0x1f) | free()) >>> 0;
  ld = ((ld & ~(0x1f << 10)) | ((pair ? free() : 31) << 10)) >>> 0;
  return [ld];
}
