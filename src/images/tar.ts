/**
 * A streaming reader for tar archives as dpkg-deb writes them: POSIX ustar headers, GNU long
 * names and link names (typeflags 'L' and 'K'), and pax extended headers ('x'; 'g' is ignored).
 * Source: POSIX.1-2017 pax(1) "ustar Interchange Format" and "pax Interchange Format", GNU tar
 * manual "Basic Tar Format". Only members the caller wants are kept in memory.
 */
import { imageFetchError } from './errors.js';

/** The header fields callers use. Paths have any leading "./" removed. */
export interface TarHeader {
  readonly path: string;
  /** '0' regular, '2' symlink, '5' directory, '1' hard link, ... */
  readonly type: string;
  readonly mode: number;
  /** Owner and group ids (root's 0 in Debian's packages, with a few exceptions such as /var/local's group staff). */
  readonly uid: number;
  readonly gid: number;
  readonly size: number;
  readonly linkName: string;
}

/** A kept member: its header and (for regular files) its bytes. */
export interface TarFile extends TarHeader {
  readonly data: Uint8Array;
}

const BLOCK = 512;
const latin1 = new TextDecoder('latin1');
const utf8 = new TextDecoder();

function str(b: Uint8Array, off: number, len: number): string {
  const field = b.subarray(off, off + len);
  const nul = field.indexOf(0);
  return utf8.decode(nul < 0 ? field : field.subarray(0, nul));
}

/** Octal field, or GNU base-256 when the top bit of the first byte is set. */
function num(b: Uint8Array, off: number, len: number): number {
  if ((b[off]! & 0x80) !== 0) {
    let v = b[off]! & 0x7f;
    for (let i = 1; i < len; i++) v = v * 256 + b[off + i]!;
    return v;
  }
  const text = latin1.decode(b.subarray(off, off + len)).replace(/[\0 ]+$/, '').trim();
  return text === '' ? 0 : parseInt(text, 8);
}

function checksumOk(h: Uint8Array): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i]!;
  return sum === num(h, 148, 8);
}

/** Parse pax "len key=value\n" records. */
function paxRecords(data: Uint8Array): Map<string, string> {
  const out = new Map<string, string>();
  const text = utf8.decode(data);
  for (const rec of text.split('\n')) {
    const m = /^\d+ ([^=]+)=(.*)$/s.exec(rec);
    if (m) out.set(m[1]!, m[2]!);
  }
  return out;
}

/** A member's uid or gid: pax's record when present, else the ustar field; a value that is not an id is malformed. */
function ownerId(pax: Map<string, string>, key: 'uid' | 'gid', header: Uint8Array, off: number, what: string): number {
  const v = pax.has(key) ? Number(pax.get(key)) : num(header, off, 8);
  if (!Number.isSafeInteger(v) || v < 0 || v > 0xffffffff) throw imageFetchError(`Cannot read "${what}": bad tar member ${key}`);
  return v;
}

/** Accumulates stream chunks and hands out exact byte counts. */
class ByteQueue {
  #chunks: Uint8Array[] = [];
  length = 0;
  push(c: Uint8Array): void {
    if (c.length === 0) return;
    this.#chunks.push(c);
    this.length += c.length;
  }
  /** Remove `n` bytes, copying as many as fit into `into` (from its start) when given. */
  take(n: number, into?: Uint8Array): void {
    this.length -= n;
    let at = 0;
    while (n > 0) {
      const c = this.#chunks[0]!;
      const k = Math.min(n, c.length);
      if (into && at < into.length) into.set(c.subarray(0, Math.min(k, into.length - at)), at);
      at += k;
      n -= k;
      if (k === c.length) this.#chunks.shift();
      else this.#chunks[0] = c.subarray(k);
    }
  }
}

/** Default bound on the bytes of the members `readTar` keeps in memory (a kernel and its modules need about 100 MiB). */
export const MAX_KEPT_BYTES = 1024 * 1024 * 1024;

