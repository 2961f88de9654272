import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CpioWriter, cpioPath } from './index.js';
import { missingCommands, skipUnlessAvailable } from '../../../tests/harness/prereq.js';

const CPIO = skipUnlessAvailable(missingCommands('cpio'));
const IS_ROOT = process.getuid?.() === 0;
const MTIME = 1_700_000_000;

function sample(): Uint8Array {
  const w = new CpioWriter();
  w.addDirectory('/dev', { mode: 0o755, mtime: MTIME });
  w.addDevice('/dev/console', { kind: 'char', major: 5, minor: 1 }, { mode: 0o600, mtime: MTIME });
  w.addDevice('dev/sda', { kind: 'block', major: 8, minor: 0 }, { mode: 0o660, gid: 6, mtime: MTIME });
  w.addFile('/bin/busybox', new TextEncoder().encode('#!fake busybox\n'), { mode: 0o755, mtime: MTIME });
  w.addSymlink('/bin/sh', 'busybox', { mtime: MTIME });
  w.addFile('/init', new TextEncoder().encode('#!/bin/sh\necho hi\n'), { mode: 0o755, uid: 1000, gid: 100, mtime: MTIME });
  w.addFile('/etc/empty', new Uint8Array(0), { mode: 0o600, mtime: MTIME });
  w.addFifo('/run/fifo', { mtime: MTIME });
  return w.finish();
}

function withTemp<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'xenon-cpio-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('CpioWriter.finish() writes 070701 headers, 4-byte alignment and a trailer', () => {
  const a = sample();
  const text = new TextDecoder('latin1').decode(a);
  assert.equal(text.slice(0, 6), '070701');
  assert.equal(a.length % 4, 0);
  assert.ok(text.includes('TRAILER!!!\0'));
  // Every header starts on a 4-byte boundary.
  let count = 0;
  for (let i = text.indexOf('070701'); i >= 0; i = text.indexOf('070701', i + 1)) {
    assert.equal(i % 4, 0);
    count++;
  }
  // dev, dev/console, dev/sda, bin (implicit), bin/busybox, bin/sh, init, etc, etc/empty, run, run/fifo, trailer.
  assert.equal(count, 12);
  // The first header: ino 1, mode 040755, nlink 2, mtime, namesize 4 ("dev\0").
  const f = (i: number): number => parseInt(text.slice(6 + i * 8, 14 + i * 8), 16);
  assert.deepEqual([f(0), f(1), f(4), f(5), f(11)], [1, 0o40755, 2, MTIME, 4]);
});

test('CpioWriter output lists with cpio -tv as written', CPIO, () => {
  const listing = execFileSync('cpio', ['-tvn', '--quiet'], { input: sample() }).toString().trim().split('\n');
  // "perms links uid gid size-or-major,minor Mon day year name [-> target]"
  const row = /^(\S+)\s+\d+\s+(\S+)\s+(\S+)\s+(.*?)\s+\w{3}\s+\d+\s+(?:\d{4}|\d\d:\d\d)\s+(.*?)(?: -> (.*))?$/;
  const byName = new Map(
    listing.map((l) => {
      const m = row.exec(l);
      assert.ok(m, `unparsable cpio -tv line "${l}"`);
      return [m[5], { perms: m[1], uid: m[2], gid: m[3], size: m[4]?.replace(/\s+/g, ' '), target: m[6] }] as const;
    }),
  );
  assert.deepEqual([...byName.keys()], [
    'dev', 'dev/console', 'dev/sda', 'bin', 'bin/busybox', 'bin/sh', 'init', 'etc', 'etc/empty', 'run', 'run/fifo',
  ]);
  assert.deepEqual(byName.get('dev/console'), { perms: 'crw-------', uid: '0', gid: '0', size: '5, 1', target: undefined });
  assert.equal(byName.get('dev/sda')?.perms, 'brw-rw----');
  assert.equal(byName.get('dev/sda')?.size, '8, 0');
  assert.equal(byName.get('bin/sh')?.perms, 'lrwxrwxrwx');
  assert.equal(byName.get('bin/sh')?.target, 'busybox');
  assert.deepEqual(byName.get('init'), { perms: '-rwxr-xr-x', uid: '1000', gid: '100', size: '18', target: undefined });
  assert.equal(byName.get('run/fifo')?.perms, 'prw-r--r--');
});

test('CpioWriter output extracts with cpio -idv to the right contents and modes', CPIO, () => {
  withTemp((dir) => {
    const archive = join(dir, 'a.cpio');
    writeFileSync(archive, sample());
    const root = join(dir, 'root');
    // Unprivileged users cannot create device nodes: leave them out there.
    const args = ['-idmv', '--quiet', '-D', root, '-F', archive, ...(IS_ROOT ? [] : ['-f', 'dev/*'])];
    execFileSync('mkdir', ['-p', root]);
    execFileSync('cpio', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    assert.equal(readFileSync(join(root, 'init'), 'utf8'), '#!/bin/sh\necho hi\n');
    assert.equal(lstatSync(join(root, 'init')).mode, 0o100755);
    assert.equal(lstatSync(join(root, 'init')).mtimeMs, MTIME * 1000);
    assert.equal(lstatSync(join(root, 'bin/busybox')).mode, 0o100755);
    assert.equal(readlinkSync(join(root, 'bin/sh')), 'busybox');
    assert.equal(lstatSync(join(root, 'etc/empty')).size, 0);
    assert.equal(lstatSync(join(root, 'etc/empty')).mode, 0o100600);
    assert.equal(lstatSync(join(root, 'bin')).mode, 0o40755);
    assert.ok(lstatSync(join(root, 'run/fifo')).isFIFO());
    if (IS_ROOT) {
      const con = lstatSync(join(root, 'dev/console'));
      assert.ok(con.isCharacterDevice());
      assert.equal(con.rdev, (5 << 8) | 1);
      assert.equal(con.mode & 0o7777, 0o600);
      assert.equal(lstatSync(join(root, 'init')).uid, 1000);
    }
  });
});

test('CpioWriter rejects duplicates, bad paths and files under non-directories', () => {
  const w = new CpioWriter();
  w.addFile('a', new Uint8Array(1));
  assert.throws(() => w.addFile('/a', new Uint8Array(1)), /added twice/);
  assert.throws(() => w.addFile('a/b', new Uint8Array(1)), /not a directory/);
  assert.throws(() => w.addFile('../x', new Uint8Array(1)), /Invalid cpio path/);
  assert.throws(() => w.addFile('/', new Uint8Array(1)), /Invalid cpio path/);
  assert.throws(() => w.addFile('m', new Uint8Array(1), { mode: 0o10000 }), /outside 07777/);
  assert.throws(() => w.addSymlink('l', ''), /symlink target/);
  w.addDirectory('d').addDirectory('/d/');
  assert.equal(cpioPath('./x//y/'), 'x/y');
});
