/**
 * Translated code, shared by every vCPU that runs on the same guest RAM.
 *
 * Blocks are keyed by the RAM offset of their first instruction (QEMU's physical indexing), so any
 * virtual mapping of the same code reuses them. A per-page flag marks pages that blocks were built
 * from; the vCPUs keep no write-TLB entry for such pages, so every store there reaches
 * `storeToCodePage` and drops the stale blocks, whichever vCPU stores.
 */
import type { Exec } from './interp/group.js';
import type { BlockFn } from './block_fn.js';
import type { ChainTable } from './jit/chain_table.js';
import { PRE_STRIDE } from './interp/predecode.js';

export const PAGE_SHIFT = 12;

export interface Block {
  /** RAM offset of the first instruction. */
  readonly off: number;
  readonly ops: Exec[];
  /**
   * The instructions in the interpreter's compact form (`interp/predecode.ts`), PRE_STRIDE entries
   * each, from `preAt` in an array the blocks translated before it from the same page may share.
   */
  readonly pre: Int32Array;
  readonly preAt: number;
  /** Instructions in the block. */
  readonly size: number;
  /** The instruction words the ops were translated from (what the WebAssembly tier compiles). */
  readonly insns: readonly number[];
  /** Per op: it only computes on registers (`InsnGroup.registerOnly`). */
  readonly registerOnly: readonly boolean[];
  /** True when the last op is a block-ending instruction that sets `npc` itself. */
  readonly setsNpc: boolean;
  /** Cleared when a store to its page discards it; vCPUs check it before and while running it. */
  valid: boolean;
  /** Times the interpreter ran it since `hotSince`, until it is compiled. */
  runs: number;
  /** The running vCPU's retired-instruction count when `runs` began (`HOT_WINDOW_INSNS`). */
  hotSince: number;
  /** The block as one function (`block_fn.ts`), once it is hot; null until then. */
  fn: BlockFn | null;
  /** The block compiled to WebAssembly (`jit/compile.ts`), for vCPUs with a JIT area; null until then. */
  wasm: BlockFn | null;
  /** Its slot in the code cache's `chainTable`, or -1. */
  wasmSlot: number;
  /** Waiting in `CodeCache.wasmQueue` to be compiled. */
  queued: boolean;
  /**
   * The blocks that ran after it most recently (two, for both ways out of a conditional branch),
   * each with the virtual PC it was entered at (as its low and high 32-bit halves, small integers
   * that V8 keeps in the object, where a 64-bit address would be a boxed double) and the vCPU's
   * `fetchEpoch` then: while the epoch holds, that PC still fetches from that block, so the run loop
   * follows the link instead of translating the PC and probing the jump cache.
   */
  link0: Block | null;
  link0Lo: number;
  link0Hi: number;
  link0Epoch: number;
  link1: Block | null;
  link1Lo: number;
  link1Hi: number;
  link1Epoch: number;
}

/**
 * A new block, its fields in the order the run loop reads them (V8 lays an object's fields out in
 * the order they are first set, and a block is mostly read once per run from a cold cache line).
 */
export function newBlock(
  off: number, ops: Exec[], pre: Int32Array, preAt: number, insns: readonly number[], registerOnly: readonly boolean[], setsNpc: boolean,
  icount: number,
): Block {
  return {
    valid: true, wasm: null, wasmSlot: -1, fn: null, runs: 0, hotSince: icount, pre, preAt, size: ops.length, setsNpc,
    link0: null, link0Lo: 0, link0Hi: 0, link0Epoch: -1, link1: null, link1Lo: 0, link1Hi: 0, link1Epoch: -1,
    ops, off, insns, registerOnly, queued: false,
  };
}

/**
 * Entries in one array of compact forms: room for a block of the longest kind. Blocks translated one
 * after another from the same RAM page (a function's blocks, as it first runs) fill one array, so
 * they share its header and cache lines, where an array each would cost a header and a line more.
 */
const PREDECODED_CHUNK = 64 * PRE_STRIDE;

export interface CodeCacheStats {
  blocksTranslated: number;
  /** Blocks given a compiled form (JavaScript or WebAssembly), hot by `HOT_BLOCK_RUNS` and `HOT_WINDOW_INSNS`. */
  blocksCompiled: number;
  pagesDiscarded: number;
  flushes: number;
}

