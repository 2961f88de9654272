/**
 * Extract files from a Debian binary package: an `ar` archive whose "data.tar.{xz,gz}" member
 * holds the filesystem tree (deb(5)).
 */
import { readAr } from './ar.js';
import { decompressStream } from './decompress.js';
import { imageFetchError } from './errors.js';
import { readTar, type TarFile, type TarHeader } from './tar.js';

/** Files of the package's data tree selected by `want` (paths without a leading "/" or "./"). */
export async function extractDeb(deb: Uint8Array, want: (h: TarHeader) => boolean, what: string): Promise<TarFile[]> {
  const members = readAr(deb, what);
  if (members[0]?.name !== 'debian-binary') throw imageFetchError(`Cannot read "${what}": not a Debian package`);
  const data = members.find((m) => m.name.startsWith('data.tar'));
  if (!data) throw imageFetchError(`Cannot read "${what}": no data.tar member`);
  return readTar(decompressStream(data.data, data.name), want, `${what}/${data.name}`);
}
