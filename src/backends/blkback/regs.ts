/**
 * The blkif protocol as the native arm64 layout has it ("arm-abi"; xen/include/public/io/blkif.h,
 * and /work/shared/docs/xen-arm-guest-abi.md §9.1). Every request is 112 bytes whatever its form.
 */

export const BLKIF_REQUEST_BYTES = 112;
export const BLKIF_RESPONSE_BYTES = 16;

export const BLKIF_OP = {
  READ: 0,
  WRITE: 1,
  WRITE_BARRIER: 2,
  FLUSH_DISKCACHE: 3,
  DISCARD: 5,
  INDIRECT: 6,
} as const;

export const BLKIF_RSP = { OKAY: 0, ERROR: -1, EOPNOTSUPP: -2 } as const;

/** Direct segments in one request (BLKIF_MAX_SEGMENTS_PER_REQUEST). */
export const BLKIF_MAX_SEGMENTS_PER_REQUEST = 11;
/** Indirect pages one request may name (BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST). */
export const BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST = 8;
/** Segment descriptors in one indirect page (4096 / 8). */
export const SEGS_PER_INDIRECT_FRAME = 512;
/** What we advertise in feature-max-indirect-segments (Xen's blkback: MAX_INDIRECT_SEGMENTS). */
export const MAX_INDIRECT_SEGMENTS = 256;

/** Offsets in a request. */
export const REQ = {
  OPERATION: 0,
  NR_SEGMENTS: 1,
  HANDLE: 2,
  ID: 8,
  SECTOR_NUMBER: 16,
  SEGMENTS: 24,
  SEGMENT_BYTES: 8,
  /** Discard form. */
  DISCARD_FLAG: 1,
  NR_SECTORS: 24,
  /** Indirect form. */
  INDIRECT_OP: 1,
  INDIRECT_NR_SEGMENTS: 2,
  INDIRECT_GREFS: 28,
} as const;

/** Discard flag bit 0: the frontend asks for a secure erase. */
export const BLKIF_DISCARD_SECURE = 1;

/** Offsets in a response. */
export const RSP = { ID: 0, OPERATION: 8, STATUS: 10 } as const;

/** Bits of the `info` key (VDISK_*). */
export const VDISK = { CDROM: 1, REMOVABLE: 2, READONLY: 4 } as const;

/** Sector numbers and first/last_sect are always 512-byte units. */
export const SECTOR_BYTES = 512;
export const SECTORS_PER_PAGE = 8;
