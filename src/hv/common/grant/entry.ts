/**
 * Pinning a grant entry: the part of common/grant_table.c shared by map_grant_ref and
 * acquire_grant_for_copy. The granting guest writes its entries at any time (possibly from
 * another thread), so the hypervisor only ever updates `flags` with compare-exchange on the
 * 32-bit word {flags, domid} and never trusts a value it read earlier.
 */
import { XEN_PAGE_SIZE } from '../../../abi/xen.js';
import {
  GNTST_bad_gntref,
  GNTST_bad_page,
  GNTST_general_error,
  GTF_permit_access,
  GTF_readonly,
  GTF_reading,
  GTF_sub_page,
  GTF_type_mask,
  GTF_writing,
  type GrantStatus,
} from './abi.js';
import type { GrantTable } from './grant_table.js';

/**
 * An active entry's pin word holds four 8-bit use counts, as Xen's `struct active_grant_entry`:
 * writable and read-only host mappings (copies count as host uses), then device mappings, which
 * an auto-translated ARM guest can never create.
 */
export const GNTPIN_hstw_inc = 1 << 0;
export const GNTPIN_hstr_inc = 1 << 8;
const GNTPIN_hstw_mask = 0xff << 0;
const GNTPIN_devw_mask = 0xff << 16;

/** Hypervisor-side shadow of one pinned grant entry (Xen's `struct active_grant_entry`). */
export interface ActiveGrantEntry {
  pin: number;
  /** The grantee: every later pin must come from the same domain. */
  domid: number;
  /** Host byte offset of the granted page, resolved once on the first pin. */
  hostOffset: number;
  /** The granter's frame number as read from the entry on the first pin (for debug output). */
  gfn: number;
}

/** A refusal, with the GNTST_* code the guest sees and a reason for logs and backends. */
export interface GrantError {
  readonly status: GrantStatus;
  readonly reason: string;
}

/** Builds a GrantError. */
export function grantError(status: GrantStatus, reason: string): GrantError {
  return { status, reason };
}

/** True when `r` is a refusal rather than a result. */
export function isGrantError(r: unknown): r is GrantError {
  return typeof r === 'object' && r !== null && 'status' in r && 'reason' in r;
}

/** Overflow guard for `incr` (common/grant_table.c GNTPIN_incr2oflow_mask): the top bit of its counter. */
function pinWouldOverflow(pin: number, incr: number): boolean {
  return (pin & (incr << 7)) !== 0;
}

/**
 * _set_status_v1: atomically sets GTF_reading (and GTF_writing unless `readonly`) after checking
 * the entry is a plain permit_access grant to `ldomid` (skipped when already pinned, as Xen does)
 * and that a writer is not pinning a read-only grant. Gives up after five lost races, because the
 * guest can rewrite the word faster than we can compare-exchange it.
 */
function setStatusV1(rgt: GrantTable, ref: number, pinned: boolean, readonly: boolean, mapflag: boolean, ldomid: number): GrantError | null {
  const i32 = rgt.mem.i32;
  const idx = rgt.entryHostOffset(ref) >>> 2;
  const mask = mapflag ? GTF_type_mask | GTF_sub_page : GTF_type_mask;
  let seen = Atomics.load(i32, idx);
  for (let retries = 0; ; retries++) {
    const flags = seen & 0xffff;
    const domid = seen >>> 16;
    if (!pinned && ((flags & mask) !== GTF_permit_access || domid !== ldomid)) {
      return grantError(GNTST_general_error, `Bad flags 0x${flags.toString(16)} or dom ${domid}; expected d${ldomid}`);
    }
    if (!readonly && (flags & GTF_readonly) !== 0) {
      return grantError(GNTST_general_error, 'Attempt to write-pin a r/o grant entry');
    }
    const next = seen | GTF_reading | (readonly ? 0 : GTF_writing);
    const prev = Atomics.compareExchange(i32, idx, seen, next);
    if (prev === seen) return null;
    if (retries === 4) return grantError(GNTST_general_error, 'Shared grant entry is unstable');
    seen = prev;
  }
}

