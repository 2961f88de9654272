/**
 * Decompressors for what Debian ships: xz (via the `xz-decompress` package, xz-embedded compiled
 * to WebAssembly, so no native build) and gzip (node:zlib). Everything is streamed so that a
 * several-hundred-megabyte data.tar never sits in memory whole.
 */
import { createGunzip } from 'node:zlib';
import { Readable } from 'node:stream';
import xzPackage from 'xz-decompress';
import { imageFetchError } from './errors.js';

const { XzReadableStream } = xzPackage;
const CHUNK = 1 << 20;

/** A web stream over `bytes` in 1 MiB pieces (the xz decoder copies its input chunk by chunk). */
function webStream(bytes: Uint8Array): ReadableStream<Uint8Array> {
  let off = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (off >= bytes.length) {
        controller.close();
        return;
      }
      controller.enqueue(bytes.subarray(off, off + CHUNK));
      off += CHUNK;
    },
  });
}

/** Wrap a stream so decoder failures become IMAGE_FETCH errors naming `what`. */
async function* guarded(source: AsyncIterable<Uint8Array>, what: string): AsyncGenerator<Uint8Array> {
  try {
    yield* source;
  } catch (err) {
    throw imageFetchError(`Cannot decompress "${what}"`, err);
  }
}

/** Decompress `bytes` according to the file name's suffix (.xz, .gz or none). */
export function decompressStream(bytes: Uint8Array, name: string): AsyncIterable<Uint8Array> {
  if (name.endsWith('.xz')) {
    return guarded(new XzReadableStream(webStream(bytes)) as unknown as AsyncIterable<Uint8Array>, name);
  }
  if (name.endsWith('.gz')) return guarded(Readable.from([bytes]).pipe(createGunzip()), name);
  if (/\.(zst|bz2|lzma)$/.test(name)) throw imageFetchError(`Cannot decompress "${name}": unsupported compression`);
  return guarded(Readable.from([bytes]), name);
}

/** Decompress `bytes` completely into memory. */
export async function decompressAll(bytes: Uint8Array, name: string): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of decompressStream(bytes, name)) parts.push(c);
  return Buffer.concat(parts);
}
