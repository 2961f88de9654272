/**
 * The contract between the block compiler (`compile.ts`) and the per-pattern emitters: an emitter
 * writes one instruction's code, and where it cannot finish inline (a TLB miss, a page-crossing
 * access) it asks its site for the interpreter's closure of that same instruction, which then does
 * the whole of it with the interpreter's exact semantics.
 */
import type { Fields } from '../decode/pattern.js';
import type { Emitter } from './emitter.js';

export interface InsnSite {
  /** Bytes from the block's first instruction to this one. */
  readonly offset: number;
  /**
   * Emits a call of this instruction's interpreter closure (PC and flags handed over), then, unless
   * the instruction only computes on registers, a return from the block after it if the block must
   * stop there (it was invalidated, an exit is pending, fetches translate differently). `writes`:
   * the register slots the closure may write (all of them when absent), which the register cache
   * forgets.
   */
  interpret(writes?: readonly number[]): void;
}

/** Emits one instruction that does not end the block. */
export type InsnEmitter = (e: Emitter, f: Fields, site: InsnSite) => void;

/** Emits a block-ending branch: leaves its next PC (f64) on the stack. */
export type BranchEmitter = (e: Emitter, f: Fields, site: InsnSite) => void;
