/**
 * Turn Debian's `/boot/vmlinuz-*` into the raw arm64 `Image` the boot loader places in memory.
 *
 * Debian ships either the Image itself (a PE/COFF file for the EFI stub, as the signed arm64
 * packages do) or a gzip-compressed Image. Both end up checked against the arm64 Image header
 * (Linux Documentation/arch/arm64/booting.rst: magic "ARM\x64" at offset 0x38).
 */
import { gunzipSync } from 'node:zlib';
import { imageFetchError } from './errors.js';

/** Offset and value of the little-endian `magic` field of the arm64 Image header. */
export const ARM64_IMAGE_MAGIC_OFFSET = 0x38;
export const ARM64_IMAGE_MAGIC = 0x644d5241; // "ARM\x64"

/** True when `image` starts with an arm64 Image header. */
export function isArm64Image(image: Uint8Array): boolean {
  if (image.length < 64) return false;
  return new DataView(image.buffer, image.byteOffset, image.byteLength).getUint32(ARM64_IMAGE_MAGIC_OFFSET, true) === ARM64_IMAGE_MAGIC;
}

/** Bound on a decompressed kernel Image: Debian's is about 35 MiB; a gzip bomb must not fill memory. */
export const MAX_KERNEL_IMAGE_BYTES = 256 * 1024 * 1024;

/** The uncompressed Image from a vmlinuz file; `what` names it in errors. */
export function kernelImageFromVmlinuz(vmlinuz: Uint8Array, what: string, maxImage = MAX_KERNEL_IMAGE_BYTES): Uint8Array {
  let image = vmlinuz;
  if (vmlinuz[0] === 0x1f && vmlinuz[1] === 0x8b) {
    try {
      image = gunzipSync(vmlinuz, { maxOutputLength: maxImage });
    } catch (err) {
      throw imageFetchError(`Cannot decompress kernel "${what}"`, err);
    }
  }
  if (!isArm64Image(image)) throw imageFetchError(`Kernel "${what}" is not an arm64 Image (no "ARM\\x64" magic at 0x38)`);
  return image;
}
