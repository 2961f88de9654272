/** Bounds on decompressed output (issue 10): a small xz or gzip bomb is refused, not inflated into memory. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { XenonError } from '../lib/errors.js';
import { decompressAll, decompressStream } from './decompress.js';
import { kernelImageFromVmlinuz } from './kernel.js';
import { readTar } from './tar.js';

const MiB = 1 << 20;
const imageFetch = (pattern: RegExp) => (e: unknown) => e instanceof XenonError && e.code === 'IMAGE_FETCH' && pattern.test(e.message);

/** 64 MiB of zeros gzipped to about 64 KiB: a ratio of 1000:1. */
const bomb = gzipSync(new Uint8Array(64 * MiB), { level: 9 });

test('decompressAll() refuses output past its bound and names the file', async () => {
  assert.ok(bomb.length < MiB);
  await assert.rejects(decompressAll(bomb, 'Packages.gz', 8 * MiB), imageFetch(/"Packages\.gz": it expands to more than 8 MiB/));
});

test('decompressAll() returns output up to its bound exactly', async () => {
  const out = await decompressAll(gzipSync(new Uint8Array(MiB).fill(7)), 'x.gz', MiB);
  assert.equal(out.length, MiB);
  assert.equal(out[MiB - 1], 7);
});

test('decompressStream() stops a stream past its bound without reading the rest', async () => {
  let seen = 0;
  await assert.rejects(
    (async () => {
      for await (const c of decompressStream(bomb, 'data.tar.gz', 4 * MiB)) seen += c.length;
    })(),
    imageFetch(/more than 4 MiB/),
  );
  assert.ok(seen <= 4 * MiB, `${seen} bytes passed the bound`);
});

test('kernelImageFromVmlinuz() refuses a gzip that expands past its bound', () => {
  assert.throws(() => kernelImageFromVmlinuz(bomb, 'vmlinuz-bomb', 16 * MiB), imageFetch(/Cannot decompress kernel "vmlinuz-bomb"/));
});

/** A one-member ustar archive whose member is `size` bytes of zeros. */
function tarOf(size: number): Uint8Array {
  const h = new Uint8Array(512);
  const enc = new TextEncoder();
  h.set(enc.encode('big'), 0);
  h.set(enc.encode('0000644\0'), 100);
  h.set(enc.encode(`${size.toString(8).padStart(11, '0')}\0`), 124);
  h.set(enc.encode('0'), 156);
  h.set(enc.encode('ustar\x0000'), 257);
  h.fill(0x20, 148, 156);
  h.set(enc.encode(`${h.reduce((a, b) => a + b, 0).toString(8).padStart(6, '0')}\0 `), 148);
  const out = new Uint8Array(512 + Math.ceil(size / 512) * 512 + 1024);
  out.set(h);
  return out;
}

test('readTar() refuses wanted members past its bound before allocating them', async () => {
  const tar = tarOf(2 * MiB);
  await assert.rejects(
    readTar(decompressStream(gzipSync(tar), 'data.tar.gz'), () => true, 'p.deb', MiB),
    imageFetch(/"p\.deb": the wanted members exceed 1048576 bytes \("big"\)/),
  );
  // Members nobody wants cost nothing against the bound.
  assert.deepEqual(await readTar(decompressStream(gzipSync(tar), 'data.tar.gz'), () => false, 'p.deb', MiB), []);
});
