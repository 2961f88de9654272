/**
 * Data processing (register): 1-source (RBIT, REV16, REV32, REV, CLZ, CLS), 2-source (UDIV, SDIV,
 * LSLV, LSRV, ASRV, RORV, CRC32*) and 3-source (MADD, MSUB, SMADDL, SMSUBL, UMADDL, UMSUBL, SMULH,
 * UMULH), Arm ARM DDI0487 C4.1.87.
 *
 * Multiplies are done on 32-bit halves (Math.imul for the low word, 16-bit limbs for the high word),
 * divides in doubles where that is exact; BigInt only for 64-bit divides by divisors of 2^32 or more
 * with dividends of 2^52 or more, which are rare.
 */
import type { Factory } from './group.js';
import { mulhu32, shift32, shiftHi64, shiftLo64 } from './alu.js';
import { CRC32C_TABLE, CRC32_TABLE, crc32Update } from './crc32.js';
import { dstZr, srcZr } from './regs.js';

// ---- 2-source ----

const TWO32 = 0x1_0000_0000;
/** Operands below 2^52 (high word below 2^20) divide exactly in doubles, with one correction step. */
const EXACT_HI = 0x10_0000;

/** floor(a / b) for 0 <= a, b < 2^52, b > 0: the double quotient may round up across an integer, never by more. */
function udivExact(a: number, b: number): number {
  const q = Math.floor(a / b);
  return a - q * b < 0 ? q - 1 : q;
}

/**
 * X[d] = (ah:al) / b for a divisor 0 < b < 2^32, by long division in one 32-bit and two 16-bit steps
 * (every partial dividend stays below 2^48, so each step is exact). Hash-table modulo and trial
 * division stay off BigInt this way.
 */
function udiv64by32(x: Uint32Array, di: number, ah: number, al: number, b: number): void {
  const qh = udivExact(ah, b);
  const t1 = (ah - qh * b) * 0x1_0000 + (al >>> 16);
  const q1 = udivExact(t1, b);
  const t0 = (t1 - q1 * b) * 0x1_0000 + (al & 0xffff);
  x[di] = q1 * 0x1_0000 + udivExact(t0, b);
  x[di + 1] = qh;
}

const UDIV: Factory = (f) => {
  const n = srcZr(f.rn!);
  const m = srcZr(f.rm!);
  const d = dstZr(f.rd!);
  if (f.sf === 0) {
    return (c) => {
      const x = c.x32;
      const b = x[2 * m]!;
      x[2 * d] = b === 0 ? 0 : Math.floor(x[2 * n]! / b);
      x[2 * d + 1] = 0;
    };
  }
  return (c) => {
    const x = c.x32;
    const nh = x[2 * n + 1]!;
    const mh = x[2 * m + 1]!;
    if (nh < EXACT_HI && mh < EXACT_HI) {
      const b = mh * TWO32 + x[2 * m]!;
      const q = b === 0 ? 0 : udivExact(nh * TWO32 + x[2 * n]!, b);
      x[2 * d] = q;
      x[2 * d + 1] = Math.floor(q / TWO32);
      return;
    }
    if (mh === 0 && x[2 * m] !== 0) {
      udiv64by32(x, 2 * d, nh, x[2 * n]!, x[2 * m]!);
      return;
    }
    const x64 = c.x64;
    const b = x64[m]!;
    x64[d] = b === 0n ? 0n : x64[n]! / b;
  };
};

