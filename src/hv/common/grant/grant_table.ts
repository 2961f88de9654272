/**
 * A domain's grant table, version 1, as Xen 4.17 keeps it for an arm64 guest
 * (xen/common/grant_table.c, xen/arch/arm/include/asm/grant_table.h).
 *
 * The shared entries live in frames the domain builder reserved inside the domain's host buffer,
 * so the guest's CPU sees them once add_to_physmap places them and any thread holding the buffer
 * can read them. Everything else is hypervisor-side state kept here: how many frames are in use,
 * the active (pinned) entries of this domain's grants, and the maptrack of foreign grants this
 * domain has mapped.
 */
import { XEN_EINVAL } from '../../../abi/errno.js';
import { XEN_PAGE_SIZE } from '../../../abi/xen.js';
import type { GuestCopy } from '../guest_copy.js';
import type { GuestPhysMemory } from '../memory/p2m.js';
import { GNTMAP_readonly, GRANT_ENTRIES_PER_FRAME, GRANT_ENTRY_V1_BYTES, type GrantStatus } from './abi.js';
import { backendCopy, backendMapGrant, backendUnmapGrant, makeBackendView, type GrantCopyOptions } from './backend.js';
import type { GrantTableDirectory } from './directory.js';
import { unpinGrant, type ActiveGrantEntry, type GrantError } from './entry.js';
import type { GrantMapping } from './mapping.js';
import { Maptrack, type MaptrackEntry } from './maptrack.js';
import { newCounters, type GrantTableCounters } from './metrics.js';
import { doGrantTableOp } from './ops.js';
import { decodeGrantTableState, encodeGrantTableState } from './persist.js';

/** Xen's default gnttab_max_frames. */
export const DEFAULT_MAX_GRANT_FRAMES = 64;
/** Frames a table has from creation on ARM (asm/grant_table.h INITIAL_NR_GRANT_FRAMES). */
export const INITIAL_NR_GRANT_FRAMES = 1;

/**
 * Set while restore() or attach() constructs a table: the frames already hold entries, so they are
 * not cleared ('attach' also leaves the shared frame count as it is).
 */
let restoring: false | 'restore' | 'attach' = false;

/** How a domain's grant table is created. */
export interface GrantTableOptions {
  readonly domid: number;
  readonly mem: GuestPhysMemory;
  /** Host byte offsets of the page-aligned pages reserved for the frames; their count is max_grant_frames. */
  readonly frameHostOffsets: readonly number[];
  readonly directory: GrantTableDirectory;
  /** A control domain passes XSM_TARGET checks on other domains (query_size, setup_table, get_version). */
  readonly privileged?: boolean;
  /**
   * One 32-bit word holding nr_grant_frames, shared by every thread's view of this table (the
   * domain's own thread grows it; Domain-0's backends, on another thread, bound refs by it). A
   * private counter by default.
   */
  readonly sharedNrFrames?: Int32Array;
}

/** A fresh word for GrantTableOptions.sharedNrFrames, in shared memory. */
export function newSharedNrFrames(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4));
}

/** One domain's grant table. */
export class GrantTable {
  readonly domid: number;
  /** The domain's guest-physical memory (grant-folder internal). */
  readonly mem: GuestPhysMemory;
  readonly directory: GrantTableDirectory;
  readonly privileged: boolean;
  /** Pinned entries of this domain's grants, by ref (grant-folder internal). */
  readonly active = new Map<number, ActiveGrantEntry>();
  /** Foreign grants this domain has mapped (grant-folder internal). */
  readonly maptrack = new Maptrack();
  /** Debug counters. */
  readonly counters: GrantTableCounters = newCounters();
  private readonly frames: readonly number[];
  private readonly nrFramesWord: Int32Array;
  private destroyed = false;

  constructor(opts: GrantTableOptions) {
    const { frameHostOffsets, mem } = opts;
    if (frameHostOffsets.length < INITIAL_NR_GRANT_FRAMES) throw new RangeError(`Cannot create grant table for d${opts.domid}: no frames reserved`);
    const seen = new Set<number>();
    for (const off of frameHostOffsets) {
      if (!Number.isInteger(off) || off < 0 || off % XEN_PAGE_SIZE !== 0 || off + XEN_PAGE_SIZE > mem.size || seen.has(off)) {
        throw new RangeError(`Cannot create grant table for d${opts.domid}: bad frame host offset "0x${off.toString(16)}"`);
      }
      seen.add(off);
    }
    this.domid = opts.domid;
    this.mem = mem;
    this.directory = opts.directory;
    this.privileged = opts.privileged ?? false;
    this.frames = [...frameHostOffsets];
    this.nrFramesWord = opts.sharedNrFrames ?? new Int32Array(1);
    if (restoring === 'restore') this.nrGrantFrames = INITIAL_NR_GRANT_FRAMES;
    else if (restoring === false) this.growTo(INITIAL_NR_GRANT_FRAMES);
    this.directory.register(this);
  }

