import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { XenonError } from '../lib/errors.js';
import { debugfsCommands, writeExt4Image } from './ext4_image.js';
import type { RootfsEntry } from './rootfs_tree.js';
import { missingCommands, skipUnlessAvailable } from '../../tests/harness/prereq.js';

const E2FS = skipUnlessAvailable(missingCommands('mke2fs', 'debugfs', 'e2fsck', 'dumpe2fs'));
const QCOW2 = skipUnlessAvailable(missingCommands('mke2fs', 'debugfs', 'e2fsck', 'dumpe2fs', 'qemu-img'));
const MiB = 1 << 20;

/** The tree, with file contents as text so a child process can be handed it as JSON. */
type TextEntry = Exclude<RootfsEntry, { kind: 'file' }> | (Omit<Extract<RootfsEntry, { kind: 'file' }>, 'data'> & { text: string });
const TREE: TextEntry[] = [
  { kind: 'dir', path: 'bin', mode: 0o755, uid: 0, gid: 0 },
  { kind: 'file', path: 'bin/busybox', mode: 0o755, uid: 0, gid: 0, text: 'not really busybox\n' },
  { kind: 'symlink', path: 'bin/sh', target: 'busybox', uid: 0, gid: 0 },
  { kind: 'dir', path: 'dev', mode: 0o755, uid: 0, gid: 0 },
  { kind: 'chardev', path: 'dev/console', mode: 0o600, uid: 0, gid: 0, major: 5, minor: 1 },
  { kind: 'dir', path: 'etc', mode: 0o755, uid: 0, gid: 0 },
  { kind: 'file', path: 'etc/shadow', mode: 0o640, uid: 0, gid: 42, text: 'root:*:1:0:99999:7:::\n' },
  { kind: 'dir', path: 'tmp', mode: 0o1777, uid: 0, gid: 0 },
  { kind: 'dir', path: 'usr', mode: 0o755, uid: 0, gid: 0 },
  { kind: 'dir', path: 'usr/bin', mode: 0o755, uid: 0, gid: 0 },
  { kind: 'symlink', path: 'usr/bin/[', target: '../../bin/busybox', uid: 0, gid: 0 },
  { kind: 'dir', path: 'var', mode: 0o755, uid: 0, gid: 0 },
  { kind: 'dir', path: 'var/local', mode: 0o2775, uid: 0, gid: 50 },
  { kind: 'file', path: 'var/local/owned', mode: 0o4750, uid: 1000, gid: 100, text: 'x' },
];

const toEntries = (tree: readonly TextEntry[]): RootfsEntry[] =>
  tree.map((e) => ('text' in e ? { kind: 'file', path: e.path, mode: e.mode, uid: e.uid, gid: e.gid, data: new TextEncoder().encode(e.text) } : e));

