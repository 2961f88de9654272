/**
 * Starting a program the way Linux's binfmt_elf does: map the PT_LOAD segments, set up the program
 * break, and build the initial stack (argc, argv, envp, auxv and the strings they point to) with SP
 * 16-byte aligned (fs/binfmt_elf.c create_elf_tables; the arm64 ELF ABI).
 */
import { randomBytes } from 'node:crypto';
import { lookupSysreg, sysregKey, SYSREGS } from '../arch/arm64/sysreg/table.js';
import { XenonError } from '../lib/errors.js';
import { PAGE_SIZE } from './frames.js';
import { AddressSpace, MAX_MAPPED_PAGES, PROT_EXEC, PROT_READ, PROT_WRITE } from './address_space.js';
import { PF_R, PF_W, PF_X, PT_PHDR, type ElfImage } from '../lib/elf.js';

/** Top of the initial stack (just below 2^48, like arm64 Linux with 48-bit VAs) and its size. */
export const STACK_TOP = 2 ** 48 - 0x10000;
export const STACK_SIZE = 8 * 1024 * 1024;
/** mmap_base: below the stack and its guard gap (mm/util.c mmap_base uses at least 128 MiB). */
export const MMAP_TOP = STACK_TOP - STACK_SIZE - 128 * 1024 * 1024;
/** Where static-pie executables go (arm64 ELF_ET_DYN_BASE, 2/3 of the 48-bit space, without randomisation). */
export const PIE_BASE = 0xaaaa_aaaa_0000;

export const AT = {
  NULL: 0, PHDR: 3, PHENT: 4, PHNUM: 5, PAGESZ: 6, BASE: 7, FLAGS: 8, ENTRY: 9, UID: 11, EUID: 12, GID: 13,
  EGID: 14, PLATFORM: 15, HWCAP: 16, CLKTCK: 17, SECURE: 23, RANDOM: 25, HWCAP2: 26, EXECFN: 31, MINSIGSTKSZ: 51,
} as const;

/** arch/arm64/include/uapi/asm/hwcap.h */
const HWCAP_FP = 1 << 0;
const HWCAP_ASIMD = 1 << 1;
const HWCAP_CRC32 = 1 << 7;
const HWCAP_ATOMICS = 1 << 8;
/** Linux arm64 signal frame minimum without SVE/SME (arch/arm64/kernel/signal.c minsigstksz_setup). */
const MINSIGSTKSZ = 4688;

/** An ID register's value as our CPU reports it; a register the table lacks reads as zero (RAZ). */
function idRegister(name: string): bigint {
  const info = SYSREGS.find((r) => r.name === name);
  if (info === undefined) return 0n;
  const found = lookupSysreg(sysregKey(info.op0, info.op1, info.crn, info.crm, info.op2));
  return found?.info.reset ?? 0n;
}

function field(v: bigint, lsb: number): number {
  return Number((v >> BigInt(lsb)) & 0xfn);
}

/**
 * AT_HWCAP as Linux would compute it from our ID registers (arch/arm64/kernel/cpufeature.c
 * arm64_elf_hwcaps): ID_AA64PFR0_EL1.FP/AdvSIMD (0 = present, 0xf = absent), ID_AA64ISAR0_EL1.CRC32
 * and .Atomic (Arm ARM DDI0487 D17.2.61, D17.2.66).
 */
export function computeHwcap(): number {
  const pfr0 = idRegister('ID_AA64PFR0_EL1');
  const isar0 = idRegister('ID_AA64ISAR0_EL1');
  let hw = 0;
  if (field(pfr0, 16) !== 0xf) hw |= HWCAP_FP;
  if (field(pfr0, 20) !== 0xf) hw |= HWCAP_ASIMD;
  if (field(isar0, 16) >= 1) hw |= HWCAP_CRC32;
  if (field(isar0, 20) >= 2) hw |= HWCAP_ATOMICS;
  return hw;
}

function protOf(flags: number): number {
  return (flags & PF_R ? PROT_READ : 0) | (flags & PF_W ? PROT_WRITE : 0) | (flags & PF_X ? PROT_EXEC : 0);
}

/** Writes bytes through the loader's view (ignoring page protection). */
function poke(as: AddressSpace, va: number, bytes: Uint8Array): void {
  const u8 = as.frames.ramU8;
  for (let i = 0; i < bytes.length; ) {
    const off = as.loaderOffset(va + i);
    if (off < 0) throw new XenonError('GUEST_FAILED', 'Cannot load the program: guest RAM is exhausted');
    const n = Math.min(PAGE_SIZE - ((va + i) % PAGE_SIZE), bytes.length - i);
    u8.set(bytes.subarray(i, i + n), off);
    i += n;
  }
}

export interface LoadedImage {
  readonly base: number;
  readonly entry: number;
  readonly phdr: number;
}

