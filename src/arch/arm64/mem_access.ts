/**
 * The CPU's load/store path: a direct-mapped software TLB per access kind and translation regime in
 * front of an AddressTranslator and a PhysicalBus.
 *
 * Virtual addresses are plain numbers holding the sign-extended 64-bit value, which a double represents
 * exactly for every canonical address. The TLB maps a virtual page to "offset in the RAM buffer minus
 * page base", so a hit costs a compare or two and an add. Misses, device accesses, page-crossing
 * accesses and writes to pages holding translated code take the slow path.
 *
 * Entries are tagged as the architecture's are, so TLB maintenance drops only what it names: a tag is
 * the page base plus a key in the low 12 bits, 0 for a global entry and otherwise the slot (1..4095)
 * of the ASID it was walked under. ASIDs get slots as they become current; when the slots run out,
 * the whole TLB goes and numbering starts again. A TLBI by VA clears that page's entry in every set;
 * an entry taken from a block or a contiguous run stands for the whole region, so the region is
 * remembered and a TLBI anywhere in it flushes everything (rare: Linux maps nearly all at page size).
 * There is no VMID tag: a vCPU only ever runs one domain, and the hypervisor flushes its vCPUs' TLBs
 * when it unmaps a page of that domain's stage 2.
 */
import type { DirtyLog } from '../../lib/dirty_log.js';
import { Access, guestRamBytes, type AddressTranslator, type MappingInfo, type PhysicalBus, type TranslationFault } from './mmu/translator.js';
import { CPU_AREA, JIT_VARS, JUMP_CACHE_ENTRIES, TLB_ARRAY_ENTRIES } from './jit/guest_memory.js';
import { FSC } from './exit.js';
import type { CodeCache, CodeCacheClient } from './code_cache.js';

/** Regimes with their own TLB sets: 0 = EL0, 1 = EL1 (and above). */
const REGIMES = 2;
/** Entries per set (a power of two: 1024). */
export const TLB_SIZE = TLB_ARRAY_ENTRIES / REGIMES;
const TLB_MASK = TLB_SIZE - 1;
export const PAGE_SIZE = 4096;
const PAGE_MASK = PAGE_SIZE - 1;

/** ASID slots 1..MAX_ASID_SLOT fit in a tag's low 12 bits (0 marks a global entry). */
const MAX_ASID_SLOT = PAGE_SIZE - 1;
/** What a translator without tables maps: global pages. */
const FLAT: MappingInfo = { global: true, spanLog2: 12 };
/** Remembered block regions beyond this many flush the TLB (bounds the set; Linux stays far below). */
const MAX_REMEMBERED_REGIONS = 4096;

/** The first address of the page after the one holding `va`. */
function nextPage(va: number): number {
  return va - (va & PAGE_MASK) + PAGE_SIZE;
}

export abstract class MemoryAccessor implements CodeCacheClient {
  protected readonly bus: PhysicalBus;
  protected readonly translator: AddressTranslator;
  readonly ramU8: Uint8Array;
  protected readonly ramU16: Uint16Array;
  protected readonly ramU32: Uint32Array;
  /** For unaligned accesses within a page. */
  private readonly ramDv: DataView;
  protected readonly ramSize: number;
  protected readonly code: CodeCache;
  private readonly codePage: Uint8Array;
  /**
   * Marked on every write to RAM that misses the write TLB. While the log is on, a page enters the
   * write TLB only once marked, and `dropWriteMappingsForLog` empties the write TLB whenever the log
   * is enabled or cleaned: every tier's stores that hit the TLB (inline WebAssembly ones too) are to
   * pages already marked, so none is lost (QEMU's TLB_NOTDIRTY does the same for its dirty bitmap).
   */
  private readonly dirtyLog: DirtyLog | null;

