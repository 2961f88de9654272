/**
 * Data processing (immediate), the bit-pattern half: logical immediate, bitfield move and extract
 * (Arm ARM DDI0487 C4.1.86, C6.2 AND/ORR/EOR/ANDS (immediate), SBFM/BFM/UBFM, EXTR).
 * Every mask is decoded by the factory, so closures are a rotate, an AND and an OR on 32-bit halves.
 */
import type { Factory } from './group.js';
import { decodeBitMasks, logicFlags32, logicFlags64 } from './alu.js';
import { dstZr, regSp, srcZr } from './regs.js';

/** AND/ORR/EOR/ANDS (immediate): Rd is SP for the non-flag forms; ORR with Rn = ZR is MOV (bitmask immediate). */
export function logicalImm(op: 'and' | 'orr' | 'eor', setFlags: boolean): Factory {
  return (f) => {
    if (f.sf === 0 && f.n === 1) return null;
    const bm = decodeBitMasks(f.n!, f.imms!, f.immr!, true);
    if (bm === null) return null;
    const n = srcZr(f.rn!);
    const d = setFlags ? dstZr(f.rd!) : regSp(f.rd!);
    const lo = bm.wLo;
    if (f.sf === 0) {
      switch (op) {
        case 'and':
          if (setFlags) {
            return (c) => {
              const r = c.x32[2 * n]! & lo;
              logicFlags32(c, r);
              c.x32[2 * d] = r;
              c.x32[2 * d + 1] = 0;
            };
          }
          return (c) => { const x = c.x32; x[2 * d] = x[2 * n]! & lo; x[2 * d + 1] = 0; };
        case 'orr':
          if (f.rn === 31) return (c) => { const x = c.x32; x[2 * d] = lo; x[2 * d + 1] = 0; };
          return (c) => { const x = c.x32; x[2 * d] = x[2 * n]! | lo; x[2 * d + 1] = 0; };
        default:
          return (c) => { const x = c.x32; x[2 * d] = x[2 * n]! ^ lo; x[2 * d + 1] = 0; };
      }
    }
    const hi = bm.wHi;
    switch (op) {
      case 'and':
        if (setFlags) {
          return (c) => {
            const x = c.x32;
            const rl = x[2 * n]! & lo;
            const rh = x[2 * n + 1]! & hi;
            logicFlags64(c, rl, rh);
            x[2 * d] = rl;
            x[2 * d + 1] = rh;
          };
        }
        return (c) => { const x = c.x32; x[2 * d] = x[2 * n]! & lo; x[2 * d + 1] = x[2 * n + 1]! & hi; };
      case 'orr':
        if (f.rn === 31) return (c) => { const x = c.x32; x[2 * d] = lo; x[2 * d + 1] = hi; };
        return (c) => { const x = c.x32; x[2 * d] = x[2 * n]! | lo; x[2 * d + 1] = x[2 * n + 1]! | hi; };
      default:
        return (c) => { const x = c.x32; x[2 * d] = x[2 * n]! ^ lo; x[2 * d + 1] = x[2 * n + 1]! ^ hi; };
    }
  };
}

/**
 * The bitfield pseudocode reduces to: rotated = ROR(src, R); m = wmask AND tmask;
 * UBFM: rotated AND m.  SBFM: (Replicate(src<S>) AND NOT tmask) OR (rotated AND m).
 * BFM: (dst AND NOT m) OR (rotated AND m).
 */
type BitfieldKind = 'S' | 'B' | 'U';

