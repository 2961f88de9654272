/**
 * Decoding one blkif request, copied out of the ring, into what the backend will do: every field
 * the frontend controls is checked here (operation, segment count, sector ranges inside a page,
 * the disk's end), so the I/O path only ever sees valid requests.
 */
import {
  BLKIF_DISCARD_SECURE,
  BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST,
  BLKIF_MAX_SEGMENTS_PER_REQUEST,
  BLKIF_OP,
  MAX_INDIRECT_SEGMENTS,
  REQ,
  SECTORS_PER_PAGE,
  SECTOR_BYTES,
  SEGS_PER_INDIRECT_FRAME,
} from './regs.js';

/** One page's part in a transfer: grant `gref`, sectors first..last (inclusive) of that page. */
export interface Segment {
  readonly gref: number;
  readonly firstSect: number;
  readonly lastSect: number;
}

export type BlkRequest =
  | { readonly kind: 'rw'; readonly id: bigint; readonly op: number; readonly write: boolean; readonly flush: boolean; readonly sector: bigint; readonly segments: readonly Segment[] }
  | { readonly kind: 'indirect'; readonly id: bigint; readonly op: number; readonly write: boolean; readonly sector: bigint; readonly nrSegments: number; readonly indirectGrefs: readonly number[] }
  | { readonly kind: 'flush'; readonly id: bigint; readonly op: number }
  | { readonly kind: 'discard'; readonly id: bigint; readonly op: number; readonly sector: bigint; readonly nrSectors: bigint; readonly secure: boolean }
  | { readonly kind: 'bad'; readonly id: bigint; readonly op: number; readonly unsupported: boolean; readonly reason: string };

/** Decodes the 112 bytes of a request (already copied out of shared memory). */
export function decodeRequest(bytes: Uint8Array): BlkRequest {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const op = dv.getUint8(REQ.OPERATION);
  const id = dv.getBigUint64(REQ.ID, true);
  const sector = dv.getBigUint64(REQ.SECTOR_NUMBER, true);
  switch (op) {
    case BLKIF_OP.READ:
    case BLKIF_OP.WRITE:
    case BLKIF_OP.WRITE_BARRIER:
    case BLKIF_OP.FLUSH_DISKCACHE: {
      const n = dv.getUint8(REQ.NR_SEGMENTS);
      const flushOp = op === BLKIF_OP.WRITE_BARRIER || op === BLKIF_OP.FLUSH_DISKCACHE;
      if (n === 0 && flushOp) return { kind: 'flush', id, op };
      if (n === 0 || n > BLKIF_MAX_SEGMENTS_PER_REQUEST) return bad(id, op, `${n} segments (1 to ${BLKIF_MAX_SEGMENTS_PER_REQUEST} allowed)`);
      const segments: Segment[] = [];
      for (let i = 0; i < n; i++) {
        const s = readSegment(dv, REQ.SEGMENTS + i * REQ.SEGMENT_BYTES);
        if (typeof s === 'string') return bad(id, op, `segment ${i}: ${s}`);
        segments.push(s);
      }
      return { kind: 'rw', id, op, write: op !== BLKIF_OP.READ, flush: flushOp, sector, segments };
    }
    case BLKIF_OP.INDIRECT: {
      const inner = dv.getUint8(REQ.INDIRECT_OP);
      if (inner !== BLKIF_OP.READ && inner !== BLKIF_OP.WRITE) return bad(id, op, `indirect operation ${inner} (only read and write may be indirect)`);
      const n = dv.getUint16(REQ.INDIRECT_NR_SEGMENTS, true);
      // The response carries the inner operation: Linux's blkfront checks it against what it sent.
      if (n === 0 || n > MAX_INDIRECT_SEGMENTS) return bad(id, inner, `${n} indirect segments (1 to ${MAX_INDIRECT_SEGMENTS} allowed)`);
      const pages = Math.ceil(n / SEGS_PER_INDIRECT_FRAME);
      if (pages > BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST) return bad(id, inner, `${pages} indirect pages`);
      const indirectGrefs = Array.from({ length: pages }, (_, i) => dv.getUint32(REQ.INDIRECT_GREFS + i * 4, true));
      return { kind: 'indirect', id, op: inner, write: inner === BLKIF_OP.WRITE, sector, nrSegments: n, indirectGrefs };
    }
    case BLKIF_OP.DISCARD:
      return { kind: 'discard', id, op, sector, nrSectors: dv.getBigUint64(REQ.NR_SECTORS, true), secure: (dv.getUint8(REQ.DISCARD_FLAG) & BLKIF_DISCARD_SECURE) !== 0 };
    default:
      return { kind: 'bad', id, op, unsupported: true, reason: `unknown operation ${op}` };
  }
}

/** The segment descriptors of an indirect request, from its (copied) indirect pages. */
export function decodeIndirectSegments(pages: readonly Uint8Array[], n: number): Segment[] | string {
  const segments: Segment[] = [];
  for (let i = 0; i < n; i++) {
    const page = pages[Math.floor(i / SEGS_PER_INDIRECT_FRAME)]!;
    const s = readSegment(new DataView(page.buffer, page.byteOffset, page.byteLength), (i % SEGS_PER_INDIRECT_FRAME) * REQ.SEGMENT_BYTES);
    if (typeof s === 'string') return `indirect segment ${i}: ${s}`;
    segments.push(s);
  }
  return segments;
}

/** Bytes a transfer over `segments` moves. */
export function transferBytes(segments: readonly Segment[]): number {
  return segments.reduce((n, s) => n + (s.lastSect - s.firstSect + 1) * SECTOR_BYTES, 0);
}

/** Byte offset of `sector` if `sectors` from it fit on a disk of `diskSectors`; a string otherwise. */
export function checkRange(sector: bigint, sectors: bigint, diskSectors: number): number | string {
  if (sector + sectors > BigInt(diskSectors)) return `sectors ${sector}+${sectors} pass the end of the disk (${diskSectors} sectors)`;
  return Number(sector) * SECTOR_BYTES;
}

function readSegment(dv: DataView, at: number): Segment | string {
  const gref = dv.getUint32(at, true);
  const firstSect = dv.getUint8(at + 4);
  const lastSect = dv.getUint8(at + 5);
  if (lastSect >= SECTORS_PER_PAGE || firstSect > lastSect) return `sectors ${firstSect}..${lastSect} are not within a page`;
  return { gref, firstSect, lastSect };
}

function bad(id: bigint, op: number, reason: string): BlkRequest {
  return { kind: 'bad', id, op, unsupported: false, reason };
}
