/**
 * AdvSIMD copy and permute: DUP (element, general, scalar), INS (element, general), UMOV, SMOV, EXT,
 * TBL/TBX and UZP1/2, TRN1/2, ZIP1/2. Arm ARM DDI0487 C7.2 (DUP, INS, UMOV, SMOV, EXT, TBL, TBX, UZP1,
 * TRN1, ZIP1 and their second halves).
 *
 * Elements are addressed in the little-endian register file: element i of size 2^s bytes of V[n] is
 * v8[16n + i], v16[8n + i], v32[4n + i], or the word pair v32[4n + 2i], v32[4n + 2i + 1].
 * Writing a 64-bit vector (Q = 0) clears bits 127..64.
 */
import { SIMD_PERM_PATTERNS } from '../decode/simd_perm.js';
import type { Exec, Factory, InsnGroup } from './group.js';
import { dstZr, srcZr } from './regs.js';
import type { Cpu } from '../cpu.js';

/** Element size (log2 bytes) encoded by the lowest set bit of imm5, or -1 when none of bits 3..0 is set. */
function sizeOfImm5(imm5: number): number {
  for (let s = 0; s < 4; s++) if ((imm5 & (1 << s)) !== 0) return s;
  return -1;
}

/** Element `i` of size 2^size bytes (size < 3) of V[n], unsigned. */
function elemReader(size: number, n: number, i: number): (c: Cpu) => number {
  if (size === 0) return (c) => c.v8[16 * n + i]!;
  if (size === 1) return (c) => c.v16[8 * n + i]!;
  return (c) => c.v32[4 * n + i]!;
}

/** The 32-bit word holding copies of an element value of size 2^size bytes (size < 3). */
function replicate32(size: number, v: number): number {
  if (size === 0) return Math.imul(v & 0xff, 0x01010101) >>> 0;
  if (size === 1) return Math.imul(v & 0xffff, 0x10001) >>> 0;
  return v >>> 0;
}

/** Writes word pair lo/hi to every 64-bit lane of V[d] (upper lane zero when !q). */
function fill(c: Cpu, d: number, lo: number, hi: number, q: boolean): void {
  const r = c.v32;
  r[4 * d] = lo; r[4 * d + 1] = hi;
  r[4 * d + 2] = q ? lo : 0; r[4 * d + 3] = q ? hi : 0;
}

const DUP_elt: Factory = (f) => {
  const size = sizeOfImm5(f.imm5!);
  const q = f.q === 1;
  if (size < 0 || (size === 3 && !q)) return null;
  const n = f.rn!;
  const d = f.rd!;
  const i = f.imm5! >> (size + 1);
  if (size === 3) return (c) => fill(c, d, c.v32[4 * n + 2 * i]!, c.v32[4 * n + 2 * i + 1]!, true);
  const get = elemReader(size, n, i);
  return (c) => { const w = replicate32(size, get(c)); fill(c, d, w, w, q); };
};

const DUP_gen: Factory = (f) => {
  const size = sizeOfImm5(f.imm5!);
  const q = f.q === 1;
  if (size < 0 || (size === 3 && !q)) return null;
  const s = srcZr(f.rn!);
  const d = f.rd!;
  if (size === 3) return (c) => fill(c, d, c.x32[2 * s]!, c.x32[2 * s + 1]!, true);
  return (c) => { const w = replicate32(size, c.x32[2 * s]!); fill(c, d, w, w, q); };
};

const DUP_scalar: Factory = (f) => {
  const size = sizeOfImm5(f.imm5!);
  if (size < 0) return null;
  const n = f.rn!;
  const d = f.rd!;
  const i = f.imm5! >> (size + 1);
  if (size === 3) return (c) => fill(c, d, c.v32[4 * n + 2 * i]!, c.v32[4 * n + 2 * i + 1]!, false);
  const get = elemReader(size, n, i);
  return (c) => fill(c, d, get(c), 0, false);
};

const INS_gen: Factory = (f) => {
  const size = sizeOfImm5(f.imm5!);
  if (size < 0) return null;
  const s = srcZr(f.rn!);
  const d = f.rd!;
  const i = f.imm5! >> (size + 1);
  switch (size) {
    case 0: return (c) => { c.v8[16 * d + i] = c.x32[2 * s]!; };
    case 1: return (c) => { c.v16[8 * d + i] = c.x32[2 * s]!; };
    case 2: return (c) => { c.v32[4 * d + i] = c.x32[2 * s]!; };
    default: return (c) => { c.v32[4 * d + 2 * i] = c.x32[2 * s]!; c.v32[4 * d + 2 * i + 1] = c.x32[2 * s + 1]!; };
  }
};

const INS_elt: Factory = (f) => {
  const size = sizeOfImm5(f.imm5!);
  if (size < 0) return null;
  const n = f.rn!;
  const d = f.rd!;
  const di = f.imm5! >> (size + 1);
  const si = f.imm4! >> size;
  switch (size) {
    case 0: return (c) => { c.v8[16 * d + di] = c.v8[16 * n + si]!; };
    case 1: return (c) => { c.v16[8 * d + di] = c.v16[8 * n + si]!; };
    case 2: return (c) => { c.v32[4 * d + di] = c.v32[4 * n + si]!; };
    default:
      return (c) => {
        const r = c.v32;
        const lo = r[4 * n + 2 * si]!;
        const hi = r[4 * n + 2 * si + 1]!;
        r[4 * d + 2 * di] = lo; r[4 * d + 2 * di + 1] = hi;
      };
  }
};

