/**
 * Constants of the flattened device tree blob format, version 17.
 *
 * Source: Devicetree Specification v0.4, chapter 5 "Flattened Devicetree (DTB) Format". All header
 * fields and structure tokens are big-endian 32-bit words; reservation entries are pairs of
 * big-endian 64-bit words.
 */

/** Header magic, `fdt_header.magic`. */
export const FDT_MAGIC = 0xd00dfeed;
/** The version we write (`fdt_header.version`). */
export const FDT_VERSION = 17;
/** The oldest version a v17 blob stays compatible with (`fdt_header.last_comp_version`). */
export const FDT_LAST_COMP_VERSION = 16;
/** Size of the v17 header in bytes: ten 32-bit words. */
export const FDT_HEADER_SIZE = 40;

/** Structure block tokens (Devicetree Specification 5.4.1). */
export const FDT_BEGIN_NODE = 0x1;
export const FDT_END_NODE = 0x2;
export const FDT_PROP = 0x3;
export const FDT_NOP = 0x4;
export const FDT_END = 0x9;

/** Byte offsets of the header fields (Devicetree Specification 5.2). */
export const HDR = {
  magic: 0,
  totalsize: 4,
  off_dt_struct: 8,
  off_dt_strings: 12,
  off_mem_rsvmap: 16,
  version: 20,
  last_comp_version: 24,
  boot_cpuid_phys: 28,
  size_dt_strings: 32,
  size_dt_struct: 36,
} as const;

/** Round `n` up to a multiple of `align` (a power of two). */
export function alignUp(n: number, align: number): number {
  return (n + align - 1) & ~(align - 1);
}
