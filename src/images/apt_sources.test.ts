import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XenonError } from '../lib/errors.js';
import { chooseArchive, parseDeb822Sources, parseOneLineSources, readAptSources, runningCodename } from './apt_sources.js';

// Host names below are placeholders under the reserved .invalid TLD, never real mirrors.
const ONE_LINE = `# comment
deb http://a.invalid/debian bookworm main contrib
deb-src http://a.invalid/debian bookworm main
deb [arch=arm64 signed-by=/k/a.gpg] https://b.invalid/debian/ bookworm-updates main # trailing
deb http://c.invalid/apt cloud-sdk main
`;

const DEB822 = `Types: deb deb-src
# a comment inside the paragraph
URIs: http://d.invalid/debian http://e.invalid/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/x.gpg

Types: deb
URIs: http://f.invalid/debian
Suites: trixie
Components: main
Enabled: no

Types: deb
URIs: http://g.invalid/debian
Suites: bookworm
Components: main
Signed-By:
 -----BEGIN PGP PUBLIC KEY BLOCK-----
 .
 abc
`;

test('parseOneLineSources() reads deb lines with options and skips deb-src and comments', () => {
  const s = parseOneLineSources(ONE_LINE, 'f');
  assert.deepEqual(s.map((x) => [x.uri, x.suites, x.components, x.signedBy]), [
    ['http://a.invalid/debian', ['bookworm'], ['main', 'contrib'], undefined],
    ['https://b.invalid/debian/', ['bookworm-updates'], ['main'], '/k/a.gpg'],
    ['http://c.invalid/apt', ['cloud-sdk'], ['main'], undefined],
  ]);
});

test('parseDeb822Sources() expands URIs, honours Enabled: no and ignores inline keys', () => {
  const s = parseDeb822Sources(DEB822, 'f');
  assert.deepEqual(s.map((x) => [x.uri, x.suites, x.signedBy]), [
    ['http://d.invalid/debian', ['bookworm', 'bookworm-updates'], '/usr/share/keyrings/x.gpg'],
    ['http://e.invalid/debian', ['bookworm', 'bookworm-updates'], '/usr/share/keyrings/x.gpg'],
    ['http://g.invalid/debian', ['bookworm'], undefined],
  ]);
});

test('chooseArchive() picks the first source carrying the running suite', () => {
  const sources = [...parseOneLineSources(ONE_LINE, 'list'), ...parseDeb822Sources(DEB822, 'sources')];
  assert.deepEqual(chooseArchive(sources, 'bookworm'), { mirror: 'http://a.invalid/debian', suite: 'bookworm', origin: 'list' });
  assert.deepEqual(chooseArchive(sources, 'bookworm-updates'), {
    mirror: 'https://b.invalid/debian',
    suite: 'bookworm-updates',
    origin: 'list',
    keyring: '/k/a.gpg',
  });
  assert.throws(() => chooseArchive(sources, 'trixie'), (e: unknown) => e instanceof XenonError && e.code === 'IMAGE_FETCH');
  assert.equal(chooseArchive(sources, undefined).suite, 'bookworm');
});

test('readAptSources() reads sources.list then sources.list.d in name order, and runningCodename() reads os-release', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xenon-apt-'));
  try {
    mkdirSync(join(dir, 'sources.list.d'));
    writeFileSync(join(dir, 'sources.list'), 'deb http://a.invalid/debian sid main\n');
    writeFileSync(join(dir, 'sources.list.d/b.sources'), 'Types: deb\nURIs: http://b.invalid/d\nSuites: sid\nComponents: main\n');
    writeFileSync(join(dir, 'sources.list.d/a.list'), 'deb http://c.invalid/d sid main\n');
    writeFileSync(join(dir, 'sources.list.d/x.list.disabled'), 'deb http://z.invalid/d sid main\n');
    assert.deepEqual(readAptSources(dir).map((s) => s.uri), ['http://a.invalid/debian', 'http://c.invalid/d', 'http://b.invalid/d']);
    writeFileSync(join(dir, 'os-release'), 'NAME="Debian GNU/Linux"\nVERSION_CODENAME=bookworm\n');
    assert.equal(runningCodename(join(dir, 'os-release')), 'bookworm');
    assert.equal(runningCodename(join(dir, 'missing')), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