  // Per access kind, the tags and addends of both sets: in this vCPU's JIT area of guest memory
  // when it has one (compiled code probes them inline), else on their own.
  /**
   * The read, write and fetch TLBs: for each entry its tag, then its addend, side by side, so a probe
   * that finds its tag finds the addend in the same cache line (code a guest runs seldom finds
   * neither in the cache).
   */
  private readonly rTlb: Float64Array;
  private readonly wTlb: Float64Array;
  private readonly xTlb: Float64Array;
  /** The key of entries walked now that are not global: the current ASID's slot. */
  asidKey = 1;
  private currentAsid = 0;
  private readonly asidSlots = new Map<number, number>();
  /** What the translator reports about each translation it makes. */
  private readonly mapping: MappingInfo;
  /**
   * Regions larger than a page that TLB entries were taken from since the last full flush, by log2
   * of their size: each a set of `Math.floor(va / 2 ** log2)`.
   */
  private readonly regions = new Map<number, Set<number>>();
  private regionCount = 0;
  /** Index of the current regime's TLB set in each TLB array (two elements an entry); set from the exception level. */
  tlbBase = 0;
  /** Byte offset in guest memory of this vCPU's JIT area (state and TLB arrays), or null. */
  readonly jitArea: number | null;
  /** The area's `JIT_VARS`: [asidKey, TLB set offset] and the retired count. */
  private readonly jitVars: Float64Array | null;
  private readonly jitRetiredWord: Uint32Array | null;
  /** The area's jump cache: [RAM offset, table slot] per entry. */
  private readonly jitJumps: Int32Array | null;
  /**
   * Changes whenever an instruction fetch might translate differently (TLB maintenance, a new ASID,
   * another exception level), so compiled code looping in place knows to go back through the TLB.
   */
  fetchEpoch = 0;
  /** This CPU's index on the bus, passed with every device access. */
  protected busCpu = 0;
  /** Exception level the access checks are made for (loads/stores use it, LDTR/STTR override it). */
  protected el = 0;

  /** `jitArea`: where this vCPU's TLB arrays go in `bus.ram` (which must then be a `JitMemory`'s). */
  constructor(bus: PhysicalBus, translator: AddressTranslator, code: CodeCache, jitArea: number | null = null) {
    this.bus = bus;
    this.translator = translator;
    const ramSize = guestRamBytes(bus);
    // Offsets into RAM are computed with 32-bit shifts (`off >>> 2`): 4 GiB or more would wrap.
    if (ramSize >= 2 ** 32) throw new RangeError(`The CPU addresses less than 4 GiB of RAM, not ${ramSize} bytes`);
    this.ramU8 = new Uint8Array(bus.ram, 0, ramSize);
    this.ramU16 = new Uint16Array(bus.ram, 0, ramSize >>> 1);
    this.ramU32 = new Uint32Array(bus.ram, 0, ramSize >>> 2);
    this.ramDv = new DataView(bus.ram, 0, ramSize);
    this.ramSize = ramSize;
    if (jitArea !== null && (bus.jit === undefined || jitArea < ramSize || jitArea + CPU_AREA.size > bus.ram.byteLength)) {
      throw new RangeError(`JIT area at ${jitArea} is not one of the vCPU areas after guest RAM`);
    }
    this.jitArea = jitArea;
    this.jitVars = jitArea === null ? null : new Float64Array(bus.ram, jitArea + JIT_VARS.asidKey, 2);
    this.jitRetiredWord = jitArea === null ? null : new Uint32Array(bus.ram, jitArea + JIT_VARS.retired, 1);
    this.jitJumps = jitArea === null ? null : new Int32Array(bus.ram, jitArea + CPU_AREA.jumpCache, 2 * JUMP_CACHE_ENTRIES).fill(-1);
    const n = 2 * TLB_SIZE * REGIMES;
    const array = (at: number) => (jitArea === null ? new Float64Array(n) : new Float64Array(bus.ram, jitArea + at, n));
    this.rTlb = array(CPU_AREA.rTlb).fill(NaN);
    this.wTlb = array(CPU_AREA.wTlb).fill(NaN);
    this.xTlb = array(CPU_AREA.xTlb).fill(NaN);
    this.code = code;
    this.codePage = code.codePage;
    this.dirtyLog = bus.dirtyLog ?? null;
    this.mapping = translator.last ?? FLAT;
    this.asidSlots.set(0, 1);
    code.attach(this);
  }

