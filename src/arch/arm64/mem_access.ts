/**
 * The CPU's load/store path: a direct-mapped software TLB per access kind and translation regime in
 * front of an AddressTranslator and a PhysicalBus.
 *
 * Virtual addresses are plain numbers holding the sign-extended 64-bit value, which a double represents
 * exactly for every canonical address. The TLB maps a virtual page to "offset in the RAM buffer minus
 * page base", so a hit costs a compare and an add. Misses, device accesses, page-crossing accesses and
 * writes to pages holding translated code take the slow path.
 */
import { Access, type AddressTranslator, type PhysicalBus, type TranslationFault } from './mmu/translator.js';
import { FSC } from './exit.js';
import type { CodeCache, CodeCacheClient } from './code_cache.js';

const TLB_BITS = 8;
const TLB_SIZE = 1 << TLB_BITS;
const TLB_MASK = TLB_SIZE - 1;
/** Regimes with their own TLB sets: 0 = EL0, 1 = EL1 (and above). */
const REGIMES = 2;
export const PAGE_SIZE = 4096;
const PAGE_MASK = PAGE_SIZE - 1;

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

  private readonly rTag = new Float64Array(TLB_SIZE * REGIMES).fill(NaN);
  private readonly rAdd = new Float64Array(TLB_SIZE * REGIMES);
  private readonly wTag = new Float64Array(TLB_SIZE * REGIMES).fill(NaN);
  private readonly wAdd = new Float64Array(TLB_SIZE * REGIMES);
  private readonly xTag = new Float64Array(TLB_SIZE * REGIMES).fill(NaN);
  private readonly xAdd = new Float64Array(TLB_SIZE * REGIMES);
  /** Offset of the current regime's TLB set; set from the exception level. */
  protected tlbBase = 0;
  /** This CPU's index on the bus, passed with every device access. */
  protected busCpu = 0;
  /** Exception level the access checks are made for (loads/stores use it, LDTR/STTR override it). */
  protected el = 0;

  constructor(bus: PhysicalBus, translator: AddressTranslator, code: CodeCache) {
    this.bus = bus;
    this.translator = translator;
    // Offsets into RAM are computed with 32-bit shifts (`off >>> 2`): 4 GiB or more would wrap.
    if (bus.ram.byteLength >= 2 ** 32) throw new RangeError(`The CPU addresses less than 4 GiB of RAM, not ${bus.ram.byteLength} bytes`);
    this.ramU8 = new Uint8Array(bus.ram);
    this.ramU16 = new Uint16Array(bus.ram, 0, bus.ram.byteLength >>> 1);
    this.ramU32 = new Uint32Array(bus.ram, 0, bus.ram.byteLength >>> 2);
    this.ramDv = new DataView(bus.ram);
    this.ramSize = bus.ram.byteLength;
    this.code = code;
    this.codePage = code.codePage;
    code.attach(this);
  }

  /** Selects the TLB set and the access checks of exception level `el` (system mode: on every EL change). */
  protected setTranslationEl(el: number): void {
    this.el = el;
    this.tlbBase = el === 0 ? 0 : TLB_SIZE;
  }

  /** Raises a data or instruction abort for `va`; never returns. */
  protected abstract abort(va: number, access: Access, fsc: number, stage2?: TranslationFault['stage2']): never;

  /** Drops every TLB entry (TLBI ALL*, translation regime changes). */
  tlbFlushAll(): void {
    this.rTag.fill(NaN);
    this.wTag.fill(NaN);
    this.xTag.fill(NaN);
  }

  /** Drops the entries for the page holding `va` in every regime (TLBI by VA). */
  tlbFlushPage(va: number): void {
    const pageBase = va - (va & PAGE_MASK);
    for (let r = 0; r < REGIMES; r++) {
      const i = r * TLB_SIZE + ((va >>> 12) & TLB_MASK);
      if (this.rTag[i] === pageBase) this.rTag[i] = NaN;
      if (this.wTag[i] === pageBase) this.wTag[i] = NaN;
      if (this.xTag[i] === pageBase) this.xTag[i] = NaN;
    }
  }

  // ---- loads ----

  read8(va: number): number {
    const i = this.tlbBase + ((va >>> 12) & TLB_MASK);
    if (this.rTag[i] === va - (va & PAGE_MASK)) return this.ramU8[va + this.rAdd[i]!]!;
    return this.slowRead(va, 1);
  }

  read16(va: number): number {
    const i = this.tlbBase + ((va >>> 12) & TLB_MASK);
    if (this.rTag[i] === va - (va & PAGE_MASK)) {
      const off = va + this.rAdd[i]!;
      if ((off & 1) === 0) return this.ramU16[off >>> 1]!;
      if ((va & PAGE_MASK) <= PAGE_SIZE - 2) return this.ramDv.getUint16(off, true);
    }
    return this.slowRead(va, 2);
  }

  read32(va: number): number {
    const i = this.tlbBase + ((va >>> 12) & TLB_MASK);
    if (this.rTag[i] === va - (va & PAGE_MASK)) {
      const off = va + this.rAdd[i]!;
      if ((off & 3) === 0) return this.ramU32[off >>> 2]!;
      if ((va & PAGE_MASK) <= PAGE_SIZE - 4) return this.ramDv.getUint32(off, true);
    }
    return this.slowRead(va, 4);
  }

  /** Loads 64 bits into dst[di] (low half) and dst[di + 1] (high half). */
  read64(va: number, dst: Uint32Array, di: number): void {
    const i = this.tlbBase + ((va >>> 12) & TLB_MASK);
    // Word alignment does not keep an 8-byte access inside the page: test the page end first.
    if (this.rTag[i] === va - (va & PAGE_MASK) && (va & PAGE_MASK) <= PAGE_SIZE - 8) {
      const off = va + this.rAdd[i]!;
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
    const i = this.tlbBase + ((va >>> 12) & TLB_MASK);
    if (this.wTag[i] === va - (va & PAGE_MASK)) this.ramU8[va + this.wAdd[i]!] = value;
    else this.slowWrite(va, 1, value);
  }

  write16(va: number, value: number): void {
    const i = this.tlbBase + ((va >>> 12) & TLB_MASK);
    if (this.wTag[i] === va - (va & PAGE_MASK)) {
      const off = va + this.wAdd[i]!;
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
    const i = this.tlbBase + ((va >>> 12) & TLB_MASK);
    if (this.wTag[i] === va - (va & PAGE_MASK)) {
      const off = va + this.wAdd[i]!;
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
    const i = this.tlbBase + ((va >>> 12) & TLB_MASK);
    if (this.wTag[i] === va - (va & PAGE_MASK) && (va & PAGE_MASK) <= PAGE_SIZE - 8) {
      const off = va + this.wAdd[i]!;
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
    const i = this.tlbBase + ((va >>> 12) & TLB_MASK);
    if (this.wTag[i] !== va - (va & PAGE_MASK)) this.translateFor(va, Access.WRITE);
  }

  /** Checks that a read of `va` would succeed; raises the abort otherwise. */
  probeRead(va: number): void {
    const i = this.tlbBase + ((va >>> 12) & TLB_MASK);
    if (this.rTag[i] !== va - (va & PAGE_MASK)) this.translateFor(va, Access.READ);
  }

  /** RAM offset of the instruction at `va`, filling the fetch TLB; raises an instruction abort if it cannot be fetched. */
  protected fetchOffset(va: number): number {
    const i = this.tlbBase + ((va >>> 12) & TLB_MASK);
    if (this.xTag[i] === va - (va & PAGE_MASK)) return va + this.xAdd[i]!;
    const pa = this.translateFor(va, Access.EXEC);
    const off = pa - this.bus.ramBase;
    // Executing from a device is not supported: report it as an external abort on fetch.
    if (off < 0 || off >= this.ramSize) this.abort(va, Access.EXEC, FSC.SYNC_EXTERNAL);
    this.xTag[i] = va - (va & PAGE_MASK);
    this.xAdd[i] = off - (va & PAGE_MASK) - this.xTag[i]!;
    return off;
  }

  /** The code cache marked a new code page: cached write mappings to it would bypass the check (rare: once per new code page). */
  dropWriteMappings(): void {
    this.wTag.fill(NaN);
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
      const i = this.tlbBase + ((va >>> 12) & TLB_MASK);
      this.rTag[i] = va - (va & PAGE_MASK);
      this.rAdd[i] = off - (va & PAGE_MASK) - this.rTag[i]!;
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
      const i = this.tlbBase + ((va >>> 12) & TLB_MASK);
      this.wTag[i] = va - (va & PAGE_MASK);
      this.wAdd[i] = off - (va & PAGE_MASK) - this.wTag[i]!;
      const u8 = this.ramU8;
      for (let k = 0; k < size; k++) u8[off + k] = (value >>> (8 * k)) & 0xff;
      return;
    }
    if (!this.bus.mmioWrite(pa, size, BigInt(value >>> 0), this.busCpu)) this.abort(va, Access.WRITE, FSC.SYNC_EXTERNAL);
  }
}
