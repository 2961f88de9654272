/**
 * A Linux process's user address space for the user-mode runner: a page map from virtual pages to
 * frames of the guest RAM buffer with R/W/X permissions, populated on first touch (anonymous memory is
 * demand-zero, as in Linux, so large PROT_NONE reservations and thread stacks cost nothing until used).
 *
 * It is the CPU's AddressTranslator: faults come back as ESR fault status codes (Arm ARM DDI0487
 * D17.2.40 ESR_EL1, ISS encoding for a Data Abort: level-3 translation and permission faults), which
 * the runner turns into SIGSEGV as the kernel's do_page_fault would.
 */
import { Access, type AddressTranslator, type TranslationFault } from '../arch/arm64/mmu/translator.js';
import { FSC } from '../arch/arm64/exit.js';
import { PAGE_SIZE, type FrameAllocator } from './frames.js';

export const PROT_NONE = 0;
export const PROT_READ = 1;
export const PROT_WRITE = 2;
export const PROT_EXEC = 4;
/** Most pages one address space maps at once: 128 GiB of address space, at most 128 MiB of entries. */
export const MAX_MAPPED_PAGES = 2 ** 25;
/** Lowest address mmap hands out without MAP_FIXED (Linux's default vm.mmap_min_addr). */
export const MMAP_MIN_ADDR = 0x10000;
/** User addresses are below 2^48 (48-bit VA, TTBR0). */
export const USER_VA_END = 2 ** 48;
export const USER_PAGES_END = USER_VA_END / PAGE_SIZE;

const CHUNK_PAGES = 1024;
const COUNT = CHUNK_PAGES; // index of the per-chunk count of mapped pages
const MAPPED = 8;
const PROT_MASK = 7;
/** entry = ((frame + 1) << FRAME_SHIFT) | MAPPED | prot; frame bits 0 = not populated yet. */
const FRAME_SHIFT = 4;

const FAULT_TRANSLATION: TranslationFault = Object.freeze({ fsc: FSC.TRANSLATION_L0 + 3 });
const FAULT_PERMISSION: TranslationFault = Object.freeze({ fsc: FSC.PERMISSION_L0 + 3 });
/** Out of guest RAM while populating a page: reported as an external abort (SIGBUS), like an OOM fault. */
const FAULT_NO_MEMORY: TranslationFault = Object.freeze({ fsc: FSC.SYNC_EXTERNAL });

/** What the address space needs of a vCPU that caches its translations. */
export interface TlbHolder {
  tlbFlushAll(): void;
}

export class AddressSpace implements AddressTranslator {
  readonly frames: FrameAllocator;
  private readonly chunks = new Map<number, Int32Array>();
  /** Pages mapped now (each costs an entry, used or not): bounded by MAX_MAPPED_PAGES. */
  private mappedPages = 0;
  private readonly cpus = new Set<TlbHolder>();
  /** Top-down mmap search starts below this page (Linux's mmap_base). */
  mmapTopPage: number;
  /** Program break: start and current end (addresses); the heap's pages end at the page holding brkEnd - 1. */
  brkStart = 0;
  brkEnd = 0;

  constructor(frames: FrameAllocator, mmapTop: number) {
    this.frames = frames;
    this.mmapTopPage = Math.floor(mmapTop / PAGE_SIZE);
  }

  /** Registers a vCPU whose TLB must be flushed when mappings change. */
  attach(cpu: TlbHolder): void {
    this.cpus.add(cpu);
  }

  detach(cpu: TlbHolder): void {
    this.cpus.delete(cpu);
  }

  flushTlbs(): void {
    for (const c of this.cpus) c.tlbFlushAll();
  }

  // ---- the translator ----

  translate(va: number, access: Access, _el: number): number | TranslationFault {
    if (va < 0 || va >= USER_VA_END) return FAULT_TRANSLATION;
    const vpn = Math.floor(va / PAGE_SIZE);
    const chunk = this.chunks.get(Math.floor(vpn / CHUNK_PAGES));
    if (chunk === undefined) return FAULT_TRANSLATION;
    const i = vpn % CHUNK_PAGES;
    let e = chunk[i]!;
    if (e === 0) return FAULT_TRANSLATION;
    // Arm64 Linux cannot map write-only pages: PROT_WRITE implies readable (protection_map).
    const ok =
      access === Access.READ ? (e & (PROT_READ | PROT_WRITE)) !== 0 : access === Access.WRITE ? (e & PROT_WRITE) !== 0 : (e & PROT_EXEC) !== 0;
    if (!ok) return FAULT_PERMISSION;
    if (e >>> FRAME_SHIFT === 0) {
      const f = this.frames.alloc();
      if (f < 0) return FAULT_NO_MEMORY;
      e |= (f + 1) << FRAME_SHIFT;
      chunk[i] = e;
    }
    return ((e >>> FRAME_SHIFT) - 1) * PAGE_SIZE + (va % PAGE_SIZE);
  }

