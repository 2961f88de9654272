/**
 * Random test cases driven by the decode table: initial states that mix random and interesting
 * values, and encodings of a chosen pattern made by randomising its non-fixed bits, fixed up by
 * constraints.ts so that the case is meaningful and deterministic on both sides.
 */
import { GROUPS, decodeInsn, translateInsn } from '../../src/arch/arm64/interp/index.js';
import type { Pattern } from '../../src/arch/arm64/decode/pattern.js';
import { DATA_BASE, DATA_SIZE, MAX_WORDS, Rng, hashString, type CaseState, type TestCase } from './layout.js';
import { BASE_REGS, constrain, prelude } from './constraints.js';

export interface PatternInfo {
  readonly pattern: Pattern;
  readonly group: string;
}

/** Every pattern of every group, in decode order. */
export function allPatterns(): PatternInfo[] {
  return GROUPS.flatMap((g) => g.patterns.map((pattern) => ({ pattern, group: g.name })));
}

const M64 = (1n << 64n) - 1n;

/** Integer values that find edge cases: zero, ones, sign boundaries, 32-bit boundaries. */
const INTERESTING_X: readonly bigint[] = [
  0n, 1n, 2n, 3n, 0x7fn, 0x80n, 0xffn, 0x7fffn, 0x8000n, 0xffffn, M64, M64 - 1n,
  0x7fff_ffff_ffff_ffffn, 0x8000_0000_0000_0000n, 0x8000_0000_0000_0001n,
  0x7fff_ffffn, 0x8000_0000n, 0xffff_ffffn, 0x1_0000_0000n, 0x1_0000_0001n, 0xffff_ffff_8000_0000n,
  0xffff_ffff_7fff_ffffn, 0x0000_0001_ffff_ffffn, 0xaaaa_aaaa_aaaa_aaaan, 0x5555_5555_5555_5555n,
];

function randomX(rng: Rng): bigint {
  switch (rng.below(6)) {
    case 0:
    case 1:
      return rng.u64();
    case 2:
      return rng.pick(INTERESTING_X);
    case 3:
      return BigInt(rng.below(256));
    case 4: // a random 32-bit value, zero- or sign-extended
      return rng.chance(0.5) ? BigInt(rng.u32()) : BigInt.asUintN(64, BigInt(rng.u32() | 0));
    default: // a small negative number
      return BigInt.asUintN(64, -BigInt(1 + rng.below(256)));
  }
}

/** IEEE specials and awkward values per format: ±0, ±inf, qNaN/sNaN with payloads, denormals, extremes, values that round. */
const F64_SPECIAL: readonly bigint[] = [
  0n, 0x8000_0000_0000_0000n, 0x7ff0_0000_0000_0000n, 0xfff0_0000_0000_0000n, 0x7ff8_0000_0000_0000n,
  0x7ff8_0000_dead_beefn, 0xfff8_0000_0000_0001n, 0x7ff0_0000_0000_0001n, 0x7ff4_0000_0000_1234n,
  0xfff0_0000_1234_5678n, 0x0000_0000_0000_0001n, 0x000f_ffff_ffff_ffffn, 0x8000_0000_0000_0001n,
  0x0010_0000_0000_0000n, 0x7fef_ffff_ffff_ffffn, 0xffef_ffff_ffff_ffffn, 0x3ff0_0000_0000_0000n,
  0xbff0_0000_0000_0000n, 0x3fe0_0000_0000_0000n, 0x3ff8_0000_0000_0000n, 0x4004_0000_0000_0000n,
  0xc004_0000_0000_0000n, 0x3ff0_0000_0000_0001n, 0x41e0_0000_0000_0000n, 0x41df_ffff_ffc0_0000n,
  0xc1e0_0000_0000_0000n, 0x41f0_0000_0000_0000n, 0x43e0_0000_0000_0000n, 0xc3e0_0000_0000_0000n,
  0x43f0_0000_0000_0000n, 0x3690_0000_0000_0000n, 0x47f0_0000_0000_0000n, 0x47ef_ffff_f000_0000n,
  0x3810_0000_0000_0000n, 0x380f_ffff_f000_0000n,
];
const F32_SPECIAL: readonly number[] = [
  0, 0x8000_0000, 0x7f80_0000, 0xff80_0000, 0x7fc0_0000, 0x7fc1_2345, 0xffc0_0001, 0x7f80_0001,
  0x7fa0_0000, 0xff80_1234, 0x0000_0001, 0x007f_ffff, 0x8000_0001, 0x0080_0000, 0x7f7f_ffff,
  0xff7f_ffff, 0x3f80_0000, 0xbf80_0000, 0x3f00_0000, 0x3fc0_0000, 0x4020_0000, 0xc020_0000,
  0x3f80_0001, 0x4f00_0000, 0xcf00_0000, 0x4f80_0000, 0x5f00_0000, 0xdf00_0000, 0x5f80_0000,
  0x477f_e000, 0x477f_f000, 0x3880_0000, 0x387f_c000, 0x3380_0000,
];
const F16_SPECIAL: readonly number[] = [
  0, 0x8000, 0x7c00, 0xfc00, 0x7e00, 0x7e01, 0x7d00, 0xfd01, 0x0001, 0x03ff, 0x8001, 0x0400, 0x7bff,
  0xfbff, 0x3c00, 0xbc00, 0x3800, 0x3e00, 0x4100, 0x3c01,
];
const INT8_SPECIAL: readonly number[] = [0, 1, 0x7f, 0x80, 0x81, 0xfe, 0xff];

