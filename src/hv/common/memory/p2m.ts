/**
 * A domain's guest-physical memory: the second translation stage (Xen's p2m), from guest frame
 * numbers to ranges of one host memory that the caller supplies (an ArrayBuffer, a
 * SharedArrayBuffer, or a WebAssembly.Memory's buffer, at any offset).
 *
 * The CPU sees "host physical" addresses: HOST_PA_BASE + byte offset in the host buffer, so that RAM
 * can never be confused with the emulated devices, which answer at their guest-physical addresses
 * (stage 2 maps those holes 1:1 to the MMIO bus). Every guest access, and every hypercall that names
 * a frame, goes through `lookup`, so a domain reaches only its own pages and what is mapped into it
 * (grant frames, its shared_info).
 */
import { XEN_PAGE_SHIFT, XEN_PAGE_SIZE } from '../../../abi/xen.js';
import { DirtyLog } from '../../../lib/dirty_log.js';

/** The CPU's physical address of byte 0 of the host buffer: above every guest-physical address (40-bit IPA). */
export const HOST_PA_BASE = 2 ** 40;

/** What a guest frame is. */
export const enum P2mType {
  /** Ordinary RAM, read-write. */
  RAM = 0,
  /** RAM the guest may only read (e.g. a read-only grant mapping). */
  RAM_RO = 1,
}

/** A contiguous run of guest frames backed by a contiguous run of host bytes. */
export interface P2mRange {
  readonly gfn: number;
  readonly frames: number;
  /** Byte offset in the host buffer of the first frame (page-aligned). */
  readonly hostOffset: number;
  readonly type: P2mType;
}

/** An emulated device region: accesses go to the MMIO bus at the same address. */
export interface MmioHole {
  readonly gpa: number;
  readonly sizeBytes: number;
}

