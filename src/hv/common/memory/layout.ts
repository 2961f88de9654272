/**
 * How a domain's host memory is laid out: guest RAM first, then the hypervisor-owned pages the guest
 * reaches through its p2m (the four magic pages of GUEST_MAGIC_BASE and the grant-table frames).
 * Everything a domain owns lives in this one buffer, so a snapshot of the buffer is a snapshot of
 * all guest-visible memory, and another thread (Domain-0's backends) can share it.
 */
import { GUEST, MAGIC_PFN, NR_MAGIC_PAGES, XEN_PAGE_SIZE } from '../../../abi/xen.js';
import type { DirtyLog } from '../../../lib/dirty_log.js';
import { GuestPhysMemory, P2mType } from './p2m.js';

/** Xen's default max_grant_frames (grant_table.c opt_max_grant_frames). */
export const DEFAULT_MAX_GRANT_FRAMES = 64;
/** RAM of one domain; bank 1 (above 3 GiB) is not offered yet. */
export const MAX_DOMAIN_RAM_BYTES = GUEST.RAM0_SIZE;
export const MIN_DOMAIN_RAM_BYTES = 16 * 1024 * 1024;

export interface DomainMemoryLayout {
  /** Offset of the domain's first byte in the host buffer. */
  readonly hostBase: number;
  readonly ramBytes: number;
  /** Host offsets of the magic pages (console, xenstore, mem-access, vuart). */
  readonly magicHostOffset: number;
  /** Host offsets of every grant frame the table may grow to. */
  readonly grantFrameHostOffsets: readonly number[];
  /** Bytes from hostBase to the end of the domain's memory. */
  readonly totalBytes: number;
}

export function planDomainMemory(ramBytes: number, opts: { hostBase?: number; maxGrantFrames?: number } = {}): DomainMemoryLayout {
  if (!Number.isInteger(ramBytes) || ramBytes % XEN_PAGE_SIZE !== 0 || ramBytes < MIN_DOMAIN_RAM_BYTES || ramBytes > MAX_DOMAIN_RAM_BYTES) {
    throw new RangeError(`Domain memory must be a whole number of pages from ${MIN_DOMAIN_RAM_BYTES >> 20} to ${MAX_DOMAIN_RAM_BYTES >> 20} MiB, not ${ramBytes} bytes`);
  }
  const hostBase = opts.hostBase ?? 0;
  if (hostBase % XEN_PAGE_SIZE !== 0) throw new RangeError('Domain memory must start on a page boundary of the host buffer');
  const maxGrantFrames = opts.maxGrantFrames ?? DEFAULT_MAX_GRANT_FRAMES;
  const magicHostOffset = hostBase + ramBytes;
  const grantBase = magicHostOffset + NR_MAGIC_PAGES * XEN_PAGE_SIZE;
  const grantFrameHostOffsets = Array.from({ length: maxGrantFrames }, (_, i) => grantBase + i * XEN_PAGE_SIZE);
  return { hostBase, ramBytes, magicHostOffset, grantFrameHostOffsets, totalBytes: grantBase + maxGrantFrames * XEN_PAGE_SIZE - hostBase };
}

/** The p2m of a fresh domU: RAM at GUEST_RAM0_BASE and the magic pages at GUEST_MAGIC_BASE. */
export function buildDomainP2m(buffer: ArrayBuffer | SharedArrayBuffer, layout: DomainMemoryLayout, hostBytes = buffer.byteLength, dirtyLog?: DirtyLog): GuestPhysMemory {
  if (layout.hostBase + layout.totalBytes > hostBytes) {
    throw new RangeError(`The host buffer (${buffer.byteLength} bytes) is too small for the domain (${layout.totalBytes} bytes at ${layout.hostBase})`);
  }
  const mem = new GuestPhysMemory(buffer, hostBytes, dirtyLog);
  mem.mapRange({ gfn: GUEST.RAM0_BASE / XEN_PAGE_SIZE, frames: layout.ramBytes / XEN_PAGE_SIZE, hostOffset: layout.hostBase, type: P2mType.RAM });
  mem.mapRange({ gfn: GUEST.MAGIC_BASE / XEN_PAGE_SIZE, frames: NR_MAGIC_PAGES, hostOffset: layout.magicHostOffset, type: P2mType.RAM });
  return mem;
}

/** Guest frame number of magic page `which`. */
export function magicGfn(which: keyof typeof MAGIC_PFN): number {
  return GUEST.MAGIC_BASE / XEN_PAGE_SIZE + MAGIC_PFN[which];
}