function randomV(rng: Rng, out: Uint8Array): void {
  const dv = new DataView(out.buffer, out.byteOffset, 16);
  switch (rng.below(6)) {
    case 0:
    case 1:
      for (let i = 0; i < 16; i += 4) dv.setUint32(i, rng.u32(), true);
      return;
    case 2:
      for (let i = 0; i < 16; i += 8) dv.setBigUint64(i, rng.chance(0.7) ? rng.pick(F64_SPECIAL) : rng.u64(), true);
      return;
    case 3:
      for (let i = 0; i < 16; i += 4) dv.setUint32(i, rng.chance(0.7) ? rng.pick(F32_SPECIAL) : rng.u32(), true);
      return;
    case 4:
      for (let i = 0; i < 16; i += 2) dv.setUint16(i, rng.chance(0.7) ? rng.pick(F16_SPECIAL) : rng.u32() & 0xffff, true);
      return;
    default:
      for (let i = 0; i < 16; i++) out[i] = rng.chance(0.6) ? rng.pick(INT8_SPECIAL) : rng.u32() & 0xff;
  }
}

/** FPCR bits an ARMv8.0 CPU has: AHP (26), DN (25), FZ (24), RMode (23:22). Trap enables stay 0 (QEMU does not implement them). */
function randomFpcr(rng: Rng): number {
  if (rng.chance(0.4)) return 0;
  return ((rng.u32() & 0x7) << 24) | (rng.below(4) << 22);
}

/** FPSR: usually clear, sometimes with cumulative flags (IOC..IXC, IDC) and QC already set. */
function randomFpsr(rng: Rng): number {
  return rng.chance(0.8) ? 0 : rng.u32() & 0x0800_009f;
}

/** A pointer into the data region, at least 4 KiB from either end, so small offsets stay inside. */
export function dataPointer(rng: Rng, align: number): bigint {
  const off = 0x1000 + rng.below(0x800) * 16;
  return BigInt(DATA_BASE + off - (off % align));
}

export function randomState(rng: Rng): CaseState {
  const x: bigint[] = [];
  for (let i = 0; i < 31; i++) x.push(randomX(rng));
  x.push(dataPointer(rng, 16)); // SP: 16-byte aligned, as Linux requires of EL0 SP-based accesses
  for (const r of BASE_REGS) {
    if (r === 31) continue;
    // Mostly well inside the region; sometimes just below or at its end, so accesses cross into unmapped pages.
    const edge = rng.below(100);
    x[r] =
      edge < 3 ? BigInt(DATA_BASE + DATA_SIZE - 1 - rng.below(16))
      : edge < 5 ? BigInt(DATA_BASE - 1 - rng.below(16))
      : dataPointer(rng, rng.chance(0.8) ? 16 : 1);
  }
  const v = new Uint8Array(512);
  for (let i = 0; i < 32; i++) randomV(rng, v.subarray(16 * i, 16 * i + 16));
  return {
    x,
    nzcv: (rng.u32() & 0xf) << 28 >>> 0,
    fpcr: randomFpcr(rng) >>> 0,
    fpsr: randomFpsr(rng) >>> 0,
    v,
    dataSeed: rng.u32(),
  };
}

/**
 * A random encoding of `p`: its fixed bits, other bits random, fields sometimes forced to an edge
 * (all zeros, all ones, one), and register fields (5-bit fields named r...) often made equal to an
 * earlier one, since handlers' fast paths go wrong when operands alias (FMIN s0, s1, s1; ADD x0, x0, x0).
 * Not yet constrained.
 */
export function randomEncoding(p: Pattern, rng: Rng): number {
  let w = (p.match | (rng.u32() & ~p.mask)) >>> 0;
  const regs: number[] = [];
  for (const f of p.fields) {
    const ones = f.width === 32 ? 0xffff_ffff : (1 << f.width) - 1;
    let v: number | null = null;
    if (f.width === 5 && /^r/.test(f.name)) {
      if (regs.length > 0 && rng.chance(0.25)) v = rng.pick(regs);
      regs.push(v ?? (w >>> f.shift) & ones);
    } else if (f.width >= 2 && rng.chance(0.15)) {
      v = rng.pick([0, ones, 1]);
    }
    if (v !== null) w = ((w & ~(ones << f.shift)) | (v << f.shift)) >>> 0;
  }
  return w;
}

export interface GenOptions {
  readonly seed: number;
  /** Instructions per sequence: 1..maxLen, each an encoding of the pattern. */
  readonly maxLen?: number;
}

/**
 * Case `index` for pattern `info`: depends only on (seed, pattern name, index), so any single case
 * can be regenerated from its label. Returns null when no acceptable encoding was found.
 */
