import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { XenonError } from '../lib/errors.js';
import { EscapeFilter } from '../host/node/console.js';
import { arm64Image, kernelElf, printAndPowerOff } from '../platform/boot/_test_kernels.js';
import { DEFAULT_APPEND, loadKernel, parseBootArgs } from './boot.js';

const fails = (fn: () => unknown, code: string, re: RegExp): void =>
  assert.throws(fn, (e: unknown) => e instanceof XenonError && e.code === code && re.test(e.message));

test('parseBootArgs() takes every option in both spellings and fills in the defaults', () => {
  assert.deepEqual(parseBootArgs(['--kernel', 'K']), {
    kernel: 'K', append: DEFAULT_APPEND, memoryMiB: 512, vcpus: 1, gicVersion: 2, onReset: 'exit', trace: false, stats: false, jit: 'wasm',
  });
  assert.deepEqual(
    parseBootArgs(['--kernel=K', '--initrd', 'I', '--append=a b', '--memory', '256', '--vcpus=4', '--gic', '3', '--dtb-out', 'D', '--on-reset=reboot', '--trace', '--stats']),
    { kernel: 'K', initrd: 'I', append: 'a b', memoryMiB: 256, vcpus: 4, gicVersion: 3, dtbOut: 'D', onReset: 'reboot', trace: true, stats: true, jit: 'wasm' },
  );
});

test('parseBootArgs() rejects bad arguments with one USAGE line naming the value', () => {
  fails(() => parseBootArgs([]), 'USAGE', /Missing --kernel/);
  fails(() => parseBootArgs(['--kernel']), 'USAGE', /--kernel needs a value/);
  fails(() => parseBootArgs(['--kernel', 'K', '--bogus']), 'USAGE', /Unknown option "--bogus"/);
  fails(() => parseBootArgs(['--kernel', 'K', 'extra']), 'USAGE', /Unexpected argument "extra"/);
  fails(() => parseBootArgs(['--kernel', 'K', '--kernel', 'L']), 'USAGE', /--kernel given twice/);
  fails(() => parseBootArgs(['--kernel', 'K', '--vcpus', '9']), 'USAGE', /--vcpus "9": give a whole number from 1 to 8/);
  fails(() => parseBootArgs(['--kernel', 'K', '--vcpus', '1.5']), 'USAGE', /--vcpus "1.5"/);
  fails(() => parseBootArgs(['--kernel', 'K', '--memory', '']), 'USAGE', /--memory ""/);
  fails(() => parseBootArgs(['--kernel', 'K', '--memory', '8']), 'USAGE', /--memory "8"/);
  // Regression (issue 10): "0x100" was quietly taken as 256.
  fails(() => parseBootArgs(['--kernel', 'K', '--memory', '0x100']), 'USAGE', /--memory "0x100": give a whole number from 64 to 3072/);
  fails(() => parseBootArgs(['--kernel', 'K', '--vcpus', ' 2']), 'USAGE', /--vcpus " 2"/);
  fails(() => parseBootArgs(['--kernel', 'K', '--gic', '4']), 'USAGE', /--gic "4": give 2 or 3/);
  fails(() => parseBootArgs(['--kernel', 'K', '--on-reset', 'halt']), 'USAGE', /--on-reset "halt"/);
});

test('loadKernel() accepts Image, ELF and raw kernels and reports missing, compressed or malformed ones clearly', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xenon-boot-'));
  try {
    fails(() => loadKernel(path.join(dir, 'none')), 'FILE_NOT_FOUND', /Cannot read kernel ".*none": no such file/);
    // Regressions (issue 10): /dev/zero was read until memory ran out; a directory got "Cannot read" with no reason.
    fails(() => loadKernel('/dev/zero'), 'FILE_NOT_FOUND', /Cannot read kernel "\/dev\/zero": not a regular file/);
    fails(() => loadKernel(dir), 'FILE_NOT_FOUND', /Cannot read kernel ".*": it is a directory/);
    const huge = path.join(dir, 'huge');
    fs.writeFileSync(huge, '');
    fs.truncateSync(huge, 64 * 1024 * 1024 + 1);
    fails(() => loadKernel(huge, 64), 'FILE_NOT_FOUND', /Cannot use kernel ".*huge": 67108865 bytes, more than the 67108864 bytes of the guest's 64 MiB of RAM/);
    const text = path.join(dir, 'text');
    fs.writeFileSync(text, 'hello, not a kernel\n'.repeat(10));
    assert.equal(loadKernel(text).byteLength, 200, 'bytes without the Image magic or an ELF header boot as a raw binary');
    const code = printAndPowerOff('x');
    const elf = kernelElf({ entry: 0x4008_0000, segments: [{ paddr: 0x4008_0000, data: code }] });
    const write = (name: string, b: Uint8Array) => {
      fs.writeFileSync(path.join(dir, name), b);
      return path.join(dir, name);
    };
    assert.equal(loadKernel(write('elf', elf)).byteLength, elf.byteLength);
    assert.equal(loadKernel(write('image', arm64Image(code))).byteLength, 64 + code.byteLength);
    fails(() => loadKernel(write('trunc', elf.subarray(0, elf.byteLength - 4))), 'BAD_EXECUTABLE', /Cannot boot ".*trunc": .*truncated/);
    const x86 = kernelElf({ entry: 0x4008_0000, machine: 62, segments: [{ paddr: 0x4008_0000, data: code }] });
    fails(() => loadKernel(write('x86', x86)), 'BAD_EXECUTABLE', /Cannot boot ".*x86": .*machine 62 is not AArch64/);
    const gz = path.join(dir, 'gz');
    fs.writeFileSync(gz, Uint8Array.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0]));
    fails(() => loadKernel(gz), 'BAD_EXECUTABLE', /gzip-compressed/);
    const empty = path.join(dir, 'empty');
    fs.writeFileSync(empty, '');
    fails(() => loadKernel(empty), 'BAD_EXECUTABLE', /empty/);
    const big = new Uint8Array(128);
    new DataView(big.buffer).setUint32(0x38, 0x644d5241, true);
    new DataView(big.buffer).setUint32(0x18, 1, true); // big-endian flag
    const be = path.join(dir, 'be');
    fs.writeFileSync(be, big);
    fails(() => loadKernel(be), 'BAD_EXECUTABLE', /Cannot boot ".*be": The kernel Image is big-endian/);
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
});

test('EscapeFilter: Ctrl-] q quits, Ctrl-] Ctrl-] sends one Ctrl-], anything else passes through', () => {
  const f = new EscapeFilter();
  assert.deepEqual(f.feed(Uint8Array.from([0x61, 0x1d, 0x1d, 0x62])), { guest: Uint8Array.from([0x61, 0x1d, 0x62]), quit: false });
  assert.deepEqual(f.feed(Uint8Array.from([0x1d])), { guest: new Uint8Array(0), quit: false });
  assert.deepEqual(f.feed(Uint8Array.from([0x78])), { guest: Uint8Array.from([0x1d, 0x78]), quit: false });
  assert.deepEqual(f.feed(Uint8Array.from([0x63, 0x1d, 0x71, 0x64])), { guest: Uint8Array.from([0x63]), quit: true });
});
