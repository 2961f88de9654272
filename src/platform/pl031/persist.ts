/** The PL031's state as bytes, for save/restore and migration. */
export interface Pl031State {
  /** Counter value minus guest seconds at the time of saving's reference (see device.ts). */
  readonly offsetSeconds: number;
  readonly match: number;
  readonly load: number;
  readonly started: boolean;
  readonly imsc: number;
  readonly ris: number;
}

const VERSION = 1;
const SIZE = 28;

export function savePl031(s: Pl031State): Uint8Array {
  const out = new Uint8Array(SIZE);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, VERSION, true);
  dv.setFloat64(4, s.offsetSeconds, true);
  dv.setUint32(12, s.match, true);
  dv.setUint32(16, s.load, true);
  dv.setUint8(20, s.started ? 1 : 0);
  dv.setUint8(21, s.imsc);
  dv.setUint8(22, s.ris);
  return out;
}

export function restorePl031(bytes: Uint8Array): Pl031State {
  if (bytes.byteLength !== SIZE) throw new RangeError(`PL031 state must be ${SIZE} bytes, got ${bytes.byteLength}`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = dv.getUint32(0, true);
  if (version !== VERSION) throw new RangeError(`PL031 state version ${version} is not supported`);
  return {
    offsetSeconds: dv.getFloat64(4, true),
    match: dv.getUint32(12, true),
    load: dv.getUint32(16, true),
    started: dv.getUint8(20) === 1,
    imsc: dv.getUint8(21) & 1,
    ris: dv.getUint8(22) & 1,
  };
}
