import { test } from 'node:test';
import assert from 'node:assert/strict';
import { XenonError } from '../../lib/errors.js';
import { placeKernel, planBootLayout } from './kernel_image.js';
import { kernelElf, printAndPowerOff } from './_test_kernels.js';

const RAM = 0x4000_0000;

function image(opts: { textOffset?: number; imageSize?: number; flags?: number; bytes?: number } = {}): Uint8Array {
  const b = new Uint8Array(opts.bytes ?? 4096);
  const dv = new DataView(b.buffer);
  dv.setBigUint64(0x08, BigInt(opts.textOffset ?? 0), true);
  dv.setBigUint64(0x10, BigInt(opts.imageSize ?? 0x2_0000), true);
  dv.setBigUint64(0x18, BigInt(opts.flags ?? 0xa), true);
  dv.setUint32(0x38, 0x644d5241, true);
  return b;
}

test('placeKernel() puts an arm64 Image at RAM + 2 MiB + text_offset with image_size reserved', () => {
  const img = image();
  assert.deepEqual(placeKernel(img, RAM), {
    loadPa: 0x4020_0000, entryPa: 0x4020_0000, reservedBytes: 0x2_0000, format: 'arm64-image', segments: [{ pa: 0x4020_0000, bytes: img, memBytes: 0x2_0000 }],
  });
  assert.equal(placeKernel(image({ textOffset: 0x8_0000 }), RAM).loadPa, 0x4028_0000);
});

test('placeKernel() treats bytes without the Image magic as a raw binary at RAM + 0x80000', () => {
  const raw = Uint8Array.of(0x1f, 0x20, 0x03, 0xd5);
  assert.deepEqual(placeKernel(raw, RAM), {
    loadPa: 0x4008_0000, entryPa: 0x4008_0000, reservedBytes: 4, format: 'raw', segments: [{ pa: 0x4008_0000, bytes: raw, memBytes: 4 }],
  });
});

test('placeKernel() rejects big-endian, 64 KiB-page and inconsistent Images, and empty files', () => {
  assert.throws(() => placeKernel(image({ flags: 0xb }), RAM), /big-endian/);
  assert.throws(() => placeKernel(image({ flags: 0x6 }), RAM), /64 KiB pages/);
  assert.throws(() => placeKernel(image({ imageSize: 16, bytes: 4096 }), RAM), /smaller than the file/);
  assert.throws(() => placeKernel(new Uint8Array(0), RAM), /empty/);
});

test('planBootLayout() places initrd and DTB after the kernel, aligned, inside RAM', () => {
  const l = planBootLayout({ kernel: image({ imageSize: 0x200_0000 }), initrdBytes: 0x10_0000, dtbBytes: 0x1000, ramBase: RAM, ramBytes: 512 << 20 });
  assert.deepEqual(l.initrd, { start: 0x4800_0000, end: 0x4810_0000 });
  assert.equal(l.dtbPa, 0x4820_0000);
  const small = planBootLayout({ kernel: image(), dtbBytes: 0x1000, ramBase: RAM, ramBytes: 64 << 20 });
  assert.equal(small.initrd, undefined);
  assert.equal(small.dtbPa, 0x4040_0000);
});

test('planBootLayout() refuses layouts that do not fit', () => {
  assert.throws(() => planBootLayout({ kernel: image({ imageSize: 0x400_0000 }), dtbBytes: 0x1000, ramBase: RAM, ramBytes: 32 << 20 }), /beyond the 32 MiB/);
  assert.throws(() => planBootLayout({ kernel: image(), initrdBytes: 30 << 20, dtbBytes: 0x1000, ramBase: RAM, ramBytes: 32 << 20 }), /do not fit/);
  assert.throws(() => planBootLayout({ kernel: image(), dtbBytes: 3 << 20, ramBase: RAM, ramBytes: 512 << 20 }), /at most 2 MiB/);
});

// ---- ELF kernels ----

const code = printAndPowerOff('hi');

