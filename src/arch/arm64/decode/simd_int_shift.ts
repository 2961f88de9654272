/**
 * AdvSIMD integer encodings with an immediate or an element operand: shift by immediate and
 * multiply by element, vector and scalar (Arm ARM DDI0487, C4.1 "Advanced SIMD (scalar) shift by
 * immediate" and "Advanced SIMD (scalar) x indexed element").
 *
 * Shift by immediate shares its space with the modified-immediate class (immh == 0000), so each shift
 * is written four times, once per element size (immh = 0001, 001x, 01xx, 1xxx); handlers read immh:immb
 * from bits 22..16 of the instruction. The fixed-point FP converts of this class (opcodes 111xx) are not here.
 *
 * Pattern names: `_vi` / `_si` vector / scalar shift, `_ev` / `_es` vector / scalar by element.
 */
import { parsePatterns } from './pattern.js';

/** [name, U, opcode, has scalar form]. */
export const SHIFT_IMM: readonly (readonly [string, number, string, boolean])[] = [
  ['SSHR', 0, '00000', true], ['USHR', 1, '00000', true],
  ['SSRA', 0, '00010', true], ['USRA', 1, '00010', true],
  ['SRSHR', 0, '00100', true], ['URSHR', 1, '00100', true],
  ['SRSRA', 0, '00110', true], ['URSRA', 1, '00110', true],
  ['SRI', 1, '01000', true],
  ['SHL', 0, '01010', true], ['SLI', 1, '01010', true],
  ['SQSHLU', 1, '01100', true],
  ['SQSHL', 0, '01110', true], ['UQSHL', 1, '01110', true],
  ['SHRN', 0, '10000', false], ['SQSHRUN', 1, '10000', true],
  ['RSHRN', 0, '10001', false], ['SQRSHRUN', 1, '10001', true],
  ['SQSHRN', 0, '10010', true], ['UQSHRN', 1, '10010', true],
  ['SQRSHRN', 0, '10011', true], ['UQRSHRN', 1, '10011', true],
  ['SSHLL', 0, '10100', false], ['USHLL', 1, '10100', false],
];

/** [name, U, opcode, has scalar form]. */
export const BY_ELEMENT: readonly (readonly [string, number, string, boolean])[] = [
  ['MLA', 1, '0000', false], ['MLS', 1, '0100', false],
  ['SMLAL', 0, '0010', false], ['UMLAL', 1, '0010', false],
  ['SQDMLAL', 0, '0011', true],
  ['SMLSL', 0, '0110', false], ['UMLSL', 1, '0110', false],
  ['SQDMLSL', 0, '0111', true],
  ['MUL', 0, '1000', false],
  ['SMULL', 0, '1010', false], ['UMULL', 1, '1010', false],
  ['SQDMULL', 0, '1011', true],
  ['SQDMULH', 0, '1100', true], ['SQRDMULH', 0, '1101', true],
];

/** immh:immb prefixes selecting 8-, 16-, 32- and 64-bit elements. */
const IMMH = ['0001...', '001....', '01.....', '1......'];

function lines(): string {
  const out: string[] = [];
  for (const [name, u, opc, scalar] of SHIFT_IMM) {
    for (const ih of IMMH) {
      out.push(`${name}_vi  0 q:1 ${u} 011110 ${ih} ${opc} 1 rn:5 rd:5`);
      if (scalar) out.push(`${name}_si  01 ${u} 111110 ${ih} ${opc} 1 rn:5 rd:5`);
    }
  }
  for (const [name, u, opc, scalar] of BY_ELEMENT) {
    out.push(`${name}_ev  0 q:1 ${u} 01111 size:2 l:1 m:1 rm:4 ${opc} h:1 0 rn:5 rd:5`);
    if (scalar) out.push(`${name}_es  01 ${u} 11111 size:2 l:1 m:1 rm:4 ${opc} h:1 0 rn:5 rd:5`);
  }
  return out.join('\n');
}

export const SIMD_INT_SHIFT_PATTERNS = parsePatterns(lines(), 'simd_int_shift');