/** An inode's type, permission bits and owner as debugfs's `stat` shows them. */
function inode(image: string, path: string): { type: string; mode: number; uid: number; gid: number } {
  const out = execFileSync('debugfs', ['-R', `stat "${path}"`, image], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const m = /Type: (.+?)\s+Mode:\s+(\d+).*\n.*\nUser:\s+(\d+)\s+Group:\s+(\d+)/.exec(out);
  assert.ok(m, `debugfs stat ${path}: ${out}`);
  return { type: m[1]!, mode: parseInt(m[2]!, 8), uid: Number(m[3]), gid: Number(m[4]) };
}

/**
 * Builds the image as a user other than root: when the tests run as root (CI), a child process as
 * "nobody" does it, so the staged files belong to uid 65534, as they would to any user's build.
 */
async function buildAsNonRoot(dir: string, output: string): Promise<void> {
  if (process.getuid?.() !== 0) return writeExt4Image(toEntries(TREE), output, { sizeBytes: 32 * MiB, format: 'raw' });
  chmodSync(dir, 0o777);
  const module = fileURLToPath(new URL('./ext4_image.js', import.meta.url));
  const child = `
    const { writeExt4Image } = await import(${JSON.stringify(module)});
    const tree = JSON.parse(process.argv[1]);
    const entries = tree.map((e) => ('text' in e ? { ...e, data: new TextEncoder().encode(e.text) } : e));
    await writeExt4Image(entries, ${JSON.stringify(output)}, { sizeBytes: ${32 * MiB}, format: 'raw' });`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', child, JSON.stringify(TREE)], { uid: 65534, gid: 65534, encoding: 'utf8' });
  assert.equal(r.status, 0, `the build as nobody: ${r.stderr}`);
}

/** Runs `fn` with a fresh temporary directory, removed afterwards. */
async function withTmp(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'xenon-ext4-'));
  try {
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('writeExt4Image() built by a user who is not root gives every inode the tree\'s owner and mode', E2FS, () => withTmp(async (dir) => {
  const image = join(dir, 'root.img');
  await buildAsNonRoot(dir, image);
  assert.equal(readFileSync(image).length, 32 * MiB);
  const fsck = spawnSync('e2fsck', ['-fn', image], { encoding: 'utf8' });
  assert.equal(fsck.status, 0, fsck.stdout);
  assert.deepEqual(inode(image, '/'), { type: 'directory', mode: 0o755, uid: 0, gid: 0 });
  assert.deepEqual(inode(image, '/bin/busybox'), { type: 'regular', mode: 0o755, uid: 0, gid: 0 });
  assert.deepEqual(inode(image, '/etc/shadow'), { type: 'regular', mode: 0o640, uid: 0, gid: 42 });
  assert.deepEqual(inode(image, '/tmp'), { type: 'directory', mode: 0o1777, uid: 0, gid: 0 });
  assert.deepEqual(inode(image, '/var/local'), { type: 'directory', mode: 0o2775, uid: 0, gid: 50 });
  assert.deepEqual(inode(image, '/var/local/owned'), { type: 'regular', mode: 0o4750, uid: 1000, gid: 100 });
  assert.deepEqual(inode(image, '/dev/console'), { type: 'character special', mode: 0o600, uid: 0, gid: 0 });
  assert.match(execFileSync('debugfs', ['-R', 'stat /dev/console', image], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }), /Device major\/minor number: 05:01/);
  assert.equal(inode(image, '/usr/bin/[').uid, 0);
  const cat = (p: string): string => execFileSync('debugfs', ['-R', `cat ${p}`, image], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  assert.equal(cat('/etc/shadow'), 'root:*:1:0:99999:7:::\n');
  assert.equal(cat('/bin/busybox'), 'not really busybox\n');
  const link = (p: string): string | undefined =>
    /Fast link dest: "(.*)"/.exec(execFileSync('debugfs', ['-R', `stat "${p}"`, image], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }))?.[1];
  assert.equal(link('/bin/sh'), 'busybox');
  assert.equal(link('/usr/bin/['), '../../bin/busybox');
  const features = execFileSync('dumpe2fs', ['-h', image], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  assert.match(features, /Filesystem volume name:\s+xenon-root/);
  assert.match(features, /Block size:\s+4096/);
  assert.match(features, /Filesystem features:.*has_journal.*extent/);
}));

test('writeExt4Image() writes qcow2 through qemu-img and leaves no temporary files', QCOW2, () => withTmp(async (dir) => {
  const image = join(dir, 'root.qcow2');
  await writeExt4Image(toEntries(TREE), image, { sizeBytes: 20 * MiB, format: 'qcow2', label: 'other', tmpDir: dir });
  const info = JSON.parse(execFileSync('qemu-img', ['info', '--output=json', image], { encoding: 'utf8' })) as { format: string; 'virtual-size': number };
  assert.deepEqual([info.format, info['virtual-size']], ['qcow2', 20 * MiB]);
  const raw = join(dir, 'back.raw');
  execFileSync('qemu-img', ['convert', '-O', 'raw', image, raw]);
  assert.match(execFileSync('dumpe2fs', ['-h', raw], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }), /Filesystem volume name:\s+other/);
  rmSync(raw);
  assert.deepEqual(execFileSync('ls', ['-A', dir], { encoding: 'utf8' }).trim().split('\n'), ['root.qcow2']);
}));

test('writeExt4Image() refuses sizes it cannot make and names debugfs cannot take, and leaves no output', E2FS, () => withTmp(async (dir) => {
  const out = join(dir, 'x.img');
  const isBuildError = (pattern: RegExp) => (e: unknown) => e instanceof XenonError && e.code === 'IMAGE_BUILD' && pattern.test(e.message);
  await assert.rejects(writeExt4Image([], out, { sizeBytes: MiB, format: 'raw' }), isBuildError(/at least 16 MiB/));
  const bad: RootfsEntry = { kind: 'file', path: 'etc/a b', mode: 0o644, uid: 0, gid: 0, data: new Uint8Array(1) };
  await assert.rejects(writeExt4Image([bad], out, { sizeBytes: 16 * MiB, format: 'raw' }), isBuildError(/"etc\/a b".*debugfs/));
  // Too much for the file system: mke2fs fails, and what it said is the cause.
  const big: RootfsEntry = { kind: 'file', path: 'big', mode: 0o644, uid: 0, gid: 0, data: new Uint8Array(20 * MiB).fill(1) };
  await assert.rejects(writeExt4Image([big], out, { sizeBytes: 16 * MiB, format: 'raw' }), (e: unknown) =>
    isBuildError(/Cannot make the ext4 file system: mke2fs exited with status \d+/)(e) && (e as Error).cause instanceof Error);
  assert.equal(existsSync(out), false);
  writeFileSync(out, 'keep');
  await assert.rejects(writeExt4Image([big], out, { sizeBytes: 16 * MiB, format: 'raw' }));
  assert.equal(readFileSync(out, 'utf8'), 'keep', 'a failed build leaves an existing file alone');
}));

test('debugfsCommands() sets owner and mode of every inode, makes device nodes in their directory, and leaves symlink modes', () => {
  assert.equal(debugfsCommands(toEntries(TREE.filter((e) => ['dev/console', 'bin/sh', 'var/local'].includes(e.path)))), [
    'sif /bin/sh uid 0', 'sif /bin/sh gid 0',
    'cd /dev', 'mknod console c 5 1', 'cd /', 'sif /dev/console uid 0', 'sif /dev/console gid 0', 'sif /dev/console mode 020600',
    'sif /var/local uid 0', 'sif /var/local gid 50', 'sif /var/local mode 042775', '',
  ].join('\n'));
});
