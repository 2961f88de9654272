import assert from 'node:assert/strict';
import { test } from 'node:test';
import { XenonError } from '../lib/errors.js';
import { readAr } from './ar.js';

const enc = new TextEncoder();
const header = (name: string, size: string) =>
  `${`${name}/`.padEnd(16)}${'0'.padEnd(12)}${'0'.padEnd(6)}${'0'.padEnd(6)}${'100644'.padEnd(8)}${size.padEnd(10)}\`\n`;

test('readAr() lists members with their data', () => {
  const members = readAr(enc.encode(`!<arch>\n${header('debian-binary', '4')}2.0\n${header('odd', '3')}abc\n`), 't.deb');
  assert.deepEqual(
    members.map((m) => [m.name, new TextDecoder().decode(m.data)]),
    [
      ['debian-binary', '2.0\n'],
      ['odd', 'abc'],
    ],
  );
});

// Found by the fuzzer (tests/fuzz/regressions/ar): a size of -60 made a member that never advanced
// the offset, so readAr looped forever, pushing members until memory ran out.
for (const size of ['-60', '-1', '0x3c', '1e3', ' ', '+4']) {
  test(`readAr() rejects the member size ${JSON.stringify(size)} with IMAGE_FETCH`, () => {
    const bytes = enc.encode(`!<arch>\n${header('debian-binary', size)}2.0\n`);
    assert.throws(
      () => readAr(bytes, 't.deb'),
      (e: unknown) => e instanceof XenonError && e.code === 'IMAGE_FETCH' && /bad size/.test(e.message),
    );
  });
}
