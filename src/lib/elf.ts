/**
 * ELF64 little-endian AArch64 executables, as the Linux loader (fs/binfmt_elf.c) accepts them for a
 * static program: ET_EXEC, or ET_DYN without PT_INTERP (static-pie); and, with `{ kernel: true }`, as
 * a board loads a bare-metal or kernel ELF by physical address (QEMU's -kernel). Field layout: the
 * System V gABI and elf.h (Elf64_Ehdr, Elf64_Phdr). Pure: no Node imports, shared by
 * `src/linux_user` and `src/platform/boot`.
 */
import { XenonError } from './errors.js';

export const PT_LOAD = 1;
export const PT_INTERP = 3;
export const PT_PHDR = 6;
export const PT_TLS = 7;
export const PT_GNU_STACK = 0x6474e551;
export const PF_X = 1;
export const PF_W = 2;
export const PF_R = 4;
const ET_EXEC = 2;
const ET_DYN = 3;
const EM_AARCH64 = 183;
const EHDR_SIZE = 64;
const PHDR_SIZE = 56;

export interface ElfSegment {
  readonly type: number;
  /** PF_R | PF_W | PF_X. */
  readonly flags: number;
  readonly fileOffset: number;
  readonly vaddr: number;
  /** p_paddr: where a board loads the segment (a kernel ELF); ignored for user programs. */
  readonly paddr: number;
  readonly fileSize: number;
  readonly memSize: number;
  readonly align: number;
}

export interface ElfImage {
  readonly bytes: Uint8Array;
  /** True for ET_DYN (static-pie): loaded at a base chosen by the loader. */
  readonly isPie: boolean;
  readonly entry: number;
  readonly phoff: number;
  readonly phentsize: number;
  readonly phnum: number;
  readonly segments: readonly ElfSegment[];
  /** PT_LOAD segments only, in file order. */
  readonly loads: readonly ElfSegment[];
  /** PT_GNU_STACK flags, or PF_R | PF_W | PF_X when absent (Linux's default for arm64 is a non-executable stack either way). */
  readonly stackFlags: number;
}

/** A malformed or unsupported executable; `reason` is the message without the file name. */
export class BadExecutableError extends XenonError {
  readonly reason: string;
  constructor(what: string, reason: string) {
    super('BAD_EXECUTABLE', `Cannot load "${what}": ${reason}`);
    this.reason = reason;
  }
}

function bad(what: string, why: string): never {
  throw new BadExecutableError(what, why);
}

/** A 64-bit field as a number; addresses and sizes beyond 2^53 are not valid in a user program. */
function u64(dv: DataView, off: number, what: string): number {
  const v = dv.getBigUint64(off, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) bad(what, `a 64-bit field at offset ${off} is out of range`);
  return Number(v);
}

export interface ParseElfOptions {
  /**
   * Parse for a board loading a kernel by physical address: ET_EXEC only, virtual addresses may be
   * kernel addresses above 2^53 (read as -1, unused), no user-address-space or page-congruence checks.
   */
  readonly kernel?: boolean;
}

/** Parses and validates an executable; `name` is used in error messages only. */
export function parseElf(bytes: Uint8Array, name: string, opts: ParseElfOptions = {}): ElfImage {
  const kernel = opts.kernel === true;
  /** A virtual address: a kernel's may be a high (TTBR1) address that no number holds exactly. */
  const vaddr64 = (off: number): number => {
    if (!kernel) return u64(dv, off, name);
    const v = dv.getBigUint64(off, true);
    return v > BigInt(Number.MAX_SAFE_INTEGER) ? -1 : Number(v);
  };
  if (bytes.length < EHDR_SIZE) bad(name, 'file too short for an ELF header');
  if (bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) bad(name, 'not an ELF file');
  if (bytes[4] !== 2) bad(name, 'not a 64-bit ELF file');
  if (bytes[5] !== 1) bad(name, 'not a little-endian ELF file');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = dv.getUint16(16, true);
  if (dv.getUint16(18, true) !== EM_AARCH64) bad(name, `machine ${dv.getUint16(18, true)} is not AArch64`);
  if (type !== ET_EXEC && type !== ET_DYN) bad(name, `ELF type ${type} is not an executable`);
  if (kernel && type !== ET_EXEC) bad(name, `ELF type ${type} is not ET_EXEC (a kernel is loaded at fixed physical addresses)`);
  const entry = vaddr64(24);
  const phoff = u64(dv, 32, name);
  const phentsize = dv.getUint16(54, true);
  const phnum = dv.getUint16(56, true);
  if (phentsize !== PHDR_SIZE) bad(name, `program header size ${phentsize} is not ${PHDR_SIZE}`);
  if (phnum === 0) bad(name, 'no program headers');
  if (phoff + phnum * PHDR_SIZE > bytes.length) bad(name, 'program headers lie beyond the end of the file (truncated?)');
  const segments: ElfSegment[] = [];
  for (let i = 0; i < phnum; i++) {
    const o = phoff + i * PHDR_SIZE;
    segments.push({
      type: dv.getUint32(o, true),
      flags: dv.getUint32(o + 4, true),
      fileOffset: u64(dv, o + 8, name),
      vaddr: vaddr64(o + 16),
      paddr: u64(dv, o + 24, name),
      fileSize: u64(dv, o + 32, name),
      memSize: u64(dv, o + 40, name),
      align: u64(dv, o + 48, name),
    });
  }
  if (segments.some((s) => s.type === PT_INTERP)) bad(name, 'dynamically linked executables are not supported (it has PT_INTERP)');
  const loads = segments.filter((s) => s.type === PT_LOAD);
  if (loads.length === 0) bad(name, 'no loadable segments');
  for (const s of loads) {
    if (s.fileOffset + s.fileSize > bytes.length) bad(name, 'a loadable segment lies beyond the end of the file (truncated?)');
    if (s.fileSize > s.memSize) bad(name, 'a loadable segment has a file size larger than its memory size');
    if (kernel) continue;
    if ((s.vaddr - s.fileOffset) % 4096 !== 0) bad(name, 'a loadable segment is not page-congruent');
    if (s.vaddr + s.memSize >= 2 ** 48) bad(name, 'a loadable segment lies beyond the 48-bit user address space');
  }
  const stack = segments.find((s) => s.type === PT_GNU_STACK);
  return {
    bytes,
    isPie: type === ET_DYN,
    entry,
    phoff,
    phentsize,
    phnum,
    segments,
    loads,
    stackFlags: stack === undefined ? PF_R | PF_W | PF_X : stack.flags,
  };
}