/** SDIV rounds toward zero; dividing by zero gives zero and INT_MIN / -1 gives INT_MIN (no trap in A64). */
const SDIV: Factory = (f) => {
  const n = srcZr(f.rn!);
  const m = srcZr(f.rm!);
  const d = dstZr(f.rd!);
  if (f.sf === 0) {
    return (c) => {
      const x = c.xi32;
      const b = x[2 * m]!;
      x[2 * d] = b === 0 ? 0 : Math.trunc(x[2 * n]! / b);
      x[2 * d + 1] = 0;
    };
  }
  return (c) => {
    const x = c.xi32;
    const nh = x[2 * n + 1]!;
    const mh = x[2 * m + 1]!;
    if (nh >= -EXACT_HI && nh < EXACT_HI && mh >= -EXACT_HI && mh < EXACT_HI) {
      // |a|, |b| <= 2^52: divide the magnitudes, then apply the sign (truncation toward zero).
      const a = nh * TWO32 + (x[2 * n]! >>> 0);
      const b = mh * TWO32 + (x[2 * m]! >>> 0);
      let q = b === 0 ? 0 : udivExact(Math.abs(a), Math.abs(b));
      if ((a < 0) !== (b < 0)) q = -q;
      x[2 * d] = q;
      x[2 * d + 1] = Math.floor(q / TWO32);
      return;
    }
    const bl = x[2 * m]! >>> 0;
    if ((mh === 0 || mh === -1) && bl !== 0) {
      // |b| < 2^32: divide |a| (as unsigned 64, so |INT64_MIN| = 2^63 works) and negate when the signs differ.
      const u = c.x32;
      const al = u[2 * n]!;
      const neg = nh < 0;
      const ml = neg ? (~al + 1) >>> 0 : al;
      const mhi = neg ? (~nh + (al === 0 ? 1 : 0)) >>> 0 : nh;
      udiv64by32(u, 2 * d, mhi, ml, mh === 0 ? bl : TWO32 - bl);
      if (neg !== (mh < 0)) {
        const ql = u[2 * d]!;
        u[2 * d + 1] = ~u[2 * d + 1]! + (ql === 0 ? 1 : 0);
        u[2 * d] = -ql;
      }
      return;
    }
    const x64 = c.x64;
    const bb = BigInt.asIntN(64, x64[m]!);
    x64[d] = bb === 0n ? 0n : BigInt.asUintN(64, BigInt.asIntN(64, x64[n]!) / bb);
  };
};

/** LSLV/LSRV/ASRV/RORV: the shift amount is Rm modulo the register size. */
function shiftVar(t: number): Factory {
  return (f) => {
    const n = srcZr(f.rn!);
    const m = srcZr(f.rm!);
    const d = dstZr(f.rd!);
    if (f.sf === 0) {
      return (c) => { const x = c.x32; x[2 * d] = shift32(x[2 * n]!, t, x[2 * m]! & 31); x[2 * d + 1] = 0; };
    }
    return (c) => {
      const x = c.x32;
      const s = x[2 * m]! & 63;
      const lo = x[2 * n]!;
      const hi = x[2 * n + 1]!;
      x[2 * d] = shiftLo64(lo, hi, t, s);
      x[2 * d + 1] = shiftHi64(lo, hi, t, s);
    };
  };
}

/** CRC32{B,H,W,X} and CRC32C{B,H,W,X}: X needs sf = 1, the others sf = 0. */
const CRC32: Factory = (f) => {
  const sz = f.sz!;
  if ((sz === 3) !== (f.sf === 1)) return null;
  const table = f.c === 1 ? CRC32C_TABLE : CRC32_TABLE;
  const n = srcZr(f.rn!);
  const m = srcZr(f.rm!);
  const d = dstZr(f.rd!);
  if (sz === 3) {
    return (c) => {
      const x = c.x32;
      const r = crc32Update(table, x[2 * n]!, x[2 * m]!, 4);
      x[2 * d] = crc32Update(table, r, x[2 * m + 1]!, 4);
      x[2 * d + 1] = 0;
    };
  }
  const bytes = 1 << sz;
  return (c) => {
    const x = c.x32;
    x[2 * d] = crc32Update(table, x[2 * n]!, x[2 * m]!, bytes);
    x[2 * d + 1] = 0;
  };
};

// ---- 1-source ----

function rbit32(v: number): number {
  let r = ((v >>> 1) & 0x5555_5555) | ((v & 0x5555_5555) << 1);
  r = ((r >>> 2) & 0x3333_3333) | ((r & 0x3333_3333) << 2);
  r = ((r >>> 4) & 0x0f0f_0f0f) | ((r & 0x0f0f_0f0f) << 4);
  r = ((r >>> 8) & 0x00ff_00ff) | ((r & 0x00ff_00ff) << 8);
  return (r >>> 16) | (r << 16);
}

function bswap32(v: number): number {
  return ((v >>> 24) | ((v >>> 8) & 0xff00) | ((v & 0xff00) << 8) | (v << 24)) >>> 0;
}

function rev16(v: number): number {
  return ((v >>> 8) & 0x00ff_00ff) | ((v & 0x00ff_00ff) << 8);
}