/**
 * reduce_status_for_pin: clears GTF_reading once nothing holds the entry and GTF_writing once no
 * writer does. Never touches a destroyed domain's memory.
 */
function reduceStatusForPin(rgt: GrantTable, ref: number, pin: number, readonly: boolean): void {
  if (rgt.isDestroyed) return;
  let clear = pin !== 0 ? 0 : GTF_reading;
  if (!readonly && (pin & (GNTPIN_hstw_mask | GNTPIN_devw_mask)) === 0) clear |= GTF_writing;
  if (clear === 0) return;
  const off = rgt.entryHostOffset(ref);
  Atomics.and(rgt.mem.i16, off >>> 1, ~clear);
}

/**
 * The host offset of the granter's frame `gfn` for this access, or -1. Like Xen's get_paged_frame,
 * a frame the granter does not own is refused: unbacked, read-only for a writer, or itself a
 * grant mapping of a third domain's page (p2m_is_foreign / get_page owner check).
 */
export function ownedFrameOffset(d: GrantTable, gfn: number, write: boolean): number {
  if (d.isForeignMapping(gfn)) return -1;
  const off = d.mem.offsetOfGfn(gfn, write);
  if (off < 0 || off + XEN_PAGE_SIZE > d.mem.size) return -1;
  return off;
}

/**
 * Takes one host use of `rgt`'s entry `ref` on behalf of domain `ldomid` and returns the granted
 * page's host offset. `mapflag` marks a mapping (which, unlike a copy, refuses GTF_sub_page).
 * Follows map_grant_ref / acquire_grant_for_copy; on an upgrade from read-only pins to a writer
 * the frame's writability is checked again, so a writer never gets a page the p2m made read-only.
 */
export function pinGrant(rgt: GrantTable, ref: number, ldomid: number, readonly: boolean, mapflag: boolean): number | GrantError {
  if (!Number.isInteger(ref) || ref < 0 || ref >= rgt.nrEntries) {
    return grantError(GNTST_bad_gntref, `Bad ref 0x${ref.toString(16)} for d${rgt.domid}`);
  }
  const incr = readonly ? GNTPIN_hstr_inc : GNTPIN_hstw_inc;
  let act = rgt.active.get(ref);
  if (act !== undefined && (act.domid !== ldomid || pinWouldOverflow(act.pin, incr))) {
    return grantError(GNTST_general_error, `Bad domain (${act.domid} != ${ldomid}) or risk of counter overflow 0x${act.pin.toString(16)}`);
  }
  const pin = act?.pin ?? 0;
  if (pin === 0 || (!readonly && (pin & (GNTPIN_hstw_mask | GNTPIN_devw_mask)) === 0)) {
    const err = setStatusV1(rgt, ref, pin !== 0, readonly, mapflag, ldomid);
    if (err !== null) return err;
    const gfn = act?.gfn ?? rgt.mem.dv.getUint32(rgt.entryHostOffset(ref) + 4, true);
    const off = ownedFrameOffset(rgt, gfn, !readonly);
    if (off < 0 || (act !== undefined && off !== act.hostOffset)) {
      reduceStatusForPin(rgt, ref, pin, readonly);
      return grantError(GNTST_bad_page, `d${rgt.domid} grants frame 0x${gfn.toString(16)} it does not own`);
    }
    if (act === undefined) {
      act = { pin: 0, domid: ldomid, hostOffset: off, gfn };
      rgt.active.set(ref, act);
    }
  }
  act!.pin += incr;
  return act!.hostOffset;
}

/**
 * Gives back a use taken by pinGrant (unmap_common_complete / release_grant_for_copy). A writable
 * use may have written the page behind every log's back: it is dirty now (gnttab_mark_dirty).
 */
export function unpinGrant(rgt: GrantTable, ref: number, readonly: boolean): void {
  const act = rgt.active.get(ref);
  if (act === undefined) return;
  if (!readonly) rgt.mem.markDirty(act.hostOffset, XEN_PAGE_SIZE);
  act.pin -= readonly ? GNTPIN_hstr_inc : GNTPIN_hstw_inc;
  reduceStatusForPin(rgt, ref, act.pin, readonly);
  if (act.pin === 0) rgt.active.delete(ref);
}
