/**
 * AdvSIMD floating-point encodings, vector and scalar (Arm ARM DDI0487 C4.1.95: three same with
 * opcode 11xxx, two-register misc with opcodes 011xx (size<1> = 1) and 1011x/11xxx, by element with
 * size<1> = 1, across lanes and scalar pairwise with opcode 011xx and U = 1, and the fixed-point
 * conversions of shift by immediate). Every pattern fixes U, size<1> (`a`) and the opcode; `sz`
 * selects single or double lanes. The half-precision forms (FEAT_FP16) are different encodings and
 * stay UNDEFINED. Pattern names: `_v` vector, `_s` scalar, `_e`/`_es` by element, `_z` compare with
 * zero, `_fix` fixed point.
 */
import { parsePatterns } from './pattern.js';

/** [name, U, a, opcode<2:0> of 11xxx] of three same. */
export const FP3: readonly (readonly [string, number, number, string, boolean])[] = [
  ['FMAXNM', 0, 0, '000', false], ['FMINNM', 0, 1, '000', false], ['FMLA', 0, 0, '001', false],
  ['FMLS', 0, 1, '001', false], ['FADD', 0, 0, '010', false], ['FSUB', 0, 1, '010', false],
  ['FMULX', 0, 0, '011', true], ['FCMEQ', 0, 0, '100', true], ['FMAX', 0, 0, '110', false],
  ['FMIN', 0, 1, '110', false], ['FRECPS', 0, 0, '111', true], ['FRSQRTS', 0, 1, '111', true],
  ['FMAXNMP', 1, 0, '000', false], ['FMINNMP', 1, 1, '000', false], ['FADDP', 1, 0, '010', false],
  ['FABD', 1, 1, '010', true], ['FMUL', 1, 0, '011', false], ['FCMGE', 1, 0, '100', true],
  ['FCMGT', 1, 1, '100', true], ['FACGE', 1, 0, '101', true], ['FACGT', 1, 1, '101', true],
  ['FMAXP', 1, 0, '110', false], ['FMINP', 1, 1, '110', false], ['FDIV', 1, 0, '111', false],
];

/** [name, U, a, opcode, has scalar form] of two-register misc. */
export const FP2: readonly (readonly [string, number, number, string, boolean])[] = [
  ['FRINTN', 0, 0, '11000', false], ['FRINTP', 0, 1, '11000', false], ['FRINTM', 0, 0, '11001', false],
  ['FRINTZ', 0, 1, '11001', false], ['FRINTA', 1, 0, '11000', false], ['FRINTX', 1, 0, '11001', false],
  ['FRINTI', 1, 1, '11001', false],
  ['FCVTNS', 0, 0, '11010', true], ['FCVTPS', 0, 1, '11010', true], ['FCVTMS', 0, 0, '11011', true],
  ['FCVTZS', 0, 1, '11011', true], ['FCVTAS', 0, 0, '11100', true], ['FCVTNU', 1, 0, '11010', true],
  ['FCVTPU', 1, 1, '11010', true], ['FCVTMU', 1, 0, '11011', true], ['FCVTZU', 1, 1, '11011', true],
  ['FCVTAU', 1, 0, '11100', true], ['SCVTF', 0, 0, '11101', true], ['UCVTF', 1, 0, '11101', true],
  ['FRECPE', 0, 1, '11101', true], ['FRSQRTE', 1, 1, '11101', true], ['URECPE', 0, 1, '11100', false],
  ['URSQRTE', 1, 1, '11100', false], ['FSQRT', 1, 1, '11111', false], ['FABS', 0, 1, '01111', false],
  ['FNEG', 1, 1, '01111', false], ['FCMGT_z', 0, 1, '01100', true], ['FCMGE_z', 1, 1, '01100', true],
  ['FCMEQ_z', 0, 1, '01101', true], ['FCMLE_z', 1, 1, '01101', true], ['FCMLT_z', 0, 1, '01110', true],
  ['FCVTN', 0, 0, '10110', false], ['FCVTL', 0, 0, '10111', false], ['FCVTXN', 1, 0, '10110', true],
];

