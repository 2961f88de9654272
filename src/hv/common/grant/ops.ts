/**
 * do_grant_table_op (common/grant_table.c) for an arm64 caller, and the subops that only read or
 * reshape the caller's own table. Map, unmap and copy live in map.ts and copy.ts.
 */
import { XEN_EFAULT, XEN_EINVAL, XEN_ENOSYS, XEN_EOPNOTSUPP, XEN_EPERM, XEN_ESRCH } from '../../../abi/errno.js';
import { assert } from '../../../lib/errors.js';
import type { GuestCopy } from '../guest_copy.js';
import {
  GET_STATUS_FRAMES,
  GET_VERSION,
  GNTST_bad_domain,
  GNTST_bad_virt_addr,
  GNTST_general_error,
  GNTST_okay,
  GNTST_permission_denied,
  GNTTABOP_ARG_BYTES,
  GNTTABOP_cache_flush,
  GNTTABOP_CMD_MASK,
  GNTTABOP_copy,
  GNTTABOP_dump_table,
  GNTTABOP_get_status_frames,
  GNTTABOP_get_version,
  GNTTABOP_map_grant_ref,
  GNTTABOP_query_size,
  GNTTABOP_set_version,
  GNTTABOP_setup_table,
  GNTTABOP_swap_grant_ref,
  GNTTABOP_transfer,
  GNTTABOP_unmap_and_replace,
  GNTTABOP_unmap_grant_ref,
  QUERY_SIZE,
  SET_VERSION,
  SETUP_TABLE,
  type GrantStatus,
} from './abi.js';
import { grantCopy } from './copy.js';
import type { GrantTable } from './grant_table.js';
import { mapGrantRef, readU64, unmapAndReplace, unmapGrantRef, writeU64 } from './map.js';
import { cacheFlush } from './cache_flush.js';
import { swapGrantRef } from './swap_grant_ref.js';

/**
 * The most argument structs one call handles before it asks the dispatcher to continue (Xen
 * preempts on time with hypercall_preempt_check; a fixed bound keeps each call short and bounds
 * what the dispatcher copies in).
 */
export const GNTTABOP_MAX_OPS_PER_CALL = 1024;

/** The hypercall's arguments as the dispatcher hands them over. */
export interface GrantTableOpArgs {
  readonly cmd: number;
  readonly ops: DataView;
  readonly count: number;
  readonly callerDomid: number;
  readonly guest: Pick<GuestCopy, 'write'> | undefined;
}

type ArrayOp = (lgt: GrantTable, dv: DataView, at: number) => number;

/** Subops that walk an array of `count` structs, each with its own status. */
const ARRAY_OPS: Readonly<Record<number, ArrayOp>> = {
  [GNTTABOP_map_grant_ref]: mapGrantRef,
  [GNTTABOP_unmap_grant_ref]: unmapGrantRef,
  [GNTTABOP_unmap_and_replace]: unmapAndReplace,
  [GNTTABOP_copy]: grantCopy,
  [GNTTABOP_swap_grant_ref]: swapGrantRef,
};

/** do_grant_table_op; see GrantTable.doGrantTableOp for the contract. */
export function doGrantTableOp(lgt: GrantTable, a: GrantTableOpArgs): number {
  assert(a.callerDomid === lgt.domid, `grant_table_op from d${a.callerDomid} dispatched to d${lgt.domid}'s table`);
  // cmd and count are C unsigned ints: the dispatcher's register values truncated to 32 bits.
  const rawCmd = a.cmd >>> 0;
  const count = a.count >>> 0;
  if (count >= 2 ** 31) return -XEN_EINVAL;
  const cmd = rawCmd & GNTTABOP_CMD_MASK;
  const opaque = rawCmd - cmd;
  if (cmd !== GNTTABOP_cache_flush && opaque !== 0) return -XEN_EINVAL;
  if (lgt.isDestroyed) return -XEN_ESRCH;
  const size = GNTTABOP_ARG_BYTES[cmd];
  const arrayOp = ARRAY_OPS[cmd];
  if (arrayOp !== undefined && size !== undefined) return runArray(lgt, a.ops, count, size, arrayOp);
  if (cmd === GNTTABOP_cache_flush) return cacheFlushArray(lgt, a.ops, count, opaque);
  if (cmd === GNTTABOP_transfer) {
    lgt.counters.unsupported++;
    return -XEN_EOPNOTSUPP; // only built with CONFIG_PV (opt_grant_transfer), never on ARM
  }
  if (size === undefined || cmd === GNTTABOP_dump_table /* no longer in 4.17's switch */) {
    lgt.counters.unsupported++;
    return -XEN_ENOSYS;
  }
  if (a.ops.byteLength < size) return -XEN_EFAULT;
  switch (cmd) {
    case GNTTABOP_setup_table:
      return count !== 1 ? -XEN_EINVAL : setupTable(lgt, a.ops, a.guest);
    case GNTTABOP_query_size:
      return count !== 1 ? -XEN_EINVAL : querySize(lgt, a.ops);
    case GNTTABOP_set_version:
      return setVersion(a.ops);
    case GNTTABOP_get_status_frames:
      return count !== 1 ? -XEN_EINVAL : getStatusFrames(lgt, a.ops);
    case GNTTABOP_get_version:
      return getVersion(lgt, a.ops);
  }
  lgt.counters.unsupported++;
  return -XEN_ENOSYS;
}

/**
 * Runs an array subop over what the dispatcher copied: -EFAULT where the guest's array stopped
 * being readable, or the number done when the per-call bound cut the batch short.
 */
