/**
 * Loads and stores of SIMD&FP registers (the V=1 half of Arm ARM DDI0487 C4.1.88, "Loads and Stores"):
 * single registers in every addressing mode, literal loads, pairs, and the AdvSIMD structure
 * loads/stores (LD1-LD4, ST1-ST4, LD1R-LD4R).
 */
import { parsePatterns } from './pattern.js';

/** Patterns of the SIMD&FP load/store group (handlers in interp/ldst_simd.ts and interp/ldst_struct.ts). */
export const LDST_SIMD_PATTERNS = parsePatterns(`
# Load/store register (SIMD&FP). The access size is opc<1>:size (4 = Q); opc<0> is load.
LDST_SIMD_uimm      size:2 111 1 01 opc:2 imm:12 rn:5 rt:5
LDST_SIMD_unscaled  size:2 111 1 00 opc:2 0 imm:9 00 rn:5 rt:5
LDST_SIMD_post      size:2 111 1 00 opc:2 0 imm:9 01 rn:5 rt:5
LDST_SIMD_pre       size:2 111 1 00 opc:2 0 imm:9 11 rn:5 rt:5
LDST_SIMD_reg       size:2 111 1 00 opc:2 1 rm:5 option:3 s:1 10 rn:5 rt:5
LDR_SIMD_lit        opc:2 011 1 00 imm:19 rt:5
# Load/store pair (SIMD&FP): opc 0 = S, 1 = D, 2 = Q.
LDSTNP_SIMD         opc:2 101 1 0 00 l:1 imm:7 rt2:5 rn:5 rt:5
LDSTP_SIMD_post     opc:2 101 1 0 01 l:1 imm:7 rt2:5 rn:5 rt:5
LDSTP_SIMD_off      opc:2 101 1 0 10 l:1 imm:7 rt2:5 rn:5 rt:5
LDSTP_SIMD_pre      opc:2 101 1 0 11 l:1 imm:7 rt2:5 rn:5 rt:5
# AdvSIMD load/store multiple structures and single structure; rm = 31 means post-index by the transfer size.
LDST_MULT           0 q:1 0011000 l:1 000000 opcode:4 size:2 rn:5 rt:5
LDST_MULT_post      0 q:1 0011001 l:1 0 rm:5 opcode:4 size:2 rn:5 rt:5
LDST_SINGLE         0 q:1 0011010 l:1 r:1 00000 opcode:3 s:1 size:2 rn:5 rt:5
LDST_SINGLE_post    0 q:1 0011011 l:1 r:1 rm:5 opcode:3 s:1 size:2 rn:5 rt:5
`, 'ldst_simd');
