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
import { Kind, PRE_STRIDE } from './interp/predecode.js';
import { ageInsnForms } from './interp/index.js';
import { BugIndicatingError } from '../../lib/errors.js';

export const PAGE_SHIFT = 12;

/**
 * A block's header in `CodeCache.hdr`: what the run loop reads of a block each time it runs it, in
 * one 64-byte row (`HDR_WORDS`), so a block run from a cold cache costs one line for all of it
 * rather than the lines of a JavaScript object spread over a few (measured on idle guests, whose
 * rarely run blocks are read from cold memory).
 */
export const enum Hdr {
  /** `HdrFlag` bits. */
  FLAGS,
  /** Instructions | (1 << 8 when the last one is a block-ending instruction that sets `npc`). */
  SIZE,
  /** Where its forms start in `forms`. */
  PRE,
  /**
   * Times the run loop entered it since HOT: until it is compiled, whether it is hot
   * (`compileIfHot`); after, only that it still runs, for `CodeCache.sweep` (it may wrap).
   */
  RUNS,
  /** The low 32 bits of the running vCPU's retired count when RUNS began (`HOT_WINDOW_INSNS`). */
  HOT,
  /** RAM offset of its first instruction. */
  OFF,
  /**
   * Two links to the blocks that ran after it most recently (both ways out of a conditional branch):
   * each the block's id, the virtual PC it was entered at (low and high halves), the vCPU's
   * `fetchEpoch` then, and the RAM offset the PC fetched from. While the epoch holds, that PC still
   * fetches from that offset, so the run loop follows the link instead of translating the PC and
   * probing the jump cache; the offset tells a link to a block since discarded, whose id a new block
   * may have taken, from one to the block it names.
   */
  L0, L0_LO, L0_HI, L0_EPOCH, L0_OFF,
  L1, L1_LO, L1_HI, L1_EPOCH, L1_OFF,
}

export const HDR_WORDS = 16;
export const SIZE_SETS_NPC = 1 << 8;

export const enum HdrFlag {
  /** Cleared when a store to its page discards it; vCPUs check it before and while running it. */
  VALID = 1,
  /** `fn` is set. */
  FN_JS = 2,
  /** `wasm` is set. */
  FN_WASM = 4,
  /** `wasmSlot` is set: a link to it puts it back in the vCPU's compiled jump cache. */
  WASM_SLOT = 8,
}

export interface Block {
  /**
   * Its row in the code cache's `hdr` (`Hdr`); taken by a newer block once this one is discarded,
   * and changed when a sweep renumbers the live blocks.
   */
  id: number;
  /** RAM offset of the first instruction. */
  readonly off: number;
  /** Instructions in the block. */
  readonly size: number;
  /**
   * The instruction words it was translated from: what its compiled forms are made from (the
   * interpreter runs its compact forms in `CodeCache.forms`).
   */
  readonly insns: Uint32Array;
  /** True when the last instruction is a block-ending one that sets `npc` itself. */
  readonly setsNpc: boolean;
  /** Cleared when a store to its page discards it (with its header's VALID): compiled code checks it. */
  valid: boolean;
  /** The block as one function (`block_fn.ts`), once it is hot; null until then. */
  fn: BlockFn | null;
  /** The block compiled to WebAssembly (`jit/compile.ts`), for vCPUs with a JIT area; null until then. */
  wasm: BlockFn | null;
  /** Its slot in the code cache's `chainTable`, or -1. */
  wasmSlot: number;
  /** Waiting in `CodeCache.wasmQueue` to be compiled. */
  queued: boolean;
  /** Its header's RUNS at the last `CodeCache.sweep`: a different count now means it ran since. */
  sweptRuns: number;
}

/** A translated block before it has a place in the cache. */
export interface Translation {
  /** Its compact forms, PRE_STRIDE entries an instruction (`interp/predecode.ts`). */
  readonly forms: readonly number[];
  /** The closures of its CLOSURE forms, in order. */
  readonly closures: readonly Exec[];
  readonly insns: Uint32Array;
  readonly setsNpc: boolean;
}

