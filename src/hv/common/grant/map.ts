/**
 * GNTTABOP_map_grant_ref, GNTTABOP_unmap_grant_ref and GNTTABOP_unmap_and_replace for a guest
 * backend (common/grant_table.c map_grant_ref / unmap_common, arch/arm/mm.c
 * create_grant_host_mapping / replace_grant_host_mapping). An ARM guest is auto-translated, so
 * `host_addr` is a guest-physical address in the caller's space: the granted page is placed there
 * in the caller's p2m, read-only for GNTMAP_readonly, and removed again on unmap.
 */
import { XEN_PAGE_SIZE } from '../../../abi/xen.js';
import { HOST_PA_BASE, P2mType } from '../memory/p2m.js';
import {
  GNTMAP_application_map,
  GNTMAP_contains_pte,
  GNTMAP_device_map,
  GNTMAP_host_map,
  GNTMAP_readonly,
  GNTST_bad_domain,
  GNTST_bad_gntref,
  GNTST_bad_handle,
  GNTST_general_error,
  GNTST_no_space,
  GNTST_okay,
  MAP,
  UNMAP,
  UNMAP_AND_REPLACE,
  type GrantStatus,
} from './abi.js';
import { isGrantError, pinGrant, unpinGrant } from './entry.js';
import type { GrantTable } from './grant_table.js';

/** Reads a guest u64 as a number; values past 2^53 lose low bits but stay past every bound checked here. */
export function readU64(dv: DataView, off: number): number {
  return dv.getUint32(off + 4, true) * 2 ** 32 + dv.getUint32(off, true);
}

/** Writes a non-negative integer below 2^53 as a guest u64. */
export function writeU64(dv: DataView, off: number, v: number): void {
  dv.setUint32(off, v % 2 ** 32, true);
  dv.setUint32(off + 4, Math.floor(v / 2 ** 32), true);
}

/** The caller-space frame a host_addr names, or -1 when it lies beyond the guest-physical space. */
function hostAddrGfn(gpa: number): number {
  return gpa < HOST_PA_BASE ? Math.floor(gpa / XEN_PAGE_SIZE) : -1;
}

/** One gnttab_map_grant_ref struct at byte `at` of `dv`, with its status, handle and dev_bus_addr written back. */
export function mapGrantRef(lgt: GrantTable, dv: DataView, at: number): GrantStatus {
  const flags = dv.getUint32(at + MAP.flags, true);
  const ref = dv.getUint32(at + MAP.ref, true);
  const dom = dv.getUint16(at + MAP.dom, true);
  const hostAddr = readU64(dv, at + MAP.host_addr);
  const readonly = (flags & GNTMAP_readonly) !== 0;
  let status: GrantStatus = GNTST_okay;
  const rgt = lgt.directory.byId(dom);
  if ((flags & (GNTMAP_device_map | GNTMAP_host_map)) === 0) {
    status = GNTST_bad_gntref; // no use asked for: nothing to pin
  } else if ((flags & (GNTMAP_device_map | GNTMAP_application_map | GNTMAP_contains_pte)) !== 0) {
    status = GNTST_general_error; // paging_mode_external: "No device mapping in HVM domain"
  } else if (rgt === undefined) {
    status = GNTST_bad_domain;
  } else if (lgt.maptrack.full) {
    status = GNTST_no_space;
  } else {
    const hostOffset = pinGrant(rgt, ref, lgt.domid, readonly, true);
    if (isGrantError(hostOffset)) {
      status = hostOffset.status;
    } else {
      const gfn = hostAddrGfn(hostAddr);
      // create_grant_host_mapping accepts host_map (+readonly) only, and a p2m can only show pages of
      // its own host memory; anything else undoes the pin.
      if ((flags & ~GNTMAP_readonly) !== GNTMAP_host_map || gfn < 0 || rgt.mem.buffer !== lgt.mem.buffer) {
        unpinGrant(rgt, ref, readonly);
        status = GNTST_general_error;
      } else {
        lgt.mem.mapPage(gfn, hostOffset, readonly ? P2mType.RAM_RO : P2mType.RAM);
        const handle = lgt.maptrack.add({ flags, domid: dom, ref, gfn, hostOffset, mapping: null, orphaned: false });
        dv.setUint32(at + MAP.handle, handle, true);
        writeU64(dv, at + MAP.dev_bus_addr, HOST_PA_BASE + hostOffset);
      }
    }
  }
  dv.setInt16(at + MAP.status, status, true);
  if (status === GNTST_okay) lgt.counters.maps++;
  else lgt.counters.mapFailures++;
  return status;
}

/**
 * unmap_common + unmap_common_complete for one guest handle. A host_addr of 0 unmaps nothing and
 * keeps the handle (as Xen). A non-zero new_addr is refused, as ARM cannot replace a mapping.
 * Unlike Xen, host_addr must be where this handle was mapped, so the p2m never keeps showing a
 * page whose pin is gone.
 */
function unmapOne(lgt: GrantTable, handle: number, hostAddr: number, newAddr: number): GrantStatus {
  const m = lgt.maptrack.get(handle);
  if (m === undefined || m.gfn < 0) return GNTST_bad_handle; // backend mappings are not the guest's
  if (hostAddr === 0 || (m.flags & GNTMAP_host_map) === 0) return GNTST_okay;
  if (newAddr !== 0 || hostAddrGfn(hostAddr) !== m.gfn) return GNTST_general_error;
  const cur = lgt.mem.offsetOfGfn(m.gfn);
  if (cur >= 0 && cur !== m.hostOffset) return GNTST_general_error; // p2m_remove_mapping: -EILSEQ
  lgt.dropHostMapping(m);
  const rgt = lgt.directory.byId(m.domid);
  if (!m.orphaned && rgt !== undefined) unpinGrant(rgt, m.ref, (m.flags & GNTMAP_readonly) !== 0);
  lgt.maptrack.remove(handle);
  return GNTST_okay;
}

/** One gnttab_unmap_grant_ref struct at byte `at` of `dv` (dev_bus_addr is moot: no device mappings on ARM). */
export function unmapGrantRef(lgt: GrantTable, dv: DataView, at: number): GrantStatus {
  const status = unmapOne(lgt, dv.getUint32(at + UNMAP.handle, true), readU64(dv, at + UNMAP.host_addr), 0);
  return finishUnmap(lgt, dv, at + UNMAP.status, status);
}

/** One gnttab_unmap_and_replace struct at byte `at` of `dv`. */
export function unmapAndReplace(lgt: GrantTable, dv: DataView, at: number): GrantStatus {
  const status = unmapOne(
    lgt,
    dv.getUint32(at + UNMAP_AND_REPLACE.handle, true),
    readU64(dv, at + UNMAP_AND_REPLACE.host_addr),
    readU64(dv, at + UNMAP_AND_REPLACE.new_addr),
  );
  return finishUnmap(lgt, dv, at + UNMAP_AND_REPLACE.status, status);
}

function finishUnmap(lgt: GrantTable, dv: DataView, statusAt: number, status: GrantStatus): GrantStatus {
  dv.setInt16(statusAt, status, true);
  if (status === GNTST_okay) lgt.counters.unmaps++;
  else lgt.counters.unmapFailures++;
  return status;
}
