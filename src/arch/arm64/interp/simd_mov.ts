/**
 * AdvSIMD moves and bitwise operations: modified immediate (MOVI, MVNI, ORR, BIC, FMOV), the logical
 * three-same instructions (AND, BIC, ORR, ORN, EOR, BSL, BIT, BIF) and NOT, RBIT, CNT, REV16/32/64.
 * Arm ARM DDI0487 C4.1.95 and C7.2; AdvSIMDExpandImm() in J1 "shared/functions/vector".
 *
 * Bitwise work is done on the 32-bit words of `c.v32`: 2 words for a 64-bit vector (whose upper half is
 * then cleared), 4 for a 128-bit one.
 */
import { SIMD_MOV_PATTERNS } from '../decode/simd_mov.js';
import type { Exec, Factory, InsnGroup } from './group.js';
import { ACROSS_LANES_HANDLERS } from './simd_mov_lanes.js';

// ---- modified immediate ----

/** The 64-bit immediate of AdvSIMDExpandImm(op, cmode, imm8) as [lo, hi] words (the FP16 form when o2 = 1). */
export function expandImm(op: number, cmode: number, imm8: number, o2: number): [number, number] {
  let w: number;
  switch (cmode >> 1) {
    case 0: case 1: case 2: case 3:
      w = imm8 << (8 * (cmode >> 1));
      break;
    case 4: case 5: {
      const h = imm8 << (8 * ((cmode >> 1) & 1));
      w = h | (h << 16);
      break;
    }
    case 6:
      w = (cmode & 1) === 0 ? (imm8 << 8) | 0xff : (imm8 << 16) | 0xffff;
      break;
    default: {
      const a = imm8 >> 7;
      const b = (imm8 >> 6) & 1;
      const low6 = imm8 & 0x3f;
      if ((cmode & 1) === 0) {
        if (op === 0) { w = Math.imul(imm8, 0x01010101); break; }
        // Each bit of imm8 selects a whole byte of ones.
        let lo = 0;
        let hi = 0;
        for (let i = 0; i < 4; i++) {
          if ((imm8 >> i) & 1) lo |= 0xff << (8 * i);
          if ((imm8 >> (i + 4)) & 1) hi |= 0xff << (8 * i);
        }
        return [lo >>> 0, hi >>> 0];
      }
      if (op === 1) {
        // Double: a : NOT(b) : b x 8 : cdefgh : Zeros(48).
        return [0, ((a << 31) | ((b ^ 1) << 30) | (b ? 0x3fc00000 : 0) | (low6 << 16)) >>> 0];
      }
      if (o2 === 1) {
        // Half: a : NOT(b) : b x 2 : cdefgh : Zeros(6), replicated.
        const h = (a << 15) | ((b ^ 1) << 14) | (b ? 0x3000 : 0) | (low6 << 6);
        w = h | (h << 16);
        break;
      }
      // Single: a : NOT(b) : b x 5 : cdefgh : Zeros(19).
      w = (a << 31) | ((b ^ 1) << 30) | (b ? 0x3e000000 : 0) | (low6 << 19);
    }
  }
  return [w >>> 0, w >>> 0];
}

const MODIMM_v: Factory = (f) => {
  const { op, cmode, o2 } = f as Required<typeof f>;
  const q = f.q === 1;
  // o2 = 1 is FMOV (vector, immediate) half-precision, which needs FEAT_FP16 (not implemented: ARMv8.0).
  if (o2 === 1) return null;
  if (cmode === 15 && op === 1 && !q) return null;
  const imm8 = (f.abc! << 5) | f.defgh!;
  const d = f.rd!;
  let [lo, hi] = expandImm(op!, cmode!, imm8, o2!);
  const w = q ? 4 : 2;
  if ((cmode! & 1) === 1 && cmode! < 12) {
    if (op === 1) { lo = ~lo >>> 0; hi = ~hi >>> 0; } // BIC: AND with the inverse
    const orr = op === 0;
    return (c) => {
      const r = c.v32;
      for (let i = 0; i < w; i += 2) {
        if (orr) { r[4 * d + i] |= lo; r[4 * d + i + 1] |= hi; }
        else { r[4 * d + i] &= lo; r[4 * d + i + 1] &= hi; }
      }
      if (!q) { r[4 * d + 2] = 0; r[4 * d + 3] = 0; }
    };
  }
  // MVNI: op = 1 with cmode 0xx0, 10x0, 110x.
  if (op === 1 && cmode! < 14) { lo = ~lo >>> 0; hi = ~hi >>> 0; }
  const lo2 = q ? lo : 0;
  const hi2 = q ? hi : 0;
  return (c) => {
    const r = c.v32;
    r[4 * d] = lo; r[4 * d + 1] = hi; r[4 * d + 2] = lo2; r[4 * d + 3] = hi2;
  };
};

// ---- logical (three same, opcode 00011) ----

type WordOp = (d: number, n: number, m: number) => number;

/** One closure per instruction word shape: `w` words, upper half cleared when 64-bit. */
function logical(op: WordOp): Factory {
  return (f) => {
    const d = f.rd!;
    const n = f.rn!;
    const m = f.rm!;
    const q = f.q === 1;
    const w = q ? 4 : 2;
    return (c) => {
      const r = c.v32;
      for (let i = 0; i < w; i++) r[4 * d + i] = op(r[4 * d + i]!, r[4 * n + i]!, r[4 * m + i]!);
      if (!q) { r[4 * d + 2] = 0; r[4 * d + 3] = 0; }
    };
  };
}

/**
 * AND/ORR/EOR/BIC (vector): common in string and memory routines, so each has its own closures
 * rather than going through logical()'s shared callback.
 */
