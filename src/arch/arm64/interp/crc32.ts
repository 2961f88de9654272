/**
 * CRC32B/H/W/X and CRC32CB/H/W/X (Arm ARM DDI0487 C6.2 CRC32, CRC32C): the bit-reflected CRC update
 * with polynomial 0x04C11DB7 (CRC-32) or 0x1EDC6F41 (CRC-32C), with no initial or final inversion.
 * Table-driven, one byte at a time, least significant byte first.
 */

function makeTable(reflectedPoly: number): Int32Array {
  const t = new Int32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i;
    for (let k = 0; k < 8; k++) r = (r & 1) !== 0 ? (r >>> 1) ^ reflectedPoly : r >>> 1;
    t[i] = r;
  }
  return t;
}

/** Byte tables of CRC-32 (reflected 0xEDB88320) and CRC-32C (reflected 0x82F63B78). */
export const CRC32_TABLE = makeTable(0xedb8_8320);
export const CRC32C_TABLE = makeTable(0x82f6_3b78);

/** The accumulator `crc` updated with the low `bytes` bytes (1, 2 or 4) of `value`; unsigned result. */
export function crc32Update(table: Int32Array, crc: number, value: number, bytes: number): number {
  let r = crc;
  let v = value;
  for (let i = 0; i < bytes; i++) {
    r = table[(r ^ v) & 0xff]! ^ (r >>> 8);
    v >>>= 8;
  }
  return r >>> 0;
}
