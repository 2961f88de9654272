/**
 * A writer for "newc" cpio archives (magic 070701), the format the Linux kernel unpacks as an
 * initramfs.
 *
 * Sources: Linux Documentation/driver-api/early-userspace/buffer-format.rst and
 * usr/gen_init_cpio.c (the kernel's own generator), whose conventions we follow: names without a
 * leading "/", one inode number per entry, nlink 1 (2 for directories) so the unpacker never
 * treats an entry as a hard link, and a final "TRAILER!!!" entry. Each header is 110 ASCII bytes
 * (magic plus thirteen 8-digit hex fields); the name (with its NUL) is padded so that the data
 * starts on a 4-byte boundary, and the data is padded to 4 bytes too.
 *
 * Core code: imports nothing from Node.
 */

/** File type bits of `st_mode` (Linux include/uapi/linux/stat.h). */
export const S_IFMT = 0o170000;
export const S_IFREG = 0o100000;
export const S_IFDIR = 0o040000;
export const S_IFLNK = 0o120000;
export const S_IFCHR = 0o020000;
export const S_IFBLK = 0o060000;
export const S_IFIFO = 0o010000;

/** Ownership and time shared by every entry kind; all default to 0. */
export interface CpioMeta {
  /** Permission bits (the low 12 bits of st_mode). */
  readonly mode?: number;
  readonly uid?: number;
  readonly gid?: number;
  /** Seconds since the epoch. */
  readonly mtime?: number;
}

const MAGIC = '070701';
const HEADER_SIZE = 110;
const TRAILER = 'TRAILER!!!';
const utf8 = new TextEncoder();

function u32(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new RangeError(`Cpio ${what} "${value}" does not fit in 32 bits`);
  }
  return value;
}

function pad4(n: number): number {
  return (4 - (n & 3)) & 3;
}

/** Normalise an archive path: strip leading "/" and "./", reject empty parts and "..". */
export function cpioPath(path: string): string {
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.length === 0 || parts.includes('..') || path.includes('\0')) {
    throw new RangeError(`Invalid cpio path "${path}"`);
  }
  return parts.join('/');
}

interface Entry {
  readonly name: string;
  readonly mode: number;
  readonly meta: CpioMeta;
  readonly data: Uint8Array;
  readonly rdevMajor: number;
  readonly rdevMinor: number;
}

/**
 * Collects entries and produces the archive. Parent directories that were not added explicitly
 * are created (mode 0755, root-owned) before their first child, because the kernel's unpacker does
 * not create missing parents.
 */
export class CpioWriter {
  readonly #entries: Entry[] = [];
  readonly #kinds = new Map<string, number>();

  /** A regular file. */
  addFile(path: string, data: Uint8Array, meta: CpioMeta = {}): this {
    return this.#add(path, S_IFREG, meta, data);
  }

  /** A directory. Adding one that exists as a directory already is a no-op. */
  addDirectory(path: string, meta: CpioMeta = {}): this {
    const name = cpioPath(path);
    if (this.#kinds.get(name) === S_IFDIR) return this;
    return this.#add(name, S_IFDIR, { mode: 0o755, ...meta });
  }

  /** A symbolic link to `target` (stored as the entry's data, without a NUL). */
  addSymlink(path: string, target: string, meta: CpioMeta = {}): this {
    if (target === '' || target.includes('\0')) throw new RangeError(`Invalid symlink target "${target}"`);
    return this.#add(path, S_IFLNK, { mode: 0o777, ...meta }, utf8.encode(target));
  }

  /** A character or block device node, e.g. `/dev/console` = char 5:1. */
  addDevice(path: string, dev: { kind: 'char' | 'block'; major: number; minor: number }, meta: CpioMeta = {}): this {
    const type = dev.kind === 'char' ? S_IFCHR : S_IFBLK;
    return this.#add(path, type, { mode: 0o600, ...meta }, new Uint8Array(0), dev.major, dev.minor);
  }

  /** A named pipe. */
  addFifo(path: string, meta: CpioMeta = {}): this {
    return this.#add(path, S_IFIFO, { mode: 0o644, ...meta });
  }

  #add(path: string, type: number, meta: CpioMeta, data: Uint8Array = new Uint8Array(0), major = 0, minor = 0): this {
    const name = cpioPath(path);
    if (this.#kinds.has(name)) throw new RangeError(`Cpio path "${name}" added twice`);
    const slash = name.lastIndexOf('/');
    if (slash > 0) {
      const parent = name.slice(0, slash);
      const kind = this.#kinds.get(parent);
      if (kind === undefined) this.addDirectory(parent);
      else if (kind !== S_IFDIR) throw new RangeError(`Cpio parent "${parent}" of "${name}" is not a directory`);
    }
    const perm = meta.mode ?? 0o644;
    if ((perm & ~0o7777) !== 0) throw new RangeError(`Cpio mode "${perm.toString(8)}" has bits outside 07777`);
    u32(major, 'device major');
    u32(minor, 'device minor');
    this.#kinds.set(name, type);
    this.#entries.push({ name, mode: type | perm, meta, data, rdevMajor: major, rdevMinor: minor });
    return this;
  }

  /** Serialise all entries plus the trailer. */
  finish(): Uint8Array {
    const chunks: Uint8Array[] = [];
    let total = 0;
    const push = (b: Uint8Array): void => {
      chunks.push(b);
      total += b.length;
    };
    this.#entries.forEach((e, i) => {
      const nlink = (e.mode & S_IFMT) === S_IFDIR ? 2 : 1;
      push(header(e, i + 1, nlink));
      push(e.data);
      push(new Uint8Array(pad4(e.data.length)));
    });
    const trailer: Entry = { name: TRAILER, mode: 0, meta: {}, data: new Uint8Array(0), rdevMajor: 0, rdevMinor: 0 };
    push(header(trailer, 0, 1));
    const out = new Uint8Array(total);
    let off = 0;
    for (const c of chunks) {
      out.set(c, off);
      off += c.length;
    }
    return out;
  }
}

/** The 110-byte header, the name, its NUL and padding to 4 bytes. */
function header(e: Entry, ino: number, nlink: number): Uint8Array {
  const name = utf8.encode(e.name);
  const fields = [
    ino,
    e.mode,
    u32(e.meta.uid ?? 0, 'uid'),
    u32(e.meta.gid ?? 0, 'gid'),
    nlink,
    u32(e.meta.mtime ?? 0, 'mtime'),
    u32(e.data.length, 'file size'),
    0, // devmajor: the device the file lived on; meaningless here.
    0, // devminor
    e.rdevMajor,
    e.rdevMinor,
    name.length + 1,
    0, // check: only used by the "crc" variant (070702).
  ];
  const text = MAGIC + fields.map((f) => f.toString(16).padStart(8, '0')).join('');
  const size = HEADER_SIZE + name.length + 1;
  const out = new Uint8Array(size + pad4(size));
  out.set(utf8.encode(text), 0);
  out.set(name, HEADER_SIZE);
  return out;
}
