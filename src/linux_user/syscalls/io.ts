/** System calls on file descriptors: read/write and friends, dup, fcntl, pipes, ioctl, poll. */
import * as fs from 'node:fs';
import * as tty from 'node:tty';
import { E, hostErrno } from '../errno.js';
import { Blocked, HostFile, O_ACCMODE, O_APPEND, O_CLOEXEC, O_NONBLOCK, PipeEnd, type IoResult, type OpenFile } from '../files.js';
import { copyFromGuest, copyToGuest, guestRanges, MAX_IO, readU64, StructWriter } from '../guest_memory.js';
import type { Kernel } from '../kernel.js';
import type { Thread } from '../process.js';
import { SIG } from '../signals.js';
import { def, i32, i64, u32, u64, type SysResult, type SyscallDef } from './args.js';

/** O_LARGEFILE as F_GETFL reports it on arm64 (the kernel forces it for 64-bit processes). */
const O_LARGEFILE = 0o400000;
const FD_CLOEXEC = 1;

function fileOf(t: Thread, fd: number): OpenFile | undefined {
  return t.proc.fds.get(fd);
}

/** A write to a pipe without readers (ours or the host's) raises SIGPIPE as well as failing with EPIPE. */
function checkPipe(k: Kernel, t: Thread, f: OpenFile, r: IoResult): IoResult {
  if (r === -E.PIPE) {
    if (f instanceof PipeEnd) f.brokenPipe = false;
    k.signalThread(t, SIG.PIPE);
  }
  return r;
}

function doRead(f: OpenFile, buf: Uint8Array, at: number | null): IoResult {
  return f instanceof HostFile ? f.readAt(buf, at) : f.read(buf, at);
}

function doWrite(f: OpenFile, buf: Uint8Array, at: number | null): IoResult {
  return f instanceof HostFile ? f.writeAt(buf, at) : f.write(buf, at);
}

/** Reads into guest memory at `va`, straight into RAM. */
function readInto(k: Kernel, t: Thread, f: OpenFile, va: number, len: number, at: number | null): IoResult {
  if ((f.flags & O_ACCMODE) === 1) return -E.BADF;
  const r = guestRanges(t.proc.as, va, Math.min(len, MAX_IO), true);
  if (r === null) return -E.FAULT;
  const u8 = k.frames.ramU8;
  let total = 0;
  for (let i = 0; i < r.length; i += 2) {
    const n = doRead(f, u8.subarray(r[i]!, r[i]! + r[i + 1]!), at === null ? null : at + total);
    if (typeof n !== 'number' || n < 0) return total > 0 ? total : n;
    total += n;
    if (n < r[i + 1]!) break;
  }
  return total;
}

function writeFrom(k: Kernel, t: Thread, f: OpenFile, va: number, len: number, at: number | null): IoResult {
  if ((f.flags & O_ACCMODE) === 0) return -E.BADF;
  const r = guestRanges(t.proc.as, va, Math.min(len, MAX_IO), false);
  if (r === null) return -E.FAULT;
  const u8 = k.frames.ramU8;
  let total = 0;
  for (let i = 0; i < r.length; i += 2) {
    const n = checkPipe(k, t, f, doWrite(f, u8.subarray(r[i]!, r[i]! + r[i + 1]!), at === null ? null : at + total));
    if (typeof n !== 'number' || n < 0) return total > 0 ? total : n;
    total += n;
    if (n < r[i + 1]!) break;
  }
  return total;
}

function rw(write: boolean, positioned: boolean): SyscallDef['fn'] {
  return (k, t) => {
    const f = fileOf(t, i32(t, 0));
    if (f === undefined) return -E.BADF;
    const at = positioned ? i64(t, 3) : null;
    if (at !== null && at < 0) return -E.INVAL;
    return write ? writeFrom(k, t, f, u64(t, 1), u64(t, 2), at) : readInto(k, t, f, u64(t, 1), u64(t, 2), at);
  };
}

function rwv(write: boolean): SyscallDef['fn'] {
  return (k, t) => {
    const f = fileOf(t, i32(t, 0));
    if (f === undefined) return -E.BADF;
    const iov = u64(t, 1);
    const cnt = u32(t, 2);
    if (cnt > 1024) return -E.INVAL;
    let total = 0;
    for (let i = 0; i < cnt; i++) {
      const base = readU64(t.proc.as, iov + 16 * i);
      const len = readU64(t.proc.as, iov + 16 * i + 8);
      if (base === null || len === null) return total > 0 ? total : -E.FAULT;
      if (len === 0) continue;
      const r = write ? writeFrom(k, t, f, base, len, null) : readInto(k, t, f, base, len, null);
      if (typeof r !== 'number') return total > 0 ? total : r;
      if (r < 0) return total > 0 ? total : r;
      total += r;
      if (r < len) break;
    }
    return total;
  };
}

