/** The PL011's state as bytes, for save/restore and migration. */
export interface Pl011State {
  readonly regs: { ibrd: number; fbrd: number; lcrh: number; cr: number; ifls: number; imsc: number; ris: number; dmacr: number; ilpr: number };
  readonly rxFifo: readonly number[];
}

const VERSION = 1;
const REG_COUNT = 9;

export function savePl011(s: Pl011State): Uint8Array {
  const out = new Uint8Array(4 + REG_COUNT * 4 + 4 + s.rxFifo.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, VERSION, true);
  const r = s.regs;
  [r.ibrd, r.fbrd, r.lcrh, r.cr, r.ifls, r.imsc, r.ris, r.dmacr, r.ilpr].forEach((v, i) => dv.setUint32(4 + 4 * i, v, true));
  dv.setUint32(4 + REG_COUNT * 4, s.rxFifo.length, true);
  out.set(s.rxFifo, 8 + REG_COUNT * 4);
  return out;
}

export function restorePl011(bytes: Uint8Array, fifoDepth: number): Pl011State {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const header = 8 + REG_COUNT * 4;
  if (bytes.byteLength < header || dv.getUint32(0, true) !== VERSION) throw new RangeError('PL011 state is truncated or of an unknown version');
  const n = dv.getUint32(header - 4, true);
  if (n > fifoDepth || bytes.byteLength !== header + n) throw new RangeError(`PL011 state has a bad FIFO length ${n}`);
  const v = (i: number): number => dv.getUint32(4 + 4 * i, true);
  return {
    regs: { ibrd: v(0), fbrd: v(1), lcrh: v(2), cr: v(3), ifls: v(4), imsc: v(5), ris: v(6), dmacr: v(7), ilpr: v(8) },
    rxFifo: Array.from(bytes.subarray(header)),
  };
}
