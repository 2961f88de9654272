/**
 * Copying between the guest's address space and the host on the guest's behalf (Linux's
 * copy_from_user/copy_to_user): every access is checked against the page map, and a bad pointer
 * comes back as null/false for the system call to turn into -EFAULT, never as a host exception.
 */
import { PAGE_SIZE } from './frames.js';
import { USER_VA_END, type AddressSpace } from './address_space.js';

/** Largest single copy a system call makes in one go (Linux's MAX_RW_COUNT is about 2 GiB; we bound host buffers). */
export const MAX_IO = 0x7fff_f000;

/**
 * The RAM ranges backing [va, va + len) as [offset, length] pairs, or null if any byte cannot be
 * accessed. Writes also discard translated code built from the pages written.
 */
export function guestRanges(as: AddressSpace, va: number, len: number, write: boolean): number[] | null {
  if (len === 0) return [];
  if (!Number.isSafeInteger(va) || va < 0 || len < 0 || va + len > USER_VA_END) return null;
  const out: number[] = [];
  const code = as.frames.code;
  for (let a = va; a < va + len; ) {
    const n = Math.min(PAGE_SIZE - (a % PAGE_SIZE), va + len - a);
    const off = as.kernelOffset(a, write);
    if (off < 0) return null;
    if (write) {
      const frame = Math.floor(off / PAGE_SIZE);
      if (code.codePage[frame] === 1) code.storeToCodePage(frame);
    }
    const last = out.length - 2;
    if (last >= 0 && out[last]! + out[last + 1]! === off) out[last + 1]! += n;
    else out.push(off, n);
    a += n;
  }
  return out;
}

export function copyFromGuest(as: AddressSpace, va: number, len: number): Uint8Array | null {
  const r = guestRanges(as, va, len, false);
  if (r === null) return null;
  const out = new Uint8Array(len);
  const u8 = as.frames.ramU8;
  let o = 0;
  for (let i = 0; i < r.length; i += 2) {
    out.set(u8.subarray(r[i]!, r[i]! + r[i + 1]!), o);
    o += r[i + 1]!;
  }
  return out;
}

export function copyToGuest(as: AddressSpace, va: number, bytes: Uint8Array): boolean {
  const r = guestRanges(as, va, bytes.length, true);
  if (r === null) return false;
  const u8 = as.frames.ramU8;
  let o = 0;
  for (let i = 0; i < r.length; i += 2) {
    u8.set(bytes.subarray(o, o + r[i + 1]!), r[i]!);
    o += r[i + 1]!;
  }
  return true;
}

/** A NUL-terminated string of at most `max` bytes (UTF-8), or null on a bad pointer or a missing NUL. */
export function readCString(as: AddressSpace, va: number, max = 4096): string | null {
  const bytes: number[] = [];
  const u8 = as.frames.ramU8;
  if (!Number.isSafeInteger(va) || va < 0) return null;
  for (let a = va; bytes.length < max; a++) {
    const off = as.kernelOffset(a, false);
    if (off < 0) return null;
    // Scan the rest of this page directly.
    const pageEnd = off + (PAGE_SIZE - (a % PAGE_SIZE));
    let o = off;
    for (; o < pageEnd && bytes.length < max; o++) {
      const b = u8[o]!;
      if (b === 0) return Buffer.from(bytes).toString('utf8');
      bytes.push(b);
    }
    a += o - off - 1;
  }
  return null;
}

/** Little-endian 64-bit read as a number (exact below 2^53; pointers and sizes), or null on a bad pointer. */
export function readU64(as: AddressSpace, va: number): number | null {
  const b = copyFromGuest(as, va, 8);
  if (b === null) return null;
  const dv = new DataView(b.buffer);
  return dv.getUint32(4, true) * 2 ** 32 + dv.getUint32(0, true);
}

export function readU32(as: AddressSpace, va: number): number | null {
  const b = copyFromGuest(as, va, 4);
  return b === null ? null : new DataView(b.buffer).getUint32(0, true);
}

export function writeU32(as: AddressSpace, va: number, v: number): boolean {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v >>> 0, true);
  return copyToGuest(as, va, b);
}

/** A NULL-terminated array of string pointers (argv, envp), or null on a bad pointer. */
export function readStringArray(as: AddressSpace, va: number, maxCount = 65536): string[] | null {
  const out: string[] = [];
  if (va === 0) return out;
  for (let i = 0; i < maxCount; i++) {
    const p = readU64(as, va + 8 * i);
    if (p === null) return null;
    if (p === 0) return out;
    const s = readCString(as, p, 131072);
    if (s === null) return null;
    out.push(s);
  }
  return null;
}

/** Builds a little-endian struct in host memory, to copy out in one go. */
export class StructWriter {
  readonly bytes: Uint8Array;
  private readonly dv: DataView;
  constructor(size: number) {
    this.bytes = new Uint8Array(size);
    this.dv = new DataView(this.bytes.buffer);
  }
  u8(off: number, v: number): this {
    this.dv.setUint8(off, v);
    return this;
  }
  u16(off: number, v: number): this {
    this.dv.setUint16(off, v, true);
    return this;
  }
  u32(off: number, v: number): this {
    this.dv.setUint32(off, v >>> 0, true);
    return this;
  }
  i32(off: number, v: number): this {
    this.dv.setInt32(off, v, true);
    return this;
  }
  /** A 64-bit field from a number (two's complement for negative values) or a bigint. */
  u64(off: number, v: number | bigint): this {
    this.dv.setBigUint64(off, BigInt.asUintN(64, typeof v === 'bigint' ? v : BigInt(Math.trunc(v))), true);
    return this;
  }
  str(off: number, s: string, max: number): this {
    const b = Buffer.from(s, 'utf8').subarray(0, max - 1);
    this.bytes.set(b, off);
    return this;
  }
}