/** [name, U, opcode] of by element. */
export const FPE: readonly (readonly [string, number, string])[] = [
  ['FMLA', 0, '0001'], ['FMLS', 0, '0101'], ['FMUL', 0, '1001'], ['FMULX', 1, '1001'],
];

/** [name, a, opcode] of across lanes (vector, U = 1) and scalar pairwise (U = 1). */
export const FPACROSS: readonly (readonly [string, number, string])[] = [
  ['FMAXNMV', 0, '01100'], ['FMINNMV', 1, '01100'], ['FMAXV', 0, '01111'], ['FMINV', 1, '01111'],
];
export const FPPAIR: readonly (readonly [string, number, string])[] = [
  ['FMAXNMP', 0, '01100'], ['FMINNMP', 1, '01100'], ['FADDP', 0, '01101'], ['FMAXP', 0, '01111'], ['FMINP', 1, '01111'],
];

/** [name, U, opcode] of the fixed-point conversions in shift by immediate. */
export const FPFIX: readonly (readonly [string, number, string])[] = [
  ['SCVTF', 0, '11100'], ['UCVTF', 1, '11100'], ['FCVTZS', 0, '11111'], ['FCVTZU', 1, '11111'],
];

function lines(): string {
  const out: string[] = [];
  for (const [n, u, a, op, sc] of FP3) {
    out.push(`${n}_v  0 q:1 ${u} 01110 ${a} sz:1 1 rm:5 11 ${op} 1 rn:5 rd:5`);
    if (sc) out.push(`${n}_s  01 ${u} 11110 ${a} sz:1 1 rm:5 11 ${op} 1 rn:5 rd:5`);
  }
  for (const [n, u, a, op, sc] of FP2) {
    const base = n.endsWith('_z') ? n.slice(0, -2) : n;
    const suf = n.endsWith('_z') ? '_z' : '';
    out.push(`${base}_v${suf}  0 q:1 ${u} 01110 ${a} sz:1 10000 ${op} 10 rn:5 rd:5`);
    if (sc) out.push(`${base}_s${suf}  01 ${u} 11110 ${a} sz:1 10000 ${op} 10 rn:5 rd:5`);
  }
  out.push('FRECPX_s  01 0 11110 1 sz:1 10000 11111 10 rn:5 rd:5');
  for (const [n, u, op] of FPE) {
    out.push(`${n}_e  0 q:1 ${u} 01111 1 sz:1 l:1 m:1 rm:4 ${op} h:1 0 rn:5 rd:5`);
    out.push(`${n}_es  01 ${u} 11111 1 sz:1 l:1 m:1 rm:4 ${op} h:1 0 rn:5 rd:5`);
  }
  for (const [n, a, op] of FPACROSS) out.push(`${n}  0 q:1 1 01110 ${a} 0 11000 ${op} 10 rn:5 rd:5`);
  for (const [n, a, op] of FPPAIR) out.push(`${n}_p  01 1 11110 ${a} sz:1 11000 ${op} 10 rn:5 rd:5`);
  for (const [n, u, op] of FPFIX) {
    out.push(`${n}_fixv_d  0 q:1 ${u} 011110 1 ih:3 immb:3 ${op} 1 rn:5 rd:5`);
    out.push(`${n}_fixv_s  0 q:1 ${u} 011110 01 ih:2 immb:3 ${op} 1 rn:5 rd:5`);
    out.push(`${n}_fixs_d  01 ${u} 111110 1 ih:3 immb:3 ${op} 1 rn:5 rd:5`);
    out.push(`${n}_fixs_s  01 ${u} 111110 01 ih:2 immb:3 ${op} 1 rn:5 rd:5`);
  }
  return out.join('\n');
}

export const SIMD_FP_PATTERNS = parsePatterns(lines(), 'simd_fp');
