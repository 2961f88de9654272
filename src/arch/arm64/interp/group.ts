/**
 * The interpreter's view of an instruction group: its pattern table and, for each pattern, a factory
 * that turns the decoded fields into a closure executing that one instruction.
 *
 * Factories run once per distinct instruction, so they do all field work (register slot resolution,
 * immediate decoding, choosing a specialised closure) up front; closures do only the architectural work.
 */
import type { Fields, Pattern } from '../decode/pattern.js';
import type { Cpu } from '../cpu.js';

export type Exec = (c: Cpu) => void;

/** Returns null when the encoding is unallocated for this pattern, so decoding continues (and ends in UNDEFINED). */
export type Factory = (f: Fields, insn: number) => Exec | null;

export interface InsnGroup {
  readonly name: string;
  readonly patterns: readonly Pattern[];
  readonly handlers: Readonly<Record<string, Factory>>;
  /**
   * Patterns whose instructions end a translation block. Such closures must set `c.npc`:
   * branches, exception generators, and system instructions that change how later code is fetched or run.
   */
  readonly endsBlock: ReadonlySet<string>;
  /**
   * Patterns whose closures only compute on registers: they never read `c.pc`, never raise an
   * exception and never touch memory, so a compiled block (`block_fn.ts`) runs them without storing
   * the PC or re-checking that the block is still valid. `'all'` for groups where every pattern is so.
   */
  readonly registerOnly?: ReadonlySet<string> | 'all';
}
