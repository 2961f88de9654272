/**
 * Fuzz targets for what `xenon images` reads from a mirror (docs/FUZZING.md): ar, tar, the .deb
 * path (ar → decompress → tar), the xz/gzip decompressors, and the deb822 Release and Packages
 * parsers. The one error kind of this module is a `XenonError` with code IMAGE_FETCH; anything
 * else escaping is a bug.
 *
 * The decompressors bound their output (`MAX_STREAM_OUTPUT`, 4 GiB by default); `fuzzDecompress`
 * passes 64 MiB so that a bomb among the inputs fails fast with the documented error.
 */
import { BugIndicatingError, XenonError } from '../lib/errors.js';
import { readAr } from './ar.js';
import { checkReleaseFields, dependencyNames, indexPackages, parseReleaseHashes } from './archive.js';
import { parseControl } from './control.js';
import { extractDeb } from './deb.js';
import { decompressStream } from './decompress.js';
import { readTar } from './tar.js';

function expected(e: unknown): boolean {
  return e instanceof XenonError && e.code === 'IMAGE_FETCH';
}

/** Read `bytes` as an ar archive. Throws only on a bug. */
export function fuzzAr(bytes: Uint8Array): void {
  try {
    let end = 8;
    for (const m of readAr(bytes, 'fuzz.a')) {
      if (m.data.byteOffset - bytes.byteOffset < end) throw new BugIndicatingError('readAr returned overlapping members');
      end = m.data.byteOffset - bytes.byteOffset + m.data.length;
    }
    if (end > bytes.length) throw new BugIndicatingError('readAr returned a member beyond the archive');
  } catch (e) {
    if (!expected(e)) throw e;
  }
}

/** The bytes as a stream whose chunk sizes the first byte picks (so chunk boundaries fall everywhere). */
async function* chunks(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  const step = 1 + (bytes[0] ?? 0) * 7;
  for (let off = 1; off < bytes.length; off += step) yield bytes.subarray(off, off + step);
}

/** Read `bytes[1..]` as a tar stream, keeping every member. Throws only on a bug. */
export async function fuzzTar(bytes: Uint8Array): Promise<void> {
  try {
    const files = await readTar(chunks(bytes), () => true, 'fuzz.tar');
    for (const f of files) {
      if (f.data.length !== f.size || f.path.split('/').includes('..')) throw new BugIndicatingError(`readTar returned a bad member "${f.path}"`);
    }
  } catch (e) {
    if (!expected(e)) throw e;
  }
}

/** Extract `bytes` as a .deb, keeping every member of its data tree. Throws only on a bug. */
export async function fuzzDeb(bytes: Uint8Array): Promise<void> {
  try {
    await extractDeb(bytes, () => true, 'fuzz.deb');
  } catch (e) {
    if (!expected(e)) throw e;
  }
}

const FUZZ_OUTPUT_BOUND = 64 * 1024 * 1024;

/** Decompress `bytes[1..]` as xz (first byte even) or gzip (odd), counting but not keeping the output. */
export async function fuzzDecompress(bytes: Uint8Array): Promise<void> {
  const name = (bytes[0] ?? 0) % 2 === 0 ? 'fuzz.xz' : 'fuzz.gz';
  try {
    let n = 0;
    for await (const c of decompressStream(bytes.subarray(1), name, FUZZ_OUTPUT_BOUND)) n += c.length;
    if (n > FUZZ_OUTPUT_BOUND) throw new BugIndicatingError(`decompressStream passed ${n} bytes, beyond its bound`);
  } catch (e) {
    if (!expected(e)) throw e;
  }
}

/** Parse `bytes` as a Release file and as a Packages file, the way `openArchive` does. Throws only on a bug. */
export function fuzzControl(bytes: Uint8Array): void {
  const text = new TextDecoder().decode(bytes);
  for (const p of parseControl(text)) {
    if (p.size === 0) throw new BugIndicatingError('parseControl returned an empty paragraph');
  }
  for (const f of parseReleaseHashes(text).values()) {
    if (f.sha256 === '') throw new BugIndicatingError('parseReleaseHashes returned an empty hash');
  }
  try {
    checkReleaseFields(text, 'bookworm', 0);
    checkReleaseFields(text, 'bookworm', Date.UTC(2100, 0, 1));
  } catch (e) {
    if (!expected(e)) throw e;
  }
  const lookup = indexPackages(text);
  for (const m of text.matchAll(/^Package:\s*(\S+)/gm)) {
    const info = lookup(m[1]!);
    if (info !== undefined) dependencyNames(info.depends);
  }
}