export function generateCase(info: PatternInfo, index: number, opts: GenOptions): TestCase | null {
  const rng = new Rng(opts.seed, hashString(info.pattern.name), index);
  const len = 1 + rng.below(Math.min(opts.maxLen ?? 3, MAX_WORDS));
  const tc = build(rng, len, () => info, `seed ${opts.seed} pattern ${info.pattern.name} case ${index}`);
  if (tc === null) return null;
  // Single-pattern cases have no branches, so inserting words is safe.
  const words = tc.words.flatMap((w) => [...prelude(w, rng), w]);
  return words.length > MAX_WORDS ? null : { ...tc, words };
}

/**
 * Mixed case `index`: 2..maxLen+1 instructions, each of a pattern drawn from `pool` (flag setters
 * before flag users, loads before arithmetic, ...). Reproducible from (seed, pool, index).
 */
export function generateMixedCase(pool: readonly PatternInfo[], index: number, opts: GenOptions): TestCase | null {
  const rng = new Rng(opts.seed, hashString('mix'), index);
  const len = 2 + rng.below(Math.min(opts.maxLen ?? 3, MAX_WORDS - 1));
  return build(rng, len, () => rng.pick(pool), `seed ${opts.seed} mix case ${index}`);
}

/**
 * `len` instructions drawn by `choose`, constrained against `state` (a loop's two bodies share one,
 * and the registers their constraints claim).
 */
function build(rng: Rng, len: number, choose: () => PatternInfo, label: string, state = randomState(rng), claimed = new Set<number>()): TestCase | null {
  const words: number[] = [];
  for (let i = 0; i < len; i++) {
    let w: number | null = null;
    for (let attempt = 0; attempt < 64 && w === null; attempt++) {
      // Mixed cases draw another pattern on each attempt (some patterns never yield an encoding: SVC).
      const info = choose();
      const claims: number[] = [];
      const ctx = { rng, index: i, count: len, state, fixed: info.pattern.mask, claimed, claims };
      const cand = constrain(info, randomEncoding(info.pattern, rng), ctx);
      if (cand !== null && translateInsn(cand).name === info.pattern.name) {
        w = cand;
        for (const r of claims) claimed.add(r);
      }
    }
    if (w === null) return null;
    words.push(w);
  }
  return { words, state, label };
}

/** The loop counter of `generateLoopCase`: no body instruction may name it. */
const LOOP_REG = 27;

/**
 * Loop case `index`: mixed bodies (as `generateMixedCase` draws them, without branches and without
 * X27) run 1–6 times, as one block branching back to itself, or as two blocks (the first leaves
 * through B.EQ, the second jumps back): the shapes the WebAssembly tier compiles into loops that keep
 * registers in locals and remember pages, so a fault or a flag in a later round is compared too.
 */
export function generateLoopCase(pool: readonly PatternInfo[], index: number, opts: GenOptions): TestCase | null {
  const rng = new Rng(opts.seed, hashString('loop'), index);
  const state = randomState(rng);
  const claimed = new Set<number>();
  const body = (): number[] | null => {
    const len = 1 + rng.below(Math.min(opts.maxLen ?? 3, 6));
    for (let attempt = 0; attempt < 16; attempt++) {
      const tc = build(rng, len, () => rng.pick(pool), '', state, claimed);
      if (tc !== null && tc.words.every(loopSafe)) return tc.words;
    }
    return null;
  };
  const a = body();
  const twoBlocks = rng.below(2) === 1;
  const b = twoBlocks ? body() : [];
  if (a === null || b === null) return null;
  const rounds = 1 + rng.below(6);
  const movz = 0xd2800000 | (rounds << 5) | LOOP_REG; // movz x27, #rounds
  const subs = 0xf1000400 | (LOOP_REG << 5) | LOOP_REG; // subs x27, x27, #1
  const bcond = (cond: number, off: number) => (0x54000000 | ((off & 0x7ffff) << 5) | cond) >>> 0;
  const words = twoBlocks
    ? // A: body; subs; b.eq out.  B: body; b A.  out: the harness's BRK.
      [movz, ...a, subs, bcond(0, b.length + 2), ...b, (0x14000000 | (-(a.length + b.length + 2) & 0x3ffffff)) >>> 0]
    : [movz, ...a, subs, bcond(1, -(a.length + 1))]; // body; subs; b.ne body
  if (words.length > MAX_WORDS) return null;
  return { words, state, label: `seed ${opts.seed} loop case ${index}` };
}

/** Whether a word may sit in a loop's body: it does not end a block and names the loop counter (X27) in no register field. */
function loopSafe(w: number): boolean {
  if (translateInsn(w).endsBlock) return false;
  const d = decodeInsn(w);
  if (d === null) return false;
  return !Object.entries(d.fields).some(([name, v]) => name.startsWith('r') && v === LOOP_REG);
}

/** A case running explicit words with a random state (--words). */
export function wordsCase(words: readonly number[], seed: number, index: number): TestCase {
  const rng = new Rng(seed, hashString('words'), index);
  return { words: [...words], state: randomState(rng), label: `seed ${seed} words case ${index}` };
}
