/**
 * CRC32B/H/W/X and CRC32CB/H/W/X (Arm ARM DDI0487 C6.2 CRC32, CRC32C): the bit-reflected CRC update
 * with polynomial 0x04C11DB7 (CRC-32) or 0x1EDC6F41 (CRC-32C), with no initial or final inversion.
 * Table-driven: a byte at a time for B/H, and "slicing by 4" (four tables, one lookup per byte of a
 * word, no serial dependency between them) for W and the two words of X.
 */

/** 4 x 256 entries: table k gives the CRC of a byte followed by k zero bytes. */
function makeTables(reflectedPoly: number): Int32Array {
  const t = new Int32Array(1024);
  for (let i = 0; i < 256; i++) {
    let r = i;
    for (let k = 0; k < 8; k++) r = (r & 1) !== 0 ? (r >>> 1) ^ reflectedPoly : r >>> 1;
    t[i] = r;
  }
  for (let i = 256; i < 1024; i++) {
    const prev = t[i - 256]!;
    t[i] = (prev >>> 8) ^ t[prev & 0xff]!;
  }
  return t;
}

/** Tables of CRC-32 (reflected 0xEDB88320) and CRC-32C (reflected 0x82F63B78). */
export const CRC32_TABLE = makeTables(0xedb8_8320);
export const CRC32C_TABLE = makeTables(0x82f6_3b78);

/** The accumulator `crc` updated with the low `bytes` bytes (1, 2 or 4) of `value`; unsigned result. */
export function crc32Update(table: Int32Array, crc: number, value: number, bytes: number): number {
  if (bytes === 4) {
    const v = crc ^ value;
    return (table[768 + (v & 0xff)]! ^ table[512 + ((v >>> 8) & 0xff)]! ^ table[256 + ((v >>> 16) & 0xff)]! ^ table[v >>> 24]!) >>> 0;
  }
  let r = crc;
  let v = value;
  for (let i = 0; i < bytes; i++) {
    r = table[(r ^ v) & 0xff]! ^ (r >>> 8);
    v >>>= 8;
  }
  return r >>> 0;
}
