/**
 * AdvSIMD data movement and bitwise encodings (Arm ARM DDI0487 C4.1.95): modified immediate
 * (MOVI/MVNI/ORR/BIC/FMOV), integer across lanes, the logical opcode of "three same" (opcode 00011)
 * and the REV/CNT/NOT/RBIT opcodes of "two-register miscellaneous".
 */
import { parsePatterns } from './pattern.js';

/** Patterns of the move/bitwise/across-lanes group (handlers in interp/simd_mov.ts and interp/simd_mov_lanes.ts). */
export const SIMD_MOV_PATTERNS = parsePatterns(`
MODIMM_v    0 q:1 op:1 0111100000 abc:3 cmode:4 o2:1 1 defgh:5 rd:5
ADDV        0 q:1 0 01110 size:2 11000 11011 10 rn:5 rd:5
SADDLV      0 q:1 0 01110 size:2 11000 00011 10 rn:5 rd:5
UADDLV      0 q:1 1 01110 size:2 11000 00011 10 rn:5 rd:5
SMAXV       0 q:1 0 01110 size:2 11000 01010 10 rn:5 rd:5
UMAXV       0 q:1 1 01110 size:2 11000 01010 10 rn:5 rd:5
SMINV       0 q:1 0 01110 size:2 11000 11010 10 rn:5 rd:5
UMINV       0 q:1 1 01110 size:2 11000 11010 10 rn:5 rd:5
AND_v       0 q:1 0 01110 00 1 rm:5 00011 1 rn:5 rd:5
BIC_v       0 q:1 0 01110 01 1 rm:5 00011 1 rn:5 rd:5
ORR_v       0 q:1 0 01110 10 1 rm:5 00011 1 rn:5 rd:5
ORN_v       0 q:1 0 01110 11 1 rm:5 00011 1 rn:5 rd:5
EOR_v       0 q:1 1 01110 00 1 rm:5 00011 1 rn:5 rd:5
BSL_v       0 q:1 1 01110 01 1 rm:5 00011 1 rn:5 rd:5
BIT_v       0 q:1 1 01110 10 1 rm:5 00011 1 rn:5 rd:5
BIF_v       0 q:1 1 01110 11 1 rm:5 00011 1 rn:5 rd:5
REV64_v     0 q:1 0 01110 size:2 10000 00000 10 rn:5 rd:5
REV32_v     0 q:1 1 01110 size:2 10000 00000 10 rn:5 rd:5
REV16_v     0 q:1 0 01110 size:2 10000 00001 10 rn:5 rd:5
CNT_v       0 q:1 0 01110 size:2 10000 00101 10 rn:5 rd:5
NOT_v       0 q:1 1 01110 00 10000 00101 10 rn:5 rd:5
RBIT_v      0 q:1 1 01110 01 10000 00101 10 rn:5 rd:5
`, 'simd_mov');
