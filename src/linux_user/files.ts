/**
 * Open file descriptions and the per-process descriptor table (Linux's struct file and struct
 * files_struct). Regular files, directories and the standard streams are host file descriptors;
 * pipes are emulated here, so a writer and a reader in two guest processes on our one host thread
 * never block the host on each other.
 */
import * as fs from 'node:fs';
import { E, hostErrno } from './errno.js';

export const O_ACCMODE = 3;
export const O_WRONLY = 1;
export const O_RDWR = 2;
export const O_CREAT = 0o100;
export const O_EXCL = 0o200;
export const O_NOCTTY = 0o400;
export const O_TRUNC = 0o1000;
export const O_APPEND = 0o2000;
export const O_NONBLOCK = 0o4000;
/** arm64 values (arch/arm64/include/uapi/asm/fcntl.h): O_DIRECTORY 040000, O_NOFOLLOW 0100000. */
export const O_DIRECTORY = 0o40000;
export const O_NOFOLLOW = 0o100000;
export const O_CLOEXEC = 0o2000000;
export const O_PATH = 0o10000000;

/**
 * Returned by an operation that must wait. The thread sleeps until `ready()` holds, then the system
 * call completes with `onReady()` or, without it, is issued again; past `deadline` (host
 * performance.now() milliseconds) it completes with `onTimeout()`.
 */
export class Blocked {
  constructor(
    readonly ready: () => boolean,
    readonly opts: { deadline?: number; onReady?: () => number; onTimeout?: () => number; uninterruptible?: boolean; noRestart?: boolean } = {},
  ) {}
  get deadline(): number {
    return this.opts.deadline ?? Infinity;
  }
}

export type IoResult = number | Blocked;

/** One open file description, shared by dup'd descriptors and across fork. */
export abstract class OpenFile {
  refs = 1;
  /** Access mode and status flags (O_APPEND, O_NONBLOCK). */
  flags: number;
  constructor(flags: number) {
    this.flags = flags;
  }
  abstract read(buf: Uint8Array, pos: number | null): IoResult;
  abstract write(buf: Uint8Array, pos: number | null): IoResult;
  /** The host fd for fstat/ioctl/lseek, or -1 (pipes). */
  get hostFd(): number {
    return -1;
  }
  /** True when a read would not block (poll). */
  readable(): boolean {
    return true;
  }
  release(): void {}
}

export class HostFile extends OpenFile {
  readonly fd: number;
  /** Our file position for seekable files (Node has no lseek); null for streams, which use the host's. */
  pos: number | null;
  /** Host path, for fchdir, /proc/self/fd and directory listings. */
  readonly path: string;
  /** getdents64 state: the listing taken at the first call, and how far the guest has read. */
  dirents: { name: string; type: number; ino: number }[] | null = null;
  dirPos = 0;
  private readonly owned: boolean;

  constructor(fd: number, path: string, flags: number, owned = true) {
    super(flags);
    this.fd = fd;
    this.path = path;
    this.owned = owned;
    let seekable = false;
    if (owned) {
      try {
        const st = fs.fstatSync(fd);
        seekable = st.isFile() || st.isBlockDevice() || st.isDirectory();
      } catch (e) {
        hostErrno(e);
      }
    }
    this.pos = seekable ? 0 : null;
  }

  /** Reads at the file position (advancing it) or at `at` (pread). */
  readAt(buf: Uint8Array, at: number | null): IoResult {
    const r = this.read(buf, at ?? this.pos);
    if (at === null && this.pos !== null && typeof r === 'number' && r > 0) this.pos += r;
    return r;
  }

  writeAt(buf: Uint8Array, at: number | null): IoResult {
    const append = (this.flags & O_APPEND) !== 0;
    const r = this.write(buf, at ?? (append ? null : this.pos));
    if (at === null && this.pos !== null && typeof r === 'number' && r > 0) {
      this.pos = append ? fs.fstatSync(this.fd).size : this.pos + r;
    }
    return r;
  }

  override get hostFd(): number {
    return this.fd;
  }

  read(buf: Uint8Array, pos: number | null): IoResult {
    for (;;) {
      try {
        return fs.readSync(this.fd, buf, 0, buf.length, pos);
      } catch (e) {
        // A non-blocking host stdin: wait for it (the whole host thread; fine for a terminal or pipe).
        if ((e as { code?: string }).code === 'EAGAIN' && (this.flags & O_NONBLOCK) === 0) {
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
          continue;
        }
        if ((e as { code?: string }).code === 'EOF') return 0;
        return hostErrno(e);
      }
    }
  }

  write(buf: Uint8Array, pos: number | null): IoResult {
    let done = 0;
    try {
      while (done < buf.length) done += fs.writeSync(this.fd, buf, done, buf.length - done, pos === null ? null : pos + done);
      return done;
    } catch (e) {
      if ((e as { code?: string }).code === 'EAGAIN') {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
        return done > 0 ? done : this.write(buf, pos);
      }
      return done > 0 ? done : hostErrno(e);
    }
  }

