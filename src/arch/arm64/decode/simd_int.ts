/**
 * AdvSIMD integer encodings with register operands: three same, three different, two-register misc and
 * scalar pairwise, vector and scalar (Arm ARM DDI0487, C4.1 "Data Processing -- Scalar Floating-Point
 * and Advanced SIMD"). Each pattern fixes U and the opcode, so the FP and logical instructions that share
 * these classes (opcode 11xxx, 00011, REV/CNT/NOT/RBIT) never match here.
 *
 * Pattern names: `_v` vector, `_s` scalar, `_z` compare against zero.
 */
import { parsePatterns } from './pattern.js';

/** [name, U, opcode] of the integer three-same instructions (Arm ARM C4.1 "Advanced SIMD three same"). */
export const THREE_SAME: readonly (readonly [string, number, string])[] = [
  ['SHADD', 0, '00000'], ['UHADD', 1, '00000'],
  ['SQADD', 0, '00001'], ['UQADD', 1, '00001'],
  ['SRHADD', 0, '00010'], ['URHADD', 1, '00010'],
  ['SHSUB', 0, '00100'], ['UHSUB', 1, '00100'],
  ['SQSUB', 0, '00101'], ['UQSUB', 1, '00101'],
  ['CMGT', 0, '00110'], ['CMHI', 1, '00110'],
  ['CMGE', 0, '00111'], ['CMHS', 1, '00111'],
  ['SSHL', 0, '01000'], ['USHL', 1, '01000'],
  ['SQSHL', 0, '01001'], ['UQSHL', 1, '01001'],
  ['SRSHL', 0, '01010'], ['URSHL', 1, '01010'],
  ['SQRSHL', 0, '01011'], ['UQRSHL', 1, '01011'],
  ['SMAX', 0, '01100'], ['UMAX', 1, '01100'],
  ['SMIN', 0, '01101'], ['UMIN', 1, '01101'],
  ['SABD', 0, '01110'], ['UABD', 1, '01110'],
  ['SABA', 0, '01111'], ['UABA', 1, '01111'],
  ['ADD', 0, '10000'], ['SUB', 1, '10000'],
  ['CMTST', 0, '10001'], ['CMEQ', 1, '10001'],
  ['MLA', 0, '10010'], ['MLS', 1, '10010'],
  ['MUL', 0, '10011'], ['PMUL', 1, '10011'],
  ['SMAXP', 0, '10100'], ['UMAXP', 1, '10100'],
  ['SMINP', 0, '10101'], ['UMINP', 1, '10101'],
  ['SQDMULH', 0, '10110'], ['SQRDMULH', 1, '10110'],
  ['ADDP', 0, '10111'],
];

/** The three-same instructions that also have a scalar form (Arm ARM C4.1 "Advanced SIMD scalar three same"). */
export const SCALAR_THREE_SAME = new Set([
  'SQADD', 'UQADD', 'SQSUB', 'UQSUB', 'CMGT', 'CMHI', 'CMGE', 'CMHS', 'SSHL', 'USHL', 'SQSHL', 'UQSHL',
  'SRSHL', 'URSHL', 'SQRSHL', 'UQRSHL', 'ADD', 'SUB', 'CMTST', 'CMEQ', 'SQDMULH', 'SQRDMULH',
]);

/** [name, U, opcode] of the three-different instructions (Arm ARM C4.1 "Advanced SIMD three different" and "scalar three different"); the scalar ones are marked. */
export const THREE_DIFF: readonly (readonly [string, number, string, boolean])[] = [
  ['SADDL', 0, '0000', false], ['UADDL', 1, '0000', false],
  ['SADDW', 0, '0001', false], ['UADDW', 1, '0001', false],
  ['SSUBL', 0, '0010', false], ['USUBL', 1, '0010', false],
  ['SSUBW', 0, '0011', false], ['USUBW', 1, '0011', false],
  ['ADDHN', 0, '0100', false], ['RADDHN', 1, '0100', false],
  ['SABAL', 0, '0101', false], ['UABAL', 1, '0101', false],
  ['SUBHN', 0, '0110', false], ['RSUBHN', 1, '0110', false],
  ['SABDL', 0, '0111', false], ['UABDL', 1, '0111', false],
  ['SMLAL', 0, '1000', false], ['UMLAL', 1, '1000', false],
  ['SQDMLAL', 0, '1001', true],
  ['SMLSL', 0, '1010', false], ['UMLSL', 1, '1010', false],
  ['SQDMLSL', 0, '1011', true],
  ['SMULL', 0, '1100', false], ['UMULL', 1, '1100', false],
  ['SQDMULL', 0, '1101', true],
  ['PMULL', 0, '1110', false],
];

/** [name, U, opcode, has scalar form] of the integer two-register misc instructions (Arm ARM C4.1 "Advanced SIMD two-register miscellaneous" and its scalar twin). */
export const MISC: readonly (readonly [string, number, string, boolean])[] = [
  ['SADDLP', 0, '00010', false], ['UADDLP', 1, '00010', false],
  ['SUQADD', 0, '00011', true], ['USQADD', 1, '00011', true],
  ['CLS', 0, '00100', false], ['CLZ', 1, '00100', false],
  ['SADALP', 0, '00110', false], ['UADALP', 1, '00110', false],
  ['SQABS', 0, '00111', true], ['SQNEG', 1, '00111', true],
  ['CMGT_z', 0, '01000', true], ['CMGE_z', 1, '01000', true],
  ['CMEQ_z', 0, '01001', true], ['CMLE_z', 1, '01001', true],
  ['CMLT_z', 0, '01010', true],
  ['ABS', 0, '01011', true], ['NEG', 1, '01011', true],
  ['XTN', 0, '10010', false], ['SQXTUN', 1, '10010', true],
  ['SHLL', 1, '10011', false],
  ['SQXTN', 0, '10100', true], ['UQXTN', 1, '10100', true],
];

function lines(): string {
  const out: string[] = [];
  for (const [name, u, opc] of THREE_SAME) {
    out.push(`${name}_v  0 q:1 ${u} 01110 size:2 1 rm:5 ${opc} 1 rn:5 rd:5`);
    if (SCALAR_THREE_SAME.has(name)) out.push(`${name}_s  01 ${u} 11110 size:2 1 rm:5 ${opc} 1 rn:5 rd:5`);
  }
  for (const [name, u, opc, scalar] of THREE_DIFF) {
    out.push(`${name}_v  0 q:1 ${u} 01110 size:2 1 rm:5 ${opc} 00 rn:5 rd:5`);
    if (scalar) out.push(`${name}_s  01 ${u} 11110 size:2 1 rm:5 ${opc} 00 rn:5 rd:5`);
  }
  for (const [name, u, opc, scalar] of MISC) {
    out.push(`${name}_v  0 q:1 ${u} 01110 size:2 10000 ${opc} 10 rn:5 rd:5`);
    if (scalar) out.push(`${name}_s  01 ${u} 11110 size:2 10000 ${opc} 10 rn:5 rd:5`);
  }
  // Advanced SIMD scalar pairwise (Arm ARM C4.1 "Advanced SIMD scalar pairwise"): ADDP Dd, Vn.2D is its only integer instruction.
  out.push('ADDP_s  01 0 11110 size:2 11000 11011 10 rn:5 rd:5');
  return out.join('\n');
}

export const SIMD_INT_PATTERNS = parsePatterns(lines(), 'simd_int');
