import { MAX_MAPPED_PAGES } from './address_space.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { XenonError } from '../lib/errors.js';
import { PROT_READ, PROT_WRITE } from './address_space.js';
import { E } from './errno.js';
import { Blocked } from './files.js';
import { copyFromGuest, copyToGuest } from './guest_memory.js';
import { Kernel } from './kernel.js';
import type { Thread } from './process.js';
import { SYSCALLS } from './syscalls/table.js';
import { writeTestProgram } from './_test_elf.js';

const movz = (rd: number, imm: number): number => (0xd2800000 | (imm << 5) | rd) >>> 0;
const SVC = 0xd4000001;
const EXIT_GROUP_X0 = [movz(8, 94), SVC];

function boot(words: readonly number[] = [0xd503201f]): { k: Kernel; t: Thread } {
  const k = new Kernel({ memoryBytes: 64 << 20 });
  k.spawn(writeTestProgram(words), ['prog'], []);
  return { k, t: k.threads[0]! };
}

/** Calls system call `nr` directly with the given arguments, as if the guest issued SVC. */
function call(k: Kernel, t: Thread, nr: number, ...args: number[]): number | Blocked {
  args.forEach((a, i) => t.cpu.state.setX(i, BigInt(a)));
  const r = SYSCALLS.get(nr)!.fn(k, t);
  assert.notEqual(typeof r, 'symbol');
  return r as number | Blocked;
}

test('run() returns the exit_group status', () => {
  const { k } = boot([movz(0, 42), ...EXIT_GROUP_X0]);
  assert.deepEqual(k.run(), { status: 42 });
});

test('an unknown system call returns -ENOSYS', () => {
  const { k } = boot([movz(8, 999), SVC, ...EXIT_GROUP_X0]);
  assert.deepEqual(k.run(), { status: -E.NOSYS & 0xff });
});

test('faults become the signals Linux sends: SIGSEGV, SIGILL, SIGTRAP', () => {
  assert.deepEqual(boot([movz(1, 0), 0xf9400020]).k.run(), { signal: 11 }, 'ldr x0, [x1] with x1 = 0');
  assert.deepEqual(boot([0x00000000]).k.run(), { signal: 4 }, 'udf');
  assert.deepEqual(boot([0xd4200000]).k.run(), { signal: 5 }, 'brk #0');
});

test('a thread blocked for ever with nothing else to run is reported, not a hang', () => {
  // futex(&stack word, FUTEX_WAIT, 0): the word at SP is argc = 1, so wait on value 1.
  const { k } = boot([0x910003e0, movz(1, 0), movz(2, 1), movz(3, 0), movz(8, 98), SVC, ...EXIT_GROUP_X0]);
  assert.throws(() => k.run(), (e: unknown) => e instanceof XenonError && e.code === 'GUEST_FAILED' && /deadlock/.test(e.message));
});

test('bad pointers make system calls fail with -EFAULT, never a host exception', () => {
  const { k, t } = boot();
  const bad = [0, 8, 2 ** 47, 2 ** 52];
  for (const p of bad) {
    assert.equal(call(k, t, 64, 1, p, 16), -E.FAULT, `write from 0x${p.toString(16)}`);
    assert.equal(call(k, t, 56, -100, p, 0, 0), -E.FAULT, 'openat path');
    assert.equal(call(k, t, 160, p), -E.FAULT, 'uname');
    assert.equal(call(k, t, 113, 1, p), -E.FAULT, 'clock_gettime');
    assert.equal(call(k, t, 80, 1, p), -E.FAULT, 'fstat');
    assert.equal(call(k, t, 59, p, 0), -E.FAULT, 'pipe2');
    assert.equal(call(k, t, 221, p, 0, 0), -E.FAULT, 'execve');
  }
  // A buffer that starts mapped and runs into a read-only page.
  const va = call(k, t, 222, 0, 8192, PROT_READ | PROT_WRITE, 0x22, -1, 0) as number;
  call(k, t, 226, va + 4096, 4096, PROT_READ);
  assert.equal(call(k, t, 63, 0, va + 4000, 200), -E.FAULT, 'read into a read-only page');
  assert.equal(call(k, t, 57, 77), -E.BADF);
});