function bitwise(kind: 'and' | 'orr' | 'eor' | 'bic'): Factory {
  return (f) => {
    const d = f.rd!;
    const n = f.rn!;
    const m = f.rm!;
    const q = f.q === 1;
    switch (kind) {
      case 'and':
        return (c) => {
          const r = c.v32;
          r[4 * d] = r[4 * n]! & r[4 * m]!; r[4 * d + 1] = r[4 * n + 1]! & r[4 * m + 1]!;
          r[4 * d + 2] = q ? r[4 * n + 2]! & r[4 * m + 2]! : 0; r[4 * d + 3] = q ? r[4 * n + 3]! & r[4 * m + 3]! : 0;
        };
      case 'orr':
        return (c) => {
          const r = c.v32;
          r[4 * d] = r[4 * n]! | r[4 * m]!; r[4 * d + 1] = r[4 * n + 1]! | r[4 * m + 1]!;
          r[4 * d + 2] = q ? r[4 * n + 2]! | r[4 * m + 2]! : 0; r[4 * d + 3] = q ? r[4 * n + 3]! | r[4 * m + 3]! : 0;
        };
      case 'eor':
        return (c) => {
          const r = c.v32;
          r[4 * d] = r[4 * n]! ^ r[4 * m]!; r[4 * d + 1] = r[4 * n + 1]! ^ r[4 * m + 1]!;
          r[4 * d + 2] = q ? r[4 * n + 2]! ^ r[4 * m + 2]! : 0; r[4 * d + 3] = q ? r[4 * n + 3]! ^ r[4 * m + 3]! : 0;
        };
      default:
        return (c) => {
          const r = c.v32;
          r[4 * d] = r[4 * n]! & ~r[4 * m]!; r[4 * d + 1] = r[4 * n + 1]! & ~r[4 * m + 1]!;
          r[4 * d + 2] = q ? r[4 * n + 2]! & ~r[4 * m + 2]! : 0; r[4 * d + 3] = q ? r[4 * n + 3]! & ~r[4 * m + 3]! : 0;
        };
    }
  };
}

// ---- two-register misc: REV*, CNT, NOT, RBIT ----

const POPCOUNT = new Uint8Array(256);
const BITREV = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  let p = 0;
  let r = 0;
  for (let b = 0; b < 8; b++) {
    p += (i >> b) & 1;
    r |= ((i >> b) & 1) << (7 - b);
  }
  POPCOUNT[i] = p;
  BITREV[i] = r;
}

const bytesScratch = new Uint8Array(16);

/** Byte-wise map through a table (CNT, RBIT). */
function byteMap(tbl: Uint8Array, n: number, d: number, q: boolean): Exec {
  const bytes = q ? 16 : 8;
  return (c) => {
    const v8 = c.v8;
    for (let b = 0; b < bytes; b++) v8[16 * d + b] = tbl[v8[16 * n + b]!]!;
    if (!q) { c.v32[4 * d + 2] = 0; c.v32[4 * d + 3] = 0; }
  };
}

/**
 * REV16/REV32/REV64: reverse the elements inside each container of `cbytes`. For power-of-two sizes,
 * byte b of the result is byte b XOR (cbytes - ebytes) of the source.
 */
function rev(cbytes: number): Factory {
  return (f) => {
    const ebytes = 1 << f.size!;
    if (ebytes >= cbytes) return null;
    const x = cbytes - ebytes;
    const q = f.q === 1;
    const bytes = q ? 16 : 8;
    const n = f.rn!;
    const d = f.rd!;
    return (c) => {
      const v8 = c.v8;
      for (let b = 0; b < bytes; b++) bytesScratch[b] = v8[16 * n + b]!;
      for (let b = 0; b < bytes; b++) v8[16 * d + b] = bytesScratch[b ^ x]!;
      if (!q) { c.v32[4 * d + 2] = 0; c.v32[4 * d + 3] = 0; }
    };
  };
}

const CNT_v: Factory = (f) => (f.size === 0 ? byteMap(POPCOUNT, f.rn!, f.rd!, f.q === 1) : null);
const RBIT_v: Factory = (f) => byteMap(BITREV, f.rn!, f.rd!, f.q === 1);
const NOT_v: Factory = (f) => {
  const d = f.rd!;
  const n = f.rn!;
  const q = f.q === 1;
  return (c) => {
    const r = c.v32;
    r[4 * d] = ~r[4 * n]!; r[4 * d + 1] = ~r[4 * n + 1]!;
    r[4 * d + 2] = q ? ~r[4 * n + 2]! : 0; r[4 * d + 3] = q ? ~r[4 * n + 3]! : 0;
  };
};

/** The AdvSIMD modified-immediate, logical, REV/CNT/NOT/RBIT and integer across-lanes group. */
export const SIMD_MOV: InsnGroup = {
  name: 'simd_mov',
  registerOnly: 'all',
  patterns: SIMD_MOV_PATTERNS,
  handlers: {
    MODIMM_v,
    AND_v: bitwise('and'),
    BIC_v: bitwise('bic'),
    ORR_v: bitwise('orr'),
    ORN_v: logical((_d, n, m) => n | ~m),
    EOR_v: bitwise('eor'),
    BSL_v: logical((d, n, m) => ((n ^ m) & d) ^ m),
    BIT_v: logical((d, n, m) => ((n ^ d) & m) ^ d),
    BIF_v: logical((d, n, m) => ((n ^ d) & ~m) ^ d),
    REV64_v: rev(8),
    REV32_v: rev(4),
    REV16_v: rev(2),
    CNT_v,
    NOT_v,
    RBIT_v,
    ...ACROSS_LANES_HANDLERS,
  },
  endsBlock: new Set(),
};
