/**
 * HTTP(S) downloads for the archive client, built on Node's global fetch. Every failure becomes an
 * IMAGE_FETCH error naming the URL; downloads to files are hashed while they stream and are only
 * renamed into place once size and SHA256 match.
 */
import { createHash } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { imageFetchError } from './errors.js';
import { createProgress, type ProgressSink } from './progress.js';

/** What a download must match; either may be omitted when not known yet. */
export interface Expected {
  readonly sha256?: string;
  readonly size?: number;
}

async function get(url: string): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, { redirect: 'follow' });
  } catch (err) {
    throw imageFetchError(`Cannot fetch "${url}": network error`, err);
  }
  return res;
}

/** Stream the body, calling `onChunk` per chunk; checks the length against Content-Length. */
async function readBody(url: string, res: Response, onChunk: (c: Uint8Array) => void | Promise<void>): Promise<number> {
  if (!res.body) throw imageFetchError(`Cannot fetch "${url}": empty response`);
  let n = 0;
  try {
    for await (const chunk of res.body) {
      n += chunk.length;
      await onChunk(chunk);
    }
  } catch (err) {
    throw imageFetchError(`Cannot fetch "${url}": download interrupted after ${n} bytes`, err);
  }
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared !== n) {
    throw imageFetchError(`Cannot fetch "${url}": truncated (${n} of ${declared} bytes)`);
  }
  return n;
}

function check(url: string, got: { size: number; sha256: string }, want: Expected): void {
  if (want.size !== undefined && got.size !== want.size) {
    throw imageFetchError(`Cannot verify "${url}": size ${got.size} differs from the expected ${want.size}`);
  }
  if (want.sha256 !== undefined && got.sha256 !== want.sha256.toLowerCase()) {
    throw imageFetchError(`Cannot verify "${url}": SHA256 ${got.sha256} differs from the expected ${want.sha256}`);
  }
}

/** Fetch a small file into memory. Returns undefined on 404 when `optional` is set. */
export async function fetchBytes(url: string, opts: Expected & { optional?: boolean } = {}): Promise<Uint8Array | undefined> {
  const res = await get(url);
  if (res.status === 404 && opts.optional) {
    await res.body?.cancel();
    return undefined;
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw imageFetchError(`Cannot fetch "${url}": HTTP ${res.status}`);
  }
  const chunks: Uint8Array[] = [];
  const hash = createHash('sha256');
  const size = await readBody(url, res, (c) => {
    chunks.push(c);
    hash.update(c);
  });
  check(url, { size, sha256: hash.digest('hex') }, opts);
  return Buffer.concat(chunks);
}

/** Download `url` to `dest` (via `dest.part`), with progress on `sink`, verifying size and SHA256. */
export async function downloadFile(url: string, dest: string, opts: Expected & { sink: ProgressSink; label: string }): Promise<void> {
  const res = await get(url);
  if (!res.ok) {
    await res.body?.cancel();
    throw imageFetchError(`Cannot fetch "${url}": HTTP ${res.status}`);
  }
  const total = opts.size ?? Number(res.headers.get('content-length') ?? 0);
  const progress = createProgress(opts.label, total, opts.sink);
  const part = `${dest}.part`;
  // A FileHandle (not a WriteStream): writes are awaited one by one, so an aborted download
  // leaves no write in flight to fail after cleanup.
  const file = await open(part, 'w');
  let closed = false;
  const hash = createHash('sha256');
  let done = 0;
  try {
    const size = await readBody(url, res, async (c) => {
      hash.update(c);
      await file.write(c);
      done += c.length;
      progress.update(done);
    });
    closed = true;
    await file.close();
    progress.done();
    check(url, { size, sha256: hash.digest('hex') }, opts);
    await rename(part, dest);
  } catch (err) {
    if (!closed) await file.close();
    await rm(part, { force: true });
    throw err;
  }
}
