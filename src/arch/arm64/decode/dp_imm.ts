/** Data processing (immediate) encodings, Arm ARM DDI0487 C4.1.86: PC-relative, add/subtract, move wide, logical, bitfield, extract. */
import { parsePatterns } from './pattern.js';

export const DP_IMM_PATTERNS = parsePatterns(`
ADR       0 immlo:2 10000 immhi:19 rd:5
ADRP      1 immlo:2 10000 immhi:19 rd:5
ADD_i     sf:1 0 0 100010 sh:1 imm:12 rn:5 rd:5
ADDS_i    sf:1 0 1 100010 sh:1 imm:12 rn:5 rd:5
SUB_i     sf:1 1 0 100010 sh:1 imm:12 rn:5 rd:5
SUBS_i    sf:1 1 1 100010 sh:1 imm:12 rn:5 rd:5
MOVN      sf:1 00 100101 hw:2 imm:16 rd:5
MOVZ      sf:1 10 100101 hw:2 imm:16 rd:5
MOVK      sf:1 11 100101 hw:2 imm:16 rd:5
AND_i     sf:1 00 100100 n:1 immr:6 imms:6 rn:5 rd:5
ORR_i     sf:1 01 100100 n:1 immr:6 imms:6 rn:5 rd:5
EOR_i     sf:1 10 100100 n:1 immr:6 imms:6 rn:5 rd:5
ANDS_i    sf:1 11 100100 n:1 immr:6 imms:6 rn:5 rd:5
SBFM      sf:1 00 100110 n:1 immr:6 imms:6 rn:5 rd:5
BFM       sf:1 01 100110 n:1 immr:6 imms:6 rn:5 rd:5
UBFM      sf:1 10 100110 n:1 immr:6 imms:6 rn:5 rd:5
EXTR      sf:1 00 100111 n:1 0 rm:5 imms:6 rn:5 rd:5
`, 'dp_imm');
