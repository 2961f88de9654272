/**
 * Placing a kernel, initrd and DTB in guest RAM the way QEMU's `-kernel` does for AArch64
 * (hw/arm/boot.c) and as Linux's arm64 boot protocol requires (Documentation/arch/arm64/booting.rst):
 * an arm64 `Image` goes to a 2 MiB-aligned base plus its text_offset with image_size bytes free; a raw
 * binary goes to RAM base + 0x80000; the initrd and the DTB follow, each aligned, all inside RAM.
 */
import { XenonError } from '../../lib/errors.js';

const ARM64_IMAGE_MAGIC = 0x644d5241; // "ARM\x64" at offset 0x38
const SZ_2M = 0x20_0000;
const RAW_LOAD_OFFSET = 0x8_0000;
/** QEMU puts the initrd at RAM base + min(RAM / 2, 128 MiB). */
const INITRD_MAX_OFFSET = 128 << 20;
const DTB_MAX_BYTES = 2 << 20;

export interface KernelPlacement {
  /** Physical address of the first kernel byte. */
  readonly loadPa: number;
  /** Where the primary CPU starts. */
  readonly entryPa: number;
  /** Bytes reserved from loadPa (image_size for an Image, file size otherwise). */
  readonly reservedBytes: number;
  readonly format: 'arm64-image' | 'raw';
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

/** Decides where a kernel goes from its bytes: an arm64 Image when it carries the magic, else a raw binary. */
export function placeKernel(kernel: Uint8Array, ramBase: number): KernelPlacement {
  if (kernel.byteLength === 0) throw new XenonError('BAD_EXECUTABLE', 'The kernel file is empty');
  const isImage = kernel.byteLength >= 64 && new DataView(kernel.buffer, kernel.byteOffset).getUint32(0x38, true) === ARM64_IMAGE_MAGIC;
  if (!isImage) {
    const loadPa = ramBase + RAW_LOAD_OFFSET;
    return { loadPa, entryPa: loadPa, reservedBytes: kernel.byteLength, format: 'raw' };
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
  return { loadPa, entryPa: loadPa, reservedBytes: imageSize, format: 'arm64-image' };
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
  return { kernel, dtbPa, ...(initrd === undefined ? {} : { initrd }) };
}