  /** Hands compiled code the TLB key and set it probes with (before it runs, after each interpreted step). */
  syncJitVars(): void {
    const v = this.jitVars!;
    v[0] = this.asidKey;
    v[1] = this.tlbBase * 8;
  }

  /** Before a compiled block is entered from the run loop: nothing retired yet. */
  jitResetRetired(): void {
    this.jitRetiredWord![0] = 0;
  }

  /** Lets compiled blocks jump straight to the compiled block at RAM offset `off` (table slot `slot`). */
  jitRemember(off: number, slot: number): void {
    const j = this.jitJumps!;
    const i = ((off >>> 2) & (JUMP_CACHE_ENTRIES - 1)) * 2;
    j[i] = off;
    j[i + 1] = slot;
  }

  forgetBlock(off: number): void {
    const j = this.jitJumps;
    if (j === null) return;
    const i = ((off >>> 2) & (JUMP_CACHE_ENTRIES - 1)) * 2;
    if (j[i] === off) j[i] = -1;
  }

  /** Instructions the compiled block that just returned retired. */
  jitRetired(): number {
    return this.jitRetiredWord![0]!;
  }

  /** Selects the TLB set and the access checks of exception level `el` (system mode: on every EL change). */
  protected setTranslationEl(el: number): void {
    if (el !== this.el) this.fetchEpoch++;
    this.el = el;
    this.tlbBase = el === 0 ? 0 : 2 * TLB_SIZE;
  }

  /** Raises a data or instruction abort for `va`; never returns. */
  protected abstract abort(va: number, access: Access, fsc: number, stage2?: TranslationFault['stage2']): never;

  /** Drops every TLB entry (TLBI VMALLE1, translation control changes, the hypervisor's unmaps). */
  tlbFlushAll(): void {
    this.fetchEpoch++;
    this.rTlb.fill(NaN);
    this.wTlb.fill(NaN);
    this.xTlb.fill(NaN);
    this.regions.clear();
    this.regionCount = 0;
    this.asidSlots.clear();
    this.asidSlots.set(this.currentAsid, 1);
    this.asidKey = 1;
  }

  /** Drops every entry that translates `va`, whatever its ASID (TLBI VAE1, VAAE1, VALE1, VAALE1). */
  tlbFlushVa(va: number): void {
    this.fetchEpoch++;
    if (this.regionCount > 0) {
      for (const [log2, set] of this.regions) {
        if (set.has(Math.floor(va / 2 ** log2))) {
          this.tlbFlushAll();
          return;
        }
      }
    }
    const pageBase = va - (va & PAGE_MASK);
    for (let r = 0; r < REGIMES; r++) {
      const i = 2 * (r * TLB_SIZE + ((va >>> 12) & TLB_MASK));
      if (this.rTlb[i]! - (this.rTlb[i]! & PAGE_MASK) === pageBase) this.rTlb[i] = NaN;
      if (this.wTlb[i]! - (this.wTlb[i]! & PAGE_MASK) === pageBase) this.wTlb[i] = NaN;
      if (this.xTlb[i]! - (this.xTlb[i]! & PAGE_MASK) === pageBase) this.xTlb[i] = NaN;
    }
  }

  /** Drops the non-global entries of `asid` (TLBI ASIDE1); global entries stay. */
  tlbFlushAsid(asid: number): void {
    this.fetchEpoch++;
    const key = this.asidSlots.get(asid);
    if (key === undefined) return;
    for (const tlb of [this.rTlb, this.wTlb, this.xTlb]) {
      for (let i = 0; i < tlb.length; i += 2) if ((tlb[i]! & PAGE_MASK) === key) tlb[i] = NaN;
    }
  }

