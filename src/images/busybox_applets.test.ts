import { test } from 'node:test';
import assert from 'node:assert/strict';
import { XenonError } from '../lib/errors.js';
import { busyboxApplets } from './busybox_applets.js';
import { busyboxTables, FAKE_APPLETS, fakeBusybox } from './_test_archive.js';

test('busyboxApplets() reads the applets and their directories from busybox\'s tables', () => {
  const applets = busyboxApplets(fakeBusybox(), 'fake');
  assert.deepEqual(applets.map((a) => [a.name, a.dir]), FAKE_APPLETS.map(([n, d]) => [n, d]));
});

test('busyboxApplets() finds the location table wherever it sits and with an odd or even applet count', () => {
  const even = FAKE_APPLETS.filter(([n]) => n !== 'sh');
  for (const applets of [FAKE_APPLETS, even]) {
    const { installLoc, names } = busyboxTables(applets);
    const bin = new Uint8Array(4096).fill(0xee);
    bin.set(names, 100);
    bin.set(installLoc, 3000);
    assert.deepEqual(busyboxApplets(bin, 'moved').map((a) => `${a.dir}/${a.name}`), applets.map(([n, d]) => `${d}/${n}`));
  }
});

test('busyboxApplets() refuses a binary without the tables, or with a location table it cannot tell apart', () => {
  const fails = (bin: Uint8Array, pattern: RegExp): void => {
    assert.throws(() => busyboxApplets(bin, 'x'), (e: unknown) => e instanceof XenonError && e.code === 'IMAGE_BUILD' && pattern.test(e.message));
  };
  fails(new Uint8Array(1000).fill(0x41), /Cannot find the applet names in "x": is it busybox\?/);
  const { installLoc, names } = busyboxTables(FAKE_APPLETS);
  const noLoc = new Uint8Array(500).fill(0xee);
  noLoc.set(names, 10);
  fails(noLoc, /install locations .*\(none found\)/);
  const twice = new Uint8Array(500).fill(0xee);
  twice.set(names, 10);
  twice.set(installLoc, 200);
  twice.set(installLoc, 300);
  fails(twice, /install locations .*\(more than one found\)/);
});
