/**
 * GNTTABOP_copy (common/grant_table.c gnttab_copy_one and its helpers). Each side is either a
 * grant reference of some domain (GNTCOPY_*_gref) or, for DOMID_SELF only, one of the caller's
 * own frames. The source is pinned for reading and the destination for writing for the duration
 * of the copy, exactly like a mapping, so a frontend revoking its grant at the same moment sees
 * GTF_reading/GTF_writing and backs off.
 */
import { DOMID_SELF, XEN_PAGE_SIZE } from '../../../abi/xen.js';
import {
  COPY,
  COPY_PTR,
  GNTCOPY_dest_gref,
  GNTCOPY_source_gref,
  GNTST_bad_copy_arg,
  GNTST_bad_domain,
  GNTST_bad_page,
  GNTST_okay,
  GNTST_permission_denied,
  type GrantStatus,
} from './abi.js';
import { isGrantError, ownedFrameOffset, pinGrant, unpinGrant } from './entry.js';
import type { GrantTable } from './grant_table.js';
import { readU64 } from './map.js';

/** One side of a copy once its domain is known (gnttab_copy_ptr + gnttab_copy_buf). */
interface CopySide {
  readonly d: GrantTable;
  readonly isGref: boolean;
  /** The ref (gref side) or gmfn (frame side) exactly as the guest gave it. */
  readonly u: number;
  readonly offset: number;
  readonly readonly: boolean;
}

/** gnttab_copy_lock_domain: only DOMID_SELF may name a frame directly. */
function lockSide(lgt: GrantTable, dv: DataView, at: number, isGref: boolean, readonly: boolean): CopySide | GrantStatus {
  const domid = dv.getUint16(at + COPY_PTR.domid, true);
  if (domid !== DOMID_SELF && !isGref) return GNTST_permission_denied;
  const d = lgt.directory.byAnyId(domid, lgt);
  if (d === undefined || d.isDestroyed) return GNTST_bad_domain;
  const u = isGref ? dv.getUint32(at + COPY_PTR.u, true) : readU64(dv, at + COPY_PTR.u);
  return { d, isGref, u, offset: dv.getUint16(at + COPY_PTR.offset, true), readonly };
}

/** gnttab_copy_claim_buf: the side's page host offset, pinned if it is a grant. */
function claim(lgt: GrantTable, s: CopySide): number | GrantStatus {
  if (s.isGref) {
    const r = pinGrant(s.d, s.u, lgt.domid, s.readonly, false);
    return isGrantError(r) ? r.status : r;
  }
  // get_paged_frame on the caller's own frame: not backed, read-only for a writer, or a foreign
  // grant mapping (not the caller's page) are all GNTST_bad_page.
  const off = ownedFrameOffset(s.d, s.u, !s.readonly);
  return off < 0 ? GNTST_bad_page : off;
}

function release(s: CopySide): void {
  if (s.isGref) unpinGrant(s.d, s.u, s.readonly);
}

function copyOne(lgt: GrantTable, dv: DataView, at: number): GrantStatus {
  const flags = dv.getUint16(at + COPY.flags, true);
  const len = dv.getUint16(at + COPY.len, true);
  const src = lockSide(lgt, dv, at + COPY.source, (flags & GNTCOPY_source_gref) !== 0, true);
  if (typeof src === 'number') return src;
  const dst = lockSide(lgt, dv, at + COPY.dest, (flags & GNTCOPY_dest_gref) !== 0, false);
  if (typeof dst === 'number') return dst;
  const srcOff = claim(lgt, src);
  if (srcOff < 0) return srcOff as GrantStatus;
  const dstOff = claim(lgt, dst);
  if (dstOff < 0) {
    release(src);
    return dstOff as GrantStatus;
  }
  let status: GrantStatus = GNTST_okay;
  // gnttab_copy_buf: neither side may leave its page. A v1 grant always covers the whole page, so
  // the grant-bounds check Xen makes next can never fail here.
  if (src.offset + len > XEN_PAGE_SIZE || dst.offset + len > XEN_PAGE_SIZE) {
    status = GNTST_bad_copy_arg;
  } else {
    // copyWithin/set have memmove semantics, so a copy within one page may overlap safely.
    const from = srcOff + src.offset;
    if (src.d.mem.buffer === dst.d.mem.buffer) dst.d.mem.u8.copyWithin(dstOff + dst.offset, from, from + len);
    else dst.d.mem.u8.set(src.d.mem.u8.subarray(from, from + len), dstOff + dst.offset);
    dst.d.mem.markDirty(dstOff + dst.offset, len);
  }
  release(dst);
  release(src);
  return status;
}

/** One gnttab_copy struct at byte `at` of `dv`, status written back. */
export function grantCopy(lgt: GrantTable, dv: DataView, at: number): GrantStatus {
  const status = copyOne(lgt, dv, at);
  dv.setInt16(at + COPY.status, status, true);
  if (status === GNTST_okay) {
    lgt.counters.copies++;
    lgt.counters.copiedBytes += dv.getUint16(at + COPY.len, true);
  } else {
    lgt.counters.copyFailures++;
  }
  return status;
}
