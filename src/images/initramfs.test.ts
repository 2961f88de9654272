import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildInitramfs } from './initramfs.js';

interface Entry { readonly name: string; readonly mode: number; readonly data: Uint8Array }

/** Reads a newc archive back (magic, 13 hex fields, name, data, 4-byte padding) up to the trailer. */
function entries(cpio: Uint8Array): Entry[] {
  const text = Buffer.from(cpio).toString('latin1');
  const out: Entry[] = [];
  let off = 0;
  for (;;) {
    assert.equal(text.slice(off, off + 6), '070701', `newc magic at ${off}`);
    const field = (i: number): number => parseInt(text.slice(off + 6 + i * 8, off + 14 + i * 8), 16);
    const mode = field(1);
    const size = field(6);
    const nameSize = field(11);
    const name = text.slice(off + 110, off + 110 + nameSize - 1);
    const dataOff = (off + 110 + nameSize + 3) & ~3;
    if (name === 'TRAILER!!!') return out;
    out.push({ name, mode, data: cpio.subarray(dataOff, dataOff + size) });
    off = (dataOff + size + 3) & ~3;
  }
}

const busybox = new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 1, 2, 3]);

test('buildInitramfs() adds extra files with their modes, creating missing parents', () => {
  const prog = new Uint8Array([1, 2, 3, 4, 5]);
  const conf = new TextEncoder().encode('x=1\n');
  const cpio = buildInitramfs({
    busybox,
    extraFiles: [
      { path: 'bin/threads', data: prog },
      { path: '/opt/test/conf', data: conf, mode: 0o600 },
    ],
  });
  const list = entries(cpio);
  const byName = new Map(list.map((e) => [e.name, e]));
  const threads = byName.get('bin/threads');
  assert.ok(threads, 'bin/threads is in the archive');
  assert.equal(threads.mode, 0o100755, 'a regular file, 0755 by default');
  assert.deepEqual([...threads.data], [...prog]);
  const c = byName.get('opt/test/conf');
  assert.ok(c, 'a leading "/" is dropped');
  assert.equal(c.mode, 0o100600);
  assert.equal(Buffer.from(c.data).toString(), 'x=1\n');
  // The kernel's unpacker does not create parents: they come before their children.
  const idx = (n: string): number => list.findIndex((e) => e.name === n);
  assert.equal(byName.get('opt')?.mode, 0o040755);
  assert.ok(idx('opt') < idx('opt/test') && idx('opt/test') < idx('opt/test/conf'));
  assert.equal(byName.get('bin/busybox')?.data.length, busybox.length, 'busybox is still there');
});

test('buildInitramfs() is reproducible and the extra files change the bytes', () => {
  const base = buildInitramfs({ busybox });
  assert.deepEqual(buildInitramfs({ busybox, extraFiles: [] }), base, 'no extra files: the same archive as before');
  const a = buildInitramfs({ busybox, extraFiles: [{ path: 'bin/p', data: new Uint8Array([1]) }] });
  assert.deepEqual(buildInitramfs({ busybox, extraFiles: [{ path: 'bin/p', data: new Uint8Array([1]) }] }), a);
  assert.notDeepEqual(buildInitramfs({ busybox, extraFiles: [{ path: 'bin/p', data: new Uint8Array([2]) }] }), a, 'contents');
  assert.notDeepEqual(buildInitramfs({ busybox, extraFiles: [{ path: 'bin/q', data: new Uint8Array([1]) }] }), a, 'path');
  assert.notDeepEqual(buildInitramfs({ busybox, extraFiles: [{ path: 'bin/p', data: new Uint8Array([1]), mode: 0o700 }] }), a, 'mode');
});

test('buildInitramfs() refuses an extra file that clashes with a standard entry or escapes the root', () => {
  assert.throws(() => buildInitramfs({ busybox, extraFiles: [{ path: 'init', data: new Uint8Array(1) }] }), /added twice/);
  assert.throws(() => buildInitramfs({ busybox, extraFiles: [{ path: '../x', data: new Uint8Array(1) }] }), /Invalid cpio path/);
});
