/**
 * Builds the A64 decoder from the instruction groups' pattern tables.
 *
 * Decoding happens once per distinct instruction (results are cached per block), so the lookup only
 * needs to be reasonable: patterns are bucketed by op0 (bits 28..25), the top-level A64 encoding
 * class, and scanned in table order within a bucket.
 */
import { XenonError } from '../../../lib/errors.js';
import { extractFields, type Fields, type Pattern } from './pattern.js';

/** A pattern joined with the name of the group that owns it. */
export interface DecodeCandidate<H> {
  readonly pattern: Pattern;
  readonly handler: H;
}

export class Decoder<H> {
  private readonly buckets: DecodeCandidate<H>[][] = [];

  constructor(candidates: readonly DecodeCandidate<H>[]) {
    for (let op0 = 0; op0 < 16; op0++) {
      const probe = op0 << 25;
      const bucketMask = 0xf << 25;
      this.buckets.push(
        candidates.filter(({ pattern: p }) => ((p.match ^ probe) & p.mask & bucketMask) === 0),
      );
    }
  }

  /**
   * Returns the first candidate whose pattern matches and whose `accept` callback yields a result.
   * `accept` lets the consumer (interpreter or JIT) decline an encoding that its handler treats as unallocated.
   */
  decode<R>(insn: number, accept: (c: DecodeCandidate<H>, f: Fields) => R | null): R | null {
    const bucket = this.buckets[(insn >>> 25) & 0xf]!;
    for (const c of bucket) {
      if (((insn ^ c.pattern.match) & c.pattern.mask) !== 0) continue;
      const r = accept(c, extractFields(c.pattern, insn));
      if (r !== null) return r;
    }
    return null;
  }
}

/** Joins pattern tables with a handler map, failing loudly when either side names something the other lacks. */
export function joinPatterns<H>(
  patterns: readonly Pattern[],
  handlers: Readonly<Record<string, H>>,
  group: string,
): DecodeCandidate<H>[] {
  const used = new Set<string>();
  const out = patterns.map((pattern) => {
    const handler = handlers[pattern.name];
    if (handler === undefined) {
      throw new XenonError('DECODE_TABLE', `Pattern "${pattern.name}" (${pattern.origin}) has no handler in group "${group}"`);
    }
    used.add(pattern.name);
    return { pattern, handler };
  });
  for (const name of Object.keys(handlers)) {
    if (!used.has(name)) throw new XenonError('DECODE_TABLE', `Handler "${name}" in group "${group}" has no pattern`);
  }
  return out;
}
