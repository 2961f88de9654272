/**
 * What both sides of the differential test agree on: the guest memory layout, the shape of a test
 * case and of its outcome, the binary protocol spoken with harness.c, and the PRNGs that make every
 * case reproducible from a seed. Keep the constants in step with harness.c.
 */

export const CODE_BASE = 0x2000_0000;
export const CODE_SIZE = 0x1000;
export const DATA_BASE = 0x1000_0000;
export const DATA_SIZE = 0x2_0000;
/** The data region is compared in chunks of this many bytes; only changed chunks travel. */
export const CHUNK = 64;
/** The sequence plus its terminator must fit in the code page. */
export const MAX_WORDS = CODE_SIZE / 4 - 1;
/** BRK #0x7ac, appended after every sequence: reaching it means the sequence ran to completion. */
export const TERMINATOR = 0xd420f580;

const CASE_MAGIC = 0x43464944;
const RESULT_MAGIC = 0x52464944;
const CASE_HEADER_BYTES = 24 + 32 * 8 + 512;
const RESULT_BYTES = 24 + 32 * 8 + 16 + 512;

/** Signal numbers as Linux reports them; our exits are mapped onto these (run_ours.ts). */
export const SIG = { ILL: 4, TRAP: 5, BUS: 7, FPE: 8, SEGV: 11, ALRM: 14, NONE: 0 } as const;

/** The full initial state of one case. */
export interface CaseState {
  /** X0..X30 then SP, as unsigned 64-bit values. */
  readonly x: bigint[];
  /** NZCV in bits 31..28. */
  nzcv: number;
  fpcr: number;
  fpsr: number;
  /** V0..V31, 16 bytes each, little-endian. */
  readonly v: Uint8Array;
  /** Seed of the data region's initial contents (mulberry32, see fillData). */
  dataSeed: number;
}

export interface TestCase {
  readonly words: number[];
  readonly state: CaseState;
  /** Where the case came from (seed, case index, pattern), for reports and reproduction. */
  readonly label: string;
}

/** The state after running a case, on either side. */
export interface Outcome {
  /** Signal that ended the run: TRAP at the terminator's PC is normal completion. */
  readonly signal: number;
  readonly pc: bigint;
  /** si_addr / FAR for SIGSEGV and SIGBUS. */
  readonly addr: bigint;
  /** X0..X30 then SP. */
  readonly x: bigint[];
  readonly nzcv: number;
  readonly fpcr: number;
  readonly fpsr: number;
  readonly v: Uint8Array;
  /** Changed chunks of the data region: offset -> CHUNK bytes. */
  readonly chunks: Map<number, Uint8Array>;
}

/** The data region is one 4 KiB block of mulberry32 output, repeated (filling all of it costs too much per case). */
export const DATA_BLOCK = 0x1000;

/** The data region's initial contents for `seed`: the same function is in harness.c. */
export function fillData(seed: number, out: Uint8Array): void {
  // Little-endian hosts only (as the CPU's state buffer already assumes).
  const i32 = new Int32Array(out.buffer, out.byteOffset, DATA_BLOCK / 4);
  let a = seed | 0;
  for (let i = 0; i < DATA_BLOCK / 4; i++) {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= (t + Math.imul(t ^ (t >>> 7), t | 61)) | 0;
    i32[i] = t ^ (t >>> 14);
  }
  for (let off = DATA_BLOCK; off < DATA_SIZE; off += DATA_BLOCK) out.copyWithin(off, 0, DATA_BLOCK);
}

/** Chunks of `now` that differ from `initial` (both DATA_SIZE bytes, 4-byte aligned). */
export function changedChunks(initial: Uint8Array, now: Uint8Array): Map<number, Uint8Array> {
  const out = new Map<number, Uint8Array>();
  // Most cases store nothing: one native compare settles those.
  if (Buffer.compare(initial, now) === 0) return out;
  for (let off = 0; off < DATA_SIZE; off += CHUNK) {
    if (Buffer.compare(initial.subarray(off, off + CHUNK), now.subarray(off, off + CHUNK)) !== 0) {
      out.set(off, now.slice(off, off + CHUNK));
    }
  }
  return out;
}

export function encodeCases(cases: readonly TestCase[]): Uint8Array {
  const total = cases.reduce((n, c) => n + CASE_HEADER_BYTES + 4 * c.words.length, 0);
  const buf = new Uint8Array(total);
  const dv = new DataView(buf.buffer);
  let p = 0;
  for (const c of cases) {
    const s = c.state;
    dv.setUint32(p, CASE_MAGIC, true);
    dv.setUint32(p + 4, c.words.length, true);
    dv.setUint32(p + 8, s.dataSeed >>> 0, true);
    dv.setUint32(p + 12, s.nzcv >>> 0, true);
    dv.setUint32(p + 16, s.fpcr >>> 0, true);
    dv.setUint32(p + 20, s.fpsr >>> 0, true);
    p += 24;
    for (let i = 0; i < 32; i++, p += 8) dv.setBigUint64(p, s.x[i]!, true);
    buf.set(s.v, p);
    p += 512;
    for (const w of c.words) {
      dv.setUint32(p, w >>> 0, true);
      p += 4;
    }
  }
  return buf;
}

export function decodeOutcomes(bytes: Uint8Array): Outcome[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Outcome[] = [];
  let p = 0;
  while (p < bytes.byteLength) {
    if (p + RESULT_BYTES + 4 > bytes.byteLength || dv.getUint32(p, true) !== RESULT_MAGIC) {
      throw new Error(`diff harness: malformed result at byte ${p}`);
    }
    const x: bigint[] = [];
    for (let i = 0; i < 32; i++) x.push(dv.getBigUint64(p + 24 + 8 * i, true));
    const q = p + 24 + 256;
    const o = {
      signal: dv.getUint32(p + 4, true),
      pc: dv.getBigUint64(p + 8, true),
      addr: dv.getBigUint64(p + 16, true),
      x,
      nzcv: dv.getUint32(q, true),
      fpcr: dv.getUint32(q + 4, true),
      fpsr: dv.getUint32(q + 8, true),
      v: bytes.slice(q + 16, q + 16 + 512),
      chunks: new Map<number, Uint8Array>(),
    };
    p += RESULT_BYTES;
    const n = dv.getUint32(p, true);
    p += 4;
    for (let i = 0; i < n; i++) {
      o.chunks.set(dv.getUint32(p, true), bytes.slice(p + 4, p + 4 + CHUNK));
      p += 4 + CHUNK;
    }
    out.push(o);
  }
  return out;
}

/**
 * sfc32 seeded through splitmix32: small, fast, and ours, so a seed means the same cases on every
 * machine and Node version.
 */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(...seeds: number[]) {
    let h = 0x9e3779b9;
    for (const s of seeds) h = mix32(h ^ (s >>> 0));
    this.a = mix32(h + 1);
    this.b = mix32(h + 2);
    this.c = mix32(h + 3);
    this.d = 1;
    for (let i = 0; i < 12; i++) this.u32();
  }

  u32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** Uniform integer in [0, n). */
  below(n: number): number {
    return Math.floor((this.u32() / 0x1_0000_0000) * n);
  }

  u64(): bigint {
    return (BigInt(this.u32()) << 32n) | BigInt(this.u32());
  }

  chance(p: number): boolean {
    return this.u32() / 0x1_0000_0000 < p;
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.below(xs.length)]!;
  }
}

/** splitmix32's finaliser. */
function mix32(x: number): number {
  let z = (x + 0x9e3779b9) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** A hash of a string into 32 bits (FNV-1a), for deriving per-pattern seeds. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
