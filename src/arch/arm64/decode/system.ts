/**
 * System instructions, Arm ARM DDI0487 C4.1.87 (Branches, Exception Generating and System
 * instructions, the op0 = 1101 0101 00 part): hints, barriers, PSTATE writes, SYS, MRS/MSR.
 *
 * Unallocated in this v8.0 CPU, so absent (UNDEFINED): SB (FEAT_SB), DSB nXS (FEAT_XS), TME,
 * the FEAT_FlagM/AXFLAG PSTATE forms, SYSL, and hints with Rt != 31.
 */
import { parsePatterns } from './pattern.js';

export const SYSTEM_PATTERNS = parsePatterns(`
WFE       1101010100 0 00 011 0010 0000 010 11111
WFI       1101010100 0 00 011 0010 0000 011 11111
HINT      1101010100 0 00 011 0010 crm:4 op2:3 11111
CLREX     1101010100 0 00 011 0011 crm:4 010 11111
DSB       1101010100 0 00 011 0011 crm:4 100 11111
DMB       1101010100 0 00 011 0011 crm:4 101 11111
ISB       1101010100 0 00 011 0011 crm:4 110 11111
MSR_i     1101010100 0 00 op1:3 0100 crm:4 op2:3 11111
SYS       1101010100 0 01 op1:3 crn:4 crm:4 op2:3 rt:5
MSR_r     1101010100 0 1 o0:1 op1:3 crn:4 crm:4 op2:3 rt:5
MRS       1101010100 1 1 o0:1 op1:3 crn:4 crm:4 op2:3 rt:5
`, 'system');