/** Number of bits after the sign bit that equal it (CountLeadingSignBits over 32 bits). */
function cls32(v: number): number {
  return Math.clz32(v ^ (v >> 31)) - 1;
}

function oneSource(kind: 'rbit' | 'rev16' | 'rev32' | 'rev' | 'clz' | 'cls'): Factory {
  return (f) => {
    const n = srcZr(f.rn!);
    const d = dstZr(f.rd!);
    const sf = f.sf === 1;
    if (!sf) {
      switch (kind) {
        case 'rbit': return (c) => { const x = c.x32; x[2 * d] = rbit32(x[2 * n]!); x[2 * d + 1] = 0; };
        case 'rev16': return (c) => { const x = c.x32; x[2 * d] = rev16(x[2 * n]!); x[2 * d + 1] = 0; };
        case 'rev32': return (c) => { const x = c.x32; x[2 * d] = bswap32(x[2 * n]!); x[2 * d + 1] = 0; };
        case 'rev': return null; // opc 11 with sf = 0 is unallocated (REV Wd is opc 10)
        case 'clz': return (c) => { const x = c.x32; x[2 * d] = Math.clz32(x[2 * n]!); x[2 * d + 1] = 0; };
        default: return (c) => { const x = c.x32; x[2 * d] = cls32(x[2 * n]!); x[2 * d + 1] = 0; };
      }
    }
    switch (kind) {
      case 'rbit':
        return (c) => { const x = c.x32; const lo = x[2 * n]!; x[2 * d] = rbit32(x[2 * n + 1]!); x[2 * d + 1] = rbit32(lo); };
      case 'rev16':
        return (c) => { const x = c.x32; x[2 * d] = rev16(x[2 * n]!); x[2 * d + 1] = rev16(x[2 * n + 1]!); };
      case 'rev32':
        return (c) => { const x = c.x32; x[2 * d] = bswap32(x[2 * n]!); x[2 * d + 1] = bswap32(x[2 * n + 1]!); };
      case 'rev':
        return (c) => { const x = c.x32; const lo = x[2 * n]!; x[2 * d] = bswap32(x[2 * n + 1]!); x[2 * d + 1] = bswap32(lo); };
      case 'clz':
        return (c) => {
          const x = c.x32;
          const hi = x[2 * n + 1]!;
          x[2 * d] = hi !== 0 ? Math.clz32(hi) : 32 + Math.clz32(x[2 * n]!);
          x[2 * d + 1] = 0;
        };
      default:
        return (c) => {
          const x = c.x32;
          const hi = x[2 * n + 1]!;
          const sign = hi >> 31;
          const h = hi ^ sign;
          x[2 * d] = h !== 0 ? Math.clz32(h) - 1 : 31 + Math.clz32(x[2 * n]! ^ sign);
          x[2 * d + 1] = 0;
        };
    }
  };
}

// ---- 3-source ----

/** MADD/MSUB: Rd = Ra ± Rn * Rm, the 64-bit product's low 64 bits built from 32-bit pieces. */
function mulAdd(sub: boolean): Factory {
  return (f) => {
    const n = srcZr(f.rn!);
    const m = srcZr(f.rm!);
    const a = srcZr(f.ra!);
    const d = dstZr(f.rd!);
    if (f.sf === 0) {
      return sub
        ? (c) => { const x = c.x32; x[2 * d] = x[2 * a]! - Math.imul(x[2 * n]!, x[2 * m]!); x[2 * d + 1] = 0; }
        : (c) => { const x = c.x32; x[2 * d] = x[2 * a]! + Math.imul(x[2 * n]!, x[2 * m]!); x[2 * d + 1] = 0; };
    }
    return (c) => {
      const x = c.x32;
      const nl = x[2 * n]!;
      const ml = x[2 * m]!;
      const pl = Math.imul(nl, ml) >>> 0;
      const ph = (mulhu32(nl, ml) + Math.imul(nl, x[2 * m + 1]!) + Math.imul(x[2 * n + 1]!, ml)) >>> 0;
      const al = x[2 * a]!;
      const ah = x[2 * a + 1]!;
      if (sub) {
        const lo = al - pl;
        x[2 * d + 1] = ah - ph - (lo < 0 ? 1 : 0);
        x[2 * d] = lo;
      } else {
        const lo = al + pl;
        x[2 * d + 1] = ah + ph + (lo > 0xffff_ffff ? 1 : 0);
        x[2 * d] = lo;
      }
    };
  };
}