function lseek(_k: Kernel, t: Thread): SysResult {
  const f = fileOf(t, i32(t, 0));
  if (f === undefined) return -E.BADF;
  if (!(f instanceof HostFile) || f.pos === null) return -E.SPIPE;
  const off = i64(t, 1);
  const whence = i32(t, 2);
  let base: number;
  if (whence === 0) base = 0;
  else if (whence === 1) base = f.pos;
  else if (whence === 2) base = fs.fstatSync(f.fd).size;
  else return -E.INVAL;
  if (base + off < 0) return -E.INVAL;
  f.pos = base + off;
  if (f.dirents !== null) f.dirPos = f.pos;
  return f.pos;
}

function dupTo(t: Thread, oldfd: number, newfd: number, flags: number): SysResult {
  const f = fileOf(t, oldfd);
  if (f === undefined) return -E.BADF;
  if (oldfd === newfd) return -E.INVAL;
  if ((flags & ~O_CLOEXEC) !== 0) return -E.INVAL;
  if (newfd < 0 || newfd >= 1024) return -E.BADF;
  t.proc.fds.installAt(newfd, f, (flags & O_CLOEXEC) !== 0);
  return newfd;
}

function fcntl(_k: Kernel, t: Thread): SysResult {
  const fd = i32(t, 0);
  const fds = t.proc.fds;
  const f = fds.get(fd);
  if (f === undefined) return -E.BADF;
  const cmd = i32(t, 1);
  const arg = i32(t, 2);
  switch (cmd) {
    case 0: // F_DUPFD
    case 1030: // F_DUPFD_CLOEXEC
      if (arg < 0 || arg >= 1024) return -E.INVAL;
      f.refs++;
      return fds.install(f, cmd === 1030, arg);
    case 1: // F_GETFD
      return fds.cloexec(fd) ? FD_CLOEXEC : 0;
    case 2: // F_SETFD
      fds.setCloexec(fd, (arg & FD_CLOEXEC) !== 0);
      return 0;
    case 3: // F_GETFL
      return f.flags | O_LARGEFILE;
    case 4: // F_SETFL: only O_APPEND and O_NONBLOCK can change
      f.flags = (f.flags & ~(O_APPEND | O_NONBLOCK)) | (arg & (O_APPEND | O_NONBLOCK));
      return 0;
    case 5: // F_GETLK: nothing is locked against us
    case 6: // F_SETLK
    case 7: // F_SETLKW
      return 0;
    default:
      return -E.INVAL;
  }
}

/** struct termios (asm-generic): c_iflag, c_oflag, c_cflag, c_lflag, c_line, c_cc[19]. */
const TERMIOS_SIZE = 36;
const ICANON = 0o2;
const ECHO = 0o10;

/**
 * Node cannot read the host's termios, so the guest sees the settings it last set, starting from a
 * terminal in its usual cooked mode (ICRNL|IXON, OPOST|ONLCR, B38400|CS8|CREAD, ISIG|ICANON|ECHO...).
 */
let terminalSettings: Uint8Array = (() => {
  const w = new StructWriter(TERMIOS_SIZE).u32(0, 0o2400).u32(4, 0o5).u32(8, 0o277).u32(12, 0o105073);
  [3, 0x1c, 0x7f, 0x15, 4, 0, 1, 0, 0x11, 0x13, 0x1a, 0, 0x12, 0x0f, 0x17, 0x16].forEach((c, i) => w.u8(17 + i, c));
  return w.bytes;
})();

/**
 * The part of a guest's termios the host terminal can honour through Node: a guest that turns off
 * canonical mode or echo (busybox's line editing, less, vi) gets the host terminal in raw mode, so
 * keys are not echoed twice; turning both back on restores cooked mode. Node resets the mode at exit.
 */
function applyToHostTerminal(hostFd: number, settings: Uint8Array): void {
  if (hostFd !== 0 || !process.stdin.isTTY) return;
  const lflag = new DataView(settings.buffer, settings.byteOffset, TERMIOS_SIZE).getUint32(12, true);
  process.stdin.setRawMode((lflag & (ICANON | ECHO)) !== (ICANON | ECHO));
}

