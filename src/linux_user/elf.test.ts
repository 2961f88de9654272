import { test } from 'node:test';
import assert from 'node:assert/strict';
import { XenonError } from '../lib/errors.js';
import { parseElf, PF_R, PF_W, PF_X, PT_GNU_STACK, PT_INTERP } from '../lib/elf.js';
import { code, makeElf } from './_test_elf.js';

const TEXT = { flags: PF_R | PF_X, vaddr: 0x400000, data: code([0xd503201f]) };

function rejects(bytes: Uint8Array, message: RegExp): void {
  assert.throws(() => parseElf(bytes, 'x'), (e: unknown) => e instanceof XenonError && e.code === 'BAD_EXECUTABLE' && message.test(e.message));
}

test('parseElf() reads an ET_EXEC image: entry, loads, flags, bss size', () => {
  const elf = parseElf(
    makeElf({ entry: 0x400000, segments: [TEXT, { flags: PF_R | PF_W, vaddr: 0x411000, data: new Uint8Array(16), memSize: 0x2000 }] }),
    'x',
  );
  assert.equal(elf.isPie, false);
  assert.equal(elf.entry, 0x400000);
  assert.equal(elf.loads.length, 2);
  assert.equal(elf.loads[1]!.memSize, 0x2000);
  assert.equal(elf.loads[1]!.fileSize, 16);
  assert.equal(elf.loads[1]!.flags, PF_R | PF_W);
  assert.equal(elf.stackFlags, PF_R | PF_W | PF_X);
});

test('parseElf() accepts static-pie (ET_DYN without PT_INTERP) and reads PT_GNU_STACK', () => {
  const elf = parseElf(makeElf({ type: 3, segments: [TEXT, { type: PT_GNU_STACK, flags: PF_R | PF_W, vaddr: 0, data: new Uint8Array(0) }] }), 'x');
  assert.equal(elf.isPie, true);
  assert.equal(elf.stackFlags, PF_R | PF_W);
});

test('parseElf() rejects malformed and unsupported files with BAD_EXECUTABLE', () => {
  const good = makeElf({ segments: [TEXT] });
  rejects(new Uint8Array(10), /too short/);
  rejects(Uint8Array.from(good, (b, i) => (i === 1 ? 0 : b)), /not an ELF/);
  rejects(Uint8Array.from(good, (b, i) => (i === 4 ? 1 : b)), /not a 64-bit/);
  rejects(Uint8Array.from(good, (b, i) => (i === 5 ? 2 : b)), /not a little-endian/);
  rejects(makeElf({ machine: 62, segments: [TEXT] }), /machine 62 is not AArch64/);
  rejects(makeElf({ type: 1, segments: [TEXT] }), /not an executable/);
  rejects(makeElf({ segments: [TEXT, { type: PT_INTERP, flags: PF_R, vaddr: 0x500000, data: new Uint8Array(8) }] }), /dynamically linked/);
  rejects(makeElf({ segments: [{ ...TEXT, type: 4 }] }), /no loadable segments/);
  rejects(good.subarray(0, 100), /program headers lie beyond/);
  rejects(good.subarray(0, good.length - 2), /segment lies beyond the end/);
  rejects(makeElf({ segments: [{ ...TEXT, memSize: 2 }] }), /file size larger/);
  rejects(makeElf({ segments: [{ ...TEXT, vaddr: 2 ** 48 - 4096, memSize: 8192 }] }), /48-bit/);
});
