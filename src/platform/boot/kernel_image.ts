/**
 * Placing a kernel, initrd and DTB in guest RAM the way QEMU's `-kernel` does for AArch64
 * (hw/arm/boot.c) and as Linux's arm64 boot protocol requires (Documentation/arch/arm64/booting.rst):
 * an arm64 `Image` goes to a 2 MiB-aligned base plus its text_offset with image_size bytes free; a raw
 * binary goes to RAM base + 0x80000; an AArch64 ELF has its PT_LOAD segments copied to their physical
 * addresses (p_paddr) and is entered at e_entry; the initrd and the DTB follow, each aligned, all
 * inside RAM.
 */
import { parseElf, type ElfImage } from '../../lib/elf.js';
import { XenonError } from '../../lib/errors.js';

const ARM64_IMAGE_MAGIC = 0x644d5241; // "ARM\x64" at offset 0x38
const SZ_2M = 0x20_0000;
const RAW_LOAD_OFFSET = 0x8_0000;
/** QEMU puts the initrd at RAM base + min(RAM / 2, 128 MiB). */
const INITRD_MAX_OFFSET = 128 << 20;
const DTB_MAX_BYTES = 2 << 20;

/** One piece of the kernel to copy into RAM: `bytes` at `pa`, then zeros up to `memBytes` (an ELF's bss). */
export interface KernelSegment {
  readonly pa: number;
  readonly bytes: Uint8Array;
  readonly memBytes: number;
}

export interface KernelPlacement {
  /** Physical address of the first kernel byte (an ELF's lowest segment). */
  readonly loadPa: number;
  /** Where the primary CPU starts. */
  readonly entryPa: number;
  /** Bytes reserved from loadPa (image_size for an Image, file size for raw, lowest to highest segment end for an ELF). */
  readonly reservedBytes: number;
  readonly format: 'arm64-image' | 'raw' | 'elf';
  /** What to copy where: the whole file for an Image or raw binary, the PT_LOAD segments for an ELF. */
  readonly segments: readonly KernelSegment[];
}

export interface BootLayout {
  readonly kernel: KernelPlacement;
  readonly initrd?: { readonly start: number; readonly end: number };
  readonly dtbPa: number;
}

function le64(b: Uint8Array, off: number): number {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const v = dv.getBigUint64(off, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new XenonError('BAD_EXECUTABLE', `Kernel header field at ${off} is out of range`);
  return Number(v);
}

function hex(v: number): string {
  return `0x${v.toString(16)}`;
}

/**
 * An ELF kernel by physical address, as QEMU's load_elf does for an ARM -kernel: each PT_LOAD segment
 * at p_paddr, entered at e_entry (or, when e_entry is a virtual address inside a segment, at the
 * matching physical address).
 */
function placeElf(kernel: Uint8Array): KernelPlacement {
  const elf: ElfImage = parseElf(kernel, 'kernel', { kernel: true });
  const loads = elf.loads.filter((s) => s.memSize > 0);
  if (loads.length === 0) throw new XenonError('BAD_EXECUTABLE', 'The kernel ELF has no non-empty loadable segment');
  const sorted = [...loads].sort((a, b) => a.paddr - b.paddr);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1]!;
    const cur = sorted[i]!;
    if (prev.paddr + prev.memSize > cur.paddr) {
      throw new XenonError('BAD_EXECUTABLE', `The kernel ELF's segments at ${hex(prev.paddr)} and ${hex(cur.paddr)} overlap`);
    }
  }
  const loadPa = sorted[0]!.paddr;
  const endPa = Math.max(...sorted.map((s) => s.paddr + s.memSize));
  const inPa = loads.find((s) => elf.entry >= s.paddr && elf.entry < s.paddr + s.memSize);
  const inVa = inPa === undefined && elf.entry >= 0 ? loads.find((s) => s.vaddr >= 0 && elf.entry >= s.vaddr && elf.entry < s.vaddr + s.memSize) : undefined;
  let entryPa: number;
  if (inPa !== undefined) entryPa = elf.entry;
  else if (inVa !== undefined) entryPa = elf.entry - inVa.vaddr + inVa.paddr;
  else throw new XenonError('BAD_EXECUTABLE', `The kernel ELF's entry point ${elf.entry < 0 ? '(a high virtual address)' : hex(elf.entry)} is in none of its loadable segments`);
  return {
    loadPa,
    entryPa,
    reservedBytes: endPa - loadPa,
    format: 'elf',
    segments: loads.map((s) => ({ pa: s.paddr, bytes: kernel.subarray(s.fileOffset, s.fileOffset + s.fileSize), memBytes: s.memSize })),
  };
}