  override release(): void {
    if (this.owned) fs.closeSync(this.fd);
  }
}

/** Pipe buffer capacity reported to and enforced on writers (Linux's default 64 KiB). */
const PIPE_CAPACITY = 65536;

class PipeBuffer {
  readonly chunks: Uint8Array[] = [];
  size = 0;
  readers = 0;
  writers = 0;
}

export class PipeEnd extends OpenFile {
  private readonly pipe: PipeBuffer;
  private readonly isWriter: boolean;
  /** Set by a write to a pipe without readers: the caller raises SIGPIPE. */
  brokenPipe = false;

  private constructor(pipe: PipeBuffer, isWriter: boolean, flags: number) {
    super(flags);
    this.pipe = pipe;
    this.isWriter = isWriter;
    if (isWriter) pipe.writers++;
    else pipe.readers++;
  }

  static create(flags: number): [PipeEnd, PipeEnd] {
    const p = new PipeBuffer();
    return [new PipeEnd(p, false, flags & O_NONBLOCK), new PipeEnd(p, true, O_WRONLY | (flags & O_NONBLOCK))];
  }

  override readable(): boolean {
    return this.pipe.size > 0 || this.pipe.writers === 0;
  }

  read(buf: Uint8Array): IoResult {
    const p = this.pipe;
    if (this.isWriter) return -E.BADF;
    if (p.size === 0) {
      if (p.writers === 0) return 0;
      if (this.flags & O_NONBLOCK) return -E.AGAIN;
      return new Blocked(() => p.size > 0 || p.writers === 0);
    }
    let n = 0;
    while (n < buf.length && p.chunks.length > 0) {
      const c = p.chunks[0]!;
      const k = Math.min(c.length, buf.length - n);
      buf.set(c.subarray(0, k), n);
      n += k;
      if (k === c.length) p.chunks.shift();
      else p.chunks[0] = c.subarray(k);
    }
    p.size -= n;
    return n;
  }

  write(buf: Uint8Array): IoResult {
    const p = this.pipe;
    if (!this.isWriter) return -E.BADF;
    if (p.readers === 0) {
      this.brokenPipe = true;
      return -E.PIPE;
    }
    if (buf.length === 0) return 0;
    const room = PIPE_CAPACITY - p.size;
    if (room <= 0) {
      if (this.flags & O_NONBLOCK) return -E.AGAIN;
      return new Blocked(() => p.size < PIPE_CAPACITY || p.readers === 0);
    }
    const n = Math.min(room, buf.length);
    p.chunks.push(buf.slice(0, n));
    p.size += n;
    return n;
  }

  override release(): void {
    if (this.isWriter) this.pipe.writers--;
    else this.pipe.readers--;
  }
}

interface Slot {
  file: OpenFile;
  cloexec: boolean;
}

/** Soft limit on descriptors (RLIMIT_NOFILE), as Linux's default. */
export const NOFILE = 1024;

export class FdTable {
  private readonly slots = new Map<number, Slot>();

  get(fd: number): OpenFile | undefined {
    return this.slots.get(fd)?.file;
  }

  cloexec(fd: number): boolean {
    return this.slots.get(fd)?.cloexec ?? false;
  }

  setCloexec(fd: number, on: boolean): void {
    const s = this.slots.get(fd);
    if (s !== undefined) s.cloexec = on;
  }

  /** Installs `file` at the lowest free descriptor >= min; takes over the caller's reference. */
  install(file: OpenFile, cloexec: boolean, min = 0): number {
    let fd = min;
    while (this.slots.has(fd)) fd++;
    if (fd >= NOFILE) {
      this.unref(file);
      return -E.MFILE;
    }
    this.slots.set(fd, { file, cloexec });
    return fd;
  }

  /** dup2/dup3: `fd` now refers to `file`, closing what it referred to. */
  installAt(fd: number, file: OpenFile, cloexec: boolean): void {
    this.close(fd);
    file.refs++;
    this.slots.set(fd, { file, cloexec });
  }

  close(fd: number): number {
    const s = this.slots.get(fd);
    if (s === undefined) return -E.BADF;
    this.slots.delete(fd);
    this.unref(s.file);
    return 0;
  }

  /** A copy for fork: the same open file descriptions, one more reference each. */
  fork(): FdTable {
    const t = new FdTable();
    for (const [fd, s] of this.slots) {
      s.file.refs++;
      t.slots.set(fd, { file: s.file, cloexec: s.cloexec });
    }
    return t;
  }

  /** execve: descriptors marked close-on-exec go. */
  closeOnExec(): void {
    for (const [fd, s] of [...this.slots]) if (s.cloexec) this.close(fd);
  }

  closeAll(): void {
    for (const fd of [...this.slots.keys()]) this.close(fd);
  }

  fds(): number[] {
    return [...this.slots.keys()].sort((a, b) => a - b);
  }

  private unref(f: OpenFile): void {
    if (--f.refs === 0) f.release();
  }
}
