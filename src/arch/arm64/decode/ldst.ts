/**
 * Loads and stores of general registers, Arm ARM DDI0487 C4.1.88 (Loads and Stores).
 *
 * Every pattern here fixes bit 26 (V) to 0: the same layouts with V = 1 are the SIMD&FP loads and
 * stores, decoded by `ldst_simd.ts`. One group per encoding class, so each can live in its own file.
 */
import { parsePatterns } from './pattern.js';

/** Single register: immediate (scaled, unscaled, pre/post-indexed, unprivileged), register offset, literal. */
export const LDST_PATTERNS = parsePatterns(`
LDST_uimm      size:2 111 0 01 opc:2 imm:12 rn:5 rt:5
LDST_unscaled  size:2 111 0 00 opc:2 0 imm:9 00 rn:5 rt:5
LDST_post      size:2 111 0 00 opc:2 0 imm:9 01 rn:5 rt:5
LDST_unpriv    size:2 111 0 00 opc:2 0 imm:9 10 rn:5 rt:5
LDST_pre       size:2 111 0 00 opc:2 0 imm:9 11 rn:5 rt:5
LDST_reg       size:2 111 0 00 opc:2 1 rm:5 option:3 s:1 10 rn:5 rt:5
LDR_lit        opc:2 011 0 00 imm:19 rt:5
`, 'ldst');

/** Register pairs: no-allocate (LDNP/STNP), post-indexed, signed offset, pre-indexed. */
export const LDST_PAIR_PATTERNS = parsePatterns(`
LDSTP_nt       opc:2 101 0 000 l:1 imm:7 rt2:5 rn:5 rt:5
LDSTP_post     opc:2 101 0 001 l:1 imm:7 rt2:5 rn:5 rt:5
LDSTP_off      opc:2 101 0 010 l:1 imm:7 rt2:5 rn:5 rt:5
LDSTP_pre      opc:2 101 0 011 l:1 imm:7 rt2:5 rn:5 rt:5
`, 'ldst_pair');

/**
 * Exclusive, load-acquire/store-release and compare-and-swap (C4.1.88). The acquire/release
 * bits (o0, l) change only ordering, which a single-threaded interpreter gives for free.
 */
export const LDST_EXCL_PATTERNS = parsePatterns(`
STXR           size:2 001000 000 rs:5 o0:1 rt2:5 rn:5 rt:5
LDXR           size:2 001000 010 rs:5 o0:1 rt2:5 rn:5 rt:5
STXP           1 sz:1 001000 001 rs:5 o0:1 rt2:5 rn:5 rt:5
LDXP           1 sz:1 001000 011 rs:5 o0:1 rt2:5 rn:5 rt:5
STLR           size:2 001000 100 rs:5 o0:1 rt2:5 rn:5 rt:5
LDAR           size:2 001000 110 rs:5 o0:1 rt2:5 rn:5 rt:5
CAS            size:2 001000 1 l:1 1 rs:5 o0:1 11111 rn:5 rt:5
CASP           0 sz:1 001000 0 l:1 1 rs:5 o0:1 11111 rn:5 rt:5
`, 'ldst_excl');

/** Atomic memory operations, FEAT_LSE (C4.1.88): size 111 V=0 00 A R 1 Rs o3 opc 00 Rn Rt. */
export const LDST_ATOMIC_PATTERNS = parsePatterns(`
LDADD          size:2 111 0 00 a:1 r:1 1 rs:5 0 000 00 rn:5 rt:5
LDCLR          size:2 111 0 00 a:1 r:1 1 rs:5 0 001 00 rn:5 rt:5
LDEOR          size:2 111 0 00 a:1 r:1 1 rs:5 0 010 00 rn:5 rt:5
LDSET          size:2 111 0 00 a:1 r:1 1 rs:5 0 011 00 rn:5 rt:5
LDSMAX         size:2 111 0 00 a:1 r:1 1 rs:5 0 100 00 rn:5 rt:5
LDSMIN         size:2 111 0 00 a:1 r:1 1 rs:5 0 101 00 rn:5 rt:5
LDUMAX         size:2 111 0 00 a:1 r:1 1 rs:5 0 110 00 rn:5 rt:5
LDUMIN         size:2 111 0 00 a:1 r:1 1 rs:5 0 111 00 rn:5 rt:5
SWP            size:2 111 0 00 a:1 r:1 1 rs:5 1 000 00 rn:5 rt:5
# LDAPR (o3=1 opc=100, FEAT_LRCPC, v8.3) is not implemented: UNDEFINED on this v8.0 + LSE CPU.
`, 'ldst_atomic');
