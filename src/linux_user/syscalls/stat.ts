/** System calls reporting file metadata: fstat, newfstatat, statx, statfs, fstatfs. */
import * as fs from 'node:fs';
import { E, hostErrno } from '../errno.js';
import { HostFile } from '../files.js';
import { copyToGuest, readCString, StructWriter } from '../guest_memory.js';
import type { Kernel } from '../kernel.js';
import type { Thread } from '../process.js';
import { def, i32, u64, type SysResult, type SyscallDef } from './args.js';
import { pathArg, PATH_MAX, resolvePath } from './fs.js';

const AT_FDCWD = -100;
const AT_SYMLINK_NOFOLLOW = 0x100;
const AT_EMPTY_PATH = 0x1000;

/** struct stat of asm-generic (arm64), 128 bytes. */
function statBytes(st: fs.BigIntStats): Uint8Array {
  const w = new StructWriter(128);
  w.u64(0, st.dev).u64(8, st.ino).u32(16, Number(st.mode)).u32(20, Number(st.nlink)).u32(24, Number(st.uid)).u32(28, Number(st.gid));
  w.u64(32, st.rdev).u64(48, st.size).i32(56, Number(st.blksize)).u64(64, st.blocks);
  const ts = (off: number, ns: bigint): void => {
    w.u64(off, ns / 1_000_000_000n).u64(off + 8, ns % 1_000_000_000n);
  };
  ts(72, st.atimeNs);
  ts(88, st.mtimeNs);
  ts(104, st.ctimeNs);
  return w.bytes;
}

/** struct statx (include/uapi/linux/stat.h), 256 bytes. */
function statxBytes(st: fs.BigIntStats): Uint8Array {
  const w = new StructWriter(256);
  const hasBirth = st.birthtimeNs > 0n;
  w.u32(0, 0x7ff | (hasBirth ? 0x800 : 0)).u32(4, Number(st.blksize)).u32(16, Number(st.nlink)).u32(20, Number(st.uid)).u32(24, Number(st.gid));
  w.u16(28, Number(st.mode)).u64(32, st.ino).u64(40, st.size).u64(48, st.blocks);
  const ts = (off: number, ns: bigint): void => {
    w.u64(off, ns / 1_000_000_000n).u32(off + 8, Number(ns % 1_000_000_000n));
  };
  ts(64, st.atimeNs);
  if (hasBirth) ts(80, st.birthtimeNs);
  ts(96, st.ctimeNs);
  ts(112, st.mtimeNs);
  const major = (d: bigint): number => Number(((d >> 8n) & 0xfffn) | ((d >> 32n) & ~0xfffn));
  const minor = (d: bigint): number => Number((d & 0xffn) | ((d >> 12n) & ~0xffn));
  w.u32(128, major(st.rdev)).u32(132, minor(st.rdev)).u32(136, major(st.dev)).u32(140, minor(st.dev));
  return w.bytes;
}

/** stat for (dirfd, path, flags) including AT_EMPTY_PATH on a descriptor. */
function statTarget(t: Thread, dirArg: number, pathArgI: number, flags: number): fs.BigIntStats | number {
  const raw = readCString(t.proc.as, u64(t, pathArgI), PATH_MAX);
  if (raw === null) return -E.FAULT;
  try {
    if (raw === '' && flags & AT_EMPTY_PATH) {
      const dirfd = i32(t, dirArg);
      if (dirfd === AT_FDCWD) return fs.statSync(t.proc.cwd, { bigint: true });
      const f = t.proc.fds.get(dirfd);
      if (f === undefined) return -E.BADF;
      if (f.hostFd < 0) return pipeStat();
      return fs.fstatSync(f.hostFd, { bigint: true });
    }
    if (raw === '') return -E.NOENT;
    const p = resolvePath(t, i32(t, dirArg), raw);
    if (typeof p === 'number') return p;
    return flags & AT_SYMLINK_NOFOLLOW ? fs.lstatSync(p, { bigint: true }) : fs.statSync(p, { bigint: true });
  } catch (e) {
    return hostErrno(e);
  }
}

/** What fstat reports for one of our emulated pipes: a FIFO owned by us. */
function pipeStat(): fs.BigIntStats {
  const st = fs.statSync('/', { bigint: true });
  return Object.assign(Object.create(Object.getPrototypeOf(st) as object) as fs.BigIntStats, st, {
    mode: 0o10600n, ino: 1n, size: 0n, nlink: 1n, blocks: 0n, blksize: 4096n, dev: 12n, rdev: 0n,
    uid: BigInt(process.getuid?.() ?? 0), gid: BigInt(process.getgid?.() ?? 0),
  });
}

function fstat(_k: Kernel, t: Thread): SysResult {
  const f = t.proc.fds.get(i32(t, 0));
  if (f === undefined) return -E.BADF;
  let st: fs.BigIntStats;
  try {
    st = f.hostFd < 0 ? pipeStat() : fs.fstatSync(f.hostFd, { bigint: true });
  } catch (e) {
    return hostErrno(e);
  }
  return copyToGuest(t.proc.as, u64(t, 1), statBytes(st)) ? 0 : -E.FAULT;
}

function newfstatat(_k: Kernel, t: Thread): SysResult {
  const st = statTarget(t, 0, 1, i32(t, 3));
  if (typeof st === 'number') return st;
  return copyToGuest(t.proc.as, u64(t, 2), statBytes(st)) ? 0 : -E.FAULT;
}

function statx(_k: Kernel, t: Thread): SysResult {
  const st = statTarget(t, 0, 1, i32(t, 2));
  if (typeof st === 'number') return st;
  return copyToGuest(t.proc.as, u64(t, 4), statxBytes(st)) ? 0 : -E.FAULT;
}

/** struct statfs for 64-bit arm64 (asm-generic statfs.h with 8-byte words), 120 bytes. */
function statfsBytes(st: fs.StatsFs): Uint8Array {
  const w = new StructWriter(120);
  w.u64(0, st.type).u64(8, st.bsize).u64(16, st.blocks).u64(24, st.bfree).u64(32, st.bavail).u64(40, st.files).u64(48, st.ffree);
  w.u64(64, 255).u64(72, st.bsize);
  return w.bytes;
}

function statfs(_k: Kernel, t: Thread): SysResult {
  const p = pathArg(t, 0, null);
  if (typeof p === 'number') return p;
  try {
    return copyToGuest(t.proc.as, u64(t, 1), statfsBytes(fs.statfsSync(p))) ? 0 : -E.FAULT;
  } catch (e) {
    return hostErrno(e);
  }
}

function fstatfs(_k: Kernel, t: Thread): SysResult {
  const f = t.proc.fds.get(i32(t, 0));
  if (f === undefined) return -E.BADF;
  const p = f instanceof HostFile ? f.path : '/';
  try {
    return copyToGuest(t.proc.as, u64(t, 1), statfsBytes(fs.statfsSync(p))) ? 0 : -E.FAULT;
  } catch (e) {
    return hostErrno(e);
  }
}

export const STAT_SYSCALLS: readonly SyscallDef[] = [
  def(80, 'fstat', 2, fstat),
  def(79, 'newfstatat', 4, newfstatat),
  def(291, 'statx', 5, statx),
  def(43, 'statfs', 2, statfs),
  def(44, 'fstatfs', 2, fstatfs),
];