export class GuestPhysMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  /** Bytes of `buffer` that guest frames may be backed by: the host offsets every check bounds. */
  readonly size: number;
  /** Views of the host buffer up to `size` (other domains' bytes included: index only with `lookup`'s results). */
  readonly u8: Uint8Array;
  readonly dv: DataView;
  /** For Atomics on 32-bit words shared with the guest (event words, grant flags, ring indices). */
  readonly i32: Int32Array;
  readonly i16: Int16Array;
  private ranges: P2mRange[] = [];
  /** Single frames mapped over or beside the ranges (grant frames, adopted pages), by gfn. */
  private readonly pages = new Map<number, { hostOffset: number; type: P2mType }>();
  private readonly holes: MmioHole[] = [];
  /** RAM frames the guest gave back (XENMEM_decrease_reservation): unbacked until repopulated. */
  private readonly released = new Set<number>();
  /** Frames the hypervisor holds a reference on (shared_info, vcpu_info), by reference count. */
  private readonly pins = new Map<number, number>();
  /** Guest frames that faulted at stage 2, for the debug counters. */
  stage2Faults = 0;
  /**
   * The host pages of `buffer` written while log-dirty mode is on: the vCPUs mark it, and so does
   * every hypervisor write below (`markDirty`). Shared by every thread's view of this domain.
   */
  readonly dirtyLog: DirtyLog;
  /** Called with the gfn when a mapping changes, so CPUs can drop cached translations. */
  onUnmap: ((gfn: number) => void) | null = null;

  /**
   * `size`: the bytes of `buffer`, from its start, that guest frames may be backed by (all of it by
   * default; less when the buffer's tail holds the vCPUs' JIT areas, which nothing maps).
   */
  constructor(buffer: ArrayBuffer | SharedArrayBuffer, size = buffer.byteLength, dirtyLog?: DirtyLog) {
    if (!Number.isInteger(size) || size < 0 || size > buffer.byteLength) throw new RangeError(`p2m: ${size} bytes do not fit the ${buffer.byteLength}-byte host buffer`);
    this.buffer = buffer;
    this.size = size;
    this.dirtyLog = dirtyLog ?? new DirtyLog({ bytes: size });
    if (this.dirtyLog.pages * XEN_PAGE_SIZE < size) throw new RangeError(`p2m: a dirty log of ${this.dirtyLog.pages} pages does not cover ${size} bytes`);
    this.u8 = new Uint8Array(buffer, 0, size);
    this.dv = new DataView(buffer, 0, size);
    this.i32 = new Int32Array(buffer, 0, size >>> 2);
    this.i16 = new Int16Array(buffer, 0, size >>> 1);
  }

  /** Notes a hypervisor write of `length` bytes at host offset `offset` (paging_mark_dirty). */
  markDirty(offset: number, length: number): void {
    this.dirtyLog.markBytes(offset, length);
  }

  /** Host offsets of the frames the hypervisor holds a reference on (shared_info, vcpu_info pages). */
  pinnedHostOffsets(): number[] {
    return [...this.pins.keys()].map((gfn) => this.offsetOfGfn(gfn)).filter((off) => off >= 0);
  }

  /** Backs `frames` guest frames from `gfn` with host bytes from `hostOffset`. */
  mapRange(r: P2mRange): void {
    if (r.hostOffset % XEN_PAGE_SIZE !== 0 || r.hostOffset < 0 || r.hostOffset + r.frames * XEN_PAGE_SIZE > this.size) {
      throw new RangeError(`p2m: host range 0x${r.hostOffset.toString(16)}+${r.frames} pages lies outside the host memory`);
    }
    this.ranges.push(r);
  }

  /** Maps one guest frame to one host page (replacing whatever was there, as Xen's add_to_physmap does). */
  mapPage(gfn: number, hostOffset: number, type: P2mType = P2mType.RAM): void {
    if (hostOffset % XEN_PAGE_SIZE !== 0 || hostOffset < 0 || hostOffset + XEN_PAGE_SIZE > this.size) {
      throw new RangeError(`p2m: host page 0x${hostOffset.toString(16)} lies outside the host memory`);
    }
    this.pages.set(gfn, { hostOffset, type });
    this.onUnmap?.(gfn);
  }

  /** Removes a single-frame mapping made by mapPage (the range below, if any, shows through again). */
  unmapPage(gfn: number): boolean {
    const had = this.pages.delete(gfn);
    if (had) this.onUnmap?.(gfn);
    return had;
  }

  /**
   * Takes a RAM frame away from the guest (ballooning out); its bytes are zeroed so nothing of the
   * guest's survives in it. False when the frame is not backed RAM of a range.
   */
  releaseFrame(gfn: number): boolean {
    if (this.pages.has(gfn) || this.pins.has(gfn)) return false;
    const off = this.offsetOfGfn(gfn);
    if (off < 0) return false;
    this.u8.fill(0, off, off + XEN_PAGE_SIZE);
    this.released.add(gfn);
    this.onUnmap?.(gfn);
    return true;
  }

  /** Takes a reference on a frame the hypervisor writes into, so the guest cannot release it. */
  pinFrame(gfn: number): void {
    this.pins.set(gfn, (this.pins.get(gfn) ?? 0) + 1);
  }

  unpinFrame(gfn: number): void {
    const n = this.pins.get(gfn) ?? 0;
    if (n <= 1) this.pins.delete(gfn);
    else this.pins.set(gfn, n - 1);
  }

  /** Gives a released frame back (ballooning in); false when `gfn` was not released. */
  populateFrame(gfn: number): boolean {
    return this.released.delete(gfn);
  }

  /** Frames currently given back by the guest. */
  get releasedFrames(): number {
    return this.released.size;
  }

  /** Declares an emulated device region (stage 2 passes it to the MMIO bus). */
  addMmioHole(h: MmioHole): void {
    this.holes.push(h);
  }

  /**
   * Host byte offset of guest frame `gfn` (page-aligned), or -1 when the frame is not backed for
   * this access (a hole, a device, beyond RAM, or a write to a read-only frame). Every value comes
   * from the guest, so anything that is not a non-negative integer is simply not backed.
   */
  offsetOfGfn(gfn: number, write = false): number {
    if (!Number.isInteger(gfn) || gfn < 0) return -1;
    const p = this.pages.get(gfn);
    if (p !== undefined) return write && p.type === P2mType.RAM_RO ? -1 : p.hostOffset;
    if (this.released.size !== 0 && this.released.has(gfn)) return -1;
    for (const r of this.ranges) {
      if (gfn >= r.gfn && gfn < r.gfn + r.frames) {
        if (write && r.type === P2mType.RAM_RO) return -1;
        return r.hostOffset + (gfn - r.gfn) * XEN_PAGE_SIZE;
      }
    }
    return -1;
  }

  /** Host byte offset of guest-physical address `gpa` for an access of `sizeBytes` within one page, or -1. */
  offsetOfGpa(gpa: number, sizeBytes: number, write = false): number {
    if (!Number.isInteger(gpa) || gpa < 0) return -1;
    const inPage = gpa % XEN_PAGE_SIZE;
    if (sizeBytes < 0 || inPage + sizeBytes > XEN_PAGE_SIZE) return -1;
    const base = this.offsetOfGfn(Math.floor(gpa / XEN_PAGE_SIZE), write);
    return base < 0 ? -1 : base + inPage;
  }

  /** True when `gpa` lies in an emulated device region. */
  isMmio(gpa: number): boolean {
    return this.holes.some((h) => gpa >= h.gpa && gpa < h.gpa + h.sizeBytes);
  }

  /**
   * Stage 2 for the CPU: the host physical address of `ipa`, the IPA itself for a device region,
   * or null (a stage-2 fault).
   */
  translate(ipa: number, write: boolean): number | null {
    const off = this.offsetOfGfn(Math.floor(ipa / XEN_PAGE_SIZE), write);
    if (off >= 0) return HOST_PA_BASE + off + (ipa % XEN_PAGE_SIZE);
    if (this.isMmio(ipa)) return ipa;
    this.stage2Faults++;
    return null;
  }

  /** The RAM ranges (for the device tree, save and the memory checks of tests). */
  get ramRanges(): readonly P2mRange[] {
    return this.ranges;
  }

  /** Frames mapped one by one (grant frames, shared_info), for save and debug output. */
  mappedPages(): readonly (readonly [gfn: number, hostOffset: number])[] {
    return [...this.pages].map(([g, p]) => [g, p.hostOffset] as const);
  }
}

/** Frame number of a guest-physical address. */
export function gfnOf(gpa: number): number {
  return Math.floor(gpa / XEN_PAGE_SIZE);
}

export { XEN_PAGE_SHIFT };
