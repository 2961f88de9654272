/**
 * Bit-pattern plumbing between register lanes and the exact core: 32-bit lanes travel as uint32
 * numbers, 64-bit lanes as (lo, hi) halves with the result left in R64. Float views of the same scratch
 * bytes give the fast paths their JS doubles without disturbing NaN payloads (NaNs always go the slow way).
 */
import type { FpStatus } from './fpcr.js';
import { FMT_D, FMT_S } from './format.js';
import type { FpFormat } from './format.js';

const SCRATCH = new ArrayBuffer(8);
const SF64 = new Float64Array(SCRATCH);
const SF32 = new Float32Array(SCRATCH, 0, 1);
const SU32 = new Uint32Array(SCRATCH);

/** The result of a 64-bit lane operation: [lo, hi]. */
export const R64 = new Uint32Array(2);

export function f32(bits: number): number {
  SU32[0] = bits;
  return SF32[0]!;
}

/** Bits of a non-NaN float (the value is rounded to single precision first). */
export function bits32(x: number): number {
  SF32[0] = x;
  return SU32[0]!;
}

export function f64(lo: number, hi: number): number {
  SU32[0] = lo;
  SU32[1] = hi;
  return SF64[0]!;
}

/** Stores a non-NaN double's bits in R64. */
export function setR64(x: number): void {
  SF64[0] = x;
  R64[0] = SU32[0]!;
  R64[1] = SU32[1]!;
}

export function join64(lo: number, hi: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

export function setR64Big(x: bigint): void {
  R64[0] = Number(x & 0xffffffffn);
  R64[1] = Number((x >> 32n) & 0xffffffffn);
}

/** A lane operation in both element sizes. */
export interface Bin {
  readonly s: (a: number, b: number, fpcr: number, st: FpStatus) => number;
  readonly d: (alo: number, ahi: number, blo: number, bhi: number, fpcr: number, st: FpStatus) => void;
  /** Optional fast kernels on doubles (see fast.ts): NaN means "use s/d". */
  readonly ks?: (x: number, y: number, st: FpStatus) => number;
  readonly kd?: (x: number, y: number, st: FpStatus) => number;
}
export interface Un {
  /** Optional fast kernels on doubles (see fast.ts): NaN means "use s/d". */
  readonly ks?: (x: number, st: FpStatus) => number;
  readonly kd?: (x: number, st: FpStatus) => number;
  readonly s: (a: number, fpcr: number, st: FpStatus) => number;
  readonly d: (alo: number, ahi: number, fpcr: number, st: FpStatus) => void;
}
export interface Tern {
  readonly ks?: (z: number, x: number, y: number, st: FpStatus) => number;
  readonly kd?: (z: number, x: number, y: number, st: FpStatus) => number;
  readonly s: (acc: number, a: number, b: number, fpcr: number, st: FpStatus) => number;
  readonly d: (acclo: number, acchi: number, alo: number, ahi: number, blo: number, bhi: number, fpcr: number, st: FpStatus) => void;
}

type Core2 = (fmt: FpFormat, a: bigint, b: bigint, fpcr: number, st: FpStatus) => bigint;
type Core1 = (fmt: FpFormat, a: bigint, fpcr: number, st: FpStatus) => bigint;
type Core3 = (fmt: FpFormat, acc: bigint, a: bigint, b: bigint, fpcr: number, st: FpStatus) => bigint;

export function slow2s(fn: Core2): Bin['s'] {
  return (a, b, fpcr, st) => Number(fn(FMT_S, BigInt(a >>> 0), BigInt(b >>> 0), fpcr, st));
}
export function slow2d(fn: Core2): Bin['d'] {
  return (alo, ahi, blo, bhi, fpcr, st) => setR64Big(fn(FMT_D, join64(alo, ahi), join64(blo, bhi), fpcr, st));
}
export function slowBin(fn: Core2): Bin {
  return { s: slow2s(fn), d: slow2d(fn) };
}
export function slowUn(fn: Core1): Un {
  return {
    s: (a, fpcr, st) => Number(fn(FMT_S, BigInt(a >>> 0), fpcr, st)),
    d: (alo, ahi, fpcr, st) => setR64Big(fn(FMT_D, join64(alo, ahi), fpcr, st)),
  };
}
export function slowTern(fn: Core3): Tern {
  return {
    s: (acc, a, b, fpcr, st) => Number(fn(FMT_S, BigInt(acc >>> 0), BigInt(a >>> 0), BigInt(b >>> 0), fpcr, st)),
    d: (acclo, acchi, alo, ahi, blo, bhi, fpcr, st) =>
      setR64Big(fn(FMT_D, join64(acclo, acchi), join64(alo, ahi), join64(blo, bhi), fpcr, st)),
  };
}