test('placeKernel() loads an ELF kernel by p_paddr, enters at e_entry, and keeps the bss size', () => {
  const elf = kernelElf({
    entry: 0x4010_0000,
    segments: [{ paddr: 0x4010_0000, data: code, memSize: code.byteLength }, { paddr: 0x4020_0000, data: Uint8Array.of(1, 2, 3, 4), memSize: 0x3000 }],
  });
  const k = placeKernel(elf, RAM);
  assert.equal(k.format, 'elf');
  assert.equal(k.loadPa, 0x4010_0000);
  assert.equal(k.entryPa, 0x4010_0000);
  assert.equal(k.reservedBytes, 0x10_3000);
  assert.deepEqual(k.segments.map((s) => [s.pa, s.bytes.byteLength, s.memBytes]), [[0x4010_0000, code.byteLength, code.byteLength], [0x4020_0000, 4, 0x3000]]);
  assert.deepEqual([...k.segments[1]!.bytes], [1, 2, 3, 4]);
});

test('placeKernel() uses the physical address, not the virtual one, and maps a virtual e_entry to it', () => {
  const high = 0xffff_8000_1000_0000n; // a kernel-style TTBR1 address no number holds exactly
  const k = placeKernel(kernelElf({ entry: 0x4008_0010, segments: [{ paddr: 0x4008_0000, vaddr: high, data: code }] }), RAM);
  assert.equal(k.loadPa, 0x4008_0000);
  assert.equal(k.entryPa, 0x4008_0010);
  const v = placeKernel(kernelElf({ entry: 0x8_0008, segments: [{ paddr: 0x4100_0000, vaddr: 0x8_0000n, data: code }] }), RAM);
  assert.equal(v.entryPa, 0x4100_0008);
});

test('placeKernel() rejects malformed ELF kernels with clear messages', () => {
  const good = kernelElf({ entry: 0x4008_0000, segments: [{ paddr: 0x4008_0000, data: code }] });
  const bad = (b: Uint8Array, re: RegExp) =>
    assert.throws(() => placeKernel(b, RAM), (e: unknown) => e instanceof XenonError && e.code === 'BAD_EXECUTABLE' && re.test(e.message));
  bad(good.subarray(0, 40), /too short for an ELF header/);
  bad(good.subarray(0, good.byteLength - 8), /beyond the end of the file \(truncated\?\)/);
  bad(good.subarray(0, 80), /program headers lie beyond the end of the file/);
  bad(kernelElf({ entry: 0x4008_0000, machine: 62, segments: [{ paddr: 0x4008_0000, data: code }] }), /machine 62 is not AArch64/);
  bad(kernelElf({ entry: 0x4008_0000, type: 3, segments: [{ paddr: 0x4008_0000, data: code }] }), /not ET_EXEC/);
  bad(kernelElf({ entry: 0x5000_0000, segments: [{ paddr: 0x4008_0000, data: code }] }), /entry point 0x50000000 is in none of its loadable segments/);
  bad(kernelElf({ entry: 0x4008_0000, segments: [{ paddr: 0x4008_0000, data: code, memSize: 0x100 }, { paddr: 0x4008_0080, data: code }] }), /overlap/);
});

test('planBootLayout() keeps every ELF segment inside RAM and below the initrd and DTB', () => {
  const elf = (paddr: number, memSize = code.byteLength) => kernelElf({ entry: paddr, segments: [{ paddr, data: code, memSize }] });
  const bad = (b: Uint8Array, re: RegExp) => assert.throws(
    () => planBootLayout({ kernel: b, dtbBytes: 0x1000, initrdBytes: 0x1000, ramBase: RAM, ramBytes: 64 << 20 }),
    (e: unknown) => e instanceof XenonError && e.code === 'BAD_EXECUTABLE' && re.test(e.message),
  );
  bad(elf(0x8_0000), /segment at 0x80000-0x[0-9a-f]+ lies outside RAM \(0x40000000-0x44000000\)/);
  bad(elf(0x43ff_ff00, 0x200), /lies outside RAM/);
  const l = planBootLayout({ kernel: elf(0x4100_0000, 0x10_0000), dtbBytes: 0x1000, initrdBytes: 0x1000, ramBase: RAM, ramBytes: 64 << 20 });
  assert.equal(l.kernel.entryPa, 0x4100_0000);
  assert.ok(l.initrd!.start >= 0x4110_0000, 'the initrd starts above the kernel');
  assert.ok(l.dtbPa >= l.initrd!.end, 'the DTB follows the initrd');
  // A kernel high in RAM pushes the initrd above it, and then the DTB does not fit.
  bad(elf(0x43f0_0000, 0x10_0000), /do not fit/);
});
