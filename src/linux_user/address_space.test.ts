import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CodeCache } from '../arch/arm64/code_cache.js';
import { FSC } from '../arch/arm64/exit.js';
import { Access } from '../arch/arm64/mmu/translator.js';
import { AddressSpace, MMAP_MIN_ADDR, PROT_EXEC, PROT_NONE, PROT_READ, PROT_WRITE, USER_VA_END } from './address_space.js';
import { FrameAllocator, PAGE_SIZE } from './frames.js';
import { copyFromGuest, copyToGuest, readCString } from './guest_memory.js';

const TOP = 0x10_0000_0000;

function space(frames = 64): { as: AddressSpace; fa: FrameAllocator; flushes: () => number } {
  const ram = new ArrayBuffer(frames * PAGE_SIZE);
  const fa = new FrameAllocator(ram, ram.byteLength, new CodeCache(ram.byteLength));
  const as = new AddressSpace(fa, TOP);
  let n = 0;
  as.attach({ tlbFlushAll: () => n++ });
  return { as, fa, flushes: () => n };
}

const fsc = (r: unknown): number => (r as { fsc: number }).fsc;

test('translate() faults on unmapped pages with a level-3 translation fault, and on non-canonical addresses', () => {
  const { as } = space();
  assert.equal(fsc(as.translate(0x1000, Access.READ, 0)), FSC.TRANSLATION_L0 + 3);
  assert.equal(fsc(as.translate(-4096, Access.READ, 0)), FSC.TRANSLATION_L0 + 3);
  assert.equal(fsc(as.translate(USER_VA_END, Access.READ, 0)), FSC.TRANSLATION_L0 + 3);
});

test('translate() enforces R/W/X with a level-3 permission fault; write implies read', () => {
  const { as } = space();
  as.map(0x10, 1, PROT_READ);
  as.map(0x11, 1, PROT_WRITE);
  as.map(0x12, 1, PROT_EXEC);
  as.map(0x13, 1, PROT_NONE);
  assert.equal(typeof as.translate(0x10000, Access.READ, 0), 'number');
  assert.equal(fsc(as.translate(0x10000, Access.WRITE, 0)), FSC.PERMISSION_L0 + 3);
  assert.equal(fsc(as.translate(0x10000, Access.EXEC, 0)), FSC.PERMISSION_L0 + 3);
  assert.equal(typeof as.translate(0x11000, Access.READ, 0), 'number');
  assert.equal(typeof as.translate(0x12000, Access.EXEC, 0), 'number');
  assert.equal(fsc(as.translate(0x12000, Access.READ, 0)), FSC.PERMISSION_L0 + 3);
  assert.equal(fsc(as.translate(0x13000, Access.READ, 0)), FSC.PERMISSION_L0 + 3);
});

test('pages are demand-zero: a frame is allocated on first touch and is zero even when reused', () => {
  const { as, fa } = space();
  as.map(0x20, 4, PROT_READ | PROT_WRITE);
  assert.equal(fa.used, 0);
  const pa = as.translate(0x20123, Access.WRITE, 0) as number;
  assert.equal(fa.used, 1);
  assert.equal(pa % PAGE_SIZE, 0x123);
  fa.ramU8[pa] = 0xaa;
  as.unmap(0x20, 4);
  assert.equal(fa.used, 0);
  as.map(0x30, 1, PROT_READ);
  const pa2 = as.translate(0x30123, Access.READ, 0) as number;
  assert.equal(pa2, pa, 'the freed frame is reused');
  assert.equal(fa.ramU8[pa2], 0);
});

test('running out of RAM while populating a page is an external abort (SIGBUS), not a crash', () => {
  const { as } = space(2);
  as.map(0x20, 3, PROT_READ);
  as.translate(0x20000, Access.READ, 0);
  as.translate(0x21000, Access.READ, 0);
  assert.equal(fsc(as.translate(0x22000, Access.READ, 0)), FSC.SYNC_EXTERNAL);
});

test('unmap(), protect() and discard() flush the attached TLBs; protect() fails on a hole', () => {
  const { as, flushes } = space();
  as.map(0x40, 2, PROT_READ);
  as.translate(0x40000, Access.READ, 0);
  const before = flushes();
  assert.equal(as.protect(0x40, 2, PROT_READ | PROT_WRITE), true);
  assert.equal(flushes(), before + 1);
  assert.equal(as.protect(0x40, 3, PROT_READ), false, 'page 0x42 is not mapped');
  assert.equal(as.protOf(0x40), PROT_READ | PROT_WRITE, 'a failed protect changes nothing');
  as.unmap(0x40, 1);
  assert.equal(flushes(), before + 2);
  assert.equal(as.isMapped(0x40), false);
  assert.equal(as.isMapped(0x41), true);
});

