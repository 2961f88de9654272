/**
 * Save format of a grant table's hypervisor-side state. The frames themselves are pages of the
 * domain's memory and travel with it; what is saved here is what Xen keeps in its own heap:
 * frames in use, active entries (pins) and the maptrack.
 *
 * Layout, little endian: magic "XGNT" u32, format version u16, reserved u16, domid u16,
 * max_frames u16, nr_frames u16, reserved u16; u32 count of active entries, each
 * {ref u32, pin u32, domid u16, reserved u16, gfn u32, host offset f64}; u32 maptrack limit,
 * u32 count of live handles, each {handle u32, flags u32, domid u16, orphaned u8, reserved u8,
 * ref u32, gfn f64 (-1 for a backend mapping), host offset f64}.
 */
import type { ActiveGrantEntry } from './entry.js';
import { MAPTRACK_MAX_HANDLES } from './maptrack.js';

const MAGIC = 0x544e4758; // "XGNT"
/** Bumped whenever the layout changes; restore refuses other versions. */
export const GRANT_TABLE_SAVE_VERSION = 1;
const HEADER_BYTES = 16;
const ACTIVE_BYTES = 24;
const MAPTRACK_BYTES = 32;

/** The saved state, decoded but not yet checked against a domain. */
export interface GrantTableState {
  readonly domid: number;
  readonly maxFrames: number;
  readonly nrFrames: number;
  readonly active: readonly { readonly ref: number; readonly entry: ActiveGrantEntry }[];
  readonly maptrackLimit: number;
  readonly maptrack: readonly {
    readonly handle: number;
    readonly flags: number;
    readonly domid: number;
    readonly ref: number;
    readonly gfn: number;
    readonly hostOffset: number;
    readonly orphaned: boolean;
  }[];
}

/** Serialises `s`. */
export function encodeGrantTableState(s: GrantTableState): Uint8Array {
  const bytes = new Uint8Array(HEADER_BYTES + 4 + s.active.length * ACTIVE_BYTES + 8 + s.maptrack.length * MAPTRACK_BYTES);
  const dv = new DataView(bytes.buffer);
  dv.setUint32(0, MAGIC, true);
  dv.setUint16(4, GRANT_TABLE_SAVE_VERSION, true);
  dv.setUint16(8, s.domid, true);
  dv.setUint16(10, s.maxFrames, true);
  dv.setUint16(12, s.nrFrames, true);
  let at = HEADER_BYTES;
  dv.setUint32(at, s.active.length, true);
  at += 4;
  for (const { ref, entry } of s.active) {
    dv.setUint32(at, ref, true);
    dv.setUint32(at + 4, entry.pin, true);
    dv.setUint16(at + 8, entry.domid, true);
    dv.setUint32(at + 12, entry.gfn, true);
    dv.setFloat64(at + 16, entry.hostOffset, true);
    at += ACTIVE_BYTES;
  }
  dv.setUint32(at, s.maptrackLimit, true);
  dv.setUint32(at + 4, s.maptrack.length, true);
  at += 8;
  for (const m of s.maptrack) {
    dv.setUint32(at, m.handle, true);
    dv.setUint32(at + 4, m.flags, true);
    dv.setUint16(at + 8, m.domid, true);
    dv.setUint8(at + 10, m.orphaned ? 1 : 0);
    dv.setUint32(at + 12, m.ref, true);
    dv.setFloat64(at + 16, m.gfn, true);
    dv.setFloat64(at + 24, m.hostOffset, true);
    at += MAPTRACK_BYTES;
  }
  return bytes;
}

function truncated(): never {
  throw new RangeError('Cannot restore grant table: saved state is truncated');
}

/** Parses bytes from encodeGrantTableState, refusing anything malformed with a RangeError. */
export function decodeGrantTableState(bytes: Uint8Array): GrantTableState {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < HEADER_BYTES + 4) truncated();
  if (dv.getUint32(0, true) !== MAGIC) throw new RangeError('Cannot restore grant table: not a grant table save');
  const version = dv.getUint16(4, true);
  if (version !== GRANT_TABLE_SAVE_VERSION) throw new RangeError(`Cannot restore grant table: save format version "${version}" is not supported`);
  const maxFrames = dv.getUint16(10, true);
  const nrFrames = dv.getUint16(12, true);
  if (nrFrames < 1 || nrFrames > maxFrames) throw new RangeError(`Cannot restore grant table: ${nrFrames} frames in use of ${maxFrames}`);
  let at = HEADER_BYTES;
  const nActive = dv.getUint32(at, true);
  at += 4;
  if (bytes.byteLength < at + nActive * ACTIVE_BYTES + 8) truncated();
  const active: { ref: number; entry: ActiveGrantEntry }[] = [];
  for (let i = 0; i < nActive; i++, at += ACTIVE_BYTES) {
    const entry = { pin: dv.getUint32(at + 4, true), domid: dv.getUint16(at + 8, true), gfn: dv.getUint32(at + 12, true), hostOffset: dv.getFloat64(at + 16, true) };
    if (entry.pin === 0) throw new RangeError('Cannot restore grant table: active entry with no pin');
    active.push({ ref: dv.getUint32(at, true), entry });
  }
  const maptrackLimit = dv.getUint32(at, true);
  const nLive = dv.getUint32(at + 4, true);
  at += 8;
  if (maptrackLimit > MAPTRACK_MAX_HANDLES || nLive > maptrackLimit) throw new RangeError(`Cannot restore grant table: ${nLive} live of ${maptrackLimit} handles`);
  if (bytes.byteLength < at + nLive * MAPTRACK_BYTES) truncated();
  const maptrack: GrantTableState['maptrack'][number][] = [];
  const handles = new Set<number>();
  for (let i = 0; i < nLive; i++, at += MAPTRACK_BYTES) {
    const handle = dv.getUint32(at, true);
    const gfn = dv.getFloat64(at + 16, true);
    if (handles.has(handle) || !(Number.isInteger(gfn) && gfn >= -1)) throw new RangeError(`Cannot restore grant table: bad mapping handle ${handle}`);
    handles.add(handle);
    maptrack.push({
      handle,
      flags: dv.getUint32(at + 4, true),
      domid: dv.getUint16(at + 8, true),
      orphaned: dv.getUint8(at + 10) !== 0,
      ref: dv.getUint32(at + 12, true),
      gfn,
      hostOffset: dv.getFloat64(at + 24, true),
    });
  }
  return { domid: dv.getUint16(8, true), maxFrames, nrFrames, active, maptrackLimit, maptrack };
}
