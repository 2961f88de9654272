/**
 * Reader for `ar` archives, the outer container of a Debian `.deb` (deb(5): "debian-binary",
 * "control.tar.*", "data.tar.*"). Format: the magic "!<arch>\n", then per member a 60-byte ASCII
 * header (name 16, mtime 12, uid 6, gid 6, mode 8, size 10, "`\n") and the data padded to an even
 * length. GNU-style names end in "/"; that is stripped.
 */
import { imageFetchError } from './errors.js';

/** One member; `data` is a view into the archive bytes. */
export interface ArMember {
  readonly name: string;
  readonly data: Uint8Array;
}

const MAGIC = '!<arch>\n';
const HEADER = 60;
const latin1 = new TextDecoder('latin1');

/** List the members of `bytes`; `what` names the archive in error messages. */
export function readAr(bytes: Uint8Array, what: string): ArMember[] {
  if (latin1.decode(bytes.subarray(0, 8)) !== MAGIC) throw imageFetchError(`Cannot read "${what}": not an ar archive`);
  const out: ArMember[] = [];
  let off = 8;
  while (off + HEADER <= bytes.length) {
    const h = latin1.decode(bytes.subarray(off, off + HEADER));
    if (h.slice(58, 60) !== '`\n') throw imageFetchError(`Cannot read "${what}": bad ar header at ${off}`);
    const name = h.slice(0, 16).trimEnd().replace(/\/$/, '');
    // Decimal digits only: Number() would also take "-60" (a member that never advances: an endless loop), "0x3c" or "1e3".
    const sizeField = h.slice(48, 58).trim();
    if (!/^[0-9]+$/.test(sizeField)) throw imageFetchError(`Cannot read "${what}": member "${name}" has a bad size "${sizeField}"`);
    const size = Number(sizeField);
    if (!Number.isSafeInteger(size) || off + HEADER + size > bytes.length) {
      throw imageFetchError(`Cannot read "${what}": member "${name}" is truncated`);
    }
    out.push({ name, data: bytes.subarray(off + HEADER, off + HEADER + size) });
    off += HEADER + size + (size & 1);
  }
  return out;
}
