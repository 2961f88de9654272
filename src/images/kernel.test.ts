import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { XenonError } from '../lib/errors.js';
import { isArm64Image, kernelImageFromVmlinuz } from './kernel.js';
import { fakeImage } from './_test_archive.js';

test('kernelImageFromVmlinuz() gunzips a compressed Image and passes a raw one through', () => {
  const image = fakeImage();
  assert.deepEqual(new Uint8Array(kernelImageFromVmlinuz(gzipSync(image), 'v')), image);
  assert.equal(kernelImageFromVmlinuz(image, 'v'), image);
  assert.ok(isArm64Image(image));
});

test('kernelImageFromVmlinuz() rejects files without the ARM\\x64 magic and corrupt gzip', () => {
  const notImage = new Uint8Array(4096);
  const isFetchError = (e: unknown): boolean => e instanceof XenonError && e.code === 'IMAGE_FETCH';
  assert.throws(() => kernelImageFromVmlinuz(notImage, 'v'), isFetchError);
  assert.throws(() => kernelImageFromVmlinuz(gzipSync(notImage), 'v'), /not an arm64 Image/);
  const broken = gzipSync(fakeImage()).subarray(0, 40);
  assert.throws(() => kernelImageFromVmlinuz(broken, 'v'), /Cannot decompress kernel/);
  assert.equal(isArm64Image(new Uint8Array(10)), false);
});
