/**
 * The grantee side: each domain's table of the foreign grants it has mapped, indexed by the
 * handle returned to it (common/grant_table.c `struct grant_mapping`, get/put_maptrack_handle).
 */
import type { GrantMapping } from './mapping.js';

/** Xen's default limit, gnttab_max_maptrack_frames (1024) × handles per maptrack page (256). */
export const MAPTRACK_MAX_HANDLES = 1024 * 256;

/** One mapping a domain holds of another domain's grant. */
export interface MaptrackEntry {
  /** GNTMAP_host_map, plus GNTMAP_readonly for a read-only mapping. */
  flags: number;
  /** The granting domain and its ref. */
  readonly domid: number;
  readonly ref: number;
  /** Guest frame the page is mapped at in the holder's p2m, or -1 for an in-process backend mapping. */
  readonly gfn: number;
  /** Host byte offset of the granted page. */
  readonly hostOffset: number;
  /** The backend's view, when this is an in-process mapping (set right after the handle is known). */
  mapping: GrantMapping | null;
  /**
   * Set when the granter was destroyed while this mapping existed: its pins are gone and the page
   * is unmapped, but the handle stays valid until the holder unmaps it, as with a dying Xen domain.
   */
  orphaned: boolean;
}

/** Handle allocator and handle → mapping table. */
export class Maptrack {
  private readonly entries: (MaptrackEntry | null)[] = [];
  private readonly free: number[] = [];
  /** Frames of this domain's p2m that currently show a foreign grant, with a use count each. */
  private readonly mappedGfns = new Map<number, number>();

  /** Handles ever handed out (Xen's maptrack_limit): a handle at or above it is never valid. */
  get limit(): number {
    return this.entries.length;
  }

  /** Live mappings. */
  get inUse(): number {
    return this.entries.length - this.free.length;
  }

  /** True when no handle is left (get_maptrack_handle would fail). */
  get full(): boolean {
    return this.free.length === 0 && this.entries.length >= MAPTRACK_MAX_HANDLES;
  }

  /** Stores `e` under a new handle, or returns -1 when the domain has used up its handles. */
  add(e: MaptrackEntry): number {
    let handle = this.free.pop();
    if (handle === undefined) {
      if (this.entries.length >= MAPTRACK_MAX_HANDLES) return -1;
      handle = this.entries.length;
      this.entries.push(null);
    }
    this.entries[handle] = e;
    if (e.gfn >= 0) this.mappedGfns.set(e.gfn, (this.mappedGfns.get(e.gfn) ?? 0) + 1);
    return handle;
  }

  /** The mapping under a guest-supplied handle, or undefined. */
  get(handle: number): MaptrackEntry | undefined {
    if (!Number.isInteger(handle) || handle < 0 || handle >= this.entries.length) return undefined;
    return this.entries[handle] ?? undefined;
  }

  /** Frees a handle (put_maptrack_handle). */
  remove(handle: number): void {
    const e = this.entries[handle];
    if (e === null || e === undefined) return;
    if (e.gfn >= 0) {
      const n = (this.mappedGfns.get(e.gfn) ?? 1) - 1;
      if (n === 0) this.mappedGfns.delete(e.gfn);
      else this.mappedGfns.set(e.gfn, n);
    }
    this.entries[handle] = null;
    this.free.push(handle);
  }

  /** True when this domain's frame `gfn` shows another domain's granted page. */
  hasForeignAt(gfn: number): boolean {
    return this.mappedGfns.has(gfn);
  }

  /** Every live mapping with its handle. */
  *live(): IterableIterator<[handle: number, entry: MaptrackEntry]> {
    for (let h = 0; h < this.entries.length; h++) {
      const e = this.entries[h];
      if (e) yield [h, e];
    }
  }

  /** Rebuilds the table from saved handles (persist.ts): `limit` handles, the listed ones live. */
  restore(limit: number, live: readonly (readonly [number, MaptrackEntry])[]): void {
    this.entries.length = 0;
    this.free.length = 0;
    this.mappedGfns.clear();
    for (let h = 0; h < limit; h++) this.entries.push(null);
    for (const [h, e] of live) {
      this.entries[h] = e;
      if (e.gfn >= 0) this.mappedGfns.set(e.gfn, (this.mappedGfns.get(e.gfn) ?? 0) + 1);
    }
    for (let h = limit - 1; h >= 0; h--) if (this.entries[h] === null) this.free.push(h);
  }
}
