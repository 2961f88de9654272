/** System calls on paths and file metadata: open, stat, directories, links, permissions, cwd. */
import * as fs from 'node:fs';
import path from 'node:path';
import { E, hostErrno } from '../errno.js';
import {
  HostFile, O_ACCMODE, O_APPEND, O_CLOEXEC, O_CREAT, O_DIRECTORY, O_EXCL, O_NOFOLLOW, O_NONBLOCK, O_PATH, O_TRUNC,
} from '../files.js';
import { copyFromGuest, copyToGuest, readCString } from '../guest_memory.js';
import type { Kernel } from '../kernel.js';
import type { Thread } from '../process.js';
import { def, i32, u32, u64, type SysResult, type SyscallDef } from './args.js';

const AT_FDCWD = -100;
const AT_REMOVEDIR = 0x200;
export const PATH_MAX = 4096;

/** The host path a guest (dirfd, path) pair names, or a negative errno. */
export function resolvePath(t: Thread, dirfd: number, p: string): string | number {
  if (p === '/proc/self/exe' || p === `/proc/${t.proc.pid}/exe`) return t.proc.exe;
  if (p.startsWith('/')) return p;
  let base = t.proc.cwd;
  if (dirfd !== AT_FDCWD) {
    const f = t.proc.fds.get(dirfd);
    if (f === undefined) return -E.BADF;
    if (!(f instanceof HostFile)) return -E.NOTDIR;
    base = f.path;
  }
  return p === '' ? base : path.join(base, p);
}

/** Reads the path argument `i` and resolves it against the dirfd argument `dirArg` (or the cwd). */
export function pathArg(t: Thread, i: number, dirArg: number | null): string | number {
  const p = readCString(t.proc.as, u64(t, i), PATH_MAX);
  if (p === null) return -E.FAULT;
  if (p === '' && dirArg === null) return -E.NOENT;
  return resolvePath(t, dirArg === null ? AT_FDCWD : i32(t, dirArg), p);
}

/** Guest open flags to the host's (the numeric O_* values differ between arm64 and x86-64). */
function hostOpenFlags(flags: number): number {
  const c = fs.constants;
  let h = [c.O_RDONLY, c.O_WRONLY, c.O_RDWR, c.O_RDWR][flags & O_ACCMODE]!;
  if (flags & O_CREAT) h |= c.O_CREAT;
  if (flags & O_EXCL) h |= c.O_EXCL;
  if (flags & O_TRUNC) h |= c.O_TRUNC;
  if (flags & O_APPEND) h |= c.O_APPEND;
  if (flags & O_DIRECTORY) h |= c.O_DIRECTORY;
  if (flags & O_NOFOLLOW) h |= c.O_NOFOLLOW;
  return h;
}

function openat(_k: Kernel, t: Thread): SysResult {
  const p = pathArg(t, 1, 0);
  if (typeof p === 'number') return p;
  const flags = i32(t, 2);
  const mode = u32(t, 3) & 0o7777 & ~t.proc.umask;
  let fd: number;
  try {
    // The host's own umask would apply on top of the guest's: fix the mode of a file we create.
    const creating = (flags & O_CREAT) !== 0 && !fs.existsSync(p);
    // O_PATH descriptors only name a file: open it read-only (a directory or a file we may read).
    fd = fs.openSync(p, hostOpenFlags(flags & O_PATH ? O_DIRECTORY & flags : flags), mode);
    if (creating) fs.fchmodSync(fd, mode);
  } catch (e) {
    return hostErrno(e);
  }
  return t.proc.fds.install(new HostFile(fd, p, flags & (O_ACCMODE | O_APPEND | O_NONBLOCK)), (flags & O_CLOEXEC) !== 0);
}

function direntType(d: fs.Dirent): number {
  if (d.isDirectory()) return 4;
  if (d.isFile()) return 8;
  if (d.isSymbolicLink()) return 10;
  if (d.isCharacterDevice()) return 2;
  if (d.isBlockDevice()) return 6;
  if (d.isFIFO()) return 1;
  if (d.isSocket()) return 12;
  return 0;
}

/**
 * The entries of a host directory in the order the host's getdents returns them, as qemu-user passes
 * them on (readdirSync sorts them by name; a Dir reads them as they come). Node leaves out "." and
 * "..", which the guest gets first: only there can its order differ from QEMU's (`ls -f`).
 */
function readDirInHostOrder(dirPath: string): fs.Dirent[] {
  const dir = fs.opendirSync(dirPath);
  try {
    const list: fs.Dirent[] = [];
    for (let d = dir.readSync(); d !== null; d = dir.readSync()) list.push(d);
    return list;
  } finally {
    dir.closeSync();
  }
}