  /**
   * A view, for Domain-0's thread, of a table that another thread (the domain's own) owns: it
   * shares the frames and `opts.sharedNrFrames` and clears nothing. Its active entries are the
   * pins Domain-0 takes; the domain's own thread never pins its own grants, so the two views
   * never pin the same entry. destroy() on the view revokes Domain-0's mappings of its pages.
   */
  static attach(opts: GrantTableOptions & { readonly sharedNrFrames: Int32Array }): GrantTable {
    restoring = 'attach';
    try {
      return new GrantTable(opts);
    } finally {
      restoring = false;
    }
  }

  private get nrGrantFrames(): number {
    return Atomics.load(this.nrFramesWord, 0);
  }

  private set nrGrantFrames(nr: number) {
    Atomics.store(this.nrFramesWord, 0, nr);
  }

  /** Rebuilds a table from `save()` output; its frames' contents come back with the domain's memory. */
  static restore(bytes: Uint8Array, opts: GrantTableOptions): GrantTable {
    const s = decodeGrantTableState(bytes);
    if (s.domid !== opts.domid || s.maxFrames !== opts.frameHostOffsets.length) {
      throw new RangeError(`Cannot restore grant table: saved for d${s.domid} with ${s.maxFrames} frames, not d${opts.domid} with ${opts.frameHostOffsets.length}`);
    }
    restoring = 'restore';
    let t: GrantTable;
    try {
      t = new GrantTable(opts);
    } finally {
      restoring = false;
    }
    let ok = false;
    try {
      t.nrGrantFrames = s.nrFrames;
      for (const a of s.active) {
        if (a.ref >= t.nrEntries || !t.isPageInBuffer(a.entry.hostOffset)) throw new RangeError(`Cannot restore grant table: bad active entry ${a.ref}`);
        t.active.set(a.ref, { ...a.entry });
      }
      const live: [number, MaptrackEntry][] = [];
      for (const m of s.maptrack) {
        if (m.handle >= s.maptrackLimit || !t.isPageInBuffer(m.hostOffset)) throw new RangeError(`Cannot restore grant table: bad mapping handle ${m.handle}`);
        // A backend view needs its granter restored first; without it the mapping is as good as orphaned.
        const mapping = m.gfn < 0 && !m.orphaned ? makeBackendView(t, m.handle, m) : null;
        live.push([m.handle, { ...m, mapping, orphaned: m.orphaned || (m.gfn < 0 && mapping === null) }]);
      }
      t.maptrack.restore(s.maptrackLimit, live);
      ok = true;
    } finally {
      // A table refused half-way must not stay reachable by domid.
      if (!ok) t.directory.unregister(t);
    }
    return t;
  }

  /** Grant-table version: always 1, the only version Xen offers an ARM guest (GNTTAB_MAX_VERSION). */
  get version(): number {
    return 1;
  }

  /** Frames in use (nr_grant_frames). */
  get nrFrames(): number {
    return this.nrGrantFrames;
  }

  /** max_grant_frames. */
  get maxFrames(): number {
    return this.frames.length;
  }

  /** Entries in use: refs at or above this are GNTST_bad_gntref. */
  get nrEntries(): number {
    return this.nrGrantFrames * GRANT_ENTRIES_PER_FRAME;
  }

  /** True once destroy() ran. */
  get isDestroyed(): boolean {
    return this.destroyed;
  }

  /** Host byte offset of entry `ref` (the caller has checked ref < nrEntries). */
  entryHostOffset(ref: number): number {
    return this.frames[Math.floor(ref / GRANT_ENTRIES_PER_FRAME)]! + (ref % GRANT_ENTRIES_PER_FRAME) * GRANT_ENTRY_V1_BYTES;
  }

  /** Host byte offset of frame `idx` (idx < nrFrames). */
  frameHostOffset(idx: number): number {
    return this.frames[idx]!;
  }

  /**
   * XENMEM_add_to_physmap(XENMAPSPACE_grant_table, idx): grows the table to idx+1 frames if needed
   * and returns frame idx's host byte offset for the caller to map with p2m `mapPage`, or -XEN_EINVAL
   * past max_grant_frames. The XENMAPIDX_grant_table_status bit is only stripped for v2, so on v1 it
   * makes idx too large, as in gnttab_map_frame. Re-adding a frame is accepted (gnttab_resume).
   */
  frameForIndex(idx: number): number {
    if (this.destroyed || !Number.isInteger(idx) || idx < 0 || idx >= this.maxFrames) return -XEN_EINVAL;
    if (idx >= this.nrGrantFrames) this.growTo(idx + 1);
    return this.frames[idx]!;
  }

  /** gnttab_grow_table: new frames start zeroed (clear_page). False past max_grant_frames. */
  growTo(nr: number): boolean {
    if (nr > this.maxFrames) return false;
    for (let i = this.nrGrantFrames; i < nr; i++) {
      this.mem.u8.fill(0, this.frames[i]!, this.frames[i]! + XEN_PAGE_SIZE);
      this.counters.framesGrown++;
    }
    if (nr > this.nrGrantFrames) this.nrGrantFrames = nr;
    return true;
  }