/**
 * Read a tar stream; `want(header)` decides which regular files, symlinks and directories are
 * returned (with data for regular files). `what` names the archive in error messages. The kept
 * members together may hold at most `maxKept` bytes: an archive claiming more is refused before
 * anything past the bound is allocated.
 */
export async function readTar(
  source: AsyncIterable<Uint8Array>,
  want: (h: TarHeader) => boolean,
  what: string,
  maxKept = MAX_KEPT_BYTES,
): Promise<TarFile[]> {
  const out: TarFile[] = [];
  let kept = 0;
  const q = new ByteQueue();
  const header = new Uint8Array(BLOCK);
  let longName: string | undefined;
  let longLink: string | undefined;
  let pax = new Map<string, string>();
  const iterator = source[Symbol.asyncIterator]();
  const fill = async (n: number): Promise<boolean> => {
    while (q.length < n) {
      const r = await iterator.next();
      if (r.done) return false;
      q.push(r.value);
    }
    return true;
  };
  const truncated = (): never => {
    throw imageFetchError(`Cannot read "${what}": tar archive is truncated`);
  };
  try {
    for (;;) {
      if (!(await fill(BLOCK))) {
        if (q.length === 0) break; // Tolerate a missing end-of-archive marker.
        truncated();
      }
      q.take(BLOCK, header);
      if (header.every((b) => b === 0)) break;
      if (!checksumOk(header)) throw imageFetchError(`Cannot read "${what}": bad tar header checksum`);
      const type = String.fromCharCode(header[156]!) === '\0' ? '0' : String.fromCharCode(header[156]!);
      const size = pax.has('size') ? Number(pax.get('size')) : num(header, 124, 12);
      // A size that is not a whole number of bytes (pax "abc" or "-5", octal "9") is malformed, not a length to allocate.
      if (!Number.isSafeInteger(size) || size < 0) throw imageFetchError(`Cannot read "${what}": bad tar member size`);
      const padded = Math.ceil(size / BLOCK) * BLOCK;
      if (type === 'L' || type === 'K' || type === 'x' || type === 'g') {
        // Read before allocating: a header may claim any size, the stream only has what it has.
        if (!(await fill(padded))) truncated();
        const data = new Uint8Array(padded);
        q.take(padded, data);
        const body = data.subarray(0, size);
        if (type === 'L') longName = str(body, 0, size);
        else if (type === 'K') longLink = str(body, 0, size);
        else if (type === 'x') pax = paxRecords(body);
        continue;
      }
      const prefix = str(header, 345, 155);
      const rawPath = longName ?? pax.get('path') ?? (prefix ? `${prefix}/${str(header, 0, 100)}` : str(header, 0, 100));
      const h: TarHeader = {
        path: rawPath.replace(/^(\.\/)+/, '').replace(/\/$/, ''),
        type,
        mode: num(header, 100, 8) & 0o7777,
        uid: ownerId(pax, 'uid', header, 108, what),
        gid: ownerId(pax, 'gid', header, 116, what),
        size: type === '0' || type === '7' ? size : 0,
        linkName: longLink ?? pax.get('linkpath') ?? str(header, 157, 100),
      };
      if (h.path.split('/').includes('..')) throw imageFetchError(`Cannot read "${what}": member path "${h.path}" leaves the archive`);
      longName = longLink = undefined;
      pax = new Map();
      const keep = want(h);
      if (keep) {
        kept += h.size;
        if (kept > maxKept) throw imageFetchError(`Cannot read "${what}": the wanted members exceed ${maxKept} bytes ("${h.path}")`);
      }
      if (!(await fill(padded))) truncated();
      const data = new Uint8Array(keep ? h.size : 0);
      q.take(padded, keep ? data : undefined);
      if (keep) out.push({ ...h, data });
    }
  } finally {
    // Stop the source when leaving early (an error, or the end-of-archive marker before the stream ends): an xz
    // stream holds xz-decompress's process-wide lock until it ends or is cancelled, so an abandoned one made every
    // later xz stream in the process wait forever (found by the fuzzer, tests/fuzz/regressions/deb).
    await iterator.return?.().catch(() => undefined);
  }
  return out;
}
