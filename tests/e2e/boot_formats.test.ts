/**
 * `xenon boot --kernel` with a tiny bare-metal program in each format QEMU's `-kernel` accepts for
 * AArch64: an arm64 Image, an AArch64 ELF (hand-built, and linked by the cross compiler when it is
 * installed) and a raw binary. Each prints on the PL011 and powers off through PSCI SYSTEM_OFF.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { arm64Image, kernelElf, printAndPowerOff } from '../../src/platform/boot/_test_kernels.js';
import { arm64Image as bareImage, psciThenSpin, PSCI_SYSTEM_RESET } from '../../src/hv/_test_arm64_image.js';
import { assertCleanGuestLog } from '../harness/guest_log.js';
import { missingCommands, skipUnlessAvailable } from '../harness/prereq.js';

const MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/cli/main.js');
// Generous: each program runs a few dozen instructions; the bound only catches a hang on a loaded machine.
const TIMEOUT_MS = 60_000;

function bootFile(name: string, bytes: Uint8Array, extra: readonly string[] = []): { status: number | null; out: string; err: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xenon-formats-'));
  try {
    const file = path.join(dir, name);
    fs.writeFileSync(file, bytes);
    const r = spawnSync(process.execPath, [MAIN, 'boot', '--kernel', file, '--memory', '64', ...extra], { input: '', timeout: TIMEOUT_MS, encoding: 'utf8' });
    return { status: r.status, out: r.stdout, err: r.stderr };
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
}

function assertRan(r: { status: number | null; out: string; err: string }, msg: string): void {
  assertCleanGuestLog(r.out);
  assert.equal(r.status, 0, `xenon boot exits 0 after SYSTEM_OFF\n--- stdout ---\n${r.out}\n--- stderr ---\n${r.err}`);
  assert.ok(r.out.includes(msg), `the program printed ${JSON.stringify(msg)}; got ${JSON.stringify(r.out)}`);
}

test('a guest that resets the machine ends xenon boot with status 8, not the 0 of a power-off (issue 10: a panic looked like success)', () => {
  const r = bootFile('Image', bareImage(psciThenSpin(PSCI_SYSTEM_RESET)));
  assert.equal(r.status, 8, `stderr: ${r.err}`);
  assert.match(r.err, /The guest reset the machine/);
});

test('a vCPU whose exception vector faults again is stopped and reported once instead of spinning (issue 10, finding 5)', () => {
  const r = bootFile('Image', bareImage([
    0xd2c01000, // movz x0, #0x80, lsl #32: VBAR_EL1 = 512 GiB, where nothing is
    0xd518c000, // msr vbar_el1, x0
    0xd5033fdf, // isb
    0x00000000, // udf #0: the exception's vector cannot be fetched
  ]));
  assert.equal(r.status, 5, `stderr: ${r.err}`);
  assert.match(r.err, /vCPU 0 is stuck: its exception vector at 0x8000000200 faults again \(ESR 0x8[0-9a-f]+, FAR 0x8000000200\), so it was stopped/);
});

test('xenon boot runs a bare-metal arm64 Image (entered at RAM + 2 MiB + text_offset)', () => {
  assertRan(bootFile('Image', arm64Image(printAndPowerOff('IMAGE-OK\n'))), 'IMAGE-OK\n');
});

test('xenon boot runs a bare-metal raw binary (entered at RAM + 0x80000)', () => {
  assertRan(bootFile('raw.bin', printAndPowerOff('RAW-OK\n')), 'RAW-OK\n');
});

test('xenon boot runs a hand-built ELF at its physical address, with a bss segment and an initrd', () => {
  const code = printAndPowerOff('ELF-OK\n');
  const elf = kernelElf({
    entry: 0x4100_0000,
    segments: [{ paddr: 0x4100_0000, vaddr: 0xffff_8000_1000_0000n, data: code }, { paddr: 0x4101_0000, data: new Uint8Array(8), memSize: 0x4000 }],
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xenon-initrd-'));
  try {
    const initrd = path.join(dir, 'initrd');
    fs.writeFileSync(initrd, new Uint8Array(0x1000).fill(0xaa));
    assertRan(bootFile('kernel.elf', elf, ['--initrd', initrd]), 'ELF-OK\n');
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
});

test('xenon boot runs an ELF linked by aarch64-linux-gnu-gcc -nostdlib -Ttext=0x40080000', skipUnlessAvailable(missingCommands('aarch64-linux-gnu-gcc')), () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xenon-gcc-elf-'));
  try {
    const src = path.join(dir, 'start.S');
    fs.writeFileSync(src, [
      '.globl _start',
      '_start:',
      '  movz x1, #0x900, lsl #16',
      '  adr x3, msg',
      '1: ldrb w2, [x3], #1',
      '  cbz w2, 2f',
      '  str w2, [x1]',
      '  b 1b',
      '2: adr x4, scratch', // the bss must read as zero
      '  ldr x5, [x4]',
      '  cbnz x5, 3f',
      '  movz x0, #8',
      '  movk x0, #0x8400, lsl #16', // PSCI SYSTEM_OFF
      '  hvc #0',
      '3: b 3b',
      'msg: .asciz "GCC-ELF-OK\\n"',
      '.bss',
      '.balign 8',
      'scratch: .space 4096',
      '',
    ].join('\n'));
    const exe = path.join(dir, 'kernel.elf');
    const cc = spawnSync('aarch64-linux-gnu-gcc', ['-nostdlib', '-static', '-Wl,-Ttext=0x40080000', '-Wl,--build-id=none', '-o', exe, src], { encoding: 'utf8' });
    assert.equal(cc.status, 0, `cross compile failed: ${cc.stderr}`);
    assertRan(bootFile('kernel.elf', fs.readFileSync(exe)), 'GCC-ELF-OK\n');
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
});

test('xenon boot explains an ELF whose segment lies outside RAM, a truncated ELF and a wrong machine', () => {
  const code = printAndPowerOff('never\n');
  const outside = bootFile('low.elf', kernelElf({ entry: 0x8_0000, segments: [{ paddr: 0x8_0000, data: code }] }));
  assert.notEqual(outside.status, 0);
  assert.match(outside.err, /segment at 0x80000-0x[0-9a-f]+ lies outside RAM/);
  const good = kernelElf({ entry: 0x4008_0000, segments: [{ paddr: 0x4008_0000, data: code }] });
  const trunc = bootFile('trunc.elf', good.subarray(0, good.byteLength - 4));
  assert.notEqual(trunc.status, 0);
  assert.match(trunc.err, /truncated/);
  const x86 = bootFile('x86.elf', kernelElf({ entry: 0x4008_0000, machine: 62, segments: [{ paddr: 0x4008_0000, data: code }] }));
  assert.notEqual(x86.status, 0);
  assert.match(x86.err, /machine 62 is not AArch64/);
  assert.doesNotMatch(outside.out + trunc.out + x86.out, /never/);
});
