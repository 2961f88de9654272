/**
 * The lane engine shared by the AdvSIMD integer groups: one generic closure that reads source lanes of
 * any width and signedness, applies a per-lane operation and writes the destination lanes.
 *
 * Elements of up to 32 bits are plain numbers; an instruction that touches 64-bit elements runs the
 * BigInt form of its operation instead (those are the rare forms). Hot instructions get specialised
 * closures in simd_int_fast.ts and never reach this engine.
 *
 * Saturating operations report saturation through `satS`/`satU` (and their BigInt twins), which record
 * it here; the closure then sets FPSR.QC once (Arm ARM DDI0487, FPSR: QC is bit 27).
 */
import type { Cpu } from '../cpu.js';
import type { Exec } from './group.js';

export type NumOp = (a: number, b: number, d: number) => number;
export type BigOp = (a: bigint, b: bigint, d: bigint) => bigint;

/** A lane operation in both representations; `big` is required only if the form can touch 64-bit lanes. */
export interface LaneOp {
  readonly num: NumOp;
  readonly big: BigOp | null;
}

/** What happens to the destination bits the instruction does not write. */
export const enum Clear {
  /** Keep them (128-bit vectors, and the "2" narrowing forms that write the upper half). */
  KEEP,
  /** Zero bits 127..64 (64-bit vectors and the plain narrowing forms). */
  UPPER,
  /** Zero everything above the element (scalar forms). */
  ALL,
}

/** How lanes pair up. */
export const enum Pairing {
  /** Lane i of the result uses lane i of each source (or one fixed lane of Vm for by-element forms). */
  NONE,
  /** Three-same pairwise: the low half of the result pairs adjacent lanes of Vn, the high half those of Vm. */
  CONCAT,
  /** Long pairwise (ADDLP, ADALP) and scalar ADDP: result lane i pairs lanes 2i and 2i+1 of Vn. */
  UNARY,
}

export interface LaneShape {
  readonly count: number;
  readonly n: number;
  readonly nBits: number;
  readonly nSigned: boolean;
  /** First lane of Vn used (the "2" forms start at the upper half). */
  readonly nFirst: number;
  readonly m: number;
  readonly mBits: number;
  readonly mSigned: boolean;
  readonly mFirst: number;
  /** 1 for element-wise forms, 0 for by-element forms (one lane of Vm for every result lane). */
  readonly mStride: number;
  readonly d: number;
  readonly dBits: number;
  readonly dSigned: boolean;
  /** Whether the operation reads the old destination lane (accumulate, insert). */
  readonly readD: boolean;
  readonly dFirst: number;
  readonly clear: Clear;
  readonly pairing: Pairing;
}

let qcHit = false;

const TWO32 = 0x1_0000_0000;
const FPSR_QC = 0x0800_0000;

/** Saturates `v` to the signed range of `bits` (≤ 32), recording saturation. */
export function satS(v: number, bits: number): number {
  const max = 2 ** (bits - 1) - 1;
  if (v > max) {
    qcHit = true;
    return max;
  }
  if (v < -max - 1) {
    qcHit = true;
    return -max - 1;
  }
  return v;
}

/** Saturates `v` to the unsigned range of `bits` (≤ 32), recording saturation. */
export function satU(v: number, bits: number): number {
  const max = 2 ** bits - 1;
  if (v > max) {
    qcHit = true;
    return max;
  }
  if (v < 0) {
    qcHit = true;
    return 0;
  }
  return v;
}

export function satSBig(v: bigint, bits: number): bigint {
  const max = (1n << BigInt(bits - 1)) - 1n;
  if (v > max) {
    qcHit = true;
    return max;
  }
  if (v < -max - 1n) {
    qcHit = true;
    return -max - 1n;
  }
  return v;
}

export function satUBig(v: bigint, bits: number): bigint {
  const max = (1n << BigInt(bits)) - 1n;
  if (v > max) {
    qcHit = true;
    return max;
  }
  if (v < 0n) {
    qcHit = true;
    return 0n;
  }
  return v;
}

/** Sets FPSR.QC if an operation saturated since the last call. */
export function flushQc(c: Cpu): void {
  if (qcHit) {
    qcHit = false;
    c.state.fpsr |= FPSR_QC;
  }
}

/** Marks saturation directly (for closures that saturate without the helpers). */
export function markQc(): void {
  qcHit = true;
}

/** Reads lane `i` of V`r` as a number (elements of up to 32 bits). */
export function laneNum(c: Cpu, r: number, bits: number, signed: boolean, i: number): number {
  if (bits === 8) {
    const x = c.v8[16 * r + i]!;
    return signed ? (x << 24) >> 24 : x;
  }
  if (bits === 16) {
    const x = c.v16[8 * r + i]!;
    return signed ? (x << 16) >> 16 : x;
  }
  const x = c.v32[4 * r + i]!;
  return signed ? x | 0 : x;
}

export function laneBig(c: Cpu, r: number, bits: number, signed: boolean, i: number): bigint {
  if (bits === 64) {
    const x = c.v64[2 * r + i]!;
    return signed ? BigInt.asIntN(64, x) : x;
  }
  return BigInt(laneNum(c, r, bits, signed, i));
}