/** Decides where a kernel goes from its bytes: an arm64 Image when it carries the magic, an ELF when it starts with \x7fELF, else a raw binary. */
export function placeKernel(kernel: Uint8Array, ramBase: number): KernelPlacement {
  if (kernel.byteLength === 0) throw new XenonError('BAD_EXECUTABLE', 'The kernel file is empty');
  const isImage = kernel.byteLength >= 64 && new DataView(kernel.buffer, kernel.byteOffset).getUint32(0x38, true) === ARM64_IMAGE_MAGIC;
  const isElf = kernel.byteLength >= 4 && kernel[0] === 0x7f && kernel[1] === 0x45 && kernel[2] === 0x4c && kernel[3] === 0x46;
  if (isElf && !isImage) return placeElf(kernel);
  if (!isImage) {
    const loadPa = ramBase + RAW_LOAD_OFFSET;
    return { loadPa, entryPa: loadPa, reservedBytes: kernel.byteLength, format: 'raw', segments: [{ pa: loadPa, bytes: kernel, memBytes: kernel.byteLength }] };
  }
  const textOffset = le64(kernel, 0x08);
  let imageSize = le64(kernel, 0x10);
  const flags = le64(kernel, 0x18);
  if ((flags & 1) !== 0) throw new XenonError('BAD_EXECUTABLE', 'The kernel Image is big-endian; only little-endian is supported');
  const pageSizeField = (flags >> 1) & 3;
  if (pageSizeField !== 0 && pageSizeField !== 1) {
    throw new XenonError('BAD_EXECUTABLE', `The kernel Image needs ${pageSizeField === 2 ? '16' : '64'} KiB pages; only 4 KiB is supported`);
  }
  // Images from before Linux 3.17 have image_size 0 and a text_offset of 0x80000 by convention.
  if (imageSize === 0) imageSize = kernel.byteLength;
  if (imageSize < kernel.byteLength) throw new XenonError('BAD_EXECUTABLE', `The kernel Image's image_size (${imageSize}) is smaller than the file`);
  const loadPa = ramBase + SZ_2M + textOffset;
  return { loadPa, entryPa: loadPa, reservedBytes: imageSize, format: 'arm64-image', segments: [{ pa: loadPa, bytes: kernel, memBytes: imageSize }] };
}

function alignUp(v: number, a: number): number {
  return Math.ceil(v / a) * a;
}

/** Lays out kernel, optional initrd and DTB in RAM; fails with a clear message when they do not fit. */
export function planBootLayout(opts: { kernel: Uint8Array; initrdBytes?: number; dtbBytes: number; ramBase: number; ramBytes: number }): BootLayout {
  const { ramBase, ramBytes } = opts;
  const kernel = placeKernel(opts.kernel, ramBase);
  const ramEnd = ramBase + ramBytes;
  const kernelEnd = kernel.loadPa + kernel.reservedBytes;
  if (kernel.format === 'elf') {
    for (const s of kernel.segments) {
      if (s.pa < ramBase || s.pa + s.memBytes > ramEnd) {
        throw new XenonError('BAD_EXECUTABLE', `The kernel ELF's segment at ${hex(s.pa)}-${hex(s.pa + s.memBytes)} lies outside RAM (${hex(ramBase)}-${hex(ramEnd)})`);
      }
    }
  }
  if (kernelEnd > ramEnd) {
    throw new XenonError('BAD_EXECUTABLE', `The kernel needs ${kernel.reservedBytes} bytes at 0x${kernel.loadPa.toString(16)}, beyond the ${ramBytes >> 20} MiB of RAM`);
  }
  let next = kernelEnd;
  let initrd: BootLayout['initrd'];
  if (opts.initrdBytes !== undefined) {
    const start = Math.max(alignUp(kernelEnd, 0x1000), ramBase + Math.min(ramBytes / 2, INITRD_MAX_OFFSET));
    initrd = { start, end: start + opts.initrdBytes };
    next = initrd.end;
  }
  if (opts.dtbBytes > DTB_MAX_BYTES) throw new XenonError('BAD_EXECUTABLE', `The device tree is ${opts.dtbBytes} bytes; at most 2 MiB is allowed`);
  // The DTB gets a 2 MiB region of its own, as booting.rst asks.
  const dtbPa = alignUp(next, SZ_2M);
  if (dtbPa + opts.dtbBytes > ramEnd) {
    throw new XenonError('BAD_EXECUTABLE', `Kernel, initrd and device tree do not fit in ${ramBytes >> 20} MiB of RAM`);
  }
  // Initrd and DTB start above every kernel byte by construction; check it, as a segment must never be overwritten.
  for (const s of kernel.segments) {
    const overlaps = (start: number, end: number) => s.pa < end && start < s.pa + s.memBytes;
    if ((initrd !== undefined && overlaps(initrd.start, initrd.end)) || overlaps(dtbPa, dtbPa + opts.dtbBytes)) {
      throw new XenonError('BAD_EXECUTABLE', `The kernel's segment at ${hex(s.pa)} overlaps the initrd or device tree`);
    }
  }
  return { kernel, dtbPa, ...(initrd === undefined ? {} : { initrd }) };
}
