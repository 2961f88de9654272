import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CodeCache } from '../arch/arm64/code_cache.js';
import { AddressSpace, PROT_EXEC, PROT_READ, PROT_WRITE } from './address_space.js';
import { parseElf, PF_R, PF_W, PF_X, PT_PHDR } from '../lib/elf.js';
import { FrameAllocator, PAGE_SIZE } from './frames.js';
import { copyFromGuest, readCString, readU64 } from './guest_memory.js';
import { AT, buildStack, computeHwcap, loadSegments, MMAP_TOP, PIE_BASE, STACK_TOP } from './loader.js';
import { code, makeElf } from './_test_elf.js';

function space(): AddressSpace {
  const ram = new ArrayBuffer(256 * PAGE_SIZE);
  return new AddressSpace(new FrameAllocator(ram, ram.byteLength, new CodeCache(ram.byteLength)), MMAP_TOP);
}

const IMAGE = makeElf({
  entry: 0x400010,
  segments: [
    { type: PT_PHDR, flags: PF_R, vaddr: 0x400040, data: new Uint8Array(0) },
    { flags: PF_R | PF_X, vaddr: 0x400000, data: code([1, 2, 3, 4, 5]) },
    { flags: PF_R | PF_W, vaddr: 0x410ff8, data: Uint8Array.of(0xaa, 0xbb), memSize: 0x20 },
  ],
});

test('loadSegments() maps each PT_LOAD with its permissions, copies file bytes, zeroes bss, sets the break', () => {
  const as = space();
  const elf = parseElf(IMAGE, 'x');
  const img = loadSegments(as, elf);
  assert.equal(img.entry, 0x400010);
  assert.equal(img.base, 0);
  assert.equal(img.phdr, 0x400040, 'from PT_PHDR');
  assert.equal(as.protOf(0x400), PROT_READ | PROT_EXEC);
  assert.equal(as.protOf(0x410), PROT_READ | PROT_WRITE);
  assert.equal(as.protOf(0x411), PROT_READ | PROT_WRITE, 'bss spills into the next page');
  assert.equal(readU64(as, 0x400000), 0x2_0000_0001, 'text copied from the file');
  assert.deepEqual([...copyFromGuest(as, 0x410ff8, 4)!], [0xaa, 0xbb, 0, 0]);
  assert.equal(as.brkStart, 0x412000);
  assert.equal(as.brkEnd, 0x412000);
});

test('loadSegments() refuses a segment whose p_memsz is more than a process may map (issue 10: it grew the host by gigabytes)', () => {
  const as = space();
  const elf = parseElf(makeElf({ entry: 0x400000, segments: [{ flags: PF_R | PF_W, vaddr: 0x400000, data: code([1]), memSize: 2 ** 40 }] }), 'x');
  assert.throws(() => loadSegments(as, elf), /a segment of 1099511627776 bytes is more than the \d+ bytes a process may map/);
  assert.equal(as.isMapped(0x400), false, 'nothing was mapped');
});

test('loadSegments() puts static-pie executables at the PIE base', () => {
  const as = space();
  const img = loadSegments(as, parseElf(makeElf({ type: 3, entry: 0x10, segments: [{ flags: PF_R | PF_X, vaddr: 0, data: code([1]) }] }), 'x'));
  assert.equal(img.base, PIE_BASE);
  assert.equal(img.entry, PIE_BASE + 0x10);
  assert.equal(as.protOf(PIE_BASE / PAGE_SIZE), PROT_READ | PROT_EXEC);
});

test('buildStack() lays out argc, argv, envp and auxv like Linux, with SP 16-byte aligned', () => {
  const as = space();
  const random = Uint8Array.from({ length: 16 }, (_, i) => i * 3);
  const image = { base: 0, entry: 0x400010, phdr: 0x400040 };
  const sp = buildStack(as, { argv: ['prog', 'a b', ''], envp: ['X=1', 'PATH=/bin'], execfn: '/bin/prog', image, phnum: 2, uid: 7, gid: 8, random });
  assert.equal(sp % 16, 0);
  assert.ok(sp < STACK_TOP && sp > STACK_TOP - PAGE_SIZE);
  assert.equal(readU64(as, sp), 3);
  const str = (va: number): string | null => readCString(as, readU64(as, va)!);
  assert.equal(str(sp + 8), 'prog');
  assert.equal(str(sp + 16), 'a b');
  assert.equal(str(sp + 24), '');
  assert.equal(readU64(as, sp + 32), 0);
  assert.equal(str(sp + 40), 'X=1');
  assert.equal(str(sp + 48), 'PATH=/bin');
  assert.equal(readU64(as, sp + 56), 0);
  const aux = new Map<number, number>();
  for (let p = sp + 64; ; p += 16) {
    const k = readU64(as, p)!;
    aux.set(k, readU64(as, p + 8)!);
    if (k === AT.NULL) break;
  }
  assert.equal(aux.get(AT.PAGESZ), 4096);
  assert.equal(aux.get(AT.PHDR), 0x400040);
  assert.equal(aux.get(AT.PHENT), 56);
  assert.equal(aux.get(AT.PHNUM), 2);
  assert.equal(aux.get(AT.ENTRY), 0x400010);
  assert.equal(aux.get(AT.BASE), 0);
  assert.equal(aux.get(AT.UID), 7);
  assert.equal(aux.get(AT.EUID), 7);
  assert.equal(aux.get(AT.GID), 8);
  assert.equal(aux.get(AT.EGID), 8);
  assert.equal(aux.get(AT.SECURE), 0);
  assert.equal(aux.get(AT.CLKTCK), 100);
  assert.equal(aux.get(AT.HWCAP), computeHwcap());
  assert.equal(aux.get(AT.HWCAP2), 0);
  assert.ok((aux.get(AT.MINSIGSTKSZ) ?? 0) >= 2048);
  assert.deepEqual([...copyFromGuest(as, aux.get(AT.RANDOM)!, 16)!], [...random]);
  assert.equal(readCString(as, aux.get(AT.EXECFN)!), '/bin/prog');
  assert.equal(readCString(as, aux.get(AT.PLATFORM)!), 'aarch64');
});

test('computeHwcap() advertises FP and ASIMD, and nothing the ID registers do not', () => {
  const hw = computeHwcap();
  assert.equal(hw & 3, 3);
  assert.equal(hw & ~(3 | (1 << 7) | (1 << 8)), 0);
});
