/**
 * Memory system calls: brk, mmap, munmap, mprotect, mremap, madvise, msync, mlock, munlock (mm/mmap.c,
 * mm/mremap.c, mm/madvise.c, mm/msync.c, mm/mlock.c).
 *
 * A file mapping is a copy of the file taken at mmap time: guest RAM is one buffer and Node cannot map
 * a host file into it. So a writable MAP_SHARED file mapping, whose stores the file would have to see,
 * is refused with ENODEV (what Linux returns for a file that cannot be mapped) rather than accepted
 * and its stores lost.
 */
import * as fs from 'node:fs';
import { PAGE_SIZE } from '../frames.js';
import { USER_VA_END, type AddressSpace } from '../address_space.js';
import { E } from '../errno.js';
import type { Kernel } from '../kernel.js';
import type { Thread } from '../process.js';
import { def, i32, u64, type SysResult, type SyscallDef } from './args.js';

const MAP_SHARED = 0x1;
const MAP_PRIVATE = 0x2;
const MAP_TYPE = 0xf;
const MAP_FIXED = 0x10;
const MAP_ANONYMOUS = 0x20;
const MAP_FIXED_NOREPLACE = 0x100000;
const MREMAP_MAYMOVE = 1;
const MREMAP_FIXED = 2;
const MADV_DONTNEED = 4;
const MADV_FREE = 8;
const PROT_ALL = 7;
const PROT_WRITE = 2;
const MS_ASYNC = 1;
const MS_INVALIDATE = 2;
const MS_SYNC = 4;

function pagesFor(len: number): number {
  return Math.ceil(len / PAGE_SIZE);
}

function aligned(va: number): boolean {
  return va % PAGE_SIZE === 0;
}

/** True when [va, va + len) is a valid user range. */
function inUserRange(va: number, len: number): boolean {
  return va >= 0 && len >= 0 && va + len <= USER_VA_END;
}

/** Copies `len` bytes of a host file at `offset` into freshly mapped pages (a private file mapping). */
function fillFromFile(as: AddressSpace, va: number, fd: number, offset: number, len: number): number {
  const u8 = as.frames.ramU8;
  for (let o = 0; o < len; o += PAGE_SIZE) {
    const off = as.loaderOffset(va + o);
    if (off < 0) return -E.NOMEM;
    let n: number;
    try {
      n = fs.readSync(fd, u8, off, Math.min(PAGE_SIZE, len - o), offset + o);
    } catch {
      return -E.ACCES;
    }
    if (n < Math.min(PAGE_SIZE, len - o)) break; // past end of file: the rest stays zero
  }
  return 0;
}

export function doMmap(_k: Kernel, t: Thread): SysResult {
  const as = t.proc.as;
  const addr = u64(t, 0);
  const len = u64(t, 1);
  const prot = i32(t, 2);
  const flags = i32(t, 3);
  const fd = i32(t, 4);
  const offset = u64(t, 5);
  const type = flags & MAP_TYPE;
  if (type !== MAP_SHARED && type !== MAP_PRIVATE && type !== 3) return -E.INVAL;
  if (len === 0 || !aligned(offset) || (prot & ~PROT_ALL) !== 0) return -E.INVAL;
  const npages = pagesFor(len);
  if (npages * PAGE_SIZE > USER_VA_END || !as.canMap(npages)) return -E.NOMEM;
  let hostFd = -1;
  if ((flags & MAP_ANONYMOUS) === 0) {
    const f = t.proc.fds.get(fd);
    if (f === undefined) return -E.BADF;
    if (f.hostFd < 0) return -E.ACCES;
    if ((f.flags & 3) === 1) return -E.ACCES;
    if (type === MAP_SHARED && (prot & PROT_WRITE) !== 0) return -E.NODEV;
    hostFd = f.hostFd;
  }
  let vpn: number;
  if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
    if (!aligned(addr)) return -E.INVAL;
    if (!inUserRange(addr, npages * PAGE_SIZE)) return -E.NOMEM;
    vpn = addr / PAGE_SIZE;
    if (flags & MAP_FIXED_NOREPLACE && !(flags & MAP_FIXED) && !as.isFree(vpn, npages)) return -E.EXIST;
  } else {
    vpn = as.findFree(npages, inUserRange(addr, len) ? Math.floor(addr / PAGE_SIZE) : 0);
    if (vpn < 0) return -E.NOMEM;
  }
  as.map(vpn, npages, prot);
  if (hostFd >= 0) {
    const r = fillFromFile(as, vpn * PAGE_SIZE, hostFd, offset, len);
    if (r < 0) {
      as.unmap(vpn, npages);
      return r;
    }
  }
  return vpn * PAGE_SIZE;
}

function munmap(_k: Kernel, t: Thread): SysResult {
  const addr = u64(t, 0);
  const len = u64(t, 1);
  if (!aligned(addr) || len === 0 || !inUserRange(addr, len)) return -E.INVAL;
  t.proc.as.unmap(addr / PAGE_SIZE, pagesFor(len));
  return 0;
}

function mprotect(_k: Kernel, t: Thread): SysResult {
  const addr = u64(t, 0);
  const len = u64(t, 1);
  const prot = i32(t, 2);
  // PROT_GROWSDOWN/PROT_GROWSUP (0x01000000/0x02000000) are accepted and ignored.
  if (!aligned(addr) || (prot & ~(PROT_ALL | 0x03000000)) !== 0) return -E.INVAL;
  if (!inUserRange(addr, len)) return -E.NOMEM;
  if (len === 0) return 0;
  return t.proc.as.protect(addr / PAGE_SIZE, pagesFor(len), prot & PROT_ALL) ? 0 : -E.NOMEM;
}

