/**
 * A two-domain world for the grant-table tests and fuzz target (as Xen's tools/tests run
 * hypervisor code against fake domains): one host buffer holding Domain-0's and a domU's RAM and
 * grant frames, with canary pages around and between them that no grant operation may touch.
 */
import { DOMID_SELF, XEN_PAGE_SIZE } from '../../../abi/xen.js';
import { GuestPhysMemory, P2mType } from '../memory/p2m.js';
import { GNTMAP_host_map, GNTMAP_readonly, GTF_permit_access, GTF_readonly, GTF_reading, GTF_writing, MAP, QUERY_SIZE } from './abi.js';
import { GrantTableDirectory } from './directory.js';
import { GrantTable } from './grant_table.js';

/** Guest frame of the first RAM page of both domains (GUEST_RAM0_BASE). */
export const RAM_GFN = 0x40000;
/** RAM pages per domain. */
export const RAM_PAGES = 8;
/** Grant frames reserved per domain. */
export const MAX_FRAMES = 4;
/** Domain ids. */
export const DOM0 = 0;
export const DOMU = 1;

/** Page layout of the host buffer: [canary, range start page, pages]. */
const LAYOUT = {
  canaryA: [0, 2],
  uRam: [2, RAM_PAGES],
  uFrames: [10, MAX_FRAMES],
  canaryB: [14, 2],
  zeroRam: [16, RAM_PAGES],
  zeroFrames: [24, MAX_FRAMES],
  canaryC: [28, 2],
} as const;
const TOTAL_PAGES = 30;
const CANARY_BYTE = 0xa5;

/** The test world. */
export interface GrantWorld {
  readonly dir: GrantTableDirectory;
  readonly dom0: GrantTable;
  readonly domU: GrantTable;
  /** True while every canary byte still holds its pattern. */
  canaryIntact(): boolean;
}

function pages([start, n]: readonly [number, number]): number[] {
  return Array.from({ length: n }, (_, i) => (start + i) * XEN_PAGE_SIZE);
}

/** Builds the world; each domain's RAM pages hold their index+1 in every byte so copies are visible. */
export function makeGrantWorld(): GrantWorld {
  const buffer = new ArrayBuffer(TOTAL_PAGES * XEN_PAGE_SIZE);
  const u8 = new Uint8Array(buffer);
  const canaries = [LAYOUT.canaryA, LAYOUT.canaryB, LAYOUT.canaryC].map(([s, n]) => [s * XEN_PAGE_SIZE, (s + n) * XEN_PAGE_SIZE] as const);
  for (const [s, e] of canaries) u8.fill(CANARY_BYTE, s, e);
  const dir = new GrantTableDirectory();
  const make = (domid: number, ram: readonly [number, number], frames: readonly [number, number]): GrantTable => {
    const mem = new GuestPhysMemory(buffer);
    mem.mapRange({ gfn: RAM_GFN, frames: RAM_PAGES, hostOffset: ram[0] * XEN_PAGE_SIZE, type: P2mType.RAM });
    for (let i = 0; i < RAM_PAGES; i++) u8.fill(i + 1, (ram[0] + i) * XEN_PAGE_SIZE, (ram[0] + i + 1) * XEN_PAGE_SIZE);
    return new GrantTable({ domid, mem, frameHostOffsets: pages(frames), directory: dir, privileged: domid === DOM0 });
  };
  const domU = make(DOMU, LAYOUT.uRam, LAYOUT.uFrames);
  const dom0 = make(DOM0, LAYOUT.zeroRam, LAYOUT.zeroFrames);
  return {
    dir,
    dom0,
    domU,
    canaryIntact: () => canaries.every(([s, e]) => u8.subarray(s, e).every((b) => b === CANARY_BYTE)),
  };
}

/** Linux gnttab_update_entry_v1: domid and frame first, then (after a barrier) the flags. */
export function grantAccess(t: GrantTable, ref: number, opts: { domid: number; gfn: number; readonly?: boolean; flags?: number }): void {
  const off = t.entryHostOffset(ref);
  t.mem.dv.setUint16(off + 2, opts.domid, true);
  t.mem.dv.setUint32(off + 4, opts.gfn, true);
  const flags = opts.flags ?? GTF_permit_access | (opts.readonly === true ? GTF_readonly : 0);
  Atomics.store(t.mem.i16, off >>> 1, flags);
}

/** The entry's flags as the guest sees them. */
export function entryFlags(t: GrantTable, ref: number): number {
  return Atomics.load(t.mem.i16, t.entryHostOffset(ref) >>> 1) & 0xffff;
}

/**
 * Linux gnttab_end_foreign_access_ref_v1: cmpxchg the flags to 0 unless the hypervisor has
 * GTF_reading or GTF_writing set; false means "still in use by the backend".
 */
export function endForeignAccess(t: GrantTable, ref: number): boolean {
  const i16 = t.mem.i16;
  const idx = t.entryHostOffset(ref) >>> 1;
  let flags = Atomics.load(i16, idx);
  for (;;) {
    if ((flags & (GTF_reading | GTF_writing)) !== 0) return false;
    const prev = Atomics.compareExchange(i16, idx, flags, 0);
    if (prev === flags) return true;
    flags = prev;
  }
}

/** A gnttab_map_grant_ref struct. */
export function mapOp(o: { hostAddr: number; ref: number; dom: number; readonly?: boolean; flags?: number }): DataView {
  const dv = new DataView(new ArrayBuffer(32));
  dv.setUint32(MAP.host_addr, o.hostAddr % 2 ** 32, true);
  dv.setUint32(MAP.host_addr + 4, Math.floor(o.hostAddr / 2 ** 32), true);
  dv.setUint32(MAP.flags, o.flags ?? GNTMAP_host_map | (o.readonly === true ? GNTMAP_readonly : 0), true);
  dv.setUint32(MAP.ref, o.ref, true);
  dv.setUint16(MAP.dom, o.dom, true);
  return dv;
}

/** A gnttab_query_size struct for `dom`. */
export function querySizeOp(dom = DOMID_SELF): DataView {
  const dv = new DataView(new ArrayBuffer(16));
  dv.setUint16(QUERY_SIZE.dom, dom, true);
  return dv;
}

/** Host byte offset of a domain's RAM page `i`. */
export function ramHostOffset(t: GrantTable, i: number): number {
  return t.mem.offsetOfGfn(RAM_GFN + i);
}