const TCGETS = 0x5401;
const TCSETS = 0x5402;
const TCSETSW = 0x5403;
const TCSETSF = 0x5404;
const TIOCGPGRP = 0x540f;
const TIOCSPGRP = 0x5410;
const TIOCGWINSZ = 0x5413;
const FIONREAD = 0x541b;

function ioctl(_k: Kernel, t: Thread): SysResult {
  const f = fileOf(t, i32(t, 0));
  if (f === undefined) return -E.BADF;
  const req = u32(t, 1);
  const argp = u64(t, 2);
  const isTty = f.hostFd >= 0 && tty.isatty(f.hostFd);
  switch (req) {
    case TCGETS:
      if (!isTty) return -E.NOTTY;
      return copyToGuest(t.proc.as, argp, terminalSettings) ? 0 : -E.FAULT;
    case TCSETS:
    case TCSETSW:
    case TCSETSF: {
      if (!isTty) return -E.NOTTY;
      const settings = copyFromGuest(t.proc.as, argp, TERMIOS_SIZE);
      if (settings === null) return -E.FAULT;
      terminalSettings = settings;
      applyToHostTerminal(f.hostFd, settings);
      return 0;
    }
    case TIOCGWINSZ: {
      if (!isTty) return -E.NOTTY;
      const s = f.hostFd === 2 ? process.stderr : process.stdout;
      const rows = s.isTTY ? s.rows : 24;
      const cols = s.isTTY ? s.columns : 80;
      return copyToGuest(t.proc.as, argp, new StructWriter(8).u16(0, rows).u16(2, cols).bytes) ? 0 : -E.FAULT;
    }
    case TIOCGPGRP:
      if (!isTty) return -E.NOTTY;
      return copyToGuest(t.proc.as, argp, new StructWriter(4).u32(0, t.proc.pgid).bytes) ? 0 : -E.FAULT;
    case TIOCSPGRP:
      return isTty ? 0 : -E.NOTTY;
    case FIONREAD:
      return copyToGuest(t.proc.as, argp, new StructWriter(4).u32(0, 0).bytes) ? 0 : -E.FAULT;
    default:
      return -E.NOTTY;
  }
}

function pipe2(_k: Kernel, t: Thread): SysResult {
  const flags = i32(t, 1);
  if ((flags & ~(O_CLOEXEC | O_NONBLOCK)) !== 0) return -E.INVAL;
  const [r, w] = PipeEnd.create(flags);
  const cloexec = (flags & O_CLOEXEC) !== 0;
  const fds = t.proc.fds;
  const rfd = fds.install(r, cloexec);
  if (rfd < 0) {
    w.release();
    return rfd;
  }
  const wfd = fds.install(w, cloexec);
  if (wfd < 0) {
    fds.close(rfd);
    return wfd;
  }
  if (!copyToGuest(t.proc.as, u64(t, 0), new StructWriter(8).i32(0, rfd).i32(4, wfd).bytes)) {
    fds.close(rfd);
    fds.close(wfd);
    return -E.FAULT;
  }
  return 0;
}

function sendfile(k: Kernel, t: Thread): SysResult {
  const out = fileOf(t, i32(t, 0));
  const inp = fileOf(t, i32(t, 1));
  if (out === undefined || inp === undefined) return -E.BADF;
  const offp = u64(t, 2);
  let at: number | null = null;
  if (offp !== 0) {
    at = readU64(t.proc.as, offp);
    if (at === null) return -E.FAULT;
  }
  let left = Math.min(u64(t, 3), MAX_IO);
  const buf = new Uint8Array(Math.min(left, 1 << 16));
  let total = 0;
  while (left > 0) {
    const n = doRead(inp, buf.subarray(0, Math.min(left, buf.length)), at === null ? null : at + total);
    if (typeof n !== 'number' || n < 0) return total > 0 ? total : n;
    if (n === 0) break;
    const w = checkPipe(k, t, out, doWrite(out, buf.subarray(0, n), null));
    if (typeof w !== 'number' || w < 0) return total > 0 ? total : w;
    total += w;
    left -= w;
    if (w < n) break;
  }
  if (offp !== 0 && !copyToGuest(t.proc.as, offp, new StructWriter(8).u64(0, at! + total).bytes)) return -E.FAULT;
  return total;
}

const POLLIN = 1;
const POLLOUT = 4;
const POLLNVAL = 0x20;

