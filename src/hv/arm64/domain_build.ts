/**
 * Places a domU's kernel, initrd and device tree as Xen's toolstack does
 * (tools/libs/guest/xg_dom_armzimageloader.c and xg_dom_arm.c): an arm64 Image at RAM0 +
 * text_offset, then the initrd and the DTB together at RAM0 + 128 MiB when they fit there, else at
 * the end of RAM; vCPU 0 starts at the Image with x0 = the DTB's address.
 */
import { GUEST, XEN_PAGE_SIZE } from '../../abi/xen.js';
import { XenonError } from '../../lib/errors.js';
import type { XenDomain } from '../common/domain.js';
import { buildDomainFdt } from './domain_fdt.js';

const ARM64_IMAGE_MAGIC = 0x644d5241;
const SZ_2M = 2 * 1024 * 1024;
const MODULES_OFFSET = 128 * 1024 * 1024;
/** Linux's limit for the DTB (booting.rst). */
const DTB_MAX_BYTES = 2 * 1024 * 1024;

export interface DomainImages {
  readonly kernel: Uint8Array;
  readonly initrd?: Uint8Array;
  readonly cmdline?: string;
  /** 128 bytes for /chosen/rng-seed. */
  readonly rngSeed: Uint8Array;
  readonly gicVersion: 2 | 3;
}

export interface DomainBootInfo {
  readonly entryIpa: number;
  readonly dtbIpa: number;
  readonly initrd?: { readonly start: number; readonly end: number };
  readonly dtb: Uint8Array;
}

function alignUp(v: number, a: number): number {
  return Math.ceil(v / a) * a;
}

/** Reads the arm64 Image header: text_offset and the bytes the kernel occupies (file or image_size, whichever is larger). */
function imageHeader(kernel: Uint8Array): { textOffset: number; size: number } {
  if (kernel.byteLength < 64) throw new XenonError('BAD_EXECUTABLE', `The kernel is ${kernel.byteLength} bytes, too short for an arm64 Image`);
  const dv = new DataView(kernel.buffer, kernel.byteOffset, kernel.byteLength);
  if (dv.getUint32(56, true) !== ARM64_IMAGE_MAGIC) {
    throw new XenonError('BAD_EXECUTABLE', 'The kernel is not an arm64 Image (no "ARM\\x64" magic at offset 56); a Xen domU kernel must be one');
  }
  const textOffset = Number(dv.getBigUint64(8, true));
  const imageSize = Number(dv.getBigUint64(16, true));
  if ((Number(dv.getBigUint64(24, true)) & 1) !== 0) throw new XenonError('BAD_EXECUTABLE', 'The kernel Image is big-endian; only little-endian is supported');
  if (imageSize !== 0 && imageSize < kernel.byteLength) {
    throw new XenonError('BAD_EXECUTABLE', `The kernel Image's image_size (${imageSize}) is smaller than the file (${kernel.byteLength})`);
  }
  if (textOffset % XEN_PAGE_SIZE !== 0 || textOffset >= SZ_2M) throw new XenonError('BAD_EXECUTABLE', `The kernel Image's text_offset 0x${textOffset.toString(16)} is invalid`);
  return { textOffset, size: Math.max(kernel.byteLength, imageSize) };
}

/** Loads kernel, initrd and device tree into the domain's RAM; returns where vCPU 0 starts. */
export function buildDomainImages(d: XenDomain, img: DomainImages): DomainBootInfo {
  const ramBytes = d.layout.ramBytes;
  const ramEnd = GUEST.RAM0_BASE + ramBytes;
  const { textOffset, size } = imageHeader(img.kernel);
  const kernelIpa = GUEST.RAM0_BASE + textOffset;
  const kernelEnd = alignUp(kernelIpa + size, SZ_2M);
  if (kernelEnd > ramEnd) throw new XenonError('BAD_EXECUTABLE', `The kernel needs ${size >> 20} MiB, more than the domain's ${ramBytes >> 20} MiB of memory`);

  const initrdBytes = img.initrd === undefined ? 0 : alignUp(img.initrd.byteLength, XEN_PAGE_SIZE);
  // The DTB's size does not depend on where the initrd lands.
  const fdtFor = (initrd?: { start: number; end: number }) => buildDomainFdt({
    ramBytes, vcpus: d.nrVcpus, gicVersion: img.gicVersion, rngSeed: img.rngSeed,
    ...(img.cmdline === undefined ? {} : { bootargs: img.cmdline }), ...(initrd === undefined ? {} : { initrd }),
  });
  const dtbBytes = fdtFor(img.initrd === undefined ? undefined : { start: 0, end: 0 }).byteLength;
  if (dtbBytes > DTB_MAX_BYTES) throw new XenonError('BAD_EXECUTABLE', `The device tree would be ${dtbBytes} bytes; Linux accepts at most 2 MiB`);
  const modulesBytes = initrdBytes + alignUp(dtbBytes, XEN_PAGE_SIZE);
  let modules = GUEST.RAM0_BASE + MODULES_OFFSET;
  if (kernelEnd > modules || modules + modulesBytes > ramEnd) modules = Math.floor((ramEnd - modulesBytes) / SZ_2M) * SZ_2M;
  if (modules < kernelEnd) {
    throw new XenonError('BAD_EXECUTABLE', `Kernel (${size >> 20} MiB), initrd and device tree do not fit in the domain's ${ramBytes >> 20} MiB of memory`);
  }
  const initrd = img.initrd === undefined ? undefined : { start: modules, end: modules + initrdBytes };
  const dtbIpa = modules + initrdBytes;
  const dtb = fdtFor(initrd);

  const ram = d.mem.u8;
  const at = (ipa: number) => d.layout.hostBase + (ipa - GUEST.RAM0_BASE);
  ram.set(img.kernel, at(kernelIpa));
  if (img.initrd !== undefined) ram.set(img.initrd, at(modules));
  ram.set(dtb, at(dtbIpa));
  return { entryIpa: kernelIpa, dtbIpa, dtb, ...(initrd === undefined ? {} : { initrd }) };
}
