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

/** Give up on a connection that delivers no data for this long (a stalled mirror). */
export const DEFAULT_IDLE_TIMEOUT_MS = 60_000;

/** A response plus the watchdog that aborts it when data stops arriving. */
interface Fetched {
  readonly res: Response;
  /** Re-arm the watchdog (called per chunk); `stop` disarms it. */
  kick(): void;
  stop(): void;
  /** True when the watchdog fired. */
  stalled(): boolean;
}

async function get(url: string, idleTimeoutMs = DEFAULT_IDLE_TIMEOUT_MS): Promise<Fetched> {
  const ac = new AbortController();
  let fired = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const kick = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      fired = true;
      ac.abort();
    }, idleTimeoutMs);
    timer.unref(); // Never keep the process alive just for the watchdog.
  };
  const stop = (): void => clearTimeout(timer);
  kick();
  try {
    const res = await fetch(url, { redirect: 'follow', signal: ac.signal });
    return { res, kick, stop, stalled: () => fired };
  } catch (err) {
    stop();
    const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : '';
    // fetch (like browsers) refuses the ports of other protocols (6000, 6667, ...) and says only "bad port".
    const why = fired ? `no response for ${idleTimeoutMs / 1000} s`
      : cause === 'bad port' ? `port ${new URL(url).port} is one fetch refuses to use (ports of other protocols, as browsers block them); serve the mirror on another port`
        : 'network error';
    throw imageFetchError(`Cannot fetch "${url}": ${why}`, err);
  }
}

/**
 * Stream the body, calling `onChunk` per chunk; checks the length against Content-Length. A body
 * longer than `limit` is cut off there (a server that never stops cannot fill memory or disk).
 */
async function readBody(url: string, f: Fetched, limit: number, onChunk: (c: Uint8Array) => void | Promise<void>): Promise<number> {
  const res = f.res;
  if (!res.body) throw imageFetchError(`Cannot fetch "${url}": empty response`);
  let n = 0;
  try {
    for await (const chunk of res.body) {
      f.kick();
      n += chunk.length;
      if (n > limit) throw new TooLong();
      await onChunk(chunk);
    }
  } catch (err) {
    if (err instanceof TooLong) throw imageFetchError(`Cannot fetch "${url}": the server sent more than the ${limit} bytes expected`);
    const why = f.stalled() ? 'stalled' : 'interrupted';
    throw imageFetchError(`Cannot fetch "${url}": download ${why} after ${n} bytes`, err);
  } finally {
    f.stop();
  }
  // With a Content-Encoding, fetch decodes the body and Content-Length counts encoded bytes.
  const encoding = res.headers.get('content-encoding');
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if ((!encoding || encoding === 'identity') && Number.isFinite(declared) && declared !== n) {
    throw imageFetchError(`Cannot fetch "${url}": truncated (${n} of ${declared} bytes)`);
  }
  return n;
}

class TooLong extends Error {}

/** The most a file of unknown size (InRelease, Release, Release.gpg) may have; Debian's InRelease is about 200 KB. */
const MAX_UNSIZED_BYTES = 32 * 1024 * 1024;

function check(url: string, got: { size: number; sha256: string }, want: Expected): void {
  if (want.size !== undefined && got.size !== want.size) {
    throw imageFetchError(`Cannot verify "${url}": size ${got.size} differs from the expected ${want.size}`);
  }
  if (want.sha256 !== undefined && got.sha256 !== want.sha256.toLowerCase()) {
    throw imageFetchError(`Cannot verify "${url}": SHA256 ${got.sha256} differs from the expected ${want.sha256}`);
  }
}

/** Fetch a small file into memory. Returns undefined on 404 when `optional` is set. */
export async function fetchBytes(
  url: string,
  opts: Expected & { optional?: boolean; idleTimeoutMs?: number } = {},
): Promise<Uint8Array | undefined> {
  const f = await get(url, opts.idleTimeoutMs);
  const res = f.res;
  if (res.status === 404 && opts.optional) {
    f.stop();
    await res.body?.cancel();
    return undefined;
  }
  if (!res.ok) {
    f.stop();
    await res.body?.cancel();
    throw imageFetchError(`Cannot fetch "${url}": HTTP ${res.status}`);
  }
  const chunks: Uint8Array[] = [];
  const hash = createHash('sha256');
  const size = await readBody(url, f, opts.size ?? MAX_UNSIZED_BYTES, (c) => {
    chunks.push(c);
    hash.update(c);
  });
  check(url, { size, sha256: hash.digest('hex') }, opts);
  return Buffer.concat(chunks);
}

/** Download `url` to `dest` (via `dest.part`), with progress on `sink`, verifying size and SHA256. */
export async function downloadFile(
  url: string,
  dest: string,
  opts: Expected & { sink: ProgressSink; label: string; idleTimeoutMs?: number },
): Promise<void> {
  const f = await get(url, opts.idleTimeoutMs);
  const res = f.res;
  if (!res.ok) {
    f.stop();
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
    const size = await readBody(url, f, opts.size ?? MAX_UNSIZED_BYTES, async (c) => {
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
