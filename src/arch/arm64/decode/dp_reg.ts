/** Data processing (register) encodings, Arm ARM DDI0487 C4.1.87 (v8.0 classes). */
import { parsePatterns } from './pattern.js';

export const DP_REG_PATTERNS = parsePatterns(`
# Logical (shifted register): shift 3 is ROR
AND_r     sf:1 00 01010 shift:2 0 rm:5 imm6:6 rn:5 rd:5
BIC_r     sf:1 00 01010 shift:2 1 rm:5 imm6:6 rn:5 rd:5
ORR_r     sf:1 01 01010 shift:2 0 rm:5 imm6:6 rn:5 rd:5
ORN_r     sf:1 01 01010 shift:2 1 rm:5 imm6:6 rn:5 rd:5
EOR_r     sf:1 10 01010 shift:2 0 rm:5 imm6:6 rn:5 rd:5
EON_r     sf:1 10 01010 shift:2 1 rm:5 imm6:6 rn:5 rd:5
ANDS_r    sf:1 11 01010 shift:2 0 rm:5 imm6:6 rn:5 rd:5
BICS_r    sf:1 11 01010 shift:2 1 rm:5 imm6:6 rn:5 rd:5
# Add/subtract (shifted register): shift 3 is reserved
ADD_r     sf:1 0 0 01011 shift:2 0 rm:5 imm6:6 rn:5 rd:5
ADDS_r    sf:1 0 1 01011 shift:2 0 rm:5 imm6:6 rn:5 rd:5
SUB_r     sf:1 1 0 01011 shift:2 0 rm:5 imm6:6 rn:5 rd:5
SUBS_r    sf:1 1 1 01011 shift:2 0 rm:5 imm6:6 rn:5 rd:5
# Add/subtract (extended register): opt must be 00, imm3 at most 4
ADD_x     sf:1 0 0 01011 opt:2 1 rm:5 option:3 imm3:3 rn:5 rd:5
ADDS_x    sf:1 0 1 01011 opt:2 1 rm:5 option:3 imm3:3 rn:5 rd:5
SUB_x     sf:1 1 0 01011 opt:2 1 rm:5 option:3 imm3:3 rn:5 rd:5
SUBS_x    sf:1 1 1 01011 opt:2 1 rm:5 option:3 imm3:3 rn:5 rd:5
# Add/subtract with carry
ADC       sf:1 0 0 11010000 rm:5 000000 rn:5 rd:5
ADCS      sf:1 0 1 11010000 rm:5 000000 rn:5 rd:5
SBC       sf:1 1 0 11010000 rm:5 000000 rn:5 rd:5
SBCS      sf:1 1 1 11010000 rm:5 000000 rn:5 rd:5
# Conditional compare (register, immediate)
CCMN_r    sf:1 0 1 11010010 rm:5 cond:4 0 0 rn:5 0 nzcv:4
CCMP_r    sf:1 1 1 11010010 rm:5 cond:4 0 0 rn:5 0 nzcv:4
CCMN_i    sf:1 0 1 11010010 imm5:5 cond:4 1 0 rn:5 0 nzcv:4
CCMP_i    sf:1 1 1 11010010 imm5:5 cond:4 1 0 rn:5 0 nzcv:4
# Conditional select
CSEL      sf:1 0 0 11010100 rm:5 cond:4 0 0 rn:5 rd:5
CSINC     sf:1 0 0 11010100 rm:5 cond:4 0 1 rn:5 rd:5
CSINV     sf:1 1 0 11010100 rm:5 cond:4 0 0 rn:5 rd:5
CSNEG     sf:1 1 0 11010100 rm:5 cond:4 0 1 rn:5 rd:5
# Data processing (2 source)
UDIV      sf:1 0 0 11010110 rm:5 000010 rn:5 rd:5
SDIV      sf:1 0 0 11010110 rm:5 000011 rn:5 rd:5
LSLV      sf:1 0 0 11010110 rm:5 001000 rn:5 rd:5
LSRV      sf:1 0 0 11010110 rm:5 001001 rn:5 rd:5
ASRV      sf:1 0 0 11010110 rm:5 001010 rn:5 rd:5
RORV      sf:1 0 0 11010110 rm:5 001011 rn:5 rd:5
CRC32     sf:1 0 0 11010110 rm:5 010 c:1 sz:2 rn:5 rd:5
# Data processing (1 source)
RBIT      sf:1 1 0 11010110 00000 000000 rn:5 rd:5
REV16     sf:1 1 0 11010110 00000 000001 rn:5 rd:5
REV32     sf:1 1 0 11010110 00000 000010 rn:5 rd:5
REV       sf:1 1 0 11010110 00000 000011 rn:5 rd:5
CLZ       sf:1 1 0 11010110 00000 000100 rn:5 rd:5
CLS       sf:1 1 0 11010110 00000 000101 rn:5 rd:5
# Data processing (3 source)
MADD      sf:1 00 11011 000 rm:5 0 ra:5 rn:5 rd:5
MSUB      sf:1 00 11011 000 rm:5 1 ra:5 rn:5 rd:5
SMADDL    1 00 11011 001 rm:5 0 ra:5 rn:5 rd:5
SMSUBL    1 00 11011 001 rm:5 1 ra:5 rn:5 rd:5
SMULH     1 00 11011 010 rm:5 0 ra:5 rn:5 rd:5
UMADDL    1 00 11011 101 rm:5 0 ra:5 rn:5 rd:5
UMSUBL    1 00 11011 101 rm:5 1 ra:5 rn:5 rd:5
UMULH     1 00 11011 110 rm:5 0 ra:5 rn:5 rd:5
`, 'dp_reg');
