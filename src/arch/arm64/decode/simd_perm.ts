/**
 * AdvSIMD copy and permute encodings: DUP/INS/UMOV/SMOV (Arm ARM DDI0487 C4.1.95 "Advanced SIMD copy"
 * and "Advanced SIMD scalar copy"), EXT, TBL/TBX ("Advanced SIMD table lookup") and
 * UZP/TRN/ZIP ("Advanced SIMD permute").
 */
import { parsePatterns } from './pattern.js';

/** Patterns of the copy/permute group (handlers in interp/simd_perm.ts). */
export const SIMD_PERM_PATTERNS = parsePatterns(`
DUP_elt     0 q:1 0 01110000 imm5:5 0 0000 1 rn:5 rd:5
DUP_gen     0 q:1 0 01110000 imm5:5 0 0001 1 rn:5 rd:5
INS_gen     0 1 0 01110000 imm5:5 0 0011 1 rn:5 rd:5
SMOV        0 q:1 0 01110000 imm5:5 0 0101 1 rn:5 rd:5
UMOV        0 q:1 0 01110000 imm5:5 0 0111 1 rn:5 rd:5
INS_elt     0 1 1 01110000 imm5:5 0 imm4:4 1 rn:5 rd:5
DUP_scalar  01 0 11110000 imm5:5 0 0000 1 rn:5 rd:5
EXT         0 q:1 101110 00 0 rm:5 0 imm4:4 0 rn:5 rd:5
TBL         0 q:1 001110 00 0 rm:5 0 len:2 0 00 rn:5 rd:5
TBX         0 q:1 001110 00 0 rm:5 0 len:2 1 00 rn:5 rd:5
UZP1        0 q:1 001110 size:2 0 rm:5 0 001 10 rn:5 rd:5
TRN1        0 q:1 001110 size:2 0 rm:5 0 010 10 rn:5 rd:5
ZIP1        0 q:1 001110 size:2 0 rm:5 0 011 10 rn:5 rd:5
UZP2        0 q:1 001110 size:2 0 rm:5 0 101 10 rn:5 rd:5
TRN2        0 q:1 001110 size:2 0 rm:5 0 110 10 rn:5 rd:5
ZIP2        0 q:1 001110 size:2 0 rm:5 0 111 10 rn:5 rd:5
`, 'simd_perm');