  /** Makes `asid` current: its non-global entries hit from now on, other ASIDs' miss. */
  protected setAsid(asid: number): void {
    if (asid === this.currentAsid) return;
    this.fetchEpoch++;
    this.currentAsid = asid;
    let key = this.asidSlots.get(asid);
    if (key === undefined) {
      key = this.asidSlots.size + 1;
      if (key > MAX_ASID_SLOT) {
        this.tlbFlushAll();
        return;
      }
      this.asidSlots.set(asid, key);
    }
    this.asidKey = key;
  }

  /** The tag for a new entry of the page at `pageBase`, after the translation that filled it. */
  private newTag(pageBase: number, va: number): number {
    const m = this.mapping;
    if (m.spanLog2 > 12) this.rememberRegion(va, m.spanLog2);
    return m.global ? pageBase : pageBase + this.asidKey;
  }

  private rememberRegion(va: number, log2: number): void {
    if (this.regionCount >= MAX_REMEMBERED_REGIONS) this.tlbFlushAll();
    let set = this.regions.get(log2);
    if (set === undefined) this.regions.set(log2, (set = new Set()));
    const region = Math.floor(va / 2 ** log2);
    if (!set.has(region)) {
      set.add(region);
      this.regionCount++;
    }
  }

  /** Whether the entry at `i` of `tlb` maps the page of `va`: a global entry, or one of the current ASID. */
  private hit(tlb: Float64Array, i: number, va: number): boolean {
    const t = tlb[i]!;
    const pageBase = va - (va & PAGE_MASK);
    return t === pageBase || t === pageBase + this.asidKey;
  }

  // ---- loads ----

  read8(va: number): number {
    const i = this.tlbBase + 2 * ((va >>> 12) & TLB_MASK);
    if (this.hit(this.rTlb, i, va)) return this.ramU8[va + this.rTlb[i + 1]!]!;
    return this.slowRead(va, 1);
  }

  read16(va: number): number {
    const i = this.tlbBase + 2 * ((va >>> 12) & TLB_MASK);
    if (this.hit(this.rTlb, i, va)) {
      const off = va + this.rTlb[i + 1]!;
      if ((off & 1) === 0) return this.ramU16[off >>> 1]!;
      if ((va & PAGE_MASK) <= PAGE_SIZE - 2) return this.ramDv.getUint16(off, true);
    }
    return this.slowRead(va, 2);
  }

  read32(va: number): number {
    const i = this.tlbBase + 2 * ((va >>> 12) & TLB_MASK);
    if (this.hit(this.rTlb, i, va)) {
      const off = va + this.rTlb[i + 1]!;
      if ((off & 3) === 0) return this.ramU32[off >>> 2]!;
      if ((va & PAGE_MASK) <= PAGE_SIZE - 4) return this.ramDv.getUint32(off, true);
    }
    return this.slowRead(va, 4);
  }

  /** Loads 64 bits into dst[di] (low half) and dst[di + 1] (high half). */
  read64(va: number, dst: Uint32Array, di: number): void {
    const i = this.tlbBase + 2 * ((va >>> 12) & TLB_MASK);
    // Word alignment does not keep an 8-byte access inside the page: test the page end first.
    if (this.hit(this.rTlb, i, va) && (va & PAGE_MASK) <= PAGE_SIZE - 8) {
      const off = va + this.rTlb[i + 1]!;
      if ((off & 3) === 0) {
        dst[di] = this.ramU32[off >>> 2]!;
        dst[di + 1] = this.ramU32[(off >>> 2) + 1]!;
      } else {
        dst[di] = this.ramDv.getUint32(off, true);
        dst[di + 1] = this.ramDv.getUint32(off + 4, true);
      }
      return;
    }
    // Read both halves before writing either, so a fault on the second leaves dst untouched.
    const lo = this.slowRead(va, 4);
    const hi = this.slowRead(va + 4, 4);
    dst[di] = lo;
    dst[di + 1] = hi;
  }

  // ---- stores ----

  write8(va: number, value: number): void {
    const i = this.tlbBase + 2 * ((va >>> 12) & TLB_MASK);
    if (this.hit(this.wTlb, i, va)) this.ramU8[va + this.wTlb[i + 1]!] = value;
    else this.slowWrite(va, 1, value);
  }

