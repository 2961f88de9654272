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
const MiB = 1 << 20;

/**
 * Default bounds on decompressed output. A small xz or gzip "bomb" inflates by 1000× or more, so the
 * compressed size bounds nothing. The largest streams we read are a kernel package's data.tar (about
 * 400 MiB for linux-image-arm64) and the main component's Packages index (about 60 MiB); each bound
 * leaves several times that.
 */
export const MAX_STREAM_OUTPUT = 4096 * MiB;
export const MAX_IN_MEMORY_OUTPUT = 512 * MiB;

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

/**
 * Wrap a stream so decoder failures become IMAGE_FETCH errors naming `what`, and output past
 * `maxOutput` bytes stops it (the source is cancelled by the `for await` that the throw leaves).
 */
async function* guarded(source: AsyncIterable<Uint8Array>, what: string, maxOutput: number): AsyncGenerator<Uint8Array> {
  let total = 0;
  try {
    for await (const chunk of source) {
      total += chunk.length;
      if (total > maxOutput) throw new OutputBoundError(maxOutput);
      yield chunk;
    }
  } catch (err) {
    if (err instanceof OutputBoundError) {
      throw imageFetchError(`Cannot decompress "${what}": it expands to more than ${err.maxOutput / MiB} MiB`);
    }
    throw imageFetchError(`Cannot decompress "${what}"`, err);
  }
}

class OutputBoundError extends Error {
  constructor(readonly maxOutput: number) {
    super(`decompressed output exceeds ${maxOutput} bytes`);
  }
}

/**
 * Decompress `bytes` according to the file name's suffix (.xz, .gz or none), failing with
 * IMAGE_FETCH once the output passes `maxOutput` bytes.
 */
export function decompressStream(bytes: Uint8Array, name: string, maxOutput = MAX_STREAM_OUTPUT): AsyncIterable<Uint8Array> {
  if (name.endsWith('.xz')) {
    return guarded(new XzReadableStream(webStream(bytes)) as unknown as AsyncIterable<Uint8Array>, name, maxOutput);
  }
  if (name.endsWith('.gz')) return guarded(Readable.from([bytes]).pipe(createGunzip()), name, maxOutput);
  if (/\.(zst|bz2|lzma)$/.test(name)) throw imageFetchError(`Cannot decompress "${name}": unsupported compression`);
  return guarded(Readable.from([bytes]), name, maxOutput);
}

/** Decompress `bytes` completely into memory, at most `maxOutput` bytes of it. */
export async function decompressAll(bytes: Uint8Array, name: string, maxOutput = MAX_IN_MEMORY_OUTPUT): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of decompressStream(bytes, name, maxOutput)) parts.push(c);
  return Buffer.concat(parts);
}