/** The forms array's first size, in entries: room for about 20,000 instructions. */
const FORMS_INITIAL = 1 << 16;
/** Header rows to begin with; the array doubles when every row is taken. */
const HDR_INITIAL_ROWS = 1 << 12;
const WASM_PAGE_BYTES = 65536;
/**
 * How often `sweepIfDue` sweeps, in the guest's time: with `IDLE_SWEEPS_TO_EVICT`, code not run for
 * a minute is evicted. Rare enough that a sweep (a pass over every block's header) costs nothing to
 * speak of; often enough that a boot's code is gone soon after it.
 */
const SWEEP_INTERVAL_NS = 30e9;
/** Sweeps in a row that must find none of a page's blocks run before the next evicts them. */
const IDLE_SWEEPS_TO_EVICT = 2;

export interface CodeCacheStats {
  blocksTranslated: number;
  /** Blocks given a compiled form (JavaScript or WebAssembly), hot by `HOT_BLOCK_RUNS` and `HOT_WINDOW_INSNS`. */
  blocksCompiled: number;
  pagesDiscarded: number;
  /** Sweeps for code not run for a while (`sweep`), and the pages of blocks they discarded. */
  sweeps: number;
  pagesEvicted: number;
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
  /**
   * Per RAM page with blocks: its blocks, and the sweeps in a row that found none of them run since
   * the sweep before.
   */
  private readonly pages = new Map<number, { readonly blocks: Block[]; idleSweeps: number }>();
  /**
   * Every block's header (`Hdr`), HDR_WORDS entries each, by block id; replaced by one twice the size
   * when every row is taken (ids stay). Its buffer is page-aligned, so a row is one cache line.
   */
  hdr: Int32Array = alignedRows(HDR_INITIAL_ROWS);
  /** The live blocks by id. */
  private readonly byId: (Block | undefined)[] = [];
  /** Ids of discarded blocks, for new ones. */
  private readonly freeIds: number[] = [];
  /**
   * Every block's compact forms, one after another in the order they were translated, in one array
   * the interpreter reads for all of them: a block's run touches its own forms and no array header
   * of its own (measured on idle guests: a header per block or page was a cache miss per block).
   * Discarded blocks leave their entries behind until `place` or `sweep` compacts the array.
   */
  forms = new Int32Array(FORMS_INITIAL);
  private formsUsed = 0;
  /**
   * The closures of the instructions without a compact form (kind CLOSURE), which the interpreter
   * calls by the index their form holds in its first immediate; compacted with `forms`.
   */
  closures: Exec[] = [];
  private readonly clients: CodeCacheClient[] = [];
  /** When `sweepIfDue` sweeps next, on its caller's clock. */
  private nextSweepNs = SWEEP_INTERVAL_NS;
  /** The table WebAssembly blocks chain through, created with the first of them. */
  chainTable: ChainTable | null = null;
  /** Hot blocks waiting to be compiled to WebAssembly together. */
  readonly wasmQueue: Block[] = [];
  /**
   * Since the cache was made: blocks translated and compiled, pages whose blocks a store or an IC
   * by address discarded, pages evicted as unused, and whole flushes (IC IALLU). A domain that keeps
   * translating or compiling shows here.
   */
  readonly stats: CodeCacheStats = { blocksTranslated: 0, blocksCompiled: 0, pagesDiscarded: 0, sweeps: 0, pagesEvicted: 0, flushes: 0 };

  constructor(ramBytes: number) {
    this.codePage = new Uint8Array(Math.ceil(ramBytes / (1 << PAGE_SHIFT)));
  }

  attach(client: CodeCacheClient): void {
    this.clients.push(client);
  }

  get(off: number): Block | undefined {
    return this.blocks.get(off);
  }

  /** The live block with id `id` (a header row the run loop holds). */
  block(id: number): Block {
    const b = this.byId[id];
    if (b === undefined) throw new BugIndicatingError(`No live block has id ${id}`);
    return b;
  }