function bitfield(kind: BitfieldKind): Factory {
  return (f) => {
    const sf = f.sf === 1;
    if (f.n !== f.sf) return null;
    const rot = f.immr!;
    const s = f.imms!;
    if (!sf && (rot >= 32 || s >= 32)) return null;
    const bm = decodeBitMasks(f.n!, s, rot, false);
    if (bm === null) return null;
    const n = srcZr(f.rn!);
    const d = dstZr(f.rd!);
    const dIn = srcZr(f.rd!);
    const mLo = bm.wLo & bm.tLo;
    const ntLo = ~bm.tLo;
    if (!sf) {
      // In 32 bits (v >>> 0) | (v << 32) is v, so a zero rotation needs no special case.
      const l = 32 - rot;
      switch (kind) {
        case 'U':
          return (c) => { const x = c.x32; const v = x[2 * n]!; x[2 * d] = ((v >>> rot) | (v << l)) & mLo; x[2 * d + 1] = 0; };
        case 'S': {
          const up = 31 - s;
          return (c) => {
            const x = c.x32;
            const v = x[2 * n]!;
            x[2 * d] = (((v << up) >> 31) & ntLo) | (((v >>> rot) | (v << l)) & mLo);
            x[2 * d + 1] = 0;
          };
        }
        default:
          return (c) => {
            const x = c.x32;
            const v = x[2 * n]!;
            x[2 * d] = (x[2 * dIn]! & ~mLo) | (((v >>> rot) | (v << l)) & mLo);
            x[2 * d + 1] = 0;
          };
      }
    }
    const mHi = bm.wHi & bm.tHi;
    const ntHi = ~bm.tHi;
    // ROR(src, rot) as a funnel of the source words; a whole-word rotation is a word swap.
    const i0 = 2 * n + (rot >= 32 ? 1 : 0);
    const i1 = 2 * n + (rot >= 32 ? 0 : 1);
    const r = rot & 31;
    const l = 32 - r;
    switch (kind) {
      case 'U':
        if (r === 0) return (c) => { const x = c.x32; const a = x[i0]!; x[2 * d + 1] = x[i1]! & mHi; x[2 * d] = a & mLo; };
        return (c) => {
          const x = c.x32;
          const a = x[i0]!;
          const b = x[i1]!;
          x[2 * d] = ((a >>> r) | (b << l)) & mLo;
          x[2 * d + 1] = ((b >>> r) | (a << l)) & mHi;
        };
      case 'S': {
        const signWord = 2 * n + (s >= 32 ? 1 : 0);
        const up = 31 - (s & 31);
        return (c) => {
          const x = c.x32;
          const a = x[i0]!;
          const b = x[i1]!;
          const sign = (x[signWord]! << up) >> 31;
          const rl = r === 0 ? a : (a >>> r) | (b << l);
          const rh = r === 0 ? b : (b >>> r) | (a << l);
          x[2 * d] = (sign & ntLo) | (rl & mLo);
          x[2 * d + 1] = (sign & ntHi) | (rh & mHi);
        };
      }
      default:
        return (c) => {
          const x = c.x32;
          const a = x[i0]!;
          const b = x[i1]!;
          const rl = r === 0 ? a : (a >>> r) | (b << l);
          const rh = r === 0 ? b : (b >>> r) | (a << l);
          x[2 * d] = (x[2 * dIn]! & ~mLo) | (rl & mLo);
          x[2 * d + 1] = (x[2 * dIn + 1]! & ~mHi) | (rh & mHi);
        };
    }
  };
}

export const SBFM = bitfield('S');
export const BFM = bitfield('B');
export const UBFM = bitfield('U');

/** EXTR (ROR immediate when Rn = Rm): bits lsb.. of the concatenation Rn:Rm. */
export const EXTR: Factory = (f) => {
  if (f.n !== f.sf) return null;
  const lsb = f.imms!;
  const n = srcZr(f.rn!);
  const m = srcZr(f.rm!);
  const d = dstZr(f.rd!);
  if (f.sf === 0) {
    if (lsb >= 32) return null;
    if (lsb === 0) return (c) => { const x = c.x32; x[2 * d] = x[2 * m]!; x[2 * d + 1] = 0; };
    const l = 32 - lsb;
    return (c) => { const x = c.x32; x[2 * d] = (x[2 * m]! >>> lsb) | (x[2 * n]! << l); x[2 * d + 1] = 0; };
  }
  // Words of Rn:Rm from least significant: m.lo, m.hi, n.lo, n.hi; the result starts at word lsb >> 5.
  const w = lsb >>> 5;
  const s = lsb & 31;
  const l = 32 - s;
  const w0 = w === 0 ? 2 * m : 2 * m + 1;
  const w1 = w === 0 ? 2 * m + 1 : 2 * n;
  const w2 = w === 0 ? 2 * n : 2 * n + 1;
  if (s === 0) return (c) => { const x = c.x32; const lo = x[w0]!; x[2 * d + 1] = x[w1]!; x[2 * d] = lo; };
  return (c) => {
    const x = c.x32;
    const a = x[w0]!;
    const b = x[w1]!;
    const e = x[w2]!;
    x[2 * d] = (a >>> s) | (b << l);
    x[2 * d + 1] = (b >>> s) | (e << l);
  };
};
