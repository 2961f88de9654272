/**
 * The in-process side of Domain-0's grant access (what Linux's gntdev and gnttab_map_refs give a
 * backend): map a frontend's grant as a view of its page, unmap it, or copy through it. Every
 * access takes the same checks and pins as GNTTABOP_map_grant_ref / GNTTABOP_copy, with the
 * backend's domain as grantee, and the mappings live in that domain's maptrack so teardown of
 * either side releases them.
 */
import { XEN_PAGE_SIZE } from '../../../abi/xen.js';
import {
  GNTMAP_host_map,
  GNTMAP_readonly,
  GNTST_bad_copy_arg,
  GNTST_bad_domain,
  GNTST_bad_handle,
  GNTST_no_space,
  GNTST_okay,
  type GrantStatus,
} from './abi.js';
import { grantError, isGrantError, pinGrant, unpinGrant, type GrantError } from './entry.js';
import type { GrantTable } from './grant_table.js';
import { GrantMapping } from './mapping.js';
import type { MaptrackEntry } from './maptrack.js';

/** What GrantTable.copy moves: `data.length` bytes at `offset` in the granted page. */
export interface GrantCopyOptions {
  /** Byte offset in the granted page; offset + data.length must not pass the page's end. */
  readonly offset: number;
  /** Backend memory: the source when `toGrant`, else the destination. */
  readonly data: Uint8Array;
  /** True to write `data` into the granted page (needs a writable grant), false to read it. */
  readonly toGrant: boolean;
}

/** A view of `m`'s page in its granter's memory, or null when the granter is gone. */
export function makeBackendView(lgt: GrantTable, handle: number, m: { domid: number; ref: number; flags: number; hostOffset: number }): GrantMapping | null {
  const rgt = lgt.directory.byId(m.domid);
  if (rgt === undefined) return null;
  const view = rgt.mem.u8.subarray(m.hostOffset, m.hostOffset + XEN_PAGE_SIZE);
  return new GrantMapping(handle, m.domid, m.ref, (m.flags & GNTMAP_readonly) !== 0, view);
}

/** GrantTable.mapGrant. */
export function backendMapGrant(lgt: GrantTable, granter: number, ref: number, readonly: boolean): GrantMapping | GrantError {
  const r = mapForBackend(lgt, granter, ref, readonly);
  if (isGrantError(r)) lgt.counters.mapFailures++;
  else lgt.counters.maps++;
  return r;
}

function mapForBackend(lgt: GrantTable, granter: number, ref: number, readonly: boolean): GrantMapping | GrantError {
  if (lgt.isDestroyed) return grantError(GNTST_bad_domain, `d${lgt.domid} is being destroyed`);
  const rgt = lgt.directory.byId(granter);
  if (rgt === undefined) return grantError(GNTST_bad_domain, `Could not find domain ${granter}`);
  if (lgt.maptrack.full) return grantError(GNTST_no_space, `d${lgt.domid} has no free maptrack handle`);
  const hostOffset = pinGrant(rgt, ref, lgt.domid, readonly, true);
  if (isGrantError(hostOffset)) return hostOffset;
  const flags = GNTMAP_host_map | (readonly ? GNTMAP_readonly : 0);
  const view = rgt.mem.u8.subarray(hostOffset, hostOffset + XEN_PAGE_SIZE);
  const entry: MaptrackEntry = { flags, domid: granter, ref, gfn: -1, hostOffset, mapping: null, orphaned: false };
  const handle = lgt.maptrack.add(entry);
  const mapping = new GrantMapping(handle, granter, ref, readonly, view);
  entry.mapping = mapping;
  return mapping;
}

/** GrantTable.unmapGrant: only handles of backend mappings are accepted. */
export function backendUnmapGrant(lgt: GrantTable, handle: number): GrantStatus {
  const m = lgt.maptrack.get(handle);
  if (m === undefined || m.gfn >= 0) {
    lgt.counters.unmapFailures++;
    return GNTST_bad_handle;
  }
  const rgt = lgt.directory.byId(m.domid);
  if (!m.orphaned && rgt !== undefined) unpinGrant(rgt, m.ref, (m.flags & GNTMAP_readonly) !== 0);
  m.mapping?.revoke();
  lgt.maptrack.remove(handle);
  lgt.counters.unmaps++;
  return GNTST_okay;
}

/** GrantTable.copy: one GNTTABOP_copy with a grant on one side and backend memory on the other. */
export function backendCopy(lgt: GrantTable, granter: number, ref: number, opts: GrantCopyOptions): GrantStatus | GrantError {
  const r = copyForBackend(lgt, granter, ref, opts);
  if (r === GNTST_okay) {
    lgt.counters.copies++;
    lgt.counters.copiedBytes += opts.data.length;
  } else {
    lgt.counters.copyFailures++;
  }
  return r;
}

function copyForBackend(lgt: GrantTable, granter: number, ref: number, opts: GrantCopyOptions): GrantStatus | GrantError {
  const { offset, data, toGrant } = opts;
  if (lgt.isDestroyed) return grantError(GNTST_bad_domain, `d${lgt.domid} is being destroyed`);
  const rgt = lgt.directory.byId(granter);
  if (rgt === undefined) return grantError(GNTST_bad_domain, `Could not find domain ${granter}`);
  const readonly = !toGrant;
  const hostOffset = pinGrant(rgt, ref, lgt.domid, readonly, false);
  if (isGrantError(hostOffset)) return hostOffset;
  let rc: GrantStatus | GrantError = GNTST_okay;
  if (!Number.isInteger(offset) || offset < 0 || offset + data.length > XEN_PAGE_SIZE) {
    rc = grantError(GNTST_bad_copy_arg, `Copy of ${data.length} bytes at offset ${offset} goes beyond the page`);
  } else if (toGrant) {
    rgt.mem.u8.set(data, hostOffset + offset);
  } else {
    data.set(rgt.mem.u8.subarray(hostOffset + offset, hostOffset + offset + data.length));
  }
  unpinGrant(rgt, ref, readonly);
  return rc;
}