/** SMADDL/SMSUBL/UMADDL/UMSUBL: Xd = Xa ± Wn * Wm with a 64-bit product (signed: correct the unsigned high word). */
function mulAddLong(signed: boolean, sub: boolean): Factory {
  return (f) => {
    const n = srcZr(f.rn!);
    const m = srcZr(f.rm!);
    const a = srcZr(f.ra!);
    const d = dstZr(f.rd!);
    return (c) => {
      const x = c.x32;
      const u = x[2 * n]!;
      const v = x[2 * m]!;
      const pl = Math.imul(u, v) >>> 0;
      let ph = mulhu32(u, v);
      if (signed) ph = (ph - ((u >> 31) & v) - ((v >> 31) & u)) >>> 0;
      const al = x[2 * a]!;
      const ah = x[2 * a + 1]!;
      if (sub) {
        const lo = al - pl;
        x[2 * d + 1] = ah - ph - (lo < 0 ? 1 : 0);
        x[2 * d] = lo;
      } else {
        const lo = al + pl;
        x[2 * d + 1] = ah + ph + (lo > 0xffff_ffff ? 1 : 0);
        x[2 * d] = lo;
      }
    };
  };
}

/**
 * SMULH/UMULH: the high 64 bits of the 128-bit product, from four 32x32 partial products (compilers
 * emit UMULH for every division by a constant, so this avoids BigInt). The signed form subtracts
 * the other operand for each negative one, modulo 2^64. Ra is ignored (should be 31), as QEMU does.
 */
function mulHigh(signed: boolean): Factory {
  return (f) => {
    const n = srcZr(f.rn!);
    const m = srcZr(f.rm!);
    const d = dstZr(f.rd!);
    return (c) => {
      const x = c.x32;
      const al = x[2 * n]!;
      const ah = x[2 * n + 1]!;
      const bl = x[2 * m]!;
      const bh = x[2 * m + 1]!;
      // Bits 32..95 of the product: carry out of the middle column, then the upper partial products.
      const mid = mulhu32(al, bl) + (Math.imul(al, bh) >>> 0) + (Math.imul(ah, bl) >>> 0);
      let lo = (Math.imul(ah, bh) >>> 0) + mulhu32(al, bh) + mulhu32(ah, bl) + Math.floor(mid / 0x1_0000_0000);
      let hi = mulhu32(ah, bh) + Math.floor(lo / 0x1_0000_0000);
      if (signed) {
        // lo, hi as exact non-negative sums; subtract (b << 64 >> 64) terms as 64-bit values.
        lo = lo % 0x1_0000_0000;
        if ((ah & 0x8000_0000) !== 0) {
          lo -= bl;
          hi -= bh + (lo < 0 ? 1 : 0);
          lo = lo < 0 ? lo + 0x1_0000_0000 : lo;
        }
        if ((bh & 0x8000_0000) !== 0) {
          lo -= al;
          hi -= ah + (lo < 0 ? 1 : 0);
          lo = lo < 0 ? lo + 0x1_0000_0000 : lo;
        }
      }
      x[2 * d] = lo;
      x[2 * d + 1] = hi;
    };
  };
}

export const MISC_HANDLERS: Readonly<Record<string, Factory>> = {
  UDIV,
  SDIV,
  LSLV: shiftVar(0),
  LSRV: shiftVar(1),
  ASRV: shiftVar(2),
  RORV: shiftVar(3),
  CRC32,
  RBIT: oneSource('rbit'),
  REV16: oneSource('rev16'),
  REV32: oneSource('rev32'),
  REV: oneSource('rev'),
  CLZ: oneSource('clz'),
  CLS: oneSource('cls'),
  MADD: mulAdd(false),
  MSUB: mulAdd(true),
  SMADDL: mulAddLong(true, false),
  SMSUBL: mulAddLong(true, true),
  UMADDL: mulAddLong(false, false),
  UMSUBL: mulAddLong(false, true),
  SMULH: mulHigh(true),
  UMULH: mulHigh(false),
};