/** ppoll: regular files and terminals are always ready; pipes are ready when they have data or no writers. */
function ppoll(_k: Kernel, t: Thread): SysResult {
  const as = t.proc.as;
  const fdsVa = u64(t, 0);
  const n = u32(t, 1);
  if (n > 1024) return -E.INVAL;
  const raw = copyFromGuest(as, fdsVa, 8 * n);
  if (raw === null) return -E.FAULT;
  const dv = new DataView(raw.buffer);
  const scan = (): number => {
    let ready = 0;
    for (let i = 0; i < n; i++) {
      const fd = dv.getInt32(8 * i, true);
      const events = dv.getInt16(8 * i + 4, true);
      let rev = 0;
      if (fd >= 0) {
        const f = t.proc.fds.get(fd);
        if (f === undefined) rev = POLLNVAL;
        else rev = (events & POLLOUT) | (f.readable() ? events & POLLIN : 0);
      }
      dv.setInt16(8 * i + 6, rev, true);
      if (rev !== 0) ready++;
    }
    return ready;
  };
  const finish = (): number => {
    const ready = scan();
    return copyToGuest(as, fdsVa, raw) ? ready : -E.FAULT;
  };
  if (scan() > 0) return finish();
  const tmo = u64(t, 2);
  let deadline = Infinity;
  if (tmo !== 0) {
    const b = copyFromGuest(as, tmo, 16);
    if (b === null) return -E.FAULT;
    const ts = new DataView(b.buffer);
    deadline = performance.now() + Number(ts.getBigInt64(0, true)) * 1000 + Number(ts.getBigInt64(8, true)) / 1e6;
    if (deadline <= performance.now()) return finish();
  }
  // Like Linux (ERESTARTNOHAND), a handled signal ends ppoll with EINTR even under SA_RESTART.
  return new Blocked(() => scan() > 0, { deadline, onReady: finish, onTimeout: finish, noRestart: true });
}

/** pselect6: every descriptor asked about is reported ready (files and terminals do not block here). */
function pselect6(_k: Kernel, t: Thread): SysResult {
  const nfds = i32(t, 0);
  if (nfds < 0 || nfds > 1024) return -E.INVAL;
  let count = 0;
  const bytes = Math.ceil(nfds / 64) * 8;
  for (const arg of [1, 2]) {
    const va = u64(t, arg);
    if (va === 0) continue;
    const set = copyFromGuest(t.proc.as, va, bytes);
    if (set === null) return -E.FAULT;
    for (let fd = 0; fd < nfds; fd++) if (set[fd >> 3]! & (1 << (fd & 7))) count++;
  }
  if (u64(t, 3) !== 0 && !copyToGuest(t.proc.as, u64(t, 3), new Uint8Array(bytes))) return -E.FAULT;
  return count;
}

function fsyncFn(_k: Kernel, t: Thread): SysResult {
  const f = fileOf(t, i32(t, 0));
  if (f === undefined) return -E.BADF;
  if (f.hostFd < 0) return -E.INVAL;
  try {
    fs.fsyncSync(f.hostFd);
  } catch (e) {
    const r = hostErrno(e);
    return r === -E.INVAL ? 0 : r;
  }
  return 0;
}

export const IO_SYSCALLS: readonly SyscallDef[] = [
  def(63, 'read', 3, rw(false, false)),
  def(64, 'write', 3, rw(true, false)),
  def(65, 'readv', 3, rwv(false)),
  def(66, 'writev', 3, rwv(true)),
  def(67, 'pread64', 4, rw(false, true)),
  def(68, 'pwrite64', 4, rw(true, true)),
  def(62, 'lseek', 3, lseek),
  def(57, 'close', 1, (_k, t) => t.proc.fds.close(i32(t, 0))),
  def(23, 'dup', 1, (_k, t) => {
    const f = fileOf(t, i32(t, 0));
    if (f === undefined) return -E.BADF;
    f.refs++;
    return t.proc.fds.install(f, false);
  }),
  def(24, 'dup3', 3, (_k, t) => dupTo(t, i32(t, 0), i32(t, 1), i32(t, 2))),
  def(25, 'fcntl', 3, fcntl),
  def(29, 'ioctl', 3, ioctl),
  def(59, 'pipe2', 2, pipe2),
  def(71, 'sendfile', 4, sendfile),
  def(73, 'ppoll', 4, ppoll),
  def(72, 'pselect6', 6, pselect6),
  def(82, 'fsync', 1, fsyncFn),
  def(83, 'fdatasync', 1, fsyncFn),
];
