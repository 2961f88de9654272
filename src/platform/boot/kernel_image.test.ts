import { test } from 'node:test';
import assert from 'node:assert/strict';
import { placeKernel, planBootLayout } from './kernel_image.js';

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
  assert.deepEqual(placeKernel(image(), RAM), { loadPa: 0x4020_0000, entryPa: 0x4020_0000, reservedBytes: 0x2_0000, format: 'arm64-image' });
  assert.equal(placeKernel(image({ textOffset: 0x8_0000 }), RAM).loadPa, 0x4028_0000);
});

test('placeKernel() treats bytes without the Image magic as a raw binary at RAM + 0x80000', () => {
  const raw = Uint8Array.of(0x1f, 0x20, 0x03, 0xd5);
  assert.deepEqual(placeKernel(raw, RAM), { loadPa: 0x4008_0000, entryPa: 0x4008_0000, reservedBytes: 4, format: 'raw' });
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