  write16(va: number, value: number): void {
    const i = this.tlbBase + 2 * ((va >>> 12) & TLB_MASK);
    if (this.hit(this.wTlb, i, va)) {
      const off = va + this.wTlb[i + 1]!;
      if ((off & 1) === 0) {
        this.ramU16[off >>> 1] = value;
        return;
      }
      if ((va & PAGE_MASK) <= PAGE_SIZE - 2) {
        this.ramDv.setUint16(off, value, true);
        return;
      }
    }
    this.slowWrite(va, 2, value);
  }

  write32(va: number, value: number): void {
    const i = this.tlbBase + 2 * ((va >>> 12) & TLB_MASK);
    if (this.hit(this.wTlb, i, va)) {
      const off = va + this.wTlb[i + 1]!;
      if ((off & 3) === 0) {
        this.ramU32[off >>> 2] = value;
        return;
      }
      if ((va & PAGE_MASK) <= PAGE_SIZE - 4) {
        this.ramDv.setUint32(off, value, true);
        return;
      }
    }
    this.slowWrite(va, 4, value);
  }

  /** Stores src[si] (low half) and src[si + 1] (high half) as one 64-bit value. */
  write64(va: number, src: Uint32Array, si: number): void {
    const i = this.tlbBase + 2 * ((va >>> 12) & TLB_MASK);
    if (this.hit(this.wTlb, i, va) && (va & PAGE_MASK) <= PAGE_SIZE - 8) {
      const off = va + this.wTlb[i + 1]!;
      if ((off & 3) === 0) {
        this.ramU32[off >>> 2] = src[si]!;
        this.ramU32[(off >>> 2) + 1] = src[si + 1]!;
      } else {
        this.ramDv.setUint32(off, src[si]!, true);
        this.ramDv.setUint32(off + 4, src[si + 1]!, true);
      }
      return;
    }
    const lo = src[si]!;
    const hi = src[si + 1]!;
    if ((va & PAGE_MASK) > PAGE_SIZE - 8) {
      // Crossing a page: probe both pages before writing anything, so a fault leaves memory unchanged.
      this.probeWrite(va);
      this.probeWrite(nextPage(va));
    }
    this.slowWrite(va, 4, lo);
    this.slowWrite(va + 4, 4, hi);
  }

  /** Checks that a write to `va` would succeed, filling the TLB; raises the abort otherwise. */
  probeWrite(va: number): void {
    const i = this.tlbBase + 2 * ((va >>> 12) & TLB_MASK);
    if (!this.hit(this.wTlb, i, va)) this.translateFor(va, Access.WRITE);
  }

  /** Checks that a read of `va` would succeed; raises the abort otherwise. */
  probeRead(va: number): void {
    const i = this.tlbBase + 2 * ((va >>> 12) & TLB_MASK);
    if (!this.hit(this.rTlb, i, va)) this.translateFor(va, Access.READ);
  }

  /** RAM offset of the instruction at `va`, filling the fetch TLB; raises an instruction abort if it cannot be fetched. */
  protected fetchOffset(va: number): number {
    const i = this.tlbBase + 2 * ((va >>> 12) & TLB_MASK);
    if (this.hit(this.xTlb, i, va)) return va + this.xTlb[i + 1]!;
    const pa = this.translateFor(va, Access.EXEC);
    const off = pa - this.bus.ramBase;
    // Executing from a device is not supported: report it as an external abort on fetch.
    if (off < 0 || off >= this.ramSize) this.abort(va, Access.EXEC, FSC.SYNC_EXTERNAL);
    const pageBase = va - (va & PAGE_MASK);
    this.xTlb[i] = this.newTag(pageBase, va);
    this.xTlb[i + 1] = off - (va & PAGE_MASK) - pageBase;
    return off;
  }