test('mmap() validates its arguments and returns zeroed, page-aligned memory', () => {
  const { k, t } = boot();
  const ANON = 0x22;
  assert.equal(call(k, t, 222, 0, 0, 3, ANON, -1, 0), -E.INVAL, 'length 0');
  assert.equal(call(k, t, 222, 0, 4096, 3, ANON, -1, 12), -E.INVAL, 'unaligned offset');
  assert.equal(call(k, t, 222, 0x10001, 4096, 3, ANON | 0x10, -1, 0), -E.INVAL, 'unaligned MAP_FIXED');
  assert.equal(call(k, t, 222, 0, 4096, 3, 0x20, -1, 0), -E.INVAL, 'neither shared nor private');
  assert.equal(call(k, t, 222, 0, 4096, 3, 2, 55, 0), -E.BADF, 'file mapping of a closed fd');
  const a = call(k, t, 222, 0, 10000, 3, ANON, -1, 0) as number;
  assert.equal(a % 4096, 0);
  assert.deepEqual([...copyFromGuest(t.proc.as, a, 4)!], [0, 0, 0, 0]);
  assert.equal(call(k, t, 222, a, 4096, 3, ANON | 0x100000, -1, 0), -E.EXIST, 'MAP_FIXED_NOREPLACE over a mapping');
  copyToGuest(t.proc.as, a, Uint8Array.of(5));
  assert.equal(call(k, t, 222, a, 4096, 3, ANON | 0x10, -1, 0), a, 'MAP_FIXED replaces');
  assert.equal(copyFromGuest(t.proc.as, a, 1)![0], 0);
  assert.equal(call(k, t, 215, a + 1, 4096), -E.INVAL, 'munmap unaligned');
  assert.equal(call(k, t, 215, a, 12288), 0);
  assert.equal(call(k, t, 226, a, 4096, 1), -E.NOMEM, 'mprotect of unmapped memory');
  // Regression (issue 10): 2^46 bytes with MAP_NORESERVE grew the host without bound; now ENOMEM at once,
  // and so are brk and mremap past the bound, while ordinary mappings go on working.
  const rss0 = process.memoryUsage().rss;
  assert.equal(call(k, t, 222, 0, 2 ** 46, 3, ANON | 0x4000, -1, 0), -E.NOMEM, 'a 2^46-byte MAP_NORESERVE mapping');
  assert.equal(call(k, t, 222, 0, (MAX_MAPPED_PAGES + 1) * 4096, 3, ANON, -1, 0), -E.NOMEM, 'one page past the bound');
  const brk0 = call(k, t, 214, 0) as number;
  assert.equal(call(k, t, 214, brk0 + 2 ** 40), brk0, 'brk past the bound keeps the old break');
  const m = call(k, t, 222, 0, 4096, 3, ANON, -1, 0) as number;
  assert.equal(call(k, t, 216, m, 4096, 2 ** 40, 1, 0), -E.NOMEM, 'mremap past the bound');
  assert.ok(process.memoryUsage().rss - rss0 < 64 * 1024 * 1024, 'the host did not grow');
  assert.equal(call(k, t, 222, 0, 4096, 3, ANON, -1, 0) as number % 4096, 0, 'small mappings still work');
});

test('mremap() grows in place when it can and moves with MREMAP_MAYMOVE when it cannot', () => {
  const { k, t } = boot();
  const a = call(k, t, 222, 0, 8192, 3, 0x22, -1, 0) as number;
  copyToGuest(t.proc.as, a, Uint8Array.of(7));
  assert.equal(call(k, t, 216, a, 8192, 4096, 0, 0), a, 'shrink');
  assert.equal(call(k, t, 216, a, 4096, 8192, 0, 0), a, 'grow into the freed page');
  call(k, t, 222, a + 8192, 4096, 3, 0x22 | 0x10, -1, 0);
  assert.equal(call(k, t, 216, a, 8192, 16384, 0, 0), -E.NOMEM, 'blocked without MAYMOVE');
  const b = call(k, t, 216, a, 8192, 16384, 1, 0) as number;
  assert.notEqual(b, a);
  assert.equal(copyFromGuest(t.proc.as, b, 1)![0], 7);
  assert.equal(t.proc.as.isMapped(a / 4096), false);
});

test('brk() grows and shrinks the heap and refuses to go below its start', () => {
  const { k, t } = boot();
  const start = call(k, t, 214, 0) as number;
  assert.equal(call(k, t, 214, start + 10000), start + 10000);
  assert.ok(copyToGuest(t.proc.as, start + 9999, Uint8Array.of(1)));
  assert.equal(call(k, t, 214, start + 100), start + 100);
  assert.equal(copyToGuest(t.proc.as, start + 9999, Uint8Array.of(1)), false, 'shrunk pages are gone');
  assert.equal(call(k, t, 214, start - 4096), start + 100);
});

test('madvise(MADV_DONTNEED) zeroes anonymous memory', () => {
  const { k, t } = boot();
  const a = call(k, t, 222, 0, 4096, 3, 0x22, -1, 0) as number;
  copyToGuest(t.proc.as, a, Uint8Array.of(9));
  assert.equal(call(k, t, 233, a, 4096, 4), 0);
  assert.equal(copyFromGuest(t.proc.as, a, 1)![0], 0);
});

