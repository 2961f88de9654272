import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkReleaseFields, dependencyNames, indexPackages, parseReleaseHashes } from './archive.js';

test('parseReleaseHashes() reads the SHA256 list and ignores the MD5Sum one', () => {
  const release = `Origin: Debian
Suite: stable
MD5Sum:
 0123456789abcdef0123456789abcdef 100 main/binary-arm64/Packages.xz
SHA256:
 ${'A'.repeat(64)}   8689464 main/binary-arm64/Packages.xz
 ${'b'.repeat(64)} 11940185 main/binary-arm64/Packages.gz
`;
  const h = parseReleaseHashes(release);
  assert.deepEqual(h.get('main/binary-arm64/Packages.xz'), { sha256: 'a'.repeat(64), size: 8689464 });
  assert.equal(h.get('main/binary-arm64/Packages.gz')?.size, 11940185);
  assert.equal(h.size, 2);
});

test('indexPackages() finds packages by name and keeps the first entry', () => {
  const text = `Package: aa
Version: 1
Filename: pool/a_1.deb
Size: 10
SHA256: ${'c'.repeat(64)}
Description: first
 continued

Package: linux-image-arm64
Source: linux-signed-arm64 (6.1.176+1)
Version: 6.1.176-1
Depends: linux-image-6.1.0-50-arm64 (= 6.1.176-1)
Filename: pool/main/l/linux-image-arm64.deb
Size: 1444
SHA256: ${'d'.repeat(64)}

Package: aa
Version: 2
Filename: pool/a_2.deb
Size: 11
SHA256: ${'e'.repeat(64)}
`;
  const lookup = indexPackages(text);
  assert.equal(lookup('aa')?.version, '1');
  assert.equal(lookup('missing'), undefined);
  const meta = lookup('linux-image-arm64');
  assert.deepEqual(meta, {
    name: 'linux-image-arm64',
    version: '6.1.176-1',
    filename: 'pool/main/l/linux-image-arm64.deb',
    size: 1444,
    sha256: 'd'.repeat(64),
    depends: 'linux-image-6.1.0-50-arm64 (= 6.1.176-1)',
  });
});

test('dependencyNames() takes the first alternative and drops version constraints', () => {
  assert.deepEqual(dependencyNames('linux-image-6.1.0-50-arm64 (= 6.1.176-1)'), ['linux-image-6.1.0-50-arm64']);
  assert.deepEqual(dependencyNames('kmod, linux-base (>= 4.3~), initramfs-tools | linux-initramfs-tool'), [
    'kmod',
    'linux-base',
    'initramfs-tools',
  ]);
  assert.deepEqual(dependencyNames(''), []);
});

test('checkReleaseFields() accepts the suite or codename and rejects other suites and expired files', () => {
  const release = 'Origin: Debian\nSuite: oldstable\nCodename: bookworm\nDate: Sat, 11 Jul 2026 10:00:00 UTC\n';
  checkReleaseFields(release, 'bookworm');
  checkReleaseFields(release, 'oldstable');
  assert.throws(() => checkReleaseFields(release, 'trixie'), /for "oldstable"\/"bookworm", not the requested suite "trixie"/);
  const expiring = `${release}Valid-Until: Sat, 18 Jul 2026 10:00:00 UTC\n`;
  checkReleaseFields(expiring, 'bookworm', Date.parse('2026-07-17T00:00:00Z'));
  assert.throws(() => checkReleaseFields(expiring, 'bookworm', Date.parse('2026-07-19T00:00:00Z')), /expired/);
  checkReleaseFields('SHA256:\n', 'anything');
});

test('indexPackages() ignores entries whose name or version could escape the cache directory', () => {
  const para = (name: string, version: string): string =>
    `Package: ${name}\nVersion: ${version}\nFilename: pool/x.deb\nSize: 1\nSHA256: ${'a'.repeat(64)}\n`;
  const lookup = indexPackages([para('ok', '1:2.0-1+b1'), para('bad', '1/../../x'), para('Bad/..', '1')].join('\n'));
  assert.equal(lookup('ok')?.version, '1:2.0-1+b1');
  assert.equal(lookup('bad'), undefined);
});