  /**
   * Adds the block translated from RAM offset `off`: its forms (closure forms given their closure's
   * index) to `forms`, and a header row whose run count starts at `icount`. Only between blocks: the
   * run loop translates before it runs the next block, and none is running.
   */
  add(off: number, t: Translation, icount: number): Block {
    const page = Math.floor(off / (1 << PAGE_SHIFT));
    const id = this.freeIds.pop() ?? this.newId();
    const b: Block = {
      id, off, size: t.insns.length, insns: t.insns, setsNpc: t.setsNpc, valid: true, fn: null, wasm: null, wasmSlot: -1, queued: false, sweptRuns: 0,
    };
    const preAt = this.place(t);
    const h = id * HDR_WORDS;
    const hdr = this.hdr;
    hdr.fill(0, h, h + HDR_WORDS);
    hdr[h + Hdr.FLAGS] = HdrFlag.VALID;
    hdr[h + Hdr.SIZE] = b.size | (b.setsNpc ? SIZE_SETS_NPC : 0);
    hdr[h + Hdr.PRE] = preAt;
    hdr[h + Hdr.HOT] = icount | 0;
    hdr[h + Hdr.OFF] = off | 0;
    hdr[h + Hdr.L0] = -1;
    hdr[h + Hdr.L1] = -1;
    this.byId[id] = b;
    this.stats.blocksTranslated++;
    this.blocks.set(off, b);
    let p = this.pages.get(page);
    if (p === undefined) this.pages.set(page, (p = { blocks: [], idleSweeps: 0 }));
    p.blocks.push(b);
    if (this.codePage[page] === 0) {
      this.codePage[page] = 1;
      for (const c of this.clients) c.dropWriteMappings(page);
    }
    return b;
  }

  /** Marks `b`'s compiled forms in its header, after `fn`, `wasm` or `wasmSlot` were set. */
  noteCompiled(b: Block): void {
    if (!b.valid) return;
    const f = (b.fn !== null ? HdrFlag.FN_JS : 0) | (b.wasm !== null ? HdrFlag.FN_WASM : 0) | (b.wasmSlot >= 0 ? HdrFlag.WASM_SLOT : 0);
    this.hdr[b.id * HDR_WORDS + Hdr.FLAGS] = HdrFlag.VALID | f;
  }

  private newId(): number {
    const id = this.byId.length;
    if ((id + 1) * HDR_WORDS > this.hdr.length) {
      const next = alignedRows((2 * this.hdr.length) / HDR_WORDS);
      next.set(this.hdr);
      this.hdr = next;
    }
    this.byId.push(undefined);
    return id;
  }

  /**
   * Appends a new block's forms to `forms`, its closures to `closures`, and returns where its forms
   * start. When the array is full, the live blocks' forms move to a new one twice their size (so the
   * copying costs a constant per entry over time), with their closures, and each live block's PRE.
   */
  private place(t: Translation): number {
    const forms = t.forms;
    if (this.formsUsed + forms.length > this.forms.length) this.compact(forms.length);
    const at = this.formsUsed;
    this.forms.set(forms, at);
    this.formsUsed += forms.length;
    let k = 0;
    this.indexClosures(at, forms.length, () => t.closures[k++]!);
    return at;
  }

  /**
   * Gives the CLOSURE forms among the `n` entries at `at` their closures' indexes in `closures`,
   * appending each closure `next` gives, in order.
   */
  private indexClosures(at: number, n: number, next: (j: number) => Exec): void {
    const f = this.forms;
    for (let j = at; j < at + n; j += PRE_STRIDE) {
      if ((f[j]! & 0xff) !== Kind.CLOSURE) continue;
      const closure = next(j);
      f[j + 1] = this.closures.length;
      this.closures.push(closure);
    }
  }

  /** Entries of `forms` that live blocks hold. */
  private liveForms(): number {
    let live = 0;
    for (const b of this.blocks.values()) live += b.size * PRE_STRIDE;
    return live;
  }

  private compact(room: number): void {
    const live = room + this.liveForms();
    const next = new Int32Array(Math.max(FORMS_INITIAL, 2 * live));
    const prev = this.forms;
    const prevClosures = this.closures;
    this.forms = next;
    this.closures = [];
    let used = 0;
    for (const b of this.blocks.values()) {
      const n = b.size * PRE_STRIDE;
      const h = b.id * HDR_WORDS;
      next.set(prev.subarray(this.hdr[h + Hdr.PRE]!, this.hdr[h + Hdr.PRE]! + n), used);
      this.hdr[h + Hdr.PRE] = used;
      // A copied CLOSURE form still holds its closure's index in the old array.
      this.indexClosures(used, n, (j) => prevClosures[next[j + 1]!]!);
      used += n;
    }
    this.formsUsed = used;
  }

  /** A store reached RAM page `page`, which holds translated code: discard that code. */
  storeToCodePage(page: number): void {
    this.codePage[page] = 0;
    if (this.dropPage(page)) this.stats.pagesDiscarded++;
  }