  /** True when this domain's frame `gfn` currently shows another domain's granted page. */
  isForeignMapping(gfn: number): boolean {
    return this.maptrack.hasForeignAt(gfn);
  }

  /**
   * The grant_table_op hypercall issued by this domain (`callerDomid` is its id). `ops` holds the
   * argument structs the dispatcher copied in: min(count, GNTTABOP_MAX_OPS_PER_CALL) of
   * GNTTABOP_ARG_BYTES[cmd & GNTTABOP_CMD_MASK] bytes each (fewer if the guest's array stopped
   * being readable). Status fields are written back into `ops`; the dispatcher copies `ops` back.
   * Returns 0 or -XEN_Exxx, or a positive count of ops done when it stopped at the batch bound:
   * then the dispatcher continues the hypercall (re-issue with the array advanced by that many
   * structs, count reduced by it and cmd masked with GNTTABOP_CMD_MASK), as Xen's
   * hypercall_create_continuation does. Nothing here throws on guest input. `guest` writes
   * setup_table's frame list to guest memory.
   */
  doGrantTableOp(cmd: number, ops: DataView, count: number, callerDomid: number, guest?: Pick<GuestCopy, 'write'>): number {
    this.counters.hypercalls++;
    return doGrantTableOp(this, { cmd, ops, count, callerDomid, guest });
  }

  /**
   * Maps `granter`'s grant `ref` for an in-process backend running as this domain (normally
   * Domain-0): checks the ref is in use, a permit_access grant to this domain, writable if asked,
   * and a frame the granter owns; sets GTF_reading (and GTF_writing) until unmapGrant.
   */
  mapGrant(granter: number, ref: number, opts: { readonly readonly: boolean }): GrantMapping | GrantError {
    return backendMapGrant(this, granter, ref, opts.readonly);
  }

  /** Ends a backend mapping; GNTST_okay, or GNTST_bad_handle for a handle that is not one. */
  unmapGrant(handle: number): GrantStatus {
    return backendUnmapGrant(this, handle);
  }

  /**
   * Copies between `granter`'s granted page `ref` and backend memory, as GNTTABOP_copy does:
   * `opts.data` goes into the page at `opts.offset` when `opts.toGrant`, else is filled from it.
   */
  copy(granter: number, ref: number, opts: GrantCopyOptions): GrantStatus | GrantError {
    return backendCopy(this, granter, ref, opts);
  }

  /** The live backend mapping under `handle` (after restore, backends find their mappings here). */
  backendMapping(handle: number): GrantMapping | undefined {
    return this.maptrack.get(handle)?.mapping ?? undefined;
  }

  /**
   * Domain teardown (gnttab_release_mappings + grant_table_destroy): drops every mapping this
   * domain holds, and revokes every mapping others hold of its grants — their p2m entries and
   * backend views stop reaching its memory, their handles stay valid until unmapped. The table's
   * frames and the domain's memory are not touched afterwards.
   */
  destroy(): void {
    if (this.destroyed) return;
    for (const [handle, m] of this.maptrack.live()) {
      const rgt = this.directory.byId(m.domid);
      if (!m.orphaned && rgt !== undefined) unpinGrant(rgt, m.ref, (m.flags & GNTMAP_readonly) !== 0);
      this.dropHostMapping(m);
      this.maptrack.remove(handle);
    }
    this.destroyed = true;
    this.active.clear();
    this.directory.unregister(this);
    for (const other of this.directory.all()) other.orphanMappingsOf(this.domid);
  }

  /** Serialises the hypervisor-side state (persist.ts format). */
  save(): Uint8Array {
    return encodeGrantTableState({
      domid: this.domid,
      maxFrames: this.maxFrames,
      nrFrames: this.nrGrantFrames,
      active: [...this.active].map(([ref, entry]) => ({ ref, entry })),
      maptrackLimit: this.maptrack.limit,
      maptrack: [...this.maptrack.live()].map(([handle, m]) => ({ handle, flags: m.flags, domid: m.domid, ref: m.ref, gfn: m.gfn, hostOffset: m.hostOffset, orphaned: m.orphaned })),
    });
  }

  /** Removes `m`'s page from this domain's p2m if it is still there, and revokes a backend view. */
  dropHostMapping(m: MaptrackEntry): void {
    if (m.gfn >= 0 && this.mem.offsetOfGfn(m.gfn) === m.hostOffset) this.mem.unmapPage(m.gfn);
    m.mapping?.revoke();
  }

  private orphanMappingsOf(domid: number): void {
    for (const [, m] of this.maptrack.live()) {
      if (m.domid !== domid || m.orphaned) continue;
      this.dropHostMapping(m);
      m.orphaned = true;
    }
  }

  private isPageInBuffer(off: number): boolean {
    return Number.isInteger(off) && off >= 0 && off % XEN_PAGE_SIZE === 0 && off + XEN_PAGE_SIZE <= this.mem.size;
  }
}