function getdents64(_k: Kernel, t: Thread): SysResult {
  const f = t.proc.fds.get(i32(t, 0));
  if (f === undefined) return -E.BADF;
  if (!(f instanceof HostFile)) return -E.NOTDIR;
  if (f.dirents === null) {
    try {
      const list = readDirInHostOrder(f.path);
      const ino = (p: string): number => Number(fs.lstatSync(p, { bigint: true }).ino & 0x1f_ffff_ffff_ffffn);
      f.dirents = [
        { name: '.', type: 4, ino: ino(f.path) },
        { name: '..', type: 4, ino: ino(path.join(f.path, '..')) },
        ...list.map((d) => {
          let i = 0;
          try {
            i = ino(path.join(f.path, d.name));
          } catch (e) {
            hostErrno(e);
          }
          return { name: d.name, type: direntType(d), ino: i };
        }),
      ];
      f.dirPos = 0;
    } catch (e) {
      return hostErrno(e);
    }
  }
  const cap = u32(t, 2);
  const out = new Uint8Array(cap);
  const dv = new DataView(out.buffer);
  let o = 0;
  while (f.dirPos < f.dirents.length) {
    const d = f.dirents[f.dirPos]!;
    const name = Buffer.from(d.name, 'utf8');
    const reclen = (19 + name.length + 1 + 7) & ~7;
    if (o + reclen > cap) {
      if (o === 0) return -E.INVAL;
      break;
    }
    dv.setBigUint64(o, BigInt(d.ino), true);
    dv.setBigInt64(o + 8, BigInt(f.dirPos + 1), true);
    dv.setUint16(o + 16, reclen, true);
    dv.setUint8(o + 18, d.type);
    out.set(name, o + 19);
    o += reclen;
    f.dirPos++;
  }
  return copyToGuest(t.proc.as, u64(t, 1), out.subarray(0, o)) ? o : -E.FAULT;
}

function readlinkat(_k: Kernel, t: Thread): SysResult {
  const p = pathArg(t, 1, 0);
  if (typeof p === 'number') return p;
  const raw = readCString(t.proc.as, u64(t, 1), PATH_MAX);
  let target: string;
  try {
    target = raw === '/proc/self/exe' || raw === `/proc/${t.proc.pid}/exe` ? t.proc.exe : fs.readlinkSync(p);
  } catch (e) {
    return hostErrno(e);
  }
  const b = Buffer.from(target, 'utf8').subarray(0, u32(t, 3));
  return copyToGuest(t.proc.as, u64(t, 2), b) ? b.length : -E.FAULT;
}

/** A path operation that maps onto one node:fs call. */
function simple(pathI: number, dirArg: number | null, op: (p: string, t: Thread) => void): SyscallDef['fn'] {
  return (_k, t) => {
    const p = pathArg(t, pathI, dirArg);
    if (typeof p === 'number') return p;
    try {
      op(p, t);
      return 0;
    } catch (e) {
      return hostErrno(e);
    }
  };
}

function renameat(flagsArg: number | null): SyscallDef['fn'] {
  return (_k, t) => {
    const from = pathArg(t, 1, 0);
    const to = pathArg(t, 3, 2);
    if (typeof from === 'number') return from;
    if (typeof to === 'number') return to;
    const flags = flagsArg === null ? 0 : u32(t, flagsArg);
    try {
      if (flags & 1 && fs.existsSync(to)) return -E.EXIST; // RENAME_NOREPLACE
      if (flags & ~1) return -E.INVAL;
      fs.renameSync(from, to);
      return 0;
    } catch (e) {
      return hostErrno(e);
    }
  };
}

function faccessat(_k: Kernel, t: Thread): SysResult {
  const p = pathArg(t, 1, 0);
  if (typeof p === 'number') return p;
  const mode = i32(t, 2);
  if (mode & ~7) return -E.INVAL;
  try {
    fs.accessSync(p, mode);
    return 0;
  } catch (e) {
    return hostErrno(e);
  }
}

function utimensat(_k: Kernel, t: Thread): SysResult {
  const raw = u64(t, 1) === 0 ? '' : readCString(t.proc.as, u64(t, 1), PATH_MAX);
  if (raw === null) return -E.FAULT;
  const target = raw === '' ? t.proc.fds.get(i32(t, 0)) : undefined;
  const p = raw === '' ? null : resolvePath(t, i32(t, 0), raw);
  if (typeof p === 'number') return p;
  const now = Date.now() / 1000;
  let times: [number, number] = [now, now];
  if (u64(t, 2) !== 0) {
    const b = copyFromGuest(t.proc.as, u64(t, 2), 32);
    if (b === null) return -E.FAULT;
    const dv = new DataView(b.buffer);
    let st: fs.Stats | null = null;
    try {
      st = p !== null ? fs.statSync(p) : target !== undefined && target.hostFd >= 0 ? fs.fstatSync(target.hostFd) : null;
    } catch (e) {
      return hostErrno(e);
    }
    const one = (i: number, old: number): number => {
      const nsec = Number(dv.getBigInt64(16 * i + 8, true));
      if (nsec === 0x3fffffff) return now; // UTIME_NOW
      if (nsec === 0x3ffffffe) return old; // UTIME_OMIT
      return Number(dv.getBigInt64(16 * i, true)) + nsec / 1e9;
    };
    times = [one(0, st ? st.atimeMs / 1000 : now), one(1, st ? st.mtimeMs / 1000 : now)];
  }
  try {
    if (p !== null) fs.utimesSync(p, times[0], times[1]);
    else if (target !== undefined && target.hostFd >= 0) fs.futimesSync(target.hostFd, times[0], times[1]);
    else return -E.BADF;
    return 0;
  } catch (e) {
    return hostErrno(e);
  }
}

