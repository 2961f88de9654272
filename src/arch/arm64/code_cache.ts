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
   * Where the block's instructions start in the code cache's `forms`, in the interpreter's compact
   * form (`interp/predecode.ts`), PRE_STRIDE entries each; moved when the array is compacted.
   */
  preAt: number;
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
  off: number, ops: Exec[], preAt: number, insns: readonly number[], registerOnly: readonly boolean[], setsNpc: boolean,
  icount: number,
): Block {
  return {
    valid: true, wasm: null, wasmSlot: -1, fn: null, runs: 0, hotSince: icount, preAt, size: ops.length, setsNpc,
    link0: null, link0Lo: 0, link0Hi: 0, link0Epoch: -1, link1: null, link1Lo: 0, link1Hi: 0, link1Epoch: -1,
    ops, off, insns, registerOnly, queued: false,
  };
}

/** The forms array's first size, in entries: room for about 20,000 instructions. */
const FORMS_INITIAL = 1 << 16;

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
  /**
   * Every block's compact forms, one after another in the order they were translated, in one array
   * the interpreter reads for all of them: a block's run touches its own forms and no array header
   * of its own (measured on idle guests: a header per block or page was a cache miss per block).
   * Discarded blocks leave their entries behind until `addForms` compacts the array.
   */
  forms = new Int32Array(FORMS_INITIAL);
  private formsUsed = 0;
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

  /**
   * Appends a new block's compact forms to `forms` and returns where they start. When the array is
   * full, the live blocks' forms move to a new one twice their size (so the copying costs a constant
   * per entry over time) and each live block's `preAt` with them. Only between blocks: the run loop
   * translates before it runs the next block, and none is running.
   */
  addForms(forms: readonly number[]): number {
    if (this.formsUsed + forms.length > this.forms.length) this.compactForms(forms.length);
    const at = this.formsUsed;
    this.forms.set(forms, at);
    this.formsUsed += forms.length;
    return at;
  }

  private compactForms(room: number): void {
    let live = room;
    for (const b of this.blocks.values()) live += b.size * PRE_STRIDE;
    const next = new Int32Array(Math.max(FORMS_INITIAL, 2 * live));
    let used = 0;
    for (const b of this.blocks.values()) {
      const n = b.size * PRE_STRIDE;
      next.set(this.forms.subarray(b.preAt, b.preAt + n), used);
      b.preAt = used;
      used += n;
    }
    this.forms = next;
    this.formsUsed = used;
  }

  /** A store reached RAM page `page`, which holds translated code: discard that code. */
  storeToCodePage(page: number): void {
    this.codePage[page] = 0;
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
    this.formsUsed = 0;
    this.codePage.fill(0);
  }
}
