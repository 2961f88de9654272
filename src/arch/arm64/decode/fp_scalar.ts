/**
 * Scalar floating-point encodings (Arm ARM DDI0487 C4.1.96 "Data Processing -- Scalar Floating-Point
 * and Advanced SIMD": floating-point data-processing 1/2/3 source, compare, conditional compare and
 * select, immediate, and conversions to and from integer and fixed point). `0 sz:1` in the ftype field
 * admits single (00) and double (01) only: half precision arithmetic (FEAT_FP16) stays UNDEFINED, and
 * FCVT, the one instruction that takes half-precision operands here, has its own full ftype field.
 */
import { parsePatterns } from './pattern.js';

/** [name, opcode] of floating-point data-processing (2 source). */
export const FP_DP2: readonly (readonly [string, string])[] = [
  ['FMUL_s', '0000'], ['FDIV_s', '0001'], ['FADD_s', '0010'], ['FSUB_s', '0011'], ['FMAX_s', '0100'],
  ['FMIN_s', '0101'], ['FMAXNM_s', '0110'], ['FMINNM_s', '0111'], ['FNMUL_s', '1000'],
];

/** [name, opcode] of floating-point data-processing (1 source), FCVT aside. */
export const FP_DP1: readonly (readonly [string, string])[] = [
  ['FMOV_r', '000000'], ['FABS_s', '000001'], ['FNEG_s', '000010'], ['FSQRT_s', '000011'],
  ['FRINTN_s', '001000'], ['FRINTP_s', '001001'], ['FRINTM_s', '001010'], ['FRINTZ_s', '001011'],
  ['FRINTA_s', '001100'], ['FRINTX_s', '001110'], ['FRINTI_s', '001111'],
];

const rows = [
  ...FP_DP2.map(([n, op]) => `${n}  000 11110 0 sz:1 1 rm:5 ${op} 10 rn:5 rd:5`),
  ...FP_DP1.map(([n, op]) => `${n}  000 11110 0 sz:1 1 ${op} 10000 rn:5 rd:5`),
];

export const FP_SCALAR_PATTERNS = parsePatterns(`
${rows.join('\n')}
FCVT_s      000 11110 ftype:2 1 0001 opc:2 10000 rn:5 rd:5
FCMP        000 11110 0 sz:1 1 rm:5 00 1000 rn:5 e:1 z:1 000
FCCMP       000 11110 0 sz:1 1 rm:5 cond:4 01 rn:5 e:1 nzcv:4
FCSEL       000 11110 0 sz:1 1 rm:5 cond:4 11 rn:5 rd:5
FMADD       000 11111 0 sz:1 0 rm:5 0 ra:5 rn:5 rd:5
FMSUB       000 11111 0 sz:1 0 rm:5 1 ra:5 rn:5 rd:5
FNMADD      000 11111 0 sz:1 1 rm:5 0 ra:5 rn:5 rd:5
FNMSUB      000 11111 0 sz:1 1 rm:5 1 ra:5 rn:5 rd:5
FMOV_i      000 11110 0 sz:1 1 imm8:8 100 00000 rd:5
`, 'fp_scalar');

/** Conversions between floating point and integer or fixed point (C4.1.96.32, C4.1.96.33). */
export const FP_CONV_PATTERNS = parsePatterns(`
SCVTF_fix   sf:1 00 11110 0 sz:1 0 00 010 scale:6 rn:5 rd:5
UCVTF_fix   sf:1 00 11110 0 sz:1 0 00 011 scale:6 rn:5 rd:5
FCVTZS_fix  sf:1 00 11110 0 sz:1 0 11 000 scale:6 rn:5 rd:5
FCVTZU_fix  sf:1 00 11110 0 sz:1 0 11 001 scale:6 rn:5 rd:5
FCVT_int    sf:1 00 11110 0 sz:1 1 rmode:2 00 u:1 000000 rn:5 rd:5
FCVTA_int   sf:1 00 11110 0 sz:1 1 00 10 u:1 000000 rn:5 rd:5
SCVTF_int   sf:1 00 11110 0 sz:1 1 00 010 000000 rn:5 rd:5
UCVTF_int   sf:1 00 11110 0 sz:1 1 00 011 000000 rn:5 rd:5
FMOV_gen    sf:1 00 11110 ftype:2 1 rmode:2 11 tofp:1 000000 rn:5 rd:5
`, 'fp_conv');