function mremap(_k: Kernel, t: Thread): SysResult {
  const as = t.proc.as;
  const old = u64(t, 0);
  const oldLen = u64(t, 1);
  const newLen = u64(t, 2);
  const flags = i32(t, 3);
  const newAddr = u64(t, 4);
  if (!aligned(old) || newLen === 0 || (flags & ~7) !== 0) return -E.INVAL;
  if (flags & MREMAP_FIXED && !(flags & MREMAP_MAYMOVE)) return -E.INVAL;
  if (oldLen === 0) return -E.INVAL; // duplicating a shared mapping: not supported for private ones either
  const ov = old / PAGE_SIZE;
  const on = pagesFor(oldLen);
  const nn = pagesFor(newLen);
  for (let p = ov; p < ov + on; p++) if (!as.isMapped(p)) return -E.FAULT;
  if (nn > on && !as.canMap(nn - on)) return -E.NOMEM;
  const prot = as.protOf(ov + on - 1);
  if (flags & MREMAP_FIXED) {
    if (!aligned(newAddr) || !inUserRange(newAddr, nn * PAGE_SIZE)) return -E.INVAL;
    const nv = newAddr / PAGE_SIZE;
    if (nv < ov + on && ov < nv + nn) return -E.INVAL;
    as.unmap(nv, nn);
    as.move(ov, nv, Math.min(on, nn));
    if (on > nn) as.unmap(ov + nn, on - nn);
    if (nn > on) as.map(nv + on, nn - on, prot);
    return newAddr;
  }
  if (nn <= on) {
    if (nn < on) as.unmap(ov + nn, on - nn);
    return old;
  }
  if (as.isFree(ov + on, nn - on)) {
    as.map(ov + on, nn - on, prot);
    return old;
  }
  if (!(flags & MREMAP_MAYMOVE)) return -E.NOMEM;
  const nv = as.findFree(nn);
  if (nv < 0) return -E.NOMEM;
  as.move(ov, nv, on);
  as.map(nv + on, nn - on, prot);
  return nv * PAGE_SIZE;
}

function madvise(_k: Kernel, t: Thread): SysResult {
  const addr = u64(t, 0);
  const len = u64(t, 1);
  const advice = i32(t, 2);
  if (!aligned(addr) || !inUserRange(addr, len)) return -E.INVAL;
  if (advice === MADV_DONTNEED || advice === MADV_FREE) {
    const as = t.proc.as;
    const n = pagesFor(len);
    for (let p = addr / PAGE_SIZE; p < addr / PAGE_SIZE + n; p++) if (!as.isMapped(p)) return -E.NOMEM;
    as.discard(addr / PAGE_SIZE, n);
  }
  return 0;
}

/** The pages of [addr, addr + len), rounded out to pages; ENOMEM if any is unmapped (mlock, munlock, msync). */
function checkMapped(t: Thread, addr: number, len: number): SysResult {
  const first = Math.floor(addr / PAGE_SIZE);
  const end = pagesFor(addr + len);
  for (let p = first; p < end; p++) if (!t.proc.as.isMapped(p)) return -E.NOMEM;
  return 0;
}

/**
 * msync: every mapping is anonymous memory or a private copy (see the file comment), so there is
 * nothing to write back; the arguments and the range are checked as Linux checks them.
 */
function msync(_k: Kernel, t: Thread): SysResult {
  const addr = u64(t, 0);
  const len = u64(t, 1);
  const flags = i32(t, 2);
  if (!aligned(addr) || (flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC)) !== 0) return -E.INVAL;
  if ((flags & MS_ASYNC) !== 0 && (flags & MS_SYNC) !== 0) return -E.INVAL;
  if (!inUserRange(addr, len)) return -E.NOMEM;
  return checkMapped(t, addr, len);
}

/** mlock and munlock: guest pages never leave host memory, so a mapped range is already locked. */
function mlock(_k: Kernel, t: Thread): SysResult {
  const addr = u64(t, 0);
  const len = u64(t, 1);
  if (!inUserRange(addr, len)) return -E.NOMEM;
  return checkMapped(t, addr, len);
}

/** brk: the break moves within [brkStart, next mapping); failure returns the old break, as Linux does. */
function brk(_k: Kernel, t: Thread): SysResult {
  const as = t.proc.as;
  const want = u64(t, 0);
  if (want < as.brkStart || !inUserRange(want, 0)) return as.brkEnd;
  const oldTop = pagesFor(as.brkEnd);
  const newTop = pagesFor(want);
  if (newTop > oldTop) {
    if (!as.canMap(newTop - oldTop) || !as.isFree(oldTop, newTop - oldTop)) return as.brkEnd;
    as.map(oldTop, newTop - oldTop, 3);
  } else if (newTop < oldTop) {
    as.unmap(newTop, oldTop - newTop);
  }
  as.brkEnd = want;
  return want;
}

export const MEMORY_SYSCALLS: readonly SyscallDef[] = [
  def(214, 'brk', 1, brk),
  def(222, 'mmap', 6, doMmap),
  def(215, 'munmap', 2, munmap),
  def(226, 'mprotect', 3, mprotect),
  def(216, 'mremap', 5, mremap),
  def(233, 'madvise', 3, madvise),
  def(227, 'msync', 3, msync),
  def(228, 'mlock', 2, mlock),
  def(229, 'munlock', 2, mlock),
];