/** Writes an integer number (exact, any sign) to lane `i`, reduced modulo 2^bits. */
export function putLaneNum(c: Cpu, r: number, bits: number, i: number, v: number): void {
  if (bits === 8) c.v8[16 * r + i] = v;
  else if (bits === 16) c.v16[8 * r + i] = v;
  else if (bits === 32) c.v32[4 * r + i] = v;
  else {
    const hi = Math.floor(v / TWO32);
    c.v32[4 * r + 2 * i] = v - hi * TWO32;
    c.v32[4 * r + 2 * i + 1] = hi;
  }
}

export function putLaneBig(c: Cpu, r: number, bits: number, i: number, v: bigint): void {
  if (bits === 64) c.v64[2 * r + i] = v;
  else putLaneNum(c, r, bits, i, Number(BigInt.asIntN(bits, v)));
}

/** Zeroes the parts of V`d` the instruction leaves architecturally zero. */
export function clearRest(c: Cpu, d: number, clear: Clear, bits: number): void {
  if (clear === Clear.UPPER) {
    c.v32[4 * d + 2] = 0;
    c.v32[4 * d + 3] = 0;
  } else if (clear === Clear.ALL) {
    if (bits === 0) {
      const v = c.v32;
      v[4 * d] = v[4 * d + 1] = v[4 * d + 2] = v[4 * d + 3] = 0;
    } else {
      const v = c.v8;
      for (let i = bits >>> 3; i < 16; i++) v[16 * d + i] = 0;
    }
  }
}

const RN = new Float64Array(16);
const RB: bigint[] = new Array<bigint>(16).fill(0n);

/** Source lane positions for each result lane, fixed at decode time. */
function laneMap(s: LaneShape): { ar: Int32Array; ai: Int32Array; br: Int32Array; bi: Int32Array } {
  const ar = new Int32Array(s.count);
  const ai = new Int32Array(s.count);
  const br = new Int32Array(s.count);
  const bi = new Int32Array(s.count);
  const half = s.count >>> 1;
  for (let i = 0; i < s.count; i++) {
    if (s.pairing === Pairing.NONE) {
      ar[i] = s.n;
      ai[i] = s.nFirst + i;
      br[i] = s.m;
      bi[i] = s.mFirst + i * s.mStride;
    } else if (s.pairing === Pairing.UNARY) {
      ar[i] = br[i] = s.n;
      ai[i] = 2 * i;
      bi[i] = 2 * i + 1;
    } else {
      const r = i < half ? s.n : s.m;
      const j = i < half ? i : i - half;
      ar[i] = br[i] = r;
      ai[i] = 2 * j;
      bi[i] = 2 * j + 1;
    }
  }
  return { ar, ai, br, bi };
}

/**
 * Builds the generic closure for one instruction. Every source lane is read before the destination is
 * written, so Vd may alias Vn or Vm. Returns null if a 64-bit form has no BigInt operation (a decode bug
 * in the caller would show up as UNDEFINED, never as wrong results).
 */
export function laneExec(s: LaneShape, op: LaneOp): Exec | null {
  const { count, nBits, nSigned, mBits, mSigned, d, dBits, dSigned, readD, dFirst, clear } = s;
  const { ar, ai, br, bi } = laneMap(s);
  const wide = nBits === 64 || mBits === 64 || dBits === 64;
  if (wide) {
    const big = op.big;
    if (big === null) return null;
    return (c) => {
      for (let i = 0; i < count; i++) {
        const a = laneBig(c, ar[i]!, nBits, nSigned, ai[i]!);
        const b = laneBig(c, br[i]!, mBits, mSigned, bi[i]!);
        RB[i] = big(a, b, readD ? laneBig(c, d, dBits, dSigned, dFirst + i) : 0n);
      }
      if (clear === Clear.ALL) clearRest(c, d, clear, 0);
      for (let i = 0; i < count; i++) putLaneBig(c, d, dBits, dFirst + i, RB[i]!);
      if (clear === Clear.UPPER) clearRest(c, d, clear, 0);
      flushQc(c);
    };
  }
  const num = op.num;
  return (c) => {
    for (let i = 0; i < count; i++) {
      const a = laneNum(c, ar[i]!, nBits, nSigned, ai[i]!);
      const b = laneNum(c, br[i]!, mBits, mSigned, bi[i]!);
      RN[i] = num(a, b, readD ? laneNum(c, d, dBits, dSigned, dFirst + i) : 0);
    }
    if (clear === Clear.ALL) clearRest(c, d, clear, 0);
    for (let i = 0; i < count; i++) putLaneNum(c, d, dBits, dFirst + i, RN[i]!);
    if (clear === Clear.UPPER) clearRest(c, d, clear, 0);
    flushQc(c);
  };
}

/** Default shape: element-wise, all operands of one width, Vd written from lane 0. */
export function shape(o: Partial<LaneShape> & Pick<LaneShape, 'count' | 'n' | 'm' | 'd' | 'nBits'>): LaneShape {
  return {
    nSigned: false,
    nFirst: 0,
    mBits: o.nBits,
    mSigned: o.nSigned ?? false,
    mFirst: 0,
    mStride: 1,
    dBits: o.nBits,
    dSigned: o.nSigned ?? false,
    readD: false,
    dFirst: 0,
    clear: Clear.KEEP,
    pairing: Pairing.NONE,
    ...o,
  };
}