  // ---- page map queries ----

  /** Protection of a mapped page, or -1 when unmapped. */
  protOf(vpn: number): number {
    const e = this.entry(vpn);
    return e === 0 ? -1 : e & PROT_MASK;
  }

  isMapped(vpn: number): boolean {
    return this.entry(vpn) !== 0;
  }

  /** True when none of the pages is mapped (and the range is inside the user address space). */
  isFree(vpn: number, npages: number): boolean {
    if (vpn < 0 || vpn + npages > USER_PAGES_END) return false;
    for (let p = vpn; p < vpn + npages; ) {
      const chunk = this.chunks.get(Math.floor(p / CHUNK_PAGES));
      const chunkEnd = (Math.floor(p / CHUNK_PAGES) + 1) * CHUNK_PAGES;
      if (chunk === undefined || chunk[COUNT] === 0) {
        p = chunkEnd;
        continue;
      }
      if (chunk[p % CHUNK_PAGES] !== 0) return false;
      p++;
    }
    return true;
  }

  /**
   * The highest free range of `npages` pages below the mmap base (Linux's top-down allocator), or -1.
   * A free `hintVpn` range is used as is.
   */
  findFree(npages: number, hintVpn = 0): number {
    if (hintVpn * PAGE_SIZE >= MMAP_MIN_ADDR && this.isFree(hintVpn, npages)) return hintVpn;
    const low = MMAP_MIN_ADDR / PAGE_SIZE;
    // Invariant: pages [p + 1, end) are free.
    let end = this.mmapTopPage;
    let p = end - 1;
    while (p >= low) {
      if (end - (p + 1) >= npages) return end - npages;
      const ci = Math.floor(p / CHUNK_PAGES);
      const chunk = this.chunks.get(ci);
      if (chunk === undefined || chunk[COUNT] === 0) {
        p = ci * CHUNK_PAGES - 1;
        continue;
      }
      if (chunk[p % CHUNK_PAGES] !== 0) end = p;
      p--;
    }
    return end - npages >= low ? end - npages : -1;
  }

  // ---- page map changes ----

  /**
   * Whether `npages` more pages may be mapped. Linux lets MAP_NORESERVE map far more than RAM, but
   * each page costs us an entry, so a guest's 2^46-byte mapping would take the host's memory; past
   * MAX_MAPPED_PAGES, mmap, brk and mremap answer ENOMEM and the loader refuses the program.
   */
  canMap(npages: number): boolean {
    return npages <= MAX_MAPPED_PAGES - this.mappedPages;
  }

  /** Maps `npages` demand-zero pages at `vpn`, replacing whatever was there (callers check canMap). */
  map(vpn: number, npages: number, prot: number): void {
    this.unmap(vpn, npages);
    for (let p = vpn; p < vpn + npages; p++) this.setEntry(p, MAPPED | (prot & PROT_MASK));
  }

  /** Unmaps pages (mapped or not), releasing their frames. */
  unmap(vpn: number, npages: number): void {
    let changed = false;
    this.forEachMapped(vpn, npages, (p, e) => {
      const f = e >>> FRAME_SHIFT;
      if (f !== 0) this.frames.free(f - 1);
      this.setEntry(p, 0);
      changed = true;
    });
    if (changed) this.flushTlbs();
  }

  /** Changes the protection of mapped pages; false (and no change) if any page is unmapped. */
  protect(vpn: number, npages: number, prot: number): boolean {
    for (let p = vpn; p < vpn + npages; p++) if (!this.isMapped(p)) return false;
    for (let p = vpn; p < vpn + npages; p++) this.setEntry(p, (this.entry(p) & ~PROT_MASK) | (prot & PROT_MASK));
    this.flushTlbs();
    return true;
  }

  /** MADV_DONTNEED: mapped pages go back to demand-zero. */
  discard(vpn: number, npages: number): void {
    this.forEachMapped(vpn, npages, (p, e) => {
      const f = e >>> FRAME_SHIFT;
      if (f === 0) return;
      this.frames.free(f - 1);
      this.setEntry(p, e & (MAPPED | PROT_MASK));
    });
    this.flushTlbs();
  }

  /** Moves the mappings of [fromVpn, +npages) to toVpn (mremap); the target must be free. */
  move(fromVpn: number, toVpn: number, npages: number): void {
    const saved: number[] = [];
    for (let i = 0; i < npages; i++) {
      saved.push(this.entry(fromVpn + i));
      if (saved[i] !== 0) this.setEntry(fromVpn + i, 0);
    }
    for (let i = 0; i < npages; i++) if (saved[i] !== 0) this.setEntry(toVpn + i, saved[i]!);
    this.flushTlbs();
  }

