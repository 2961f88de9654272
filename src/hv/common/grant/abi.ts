/**
 * The grant-table part of Xen's public interface (xen/include/public/grant_table.h, RELEASE-4.17.0)
 * as an arm64 guest sees it: subop numbers, entry flags, mapping flags, status codes and the byte
 * layout of every GNTTABOP_* argument struct (LP64, little endian; sizes as aarch64 gcc lays them out).
 *
 * This belongs in src/abi/ beside errno.ts; it lives here until that folder's owner takes it.
 */

/** GNTTABOP_* subop numbers (grant_table.h `enum grant_table_op`). */
export const GNTTABOP_map_grant_ref = 0;
export const GNTTABOP_unmap_grant_ref = 1;
export const GNTTABOP_setup_table = 2;
export const GNTTABOP_dump_table = 3;
export const GNTTABOP_transfer = 4;
export const GNTTABOP_copy = 5;
export const GNTTABOP_query_size = 6;
export const GNTTABOP_unmap_and_replace = 7;
export const GNTTABOP_set_version = 8;
export const GNTTABOP_get_status_frames = 9;
export const GNTTABOP_get_version = 10;
export const GNTTABOP_swap_grant_ref = 11;
export const GNTTABOP_cache_flush = 12;

/**
 * The low 12 bits of `cmd` are the subop; the rest is continuation state that only
 * GNTTABOP_cache_flush may carry (common/grant_table.c GNTTABOP_CONTINUATION_ARG_SHIFT).
 */
export const GNTTABOP_CONTINUATION_ARG_SHIFT = 12;
export const GNTTABOP_CMD_MASK = (1 << GNTTABOP_CONTINUATION_ARG_SHIFT) - 1;

/** grant_entry_v1: flags u16 @0, domid u16 @2, frame u32 @4. */
export const GRANT_ENTRY_V1_BYTES = 8;
/** Entries per 4 KiB grant frame (common/grant_table.c SHGNT_PER_PAGE_V1). */
export const GRANT_ENTRIES_PER_FRAME = 4096 / GRANT_ENTRY_V1_BYTES;
/** Refs 0..7 are kept for the toolstack (console, xenstore). */
export const GNTTAB_NR_RESERVED_ENTRIES = 8;

/** grant_entry_v1.flags: the type field and the status bits. */
export const GTF_invalid = 0;
export const GTF_permit_access = 1;
export const GTF_accept_transfer = 2;
export const GTF_transitive = 3;
export const GTF_type_mask = 3;
export const GTF_readonly = 1 << 2;
export const GTF_reading = 1 << 3;
export const GTF_writing = 1 << 4;
export const GTF_PWT = 1 << 5;
export const GTF_PCD = 1 << 6;
export const GTF_PAT = 1 << 7;
export const GTF_sub_page = 1 << 8;

/** gnttab_map_grant_ref.flags. */
export const GNTMAP_device_map = 1 << 0;
export const GNTMAP_host_map = 1 << 1;
export const GNTMAP_readonly = 1 << 2;
export const GNTMAP_application_map = 1 << 3;
export const GNTMAP_contains_pte = 1 << 4;

/** gnttab_copy.flags: which side names a grant reference rather than a local frame. */
export const GNTCOPY_source_gref = 1 << 0;
export const GNTCOPY_dest_gref = 1 << 1;

/** gnttab_cache_flush.op. */
export const GNTTAB_CACHE_CLEAN = 1 << 0;
export const GNTTAB_CACHE_INVAL = 1 << 1;

/** XENMEM_add_to_physmap idx bit selecting a v2 status frame (memory.h). */
export const XENMAPIDX_grant_table_status = 0x8000_0000;

/** Per-op status codes (grant_table.h `enum grant_status`). */
export const GNTST_okay = 0;
export const GNTST_general_error = -1;
export const GNTST_bad_domain = -2;
export const GNTST_bad_gntref = -3;
export const GNTST_bad_handle = -4;
export const GNTST_bad_virt_addr = -5;
export const GNTST_bad_dev_addr = -6;
export const GNTST_no_device_space = -7;
export const GNTST_permission_denied = -8;
export const GNTST_bad_page = -9;
export const GNTST_bad_copy_arg = -10;
export const GNTST_address_too_big = -11;
export const GNTST_eagain = -12;
export const GNTST_no_space = -13;

/** A GNTST_* value. */
export type GrantStatus = 0 | -1 | -2 | -3 | -4 | -5 | -6 | -7 | -8 | -9 | -10 | -11 | -12 | -13;

/** Size in bytes of each subop's argument struct on arm64, indexed by subop number. */
export const GNTTABOP_ARG_BYTES: Readonly<Record<number, number>> = {
  [GNTTABOP_map_grant_ref]: 32,
  [GNTTABOP_unmap_grant_ref]: 24,
  [GNTTABOP_setup_table]: 24,
  [GNTTABOP_dump_table]: 4,
  [GNTTABOP_transfer]: 24,
  [GNTTABOP_copy]: 40,
  [GNTTABOP_query_size]: 16,
  [GNTTABOP_unmap_and_replace]: 24,
  [GNTTABOP_set_version]: 4,
  [GNTTABOP_get_status_frames]: 16,
  [GNTTABOP_get_version]: 8,
  [GNTTABOP_swap_grant_ref]: 12,
  [GNTTABOP_cache_flush]: 16,
};

/** Field offsets of the argument structs (offsetof on aarch64). */
export const MAP = { host_addr: 0, flags: 8, ref: 12, dom: 16, status: 18, handle: 20, dev_bus_addr: 24 } as const;
export const UNMAP = { host_addr: 0, dev_bus_addr: 8, handle: 16, status: 20 } as const;
export const UNMAP_AND_REPLACE = { host_addr: 0, new_addr: 8, handle: 16, status: 20 } as const;
export const SETUP_TABLE = { dom: 0, nr_frames: 4, status: 8, frame_list: 16 } as const;
/** gnttab_copy: source ptr @0, dest ptr @16; in each ptr u (ref u32 / gmfn u64) @0, domid @8, offset @10. */
export const COPY = { source: 0, dest: 16, len: 32, flags: 34, status: 36 } as const;
export const COPY_PTR = { u: 0, domid: 8, offset: 10 } as const;
export const QUERY_SIZE = { dom: 0, nr_frames: 4, max_nr_frames: 8, status: 12 } as const;
export const SET_VERSION = { version: 0 } as const;
export const GET_STATUS_FRAMES = { nr_frames: 0, dom: 4, status: 6, frame_list: 8 } as const;
export const GET_VERSION = { dom: 0, version: 4 } as const;
export const SWAP_GRANT_REF = { ref_a: 0, ref_b: 4, status: 8 } as const;
export const CACHE_FLUSH = { a: 0, offset: 8, length: 10, op: 12 } as const;