  /**
   * Discards the blocks of every page none of whose blocks has run since the sweep
   * `IDLE_SWEEPS_TO_EVICT` sweeps ago (a page at a time, as a store discards them: a compiled block
   * may hold a partner block of its page inline, `jit/compile.ts`), then packs the forms left if
   * most of the array is dead and the header rows if most ids are (`renumber`), and ages the
   * thread's cache of translated words (`ageInsnForms`). Called every `SWEEP_INTERVAL_NS`
   * (`sweepIfDue`), between blocks, as `add`: what a guest ran once (its boot, a program that has
   * exited) stops holding host memory, and what it still runs is laid out together. A block the run
   * loop never enters, run only by compiled blocks chaining to it, may be evicted while in use: it
   * is translated and compiled again, as after a store. Returns the number of pages evicted.
   */
  sweep(): number {
    this.stats.sweeps++;
    ageInsnForms();
    const hdr = this.hdr;
    let evicted = 0;
    for (const [page, p] of this.pages) {
      let ran = false;
      for (const b of p.blocks) {
        const runs = hdr[b.id * HDR_WORDS + Hdr.RUNS]!;
        if (runs !== b.sweptRuns) {
          b.sweptRuns = runs;
          ran = true;
        }
      }
      p.idleSweeps = ran ? 0 : p.idleSweeps + 1;
      if (p.idleSweeps < IDLE_SWEEPS_TO_EVICT) continue;
      // Stores to the page may take the fast path again; a block translated there later marks it anew.
      this.codePage[page] = 0;
      this.dropPage(page);
      evicted++;
    }
    this.stats.pagesEvicted += evicted;
    if (evicted > 0 && 2 * this.liveForms() < this.formsUsed) this.compact(0);
    if (evicted > 0 && 2 * this.blocks.size < this.byId.length) this.renumber();
    return evicted;
  }

  /**
   * Gives the live blocks the ids 0, 1, … in the order they were translated, in a header array sized
   * for them, so the rows a guest still runs sit together rather than among the rows of evicted
   * blocks. Links are cleared; the vCPUs' jump caches keep ids that no longer name their block, which
   * a lookup tells by the row's offset (as for an id a newer block took), and fill again.
   */
  private renumber(): void {
    const prev = this.hdr;
    const next = alignedRows(Math.max(HDR_INITIAL_ROWS, 2 * this.blocks.size));
    this.byId.length = 0;
    this.freeIds.length = 0;
    for (const b of this.blocks.values()) {
      const id = this.byId.length;
      const h = id * HDR_WORDS;
      next.set(prev.subarray(b.id * HDR_WORDS, (b.id + 1) * HDR_WORDS), h);
      next[h + Hdr.L0] = -1;
      next[h + Hdr.L1] = -1;
      b.id = id;
      this.byId.push(b);
    }
    this.hdr = next;
  }

  /** Sweeps (`sweep`) if `SWEEP_INTERVAL_NS` have passed since the last, by the guest clock the caller read as `nowNs`. */
  sweepIfDue(nowNs: number): void {
    if (nowNs < this.nextSweepNs) return;
    this.nextSweepNs = nowNs + SWEEP_INTERVAL_NS;
    this.sweep();
  }

  /** Discards the blocks of RAM page `page`; false when it had none. */
  private dropPage(page: number): boolean {
    const p = this.pages.get(page);
    if (p === undefined) return false;
    for (const b of p.blocks) {
      this.discard(b);
      this.blocks.delete(b.off);
    }
    this.pages.delete(page);
    return true;
  }

  private discard(b: Block): void {
    b.valid = false;
    this.hdr[b.id * HDR_WORDS + Hdr.FLAGS] = 0;
    this.byId[b.id] = undefined;
    this.freeIds.push(b.id);
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
    this.pages.clear();
    this.formsUsed = 0;
    this.closures = [];
    this.codePage.fill(0);
  }
}

/**
 * An array of `rows` header rows, each on one 64-byte cache line: a WebAssembly memory's buffer
 * starts on a page boundary, where an ArrayBuffer's is only 16-byte aligned (malloc's), so that a
 * row there would straddle two lines.
 */
function alignedRows(rows: number): Int32Array {
  const pages = Math.ceil((rows * HDR_WORDS * 4) / WASM_PAGE_BYTES);
  return new Int32Array(new WebAssembly.Memory({ initial: pages, maximum: pages }).buffer);
}