test('discard() (MADV_DONTNEED) zeroes anonymous pages but keeps them mapped', () => {
  const { as } = space();
  as.map(0x50, 1, PROT_READ | PROT_WRITE);
  assert.ok(copyToGuest(as, 0x50010, Uint8Array.of(1, 2, 3)));
  as.discard(0x50, 1);
  assert.equal(as.protOf(0x50), PROT_READ | PROT_WRITE);
  assert.deepEqual([...copyFromGuest(as, 0x50010, 3)!], [0, 0, 0]);
});

test('findFree() allocates top-down below the mmap base, skips mappings, and honours a free hint', () => {
  const { as } = space();
  const topPage = TOP / PAGE_SIZE;
  assert.equal(as.findFree(4), topPage - 4);
  as.map(topPage - 4, 4, PROT_READ);
  as.map(topPage - 10, 1, PROT_READ);
  assert.equal(as.findFree(5), topPage - 9, 'the 5-page gap between the two mappings');
  assert.equal(as.findFree(6), topPage - 16);
  assert.equal(as.findFree(1, 0x1234), 0x1234);
  assert.equal(as.findFree(1, topPage - 10), topPage - 5, 'a taken hint falls back to the top-down search');
  assert.equal(as.findFree(1, 1), topPage - 5, 'hints below mmap_min_addr are ignored');
  assert.ok(MMAP_MIN_ADDR > PAGE_SIZE);
});

test('findFree() returns -1 when nothing fits', () => {
  const ram = new ArrayBuffer(16 * PAGE_SIZE);
  const as = new AddressSpace(new FrameAllocator(ram, ram.byteLength, new CodeCache(ram.byteLength)), MMAP_MIN_ADDR + 3 * PAGE_SIZE);
  assert.equal(as.findFree(3), MMAP_MIN_ADDR / PAGE_SIZE);
  assert.equal(as.findFree(4), -1);
});

test('move() carries pages and their contents (mremap)', () => {
  const { as } = space();
  as.map(0x60, 2, PROT_READ | PROT_WRITE);
  copyToGuest(as, 0x61ff0, Uint8Array.of(9, 8, 7));
  as.move(0x60, 0x80, 2);
  assert.equal(as.isMapped(0x60), false);
  assert.deepEqual([...copyFromGuest(as, 0x81ff0, 3)!], [9, 8, 7]);
});

test('fork() copies populated pages into new frames; the copies are independent', () => {
  const { as, fa } = space();
  as.map(0x70, 2, PROT_READ | PROT_WRITE);
  copyToGuest(as, 0x70000, Uint8Array.of(1));
  const child = as.fork()!;
  assert.equal(fa.used, 2, 'only the populated page was copied');
  copyToGuest(child, 0x70000, Uint8Array.of(2));
  assert.equal(copyFromGuest(as, 0x70000, 1)![0], 1);
  assert.equal(copyFromGuest(child, 0x70000, 1)![0], 2);
  assert.equal(child.protOf(0x71), PROT_READ | PROT_WRITE);
  child.destroy();
  assert.equal(fa.used, 1);
});

test('kernel copies fail cleanly on bad pointers and respect protections', () => {
  const { as } = space();
  as.map(0x90, 1, PROT_READ);
  assert.equal(copyToGuest(as, 0x90000, Uint8Array.of(1)), false, 'read-only page');
  assert.equal(copyFromGuest(as, 0x90ffe, 4), null, 'runs into an unmapped page');
  assert.equal(copyFromGuest(as, -8, 4), null);
  assert.equal(copyFromGuest(as, 2 ** 60, 4), null);
  as.map(0x91, 1, PROT_READ | PROT_WRITE);
  copyToGuest(as, 0x91000, new Uint8Array(PAGE_SIZE).fill(0x61));
  assert.equal(readCString(as, 0x91ff0), null, 'no NUL before the end of the mapping');
  copyToGuest(as, 0x91ff0, Uint8Array.of(0x68, 0x69, 0));
  assert.equal(readCString(as, 0x91ff0), 'hi');
  assert.equal(readCString(as, 0x91000, 16), null, 'longer than the limit');
});

test('guest writes through the kernel discard translated code built from that page', () => {
  const { as, fa } = space();
  as.map(0xa0, 1, PROT_READ | PROT_WRITE | PROT_EXEC);
  const off = as.translate(0xa0000, Access.EXEC, 0) as number;
  const block = fa.code.add(off, { forms: [], closures: [], insns: new Uint32Array(0), setsNpc: false }, 0);
  copyToGuest(as, 0xa0000, Uint8Array.of(0));
  assert.equal(block.valid, false);
  assert.equal(fa.code.get(off), undefined);
});
