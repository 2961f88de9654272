/** Loads and stores of general registers, Arm ARM DDI0487 C4.1.88. */
import { parsePatterns } from './pattern.js';

export const LDST_PATTERNS = parsePatterns(`
LDST_uimm   size:2 111 0 01 opc:2 imm:12 rn:5 rt:5
`, 'ldst');