function runArray(lgt: GrantTable, ops: DataView, count: number, size: number, op: ArrayOp): number {
  const n = Math.min(count, GNTTABOP_MAX_OPS_PER_CALL);
  const readable = Math.floor(ops.byteLength / size);
  for (let i = 0; i < Math.min(n, readable); i++) op(lgt, ops, i * size);
  if (readable < n) return -XEN_EFAULT;
  return n < count ? n : 0;
}

function cacheFlushArray(lgt: GrantTable, ops: DataView, count: number, opaque: number): number {
  const size = GNTTABOP_ARG_BYTES[GNTTABOP_cache_flush]!;
  const n = Math.min(count, GNTTABOP_MAX_OPS_PER_CALL);
  let curRef = opaque;
  for (let i = 0; i < n; i++) {
    if ((i + 1) * size > ops.byteLength) return -XEN_EFAULT;
    const rc = cacheFlush(lgt, ops, i * size, curRef);
    if (rc < 0) return rc;
    curRef = 0;
  }
  return n < count ? n : 0;
}

/** XSM_TARGET as the dummy policy decides it: a domain may act on itself; a control domain on anyone. */
function xsmTarget(lgt: GrantTable, d: GrantTable): boolean {
  return d === lgt || lgt.privileged;
}

function writeStatus(dv: DataView, at: number, s: GrantStatus): number {
  dv.setInt16(at, s, true);
  return 0;
}

/** GNTTABOP_query_size. */
function querySize(lgt: GrantTable, dv: DataView): number {
  const d = lgt.directory.byAnyId(dv.getUint16(QUERY_SIZE.dom, true), lgt);
  if (d === undefined) return writeStatus(dv, QUERY_SIZE.status, GNTST_bad_domain);
  if (!xsmTarget(lgt, d)) return writeStatus(dv, QUERY_SIZE.status, GNTST_permission_denied);
  dv.setUint32(QUERY_SIZE.nr_frames, d.nrFrames, true);
  dv.setUint32(QUERY_SIZE.max_nr_frames, d.maxFrames, true);
  return writeStatus(dv, QUERY_SIZE.status, GNTST_okay);
}

/**
 * GNTTABOP_setup_table: grows the table to nr_frames and writes each frame's GFN — on ARM the GFN
 * add_to_physmap placed it at, or INVALID_GFN (asm/grant_table.h gnttab_shared_gfn). Linux only
 * uses this without XENFEAT_auto_translated_physmap, so never on ARM.
 */
function setupTable(lgt: GrantTable, dv: DataView, guest: Pick<GuestCopy, 'write'> | undefined): number {
  const d = lgt.directory.byAnyId(dv.getUint16(SETUP_TABLE.dom, true), lgt);
  if (d === undefined) return writeStatus(dv, SETUP_TABLE.status, GNTST_bad_domain);
  if (!xsmTarget(lgt, d)) return writeStatus(dv, SETUP_TABLE.status, GNTST_permission_denied);
  const nr = dv.getUint32(SETUP_TABLE.nr_frames, true);
  if (nr > d.maxFrames || !d.growTo(nr)) return writeStatus(dv, SETUP_TABLE.status, GNTST_general_error);
  const gfnByHostOffset = new Map<number, number>();
  for (const [gfn, off] of d.mem.mappedPages()) gfnByHostOffset.set(off, gfn);
  const list = new DataView(new ArrayBuffer(nr * 8));
  for (let i = 0; i < nr; i++) {
    const gfn = gfnByHostOffset.get(d.frameHostOffset(i));
    if (gfn !== undefined) writeU64(list, i * 8, gfn);
    else new Uint8Array(list.buffer, i * 8, 8).fill(0xff); // INVALID_GFN: all ones
  }
  if (nr > 0 && guest?.write(readU64(dv, SETUP_TABLE.frame_list), new Uint8Array(list.buffer)) !== true) {
    return writeStatus(dv, SETUP_TABLE.status, GNTST_bad_virt_addr);
  }
  return writeStatus(dv, SETUP_TABLE.status, GNTST_okay);
}

/** GNTTABOP_set_version: 1 is already in force; 2 is beyond ARM's GNTTAB_MAX_VERSION. Writes back the version. */
function setVersion(dv: DataView): number {
  const v = dv.getUint32(SET_VERSION.version, true);
  dv.setUint32(SET_VERSION.version, 1, true);
  if (v === 2) return -XEN_ENOSYS; // "Behave as before set_version was introduced"
  return v === 1 ? 0 : -XEN_EINVAL;
}

/** GNTTABOP_get_status_frames: a v1 table has no status frames, so only nr_frames = 0 succeeds. */
function getStatusFrames(lgt: GrantTable, dv: DataView): number {
  const d = lgt.directory.byAnyId(dv.getUint16(GET_STATUS_FRAMES.dom, true), lgt);
  if (d === undefined) return writeStatus(dv, GET_STATUS_FRAMES.status, GNTST_bad_domain);
  if (!xsmTarget(lgt, d)) return writeStatus(dv, GET_STATUS_FRAMES.status, GNTST_permission_denied);
  const nr = dv.getUint32(GET_STATUS_FRAMES.nr_frames, true);
  return writeStatus(dv, GET_STATUS_FRAMES.status, nr > 0 ? GNTST_general_error : GNTST_okay);
}

/** GNTTABOP_get_version: errors are the hypercall's return here, not a status. */
function getVersion(lgt: GrantTable, dv: DataView): number {
  const d = lgt.directory.byAnyId(dv.getUint16(GET_VERSION.dom, true), lgt);
  if (d === undefined) return -XEN_ESRCH;
  if (!xsmTarget(lgt, d)) return -XEN_EPERM;
  dv.setUint32(GET_VERSION.version, d.version, true);
  return 0;
}
