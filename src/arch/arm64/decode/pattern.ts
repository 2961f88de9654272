/**
 * A small decodetree-like notation for A64 encodings, parsed once at start-up.
 *
 * One pattern per line:  NAME  <tokens, most significant bit first, 32 bits in all>
 *   0 / 1        fixed bits (several may be run together: `100010`)
 *   . or x       don't-care bits
 *   name:len     a named unsigned field of `len` bits
 * `#` starts a comment. Patterns are tried in order, first match wins, and a handler may decline an
 * encoding (return null) so the search continues, as decodetree's overlapping groups do. An encoding that
 * nothing accepts is UNDEFINED.
 */
import { XenonError } from '../../../lib/errors.js';

export interface FieldSpec {
  readonly name: string;
  readonly shift: number;
  readonly width: number;
}

export interface Pattern {
  readonly name: string;
  readonly mask: number;
  readonly match: number;
  readonly fields: readonly FieldSpec[];
  /** Where the pattern was written, for error messages. */
  readonly origin: string;
}

/** Decoded fields of one instruction: the named fields of its pattern, as unsigned numbers. */
export type Fields = Readonly<Record<string, number>>;

export function parsePatterns(text: string, origin: string): Pattern[] {
  const patterns: Pattern[] = [];
  text.split('\n').forEach((rawLine, i) => {
    const line = rawLine.replace(/#.*/, '').trim();
    if (line === '') return;
    const where = `${origin}:${i + 1}`;
    const [name, ...tokens] = line.split(/\s+/);
    if (name === undefined || !/^[A-Za-z][A-Za-z0-9_]*$/.test(name)) {
      throw new XenonError('DECODE_TABLE', `Bad pattern name at ${where}`);
    }
    let bit = 32;
    let mask = 0;
    let match = 0;
    const fields: FieldSpec[] = [];
    for (const tok of tokens) {
      const field = /^([a-z][a-z0-9_]*):(\d+)$/.exec(tok);
      if (field) {
        const width = Number(field[2]);
        bit -= width;
        fields.push({ name: field[1]!, shift: bit, width });
        continue;
      }
      if (!/^[01.x]+$/.test(tok)) throw new XenonError('DECODE_TABLE', `Bad token "${tok}" at ${where}`);
      for (const ch of tok) {
        bit -= 1;
        if (ch === '0' || ch === '1') {
          mask |= 1 << bit;
          if (ch === '1') match |= 1 << bit;
        }
      }
    }
    if (bit !== 0) throw new XenonError('DECODE_TABLE', `Pattern "${name}" at ${where} has ${32 - bit} bits, not 32`);
    patterns.push({ name, mask: mask >>> 0, match: match >>> 0, fields, origin: where });
  });
  return patterns;
}

export function extractFields(p: Pattern, insn: number): Fields {
  const out: Record<string, number> = {};
  for (const f of p.fields) {
    out[f.name] = f.width === 32 ? insn >>> 0 : (insn >>> f.shift) & ((1 << f.width) - 1);
  }
  return out;
}

/** The low `bits` bits of field value `v` as a two's complement number (offsets, signed immediates). */
export function sext(v: number, bits: number): number {
  return (v << (32 - bits)) >> (32 - bits);
}
