import { test } from 'node:test';
import assert from 'node:assert/strict';
import { XenonError } from '../lib/errors.js';
import { readAr } from './ar.js';
import { extractDeb } from './deb.js';
import { buildDeb } from './_test_archive.js';
import { missingCommands, skipUnlessAvailable } from '../../tests/harness/prereq.js';

const isFetchError = (e: unknown): boolean => e instanceof XenonError && e.code === 'IMAGE_FETCH';

/** An ar archive with the given members (GNU-style names ending in "/"). */
function ar(members: [string, string][]): Uint8Array {
  let s = '!<arch>\n';
  for (const [name, data] of members) {
    s += `${`${name}/`.padEnd(16)}${'0'.padEnd(12)}${'0'.padEnd(6)}${'0'.padEnd(6)}${'100644'.padEnd(8)}${String(data.length).padEnd(10)}\`\n`;
    s += data + (data.length & 1 ? '\n' : '');
  }
  return new TextEncoder().encode(s);
}

test('readAr() lists members with even-length padding and strips the GNU "/"', () => {
  const members = readAr(ar([['debian-binary', '2.0\n'], ['odd', 'abc'], ['next', 'xy']]), 'a');
  assert.deepEqual(members.map((m) => [m.name, new TextDecoder().decode(m.data)]), [
    ['debian-binary', '2.0\n'],
    ['odd', 'abc'],
    ['next', 'xy'],
  ]);
});

test('readAr() rejects a wrong magic and a truncated member', () => {
  assert.throws(() => readAr(new TextEncoder().encode('!<arch>x'), 'a'), isFetchError);
  const whole = ar([['debian-binary', '2.0\n']]);
  assert.throws(() => readAr(whole.subarray(0, whole.length - 2), 'a'), /truncated/);
});

for (const compression of ['xz', 'gzip'] as const) {
  test(`extractDeb() extracts selected files from a dpkg-deb -Z${compression} package`, skipUnlessAvailable(missingCommands('dpkg-deb', 'xz')), async () => {
    const deb = buildDeb('p', '1.0', { 'bin/busybox': new Uint8Array([1, 2, 3]), 'usr/share/doc/p/README': new Uint8Array(5) }, compression);
    const files = await extractDeb(deb, (h) => h.path === 'bin/busybox', 'p.deb');
    assert.deepEqual(files.map((f) => [f.path, [...f.data], f.mode]), [['bin/busybox', [1, 2, 3], 0o755]]);
  });
}

test('extractDeb() rejects an ar archive that is not a Debian package', async () => {
  await assert.rejects(extractDeb(ar([['hello', 'x']]), () => true, 'x.deb'), /not a Debian package/);
  await assert.rejects(extractDeb(ar([['debian-binary', '2.0\n']]), () => true, 'x.deb'), /no data\.tar/);
  await assert.rejects(
    extractDeb(ar([['debian-binary', '2.0\n'], ['data.tar.xz', 'not xz at all']]), () => true, 'x.deb'),
    /Cannot decompress "data\.tar\.xz"/,
  );
});
