/**
 * GNTTABOP_swap_grant_ref (common/grant_table.c swap_grant_ref): exchanges two of the caller's own
 * entries, refusing while either is pinned so no mapping ever changes under a grantee.
 */
import { GNTST_bad_gntref, GNTST_eagain, GNTST_okay, GRANT_ENTRY_V1_BYTES, SWAP_GRANT_REF, type GrantStatus } from './abi.js';
import type { GrantTable } from './grant_table.js';

function swap(gt: GrantTable, refA: number, refB: number): GrantStatus {
  if (refA >= gt.nrEntries || refB >= gt.nrEntries) return GNTST_bad_gntref;
  if (refA === refB) return GNTST_okay;
  if (gt.active.has(refA) || gt.active.has(refB)) return GNTST_eagain;
  const u8 = gt.mem.u8;
  const a = gt.entryHostOffset(refA);
  const b = gt.entryHostOffset(refB);
  const saved = u8.slice(a, a + GRANT_ENTRY_V1_BYTES);
  u8.copyWithin(a, b, b + GRANT_ENTRY_V1_BYTES);
  u8.set(saved, b);
  return GNTST_okay;
}

/** One gnttab_swap_grant_ref struct at byte `at` of `dv`, status written back. */
export function swapGrantRef(gt: GrantTable, dv: DataView, at: number): GrantStatus {
  const status = swap(gt, dv.getUint32(at + SWAP_GRANT_REF.ref_a, true), dv.getUint32(at + SWAP_GRANT_REF.ref_b, true));
  dv.setInt16(at + SWAP_GRANT_REF.status, status, true);
  return status;
}
