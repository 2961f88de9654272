/** Branches, exception generation and hints, Arm ARM DDI0487 C4.1.87 (the system part lives in system.ts). */
import { parsePatterns } from './pattern.js';

export const BRANCH_PATTERNS = parsePatterns(`
B         000101 imm:26
BL        100101 imm:26
B_cond    0101010 0 imm:19 0 cond:4
CBZ       sf:1 011010 0 imm:19 rt:5
CBNZ      sf:1 011010 1 imm:19 rt:5
TBZ       b5:1 011011 0 b40:5 imm:14 rt:5
TBNZ      b5:1 011011 1 b40:5 imm:14 rt:5
BR        1101011 0000 11111 000000 rn:5 00000
BLR       1101011 0001 11111 000000 rn:5 00000
RET       1101011 0010 11111 000000 rn:5 00000
ERET      1101011 0100 11111 000000 11111 00000
SVC       11010100 000 imm:16 000 01
HVC       11010100 000 imm:16 000 10
SMC       11010100 000 imm:16 000 11
BRK       11010100 001 imm:16 000 00
`, 'branch');