test('msync, mlock and munlock check their range and flags as Linux does', () => {
  const { k, t } = boot();
  const a = call(k, t, 222, 0, 8192, 3, 0x22, -1, 0) as number;
  for (const nr of [228, 229]) {
    assert.equal(call(k, t, nr, a + 100, 8000), 0, 'a mapped range, rounded out to pages');
    assert.equal(call(k, t, nr, a, 3 * 4096), -E.NOMEM, 'a range running past the mapping');
  }
  assert.equal(call(k, t, 227, a, 8192, 4), 0, 'MS_SYNC');
  assert.equal(call(k, t, 227, a + 1, 4096, 4), -E.INVAL, 'unaligned address');
  assert.equal(call(k, t, 227, a, 4096, 1 | 4), -E.INVAL, 'MS_ASYNC with MS_SYNC');
  assert.equal(call(k, t, 227, a, 4096, 8), -E.INVAL, 'an unknown flag');
  assert.equal(call(k, t, 227, a, 3 * 4096, 1), -E.NOMEM, 'a range running past the mapping');
});

test('a writable MAP_SHARED file mapping is refused with ENODEV instead of losing its stores; a read-only one is a copy', () => {
  const { k, t } = boot();
  const dir = mkdtempSync(path.join(tmpdir(), 'xenon-mmap-'));
  const file = path.join(dir, 'f');
  writeFileSync(file, 'shared bytes');
  const buf = call(k, t, 222, 0, 4096, 3, 0x22, -1, 0) as number;
  copyToGuest(t.proc.as, buf, new TextEncoder().encode(`${file}\0`));
  const fd = call(k, t, 56, -100, buf, 2, 0) as number; // openat(AT_FDCWD, file, O_RDWR)
  assert.ok(fd >= 0, `openat: ${fd}`);
  assert.equal(call(k, t, 222, 0, 4096, 3, 1, fd, 0), -E.NODEV, 'MAP_SHARED with PROT_WRITE');
  const ro = call(k, t, 222, 0, 4096, 1, 1, fd, 0) as number;
  assert.equal(new TextDecoder().decode(copyFromGuest(t.proc.as, ro, 12)!), 'shared bytes');
  rmSync(dir, { recursive: true });
});

test('a read from an empty pipe blocks until a writer writes', () => {
  const { k, t } = boot();
  const fdsVa = call(k, t, 222, 0, 4096, 3, 0x22, -1, 0) as number;
  assert.equal(call(k, t, 59, fdsVa, 0), 0);
  const fds = new DataView(copyFromGuest(t.proc.as, fdsVa, 8)!.buffer);
  const [rfd, wfd] = [fds.getInt32(0, true), fds.getInt32(4, true)];
  const r = call(k, t, 63, rfd, fdsVa + 100, 10);
  assert.ok(r instanceof Blocked);
  assert.equal(r.ready(), false);
  copyToGuest(t.proc.as, fdsVa + 200, Uint8Array.of(0x68, 0x69));
  assert.equal(call(k, t, 64, wfd, fdsVa + 200, 2), 2);
  assert.equal(r.ready(), true);
  assert.equal(call(k, t, 63, rfd, fdsVa + 100, 10), 2);
  assert.equal(call(k, t, 57, wfd), 0);
  assert.equal(call(k, t, 63, rfd, fdsVa + 100, 10), 0, 'EOF once the writer is closed');
});

test('--trace prints each system call as name(args) = result, unknown ones by number, and faults with the instruction', () => {
  const lines: string[] = [];
  const k = new Kernel({ memoryBytes: 64 << 20, trace: true, traceSink: (l) => lines.push(l) });
  // getpid(); syscall 999; ldr x0, [x1] with x1 = 8
  k.spawn(writeTestProgram([movz(8, 172), SVC, movz(8, 999), SVC, movz(1, 8), 0xf9400020]), ['prog'], []);
  const pid = k.init!.pid;
  assert.deepEqual(k.run(), { signal: 11 });
  assert.equal(lines[0], `${pid} getpid() = 0x${pid.toString(16)}`);
  assert.match(lines[1]!, new RegExp(`^${pid} syscall_999\\(0x[0-9a-f]+, .*\\) = -1 errno=38$`));
  assert.match(lines[2]!, /fault: pc=0x400014 esr=0x9200000[47] far=0x8 insn=[A-Za-z0-9_]+ \(0xf9400020\) -> signal 11/);
  assert.match(lines[3]!, /--- signal 11 \(code 1\)/);
});