  /**
   * RAM offset of `va` for a kernel access on the guest's behalf (copy_to/from_user), checked against
   * the page's protection like a user access, populating it if needed; -1 means EFAULT.
   */
  kernelOffset(va: number, write: boolean): number {
    const r = this.translate(va, write ? Access.WRITE : Access.READ, 0);
    return typeof r === 'number' ? r : -1;
  }

  /** RAM offset of `va` ignoring protection (the loader filling read-only pages); -1 if unmapped or out of RAM. */
  loaderOffset(va: number): number {
    const vpn = Math.floor(va / PAGE_SIZE);
    const e = this.entry(vpn);
    if (e === 0) return -1;
    let f = e >>> FRAME_SHIFT;
    if (f === 0) {
      const nf = this.frames.alloc();
      if (nf < 0) return -1;
      f = nf + 1;
      this.setEntry(vpn, e | (f << FRAME_SHIFT));
    }
    return (f - 1) * PAGE_SIZE + (va % PAGE_SIZE);
  }

  /** A copy for fork(): same layout, every populated page copied into a new frame. Null when RAM runs out. */
  fork(): AddressSpace | null {
    const child = new AddressSpace(this.frames, this.mmapTopPage * PAGE_SIZE);
    child.brkStart = this.brkStart;
    child.brkEnd = this.brkEnd;
    const u8 = this.frames.ramU8;
    for (const [ci, chunk] of this.chunks) {
      if (chunk[COUNT] === 0) continue;
      const copy = new Int32Array(CHUNK_PAGES + 1);
      child.chunks.set(ci, copy);
      for (let i = 0; i < CHUNK_PAGES; i++) {
        const e = chunk[i]!;
        if (e === 0) continue;
        copy[COUNT]!++;
        child.mappedPages++;
        const f = e >>> FRAME_SHIFT;
        if (f === 0) {
          copy[i] = e;
          continue;
        }
        const nf = this.frames.alloc();
        if (nf < 0) {
          child.destroy();
          return null;
        }
        u8.copyWithin(nf * PAGE_SIZE, (f - 1) * PAGE_SIZE, f * PAGE_SIZE);
        copy[i] = ((nf + 1) << FRAME_SHIFT) | (e & (MAPPED | PROT_MASK));
      }
    }
    return child;
  }

  /** Releases every frame (process exit, execve). */
  destroy(): void {
    for (const [ci, chunk] of this.chunks) {
      for (let i = 0; i < CHUNK_PAGES; i++) {
        const f = chunk[i]! >>> FRAME_SHIFT;
        if (f !== 0) this.frames.free(f - 1);
      }
      this.chunks.delete(ci);
    }
    this.flushTlbs();
  }

  /** Mapped regions as [startVpn, endVpn, prot] runs (for /proc/self/maps and tests). */
  regions(): [number, number, number][] {
    const out: [number, number, number][] = [];
    const keys = [...this.chunks.keys()].sort((a, b) => a - b);
    for (const ci of keys) {
      const chunk = this.chunks.get(ci)!;
      if (chunk[COUNT] === 0) continue;
      for (let i = 0; i < CHUNK_PAGES; i++) {
        const e = chunk[i]!;
        if (e === 0) continue;
        const p = ci * CHUNK_PAGES + i;
        const last = out[out.length - 1];
        if (last !== undefined && last[1] === p && last[2] === (e & PROT_MASK)) last[1]++;
        else out.push([p, p + 1, e & PROT_MASK]);
      }
    }
    return out;
  }

  private entry(vpn: number): number {
    const chunk = this.chunks.get(Math.floor(vpn / CHUNK_PAGES));
    return chunk === undefined ? 0 : chunk[vpn % CHUNK_PAGES]!;
  }

  private setEntry(vpn: number, e: number): void {
    const ci = Math.floor(vpn / CHUNK_PAGES);
    let chunk = this.chunks.get(ci);
    if (chunk === undefined) {
      if (e === 0) return;
      chunk = new Int32Array(CHUNK_PAGES + 1);
      this.chunks.set(ci, chunk);
    }
    const i = vpn % CHUNK_PAGES;
    if (chunk[i] === 0 && e !== 0) {
      chunk[COUNT]!++;
      this.mappedPages++;
    } else if (chunk[i] !== 0 && e === 0) {
      chunk[COUNT]!--;
      this.mappedPages--;
    }
    chunk[i] = e;
  }

  private forEachMapped(vpn: number, npages: number, fn: (p: number, e: number) => void): void {
    for (let p = vpn; p < vpn + npages; ) {
      const ci = Math.floor(p / CHUNK_PAGES);
      const chunk = this.chunks.get(ci);
      if (chunk === undefined || chunk[COUNT] === 0) {
        p = (ci + 1) * CHUNK_PAGES;
        continue;
      }
      const e = chunk[p % CHUNK_PAGES]!;
      if (e !== 0) fn(p, e);
      p++;
    }
  }
}
