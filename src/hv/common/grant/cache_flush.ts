/**
 * GNTTABOP_cache_flush (common/grant_table.c _cache_flush): cache maintenance on a page the caller
 * owns or has mapped through a grant, named by the dev_bus_addr map_grant_ref returned. A software
 * CPU's memory is always coherent, so once the checks pass there is nothing to do; the checks are
 * kept because a guest can observe them.
 */
import { XEN_EINVAL, XEN_EPERM } from '../../../abi/errno.js';
import { XEN_PAGE_SIZE } from '../../../abi/xen.js';
import { HOST_PA_BASE } from '../memory/p2m.js';
import { CACHE_FLUSH, GNTTAB_CACHE_CLEAN, GNTTAB_CACHE_INVAL } from './abi.js';
import type { GrantTable } from './grant_table.js';
import { readU64 } from './map.js';

/** Xen's EILSEQ (public/errno.h); abi/errno.ts does not list it yet. */
const XEN_EILSEQ = 84;

/** The live domain whose RAM or grant frames hold host page `hostOffset` of `buffer` (page_get_owner). */
function ownerOf(lgt: GrantTable, hostOffset: number): GrantTable | undefined {
  for (const d of lgt.directory.all()) {
    if (d.mem.buffer !== lgt.mem.buffer) continue;
    for (const r of d.mem.ramRanges) {
      if (hostOffset >= r.hostOffset && hostOffset < r.hostOffset + r.frames * XEN_PAGE_SIZE) return d;
    }
    for (let i = 0; i < d.nrFrames; i++) if (d.frameHostOffset(i) === hostOffset) return d;
  }
  return undefined;
}

/**
 * One gnttab_cache_flush struct at byte `at` of `dv`: 0 or -errno (which ends the whole call).
 * `curRef` is the continuation state carried in cmd's upper bits, where Xen's search for the
 * caller's mapping resumes; a zero-length or no-op flush with a non-zero curRef is -EILSEQ.
 */
export function cacheFlush(lgt: GrantTable, dv: DataView, at: number, curRef: number): number {
  const offset = dv.getUint16(at + CACHE_FLUSH.offset, true);
  const length = dv.getUint16(at + CACHE_FLUSH.length, true);
  const op = dv.getUint32(at + CACHE_FLUSH.op, true);
  if (offset >= XEN_PAGE_SIZE || length > XEN_PAGE_SIZE || offset + length > XEN_PAGE_SIZE || (op & ~(GNTTAB_CACHE_INVAL | GNTTAB_CACHE_CLEAN)) !== 0) {
    return -XEN_EINVAL;
  }
  if (length === 0 || op === 0) return curRef === 0 ? 0 : -XEN_EILSEQ;
  const maddr = readU64(dv, at + CACHE_FLUSH.a);
  const hostOffset = Math.floor((maddr - HOST_PA_BASE) / XEN_PAGE_SIZE) * XEN_PAGE_SIZE;
  if (maddr < HOST_PA_BASE || hostOffset + XEN_PAGE_SIZE > lgt.mem.size) return -XEN_EINVAL; // !mfn_valid
  const owner = ownerOf(lgt, hostOffset);
  if (owner === undefined) return -XEN_EPERM;
  if (owner === lgt) return 0;
  // grant_map_exists: the caller must hold a pin on one of the owner's entries for that page.
  for (const [ref, act] of owner.active) {
    if (ref >= curRef && act.pin !== 0 && act.domid === lgt.domid && act.hostOffset === hostOffset) return 0;
  }
  return -XEN_EINVAL;
}
