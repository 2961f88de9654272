/**
 * The pages of one guest memory buffer written since the log was last cleaned: what live migration
 * resends in each round, and what Xen keeps in log-dirty mode (XEN_DOMCTL_SHADOW_OP_ENABLE_LOGDIRTY,
 * _CLEAN and _PEEK). One bit per 4 KiB page of the buffer, from its first byte, in a
 * SharedArrayBuffer: every thread that writes the memory (its vCPUs, the hypervisor, Domain-0's
 * backends) marks the same log, each word with an atomic OR, so no mark is lost to a clean that
 * runs on another thread at the same moment.
 *
 * Writers mark only while the log is on, and marking is their part of the contract: a vCPU marks a
 * page when it first writes it and keeps no write mapping across a clean (`MemoryAccessor`), the
 * hypervisor marks what it copies to a guest or through a grant.
 */
export const DIRTY_PAGE_SHIFT = 12;

/** Word 0: whether the log is on. Then the bitmap. */
const W_ENABLED = 0;
const HEADER_WORDS = 1;

/**
 * Log-dirty mode's operations, as XEN_DOMCTL_SHADOW_OP names them: `enable` starts with every page
 * clean, `clean` returns the pages written since the last clean (or enable) and starts again,
 * `peek` returns them and keeps them, `off` stops logging.
 */
export type DirtyLogOp = 'enable' | 'clean' | 'peek' | 'off';

/** What a clean or a peek reports, as Xen's xen_domctl_shadow_op_stats does beside the bitmap. */
export interface DirtyBitmap {
  /** One bit per page, page p at bit p % 32 of word p / 32. */
  readonly bits: Uint32Array;
  /** Pages whose bit is set. */
  readonly dirtyCount: number;
}

export class DirtyLog {
  /** Pages of the buffer the log covers. */
  readonly pages: number;
  private readonly words: Int32Array;

  /** A new log (off) for a buffer of `bytes`, or a view of another thread's log (`shared`). */
  constructor(init: { readonly bytes: number } | { readonly shared: SharedArrayBuffer }) {
    if ('shared' in init) {
      this.words = new Int32Array(init.shared);
      this.pages = (this.words.length - HEADER_WORDS) * 32;
    } else {
      if (!Number.isSafeInteger(init.bytes) || init.bytes < 0) throw new RangeError(`Dirty log: ${init.bytes} is not a buffer size`);
      const pages = Math.ceil(init.bytes / 2 ** DIRTY_PAGE_SHIFT);
      this.pages = Math.ceil(pages / 32) * 32;
      this.words = new Int32Array(new SharedArrayBuffer((HEADER_WORDS + this.pages / 32) * 4));
    }
  }

  /** The memory behind the log, to build the same log on another thread. */
  get shared(): SharedArrayBuffer {
    return this.words.buffer as SharedArrayBuffer;
  }

  get enabled(): boolean {
    return Atomics.load(this.words, W_ENABLED) !== 0;
  }

  /** Turns the log on with every page clean (ENABLE_LOGDIRTY); the caller then drops write mappings. */
  enable(): void {
    this.clearBits();
    Atomics.store(this.words, W_ENABLED, 1);
  }

  /** Turns the log off and forgets it (SHADOW_OP_OFF). */
  disable(): void {
    Atomics.store(this.words, W_ENABLED, 0);
    this.clearBits();
  }

  /** Marks page `page` of the buffer (bytes from page << DIRTY_PAGE_SHIFT), if the log is on. */
  markPage(page: number): void {
    if (Atomics.load(this.words, W_ENABLED) === 0 || !Number.isInteger(page) || page < 0 || page >= this.pages) return;
    Atomics.or(this.words, HEADER_WORDS + (page >>> 5), 1 << (page & 31));
  }

  /** Marks every page that `length` bytes from `offset` touch, if the log is on. */
  markBytes(offset: number, length: number): void {
    if (length <= 0 || Atomics.load(this.words, W_ENABLED) === 0) return;
    // Clamped to the log, so a wild length costs no more than the log's size.
    const last = Math.min(Math.floor((offset + length - 1) / 2 ** DIRTY_PAGE_SHIFT), this.pages - 1);
    for (let p = Math.max(0, Math.floor(offset / 2 ** DIRTY_PAGE_SHIFT)); p <= last; p++) this.markPage(p);
  }

  /** The pages marked so far, leaving the log as it is (SHADOW_OP_PEEK). */
  peek(): DirtyBitmap {
    const bits = new Uint32Array(this.pages / 32);
    for (let i = 0; i < bits.length; i++) bits[i] = Atomics.load(this.words, HEADER_WORDS + i);
    return { bits, dirtyCount: countDirtyPages(bits) };
  }

  /**
   * The pages marked since the last clean, each word taken and zeroed in one atomic exchange, so a
   * page marked meanwhile is in this result or the next (SHADOW_OP_CLEAN). Whoever holds write
   * mappings that skip marking must drop them before the next write (`MemoryAccessor.dropWriteMappingsForLog`).
   */
  clean(): DirtyBitmap {
    const bits = new Uint32Array(this.pages / 32);
    for (let i = 0; i < bits.length; i++) bits[i] = Atomics.exchange(this.words, HEADER_WORDS + i, 0);
    return { bits, dirtyCount: countDirtyPages(bits) };
  }

  private clearBits(): void {
    for (let i = HEADER_WORDS; i < this.words.length; i++) Atomics.store(this.words, i, 0);
  }
}

/**
 * Carries out `op` on `log` for a machine whose CPUs `dropWriteMappings` empties the write TLBs of
 * (on the thread that runs them, between runs): after an enable or a clean, no CPU may keep a write
 * mapping that skips marking. Null for `off`, or when the log is off.
 */
export function runDirtyLogOp(log: DirtyLog, op: DirtyLogOp, dropWriteMappings: () => void): DirtyBitmap | null {
  switch (op) {
    case 'off':
      log.disable();
      return null;
    case 'enable':
      log.enable();
      dropWriteMappings();
      return log.peek();
    case 'peek':
      return log.enabled ? log.peek() : null;
    case 'clean': {
      if (!log.enabled) return null;
      const taken = log.clean();
      dropWriteMappings();
      return taken;
    }
  }
}

/** Whether page `page` is set in `bits`. */
export function isPageDirty(bits: Uint32Array, page: number): boolean {
  return ((bits[page >>> 5] ?? 0) & (1 << (page & 31))) !== 0;
}

/** Pages set in `bits`. */
export function countDirtyPages(bits: Uint32Array): number {
  let n = 0;
  for (const w of bits) n += popcount(w);
  return n;
}

function popcount(v: number): number {
  v -= (v >>> 1) & 0x5555_5555;
  v = (v & 0x3333_3333) + ((v >>> 2) & 0x3333_3333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f_0f0f, 0x0101_0101) >>> 24);
}