  /**
   * IC IVAU: drops translated code on the RAM page `va` reads from, if it translates to RAM (no
   * fault either way, as cache maintenance never faults here).
   */
  invalidateCodeAt(va: number): void {
    const i = this.tlbBase + 2 * ((va >>> 12) & TLB_MASK);
    let off: number;
    if (this.hit(this.rTlb, i, va)) off = va + this.rTlb[i + 1]!;
    else {
      const r = this.translator.translate(va, Access.READ, this.el);
      if (typeof r !== 'number') return;
      off = r - this.bus.ramBase;
      if (off < 0 || off >= this.ramSize) return;
    }
    const page = Math.floor(off / PAGE_SIZE);
    if (this.codePage[page] === 1) this.code.storeToCodePage(page);
  }

  /**
   * The dirty log was enabled or cleaned: cached write mappings would let stores skip marking. Only
   * between runs (no block of this CPU is executing), on the thread that runs it.
   */
  dropWriteMappingsForLog(): void {
    this.wTlb.fill(NaN);
  }

  /** The code cache marked RAM page `page` as code: cached write mappings to it would bypass the check. */
  dropWriteMappings(page: number): void {
    const pageOff = page * PAGE_SIZE;
    const tlb = this.wTlb;
    for (let i = 0; i < tlb.length; i += 2) {
      const t = tlb[i]!;
      if (t - (t & PAGE_MASK) + tlb[i + 1]! === pageOff) tlb[i] = NaN;
    }
  }

  private translateFor(va: number, access: Access): number {
    const r: number | TranslationFault = this.translator.translate(va, access, this.el);
    if (typeof r !== 'number') this.abort(va, access, r.fsc, r.stage2);
    return r;
  }

  private slowRead(va: number, size: number): number {
    if ((va & PAGE_MASK) > PAGE_SIZE - size) {
      // Check both pages first so a fault reports what QEMU and Linux report as FAR: the start of
      // the access, or the start of the second page when only that one faults.
      this.probeRead(va);
      this.probeRead(nextPage(va));
      let v = 0;
      for (let k = size - 1; k >= 0; k--) v = v * 256 + this.read8(va + k);
      return v;
    }
    const pa = this.translateFor(va, Access.READ);
    const off = pa - this.bus.ramBase;
    if (off >= 0 && off < this.ramSize) {
      const i = this.tlbBase + 2 * ((va >>> 12) & TLB_MASK);
      const pageBase = va - (va & PAGE_MASK);
      this.rTlb[i] = this.newTag(pageBase, va);
      this.rTlb[i + 1] = off - (va & PAGE_MASK) - pageBase;
      const u8 = this.ramU8;
      let v = 0;
      for (let k = size - 1; k >= 0; k--) v = v * 256 + u8[off + k]!;
      return v;
    }
    const d = this.bus.mmioRead(pa, size, this.busCpu);
    if (d === null) this.abort(va, Access.READ, FSC.SYNC_EXTERNAL);
    return Number(d);
  }

  private slowWrite(va: number, size: number, value: number): void {
    if ((va & PAGE_MASK) > PAGE_SIZE - size) {
      this.probeWrite(va);
      this.probeWrite(nextPage(va));
      for (let k = 0; k < size; k++) this.write8(va + k, (value >>> (8 * k)) & 0xff);
      return;
    }
    const pa = this.translateFor(va, Access.WRITE);
    const off = pa - this.bus.ramBase;
    if (off >= 0 && off < this.ramSize) {
      const page = Math.floor(off / PAGE_SIZE);
      if (this.codePage[page] === 1) this.code.storeToCodePage(page);
      this.dirtyLog?.markPage(page);
      const i = this.tlbBase + 2 * ((va >>> 12) & TLB_MASK);
      const pageBase = va - (va & PAGE_MASK);
      this.wTlb[i] = this.newTag(pageBase, va);
      this.wTlb[i + 1] = off - (va & PAGE_MASK) - pageBase;
      const u8 = this.ramU8;
      for (let k = 0; k < size; k++) u8[off + k] = (value >>> (8 * k)) & 0xff;
      return;
    }
    if (!this.bus.mmioWrite(pa, size, BigInt(value >>> 0), this.busCpu)) this.abort(va, Access.WRITE, FSC.SYNC_EXTERNAL);
  }
}