function getcwd(_k: Kernel, t: Thread): SysResult {
  const b = Buffer.from(t.proc.cwd + '\0', 'utf8');
  if (b.length > u64(t, 1)) return -E.RANGE;
  return copyToGuest(t.proc.as, u64(t, 0), b) ? b.length : -E.FAULT;
}

function chdirTo(t: Thread, p: string): number {
  try {
    if (!fs.statSync(p).isDirectory()) return -E.NOTDIR;
    fs.accessSync(p, fs.constants.X_OK);
  } catch (e) {
    return hostErrno(e);
  }
  t.proc.cwd = path.resolve(p);
  return 0;
}

function onFd(op: (fd: number, t: Thread) => void): SyscallDef['fn'] {
  return (_k, t) => {
    const f = t.proc.fds.get(i32(t, 0));
    if (f === undefined) return -E.BADF;
    if (f.hostFd < 0) return -E.INVAL;
    try {
      op(f.hostFd, t);
      return 0;
    } catch (e) {
      return hostErrno(e);
    }
  };
}

export const FS_SYSCALLS: readonly SyscallDef[] = [
  def(56, 'openat', 4, openat),
  def(61, 'getdents64', 3, getdents64),
  def(78, 'readlinkat', 4, readlinkat),
  def(35, 'unlinkat', 3, simple(1, 0, (p, t) => (i32(t, 2) & AT_REMOVEDIR ? fs.rmdirSync(p) : fs.unlinkSync(p)))),
  def(34, 'mkdirat', 3, simple(1, 0, (p, t) => {
    const mode = u32(t, 2) & 0o7777 & ~t.proc.umask;
    fs.mkdirSync(p, mode);
    fs.chmodSync(p, mode);
  })),
  def(38, 'renameat', 4, renameat(null)),
  def(276, 'renameat2', 5, renameat(4)),
  def(48, 'faccessat', 3, faccessat),
  def(439, 'faccessat2', 4, faccessat),
  def(36, 'symlinkat', 3, (_k, t) => {
    const target = readCString(t.proc.as, u64(t, 0), PATH_MAX);
    const p = pathArg(t, 2, 1);
    if (target === null) return -E.FAULT;
    if (typeof p === 'number') return p;
    try {
      fs.symlinkSync(target, p);
      return 0;
    } catch (e) {
      return hostErrno(e);
    }
  }),
  def(37, 'linkat', 5, (_k, t) => {
    const from = pathArg(t, 1, 0);
    const to = pathArg(t, 3, 2);
    if (typeof from === 'number') return from;
    if (typeof to === 'number') return to;
    try {
      fs.linkSync(from, to);
      return 0;
    } catch (e) {
      return hostErrno(e);
    }
  }),
  def(88, 'utimensat', 4, utimensat),
  def(53, 'fchmodat', 3, simple(1, 0, (p, t) => fs.chmodSync(p, u32(t, 2) & 0o7777))),
  def(52, 'fchmod', 2, onFd((fd, t) => fs.fchmodSync(fd, u32(t, 1) & 0o7777))),
  def(54, 'fchownat', 5, simple(1, 0, (p, t) => fs.chownSync(p, i32(t, 2), i32(t, 3)))),
  def(55, 'fchown', 3, onFd((fd, t) => fs.fchownSync(fd, i32(t, 1), i32(t, 2)))),
  def(46, 'ftruncate', 2, onFd((fd, t) => fs.ftruncateSync(fd, u64(t, 1)))),
  def(45, 'truncate', 2, simple(0, null, (p, t) => fs.truncateSync(p, u64(t, 1)))),
  def(17, 'getcwd', 2, getcwd),
  def(49, 'chdir', 1, (_k, t) => {
    const p = pathArg(t, 0, null);
    return typeof p === 'number' ? p : chdirTo(t, p);
  }),
  def(50, 'fchdir', 1, (_k, t) => {
    const f = t.proc.fds.get(i32(t, 0));
    if (f === undefined) return -E.BADF;
    return f instanceof HostFile ? chdirTo(t, f.path) : -E.NOTDIR;
  }),
  def(166, 'umask', 1, (_k, t) => {
    const old = t.proc.umask;
    t.proc.umask = u32(t, 0) & 0o777;
    return old;
  }),
];