/** What the code cache needs from each vCPU sharing it. */
export interface CodeCacheClient {
  /** Drops cached write mappings of RAM page `page`, newly marked as code, so stores to it take the slow path. */
  dropWriteMappings(page: number): void;
  /** Forgets any jump to the compiled block at RAM offset `off`, which is being discarded. */
  forgetBlock(off: number): void;
}

export class CodeCache {
  /** Per RAM page: 1 when blocks were built from it. */
  readonly codePage: Uint8Array;
  private readonly blocks = new Map<number, Block>();
  private readonly pageBlocks = new Map<number, Block[]>();
  /** Per RAM page: the array its next block's compact forms go into, and how much of it is used. */
  private readonly predecoded = new Map<number, { words: Int32Array; used: number }>();
  private readonly clients: CodeCacheClient[] = [];
  /** The table WebAssembly blocks chain through, created with the first of them. */
  chainTable: ChainTable | null = null;
  /** Hot blocks waiting to be compiled to WebAssembly together. */
  readonly wasmQueue: Block[] = [];
  /**
   * Since the cache was made: blocks translated and compiled, pages whose blocks a store or an IC
   * by address discarded, and whole flushes (IC IALLU). A domain that keeps translating or compiling
   * shows here.
   */
  readonly stats: CodeCacheStats = { blocksTranslated: 0, blocksCompiled: 0, pagesDiscarded: 0, flushes: 0 };

  constructor(ramBytes: number) {
    this.codePage = new Uint8Array(Math.ceil(ramBytes / (1 << PAGE_SHIFT)));
  }

  attach(client: CodeCacheClient): void {
    this.clients.push(client);
  }

  get(off: number): Block | undefined {
    return this.blocks.get(off);
  }

  add(b: Block): void {
    const page = Math.floor(b.off / (1 << PAGE_SHIFT));
    this.stats.blocksTranslated++;
    this.blocks.set(b.off, b);
    let list = this.pageBlocks.get(page);
    if (list === undefined) this.pageBlocks.set(page, (list = []));
    list.push(b);
    if (this.codePage[page] === 0) {
      this.codePage[page] = 1;
      for (const c of this.clients) c.dropWriteMappings(page);
    }
  }

  /** Stores the compact forms of a block at RAM offset `off`: the array they went into, and where. */
  addPredecoded(off: number, forms: readonly number[]): { words: Int32Array; at: number } {
    const page = Math.floor(off / (1 << PAGE_SHIFT));
    let chunk = this.predecoded.get(page);
    if (chunk === undefined || chunk.used + forms.length > chunk.words.length) {
      chunk = { words: new Int32Array(Math.max(PREDECODED_CHUNK, forms.length)), used: 0 };
      this.predecoded.set(page, chunk);
    }
    const at = chunk.used;
    chunk.words.set(forms, at);
    chunk.used += forms.length;
    return { words: chunk.words, at };
  }

  /** A store reached RAM page `page`, which holds translated code: discard that code. */
  storeToCodePage(page: number): void {
    this.codePage[page] = 0;
    this.predecoded.delete(page);
    const list = this.pageBlocks.get(page);
    if (list === undefined) return;
    this.stats.pagesDiscarded++;
    for (const b of list) {
      this.discard(b);
      this.blocks.delete(b.off);
    }
    this.pageBlocks.delete(page);
  }

  private discard(b: Block): void {
    b.valid = false;
    // Its predecessors may still link to it (until they relink), but it holds no other block alive.
    b.link0 = null;
    b.link1 = null;
    if (b.wasmSlot >= 0) {
      for (const c of this.clients) c.forgetBlock(b.off);
      this.chainTable!.remove(b.wasmSlot);
      b.wasmSlot = -1;
    }
  }

  /** Discards all translated code (the caller rewrote guest memory wholesale, e.g. loaded a new image). */
  flush(): void {
    this.stats.flushes++;
    for (const b of this.blocks.values()) this.discard(b);
    this.blocks.clear();
    this.pageBlocks.clear();
    this.predecoded.clear();
    this.codePage.fill(0);
  }
}