const UMOV: Factory = (f) => {
  const size = sizeOfImm5(f.imm5!);
  if (size < 0 || (size === 3) !== (f.q === 1)) return null;
  const n = f.rn!;
  const d = dstZr(f.rd!);
  const i = f.imm5! >> (size + 1);
  switch (size) {
    case 0: return (c) => { c.x32[2 * d] = c.v8[16 * n + i]!; c.x32[2 * d + 1] = 0; };
    case 1: return (c) => { c.x32[2 * d] = c.v16[8 * n + i]!; c.x32[2 * d + 1] = 0; };
    case 2: return (c) => { c.x32[2 * d] = c.v32[4 * n + i]!; c.x32[2 * d + 1] = 0; };
    default: return (c) => { c.x32[2 * d] = c.v32[4 * n + 2 * i]!; c.x32[2 * d + 1] = c.v32[4 * n + 2 * i + 1]!; };
  }
};

const SMOV: Factory = (f) => {
  const size = sizeOfImm5(f.imm5!);
  const x = f.q === 1;
  if (size < 0 || size === 3 || (size === 2 && !x)) return null;
  const n = f.rn!;
  const d = dstZr(f.rd!);
  const i = f.imm5! >> (size + 1);
  const sh = 32 - (8 << size);
  const get = elemReader(size, n, i);
  if (x) return (c) => { const v = (get(c) << sh) >> sh; c.x32[2 * d] = v; c.x32[2 * d + 1] = v >> 31; };
  return (c) => { c.x32[2 * d] = (get(c) << sh) >> sh; c.x32[2 * d + 1] = 0; };
};

// ---- byte permutations (EXT, UZP, TRN, ZIP) ----

/** Operands staged as bytes: V[n] at 0..15, V[m] at 16..31, so the destination may overlap either. */
const stage = new Uint8Array(32);

/**
 * A closure writing V[d] byte b from stage[perm[b]] (stage = V[n]:V[m]); a 64-bit result (perm.length 8)
 * clears the upper half.
 */
function permute(d: number, n: number, m: number, perm: Uint8Array): Exec {
  const bytes = perm.length;
  return (c) => {
    const v8 = c.v8;
    for (let b = 0; b < 16; b++) { stage[b] = v8[16 * n + b]!; stage[16 + b] = v8[16 * m + b]!; }
    for (let b = 0; b < bytes; b++) v8[16 * d + b] = stage[perm[b]!]!;
    if (bytes === 8) { c.v32[4 * d + 2] = 0; c.v32[4 * d + 3] = 0; }
  };
}

/** Byte permutation from an element map: result element i comes from operand element src(i) (n = 0.., m = elems..). */
function elementPerm(bytes: number, ebytes: number, src: (i: number, elems: number) => number): Uint8Array {
  const elems = bytes / ebytes;
  const perm = new Uint8Array(bytes);
  for (let i = 0; i < elems; i++) {
    const s = src(i, elems);
    const base = s < elems ? s * ebytes : 16 + (s - elems) * ebytes;
    for (let b = 0; b < ebytes; b++) perm[i * ebytes + b] = base + b;
  }
  return perm;
}

function permuteOp(src: (i: number, elems: number) => number): Factory {
  return (f) => {
    if (f.size === 3 && f.q === 0) return null;
    return permute(f.rd!, f.rn!, f.rm!, elementPerm(f.q === 1 ? 16 : 8, 1 << f.size!, src));
  };
}

const UZP1 = permuteOp((i) => 2 * i);
const UZP2 = permuteOp((i) => 2 * i + 1);
const TRN1 = permuteOp((i, e) => ((i & 1) === 0 ? i : e + i - 1));
const TRN2 = permuteOp((i, e) => ((i & 1) === 0 ? i + 1 : e + i));
const ZIP1 = permuteOp((i, e) => ((i & 1) === 0 ? i >> 1 : e + (i >> 1)));
const ZIP2 = permuteOp((i, e) => ((i & 1) === 0 ? (e >> 1) + (i >> 1) : e + (e >> 1) + (i >> 1)));

const EXT: Factory = (f) => {
  const bytes = f.q === 1 ? 16 : 8;
  const pos = f.imm4!;
  if (pos >= bytes) return null;
  return permute(f.rd!, f.rn!, f.rm!, elementPerm(bytes, 1, (i) => i + pos));
};

// ---- table lookup ----

const table = new Uint8Array(64);

function tableLookup(extend: boolean): Factory {
  return (f) => {
    const regs = f.len! + 1;
    const limit = 16 * regs;
    const n = f.rn!;
    const m = f.rm!;
    const d = f.rd!;
    const bytes = f.q === 1 ? 16 : 8;
    return (c) => {
      const v8 = c.v8;
      for (let k = 0; k < regs; k++) {
        const r = (n + k) & 31;
        for (let b = 0; b < 16; b++) table[16 * k + b] = v8[16 * r + b]!;
      }
      for (let b = 0; b < 16; b++) stage[b] = v8[16 * m + b]!;
      for (let b = 0; b < bytes; b++) {
        const idx = stage[b]!;
        if (idx < limit) v8[16 * d + b] = table[idx]!;
        else if (!extend) v8[16 * d + b] = 0;
      }
      if (bytes === 8) { c.v32[4 * d + 2] = 0; c.v32[4 * d + 3] = 0; }
    };
  };
}

/** The AdvSIMD copy, table lookup and permute group. */
export const SIMD_PERM: InsnGroup = {
  name: 'simd_perm',
  registerOnly: 'all',
  patterns: SIMD_PERM_PATTERNS,
  handlers: {
    DUP_elt, DUP_gen, INS_gen, SMOV, UMOV, INS_elt, DUP_scalar, EXT,
    TBL: tableLookup(false), TBX: tableLookup(true),
    UZP1, TRN1, ZIP1, UZP2, TRN2, ZIP2,
  },
  endsBlock: new Set(),
};