/** Maps the executable's segments into `as` and sets the program break after them. */
export function loadSegments(as: AddressSpace, elf: ElfImage): LoadedImage {
  const base = elf.isPie ? PIE_BASE : 0;
  let end = 0;
  for (const s of elf.loads) {
    const start = base + s.vaddr;
    const first = Math.floor(start / PAGE_SIZE);
    const last = Math.ceil((start + s.memSize) / PAGE_SIZE);
    const prot = protOf(s.flags);
    if (!as.canMap(last - first)) {
      throw new XenonError('BAD_EXECUTABLE', `Cannot load the program: a segment of ${s.memSize} bytes is more than the ${MAX_MAPPED_PAGES * PAGE_SIZE} bytes a process may map`);
    }
    for (let p = first; p < last; p++) {
      // Two segments may share a page: keep its contents and allow both.
      if (as.isMapped(p)) as.protect(p, 1, as.protOf(p) | prot);
      else as.map(p, 1, prot);
    }
    poke(as, start, elf.bytes.subarray(s.fileOffset, s.fileOffset + s.fileSize));
    end = Math.max(end, last * PAGE_SIZE);
  }
  as.brkStart = end;
  as.brkEnd = end;
  const phdrSeg = elf.segments.find((s) => s.type === PT_PHDR);
  const holder = elf.loads.find((s) => elf.phoff >= s.fileOffset && elf.phoff < s.fileOffset + s.fileSize);
  const phdr = phdrSeg !== undefined ? base + phdrSeg.vaddr : holder !== undefined ? base + holder.vaddr + (elf.phoff - holder.fileOffset) : 0;
  return { base, entry: base + elf.entry, phdr };
}

/**
 * The signal-return trampoline (`mov x8, #139; svc #0`: rt_sigreturn), mapped read+exec where arm64
 * Linux would have its vDSO's __kernel_rt_sigreturn; handlers installed without SA_RESTORER return
 * through it, as glibc's do.
 */
export const SIGTRAMP_VA = 2 ** 48 - 0x8000;

export function mapSigtramp(as: AddressSpace): void {
  as.map(SIGTRAMP_VA / PAGE_SIZE, 1, PROT_READ | PROT_EXEC);
  const words = new Uint8Array(8);
  const dv = new DataView(words.buffer);
  dv.setUint32(0, 0xd2801168, true); // movz x8, #139
  dv.setUint32(4, 0xd4000001, true); // svc #0
  poke(as, SIGTRAMP_VA, words);
}

export interface StackOptions {
  readonly argv: readonly string[];
  readonly envp: readonly string[];
  readonly execfn: string;
  readonly image: LoadedImage;
  readonly phnum: number;
  readonly uid: number;
  readonly gid: number;
  /** 16 bytes for AT_RANDOM; random by default (tests pass fixed ones). */
  readonly random?: Uint8Array;
}

/** Maps the stack and writes argc/argv/envp/auxv; returns the initial SP. */
export function buildStack(as: AddressSpace, o: StackOptions): number {
  as.map((STACK_TOP - STACK_SIZE) / PAGE_SIZE, STACK_SIZE / PAGE_SIZE, PROT_READ | PROT_WRITE);
  mapSigtramp(as);
  let p = STACK_TOP - 8; // an 8-byte end marker, as Linux leaves
  const putString = (s: string): number => {
    const b = Buffer.from(s + '\0', 'utf8');
    p -= b.length;
    poke(as, p, b);
    return p;
  };
  const execfnAddr = putString(o.execfn);
  const envAddrs = o.envp.map(putString);
  const argAddrs = o.argv.map(putString);
  const platformAddr = putString('aarch64');
  p -= 16;
  const randomAddr = p;
  poke(as, randomAddr, o.random ?? randomBytes(16));
  const auxv: [number, number][] = [
    [AT.MINSIGSTKSZ, MINSIGSTKSZ],
    [AT.HWCAP, computeHwcap()],
    [AT.PAGESZ, PAGE_SIZE],
    [AT.CLKTCK, 100],
    [AT.PHDR, o.image.phdr],
    [AT.PHENT, 56],
    [AT.PHNUM, o.phnum],
    [AT.BASE, 0],
    [AT.FLAGS, 0],
    [AT.ENTRY, o.image.entry],
    [AT.UID, o.uid],
    [AT.EUID, o.uid],
    [AT.GID, o.gid],
    [AT.EGID, o.gid],
    [AT.SECURE, 0],
    [AT.RANDOM, randomAddr],
    [AT.HWCAP2, 0],
    [AT.EXECFN, execfnAddr],
    [AT.PLATFORM, platformAddr],
    [AT.NULL, 0],
  ];
  const words: number[] = [o.argv.length, ...argAddrs, 0, ...envAddrs, 0, ...auxv.flat()];
  p = Math.floor((p - words.length * 8) / 16) * 16;
  const table = new Uint8Array(words.length * 8);
  const dv = new DataView(table.buffer);
  words.forEach((w, i) => dv.setBigUint64(8 * i, BigInt(w), true));
  poke(as, p, table);
  return p;
}
