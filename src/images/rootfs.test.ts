import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XenonError } from '../lib/errors.js';
import { INITTAB } from './rootfs_etc.js';
import { buildRootfsImage, type RootfsOptions } from './rootfs.js';
import { imageRootfsCommand, parseSize } from './rootfs_cli.js';
import { KVER, startArchive, type TestArchive } from './_test_archive.js';
import { missingCommands, skipUnlessAvailable } from '../../tests/harness/prereq.js';

const SKIP = skipUnlessAvailable(missingCommands('dpkg-deb', 'xz', 'mke2fs', 'debugfs', 'e2fsck'));
const MiB = 1 << 20;

async function withArchive(fn: (a: TestArchive, dir: string, opts: Omit<RootfsOptions, 'output'>) => Promise<void>): Promise<void> {
  const archive = await startArchive({ compression: 'xz' });
  const dir = mkdtempSync(join(tmpdir(), 'xenon-rootfs-'));
  const opts = {
    mirror: archive.url, suite: 'testing', keyring: '/nonexistent', allowUnsigned: true, cacheDir: join(dir, 'cache'),
    sizeBytes: 24 * MiB, log: () => undefined, progress: { write: () => true, isTTY: false },
  };
  try {
    await fn(archive, dir, opts);
  } finally {
    await archive.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const debugfs = (image: string, cmd: string): string => execFileSync('debugfs', ['-R', cmd, image], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });

test('buildRootfsImage() makes an ext4 image of the packages, the links, /etc and the modules, and caches the packages', SKIP, async () => {
  await withArchive(async (a, dir, opts) => {
    const output = join(dir, 'root.img');
    const r = await buildRootfsImage({ ...opts, output, hostname: 'unit', extraFiles: [{ path: 'etc/motd', data: new TextEncoder().encode('hi\n') }] });
    assert.equal(r.fromCache, false);
    assert.deepEqual(r.packages.map((p) => [p.name, p.version]), [['base-files', '12.99'], ['netbase', '6.99'], ['busybox-static', '1:1.35.0-4']]);
    assert.equal(readFileSync(output).length, 24 * MiB);
    assert.equal(debugfs(output, 'cat /etc/inittab'), INITTAB);
    assert.equal(debugfs(output, 'cat /etc/debian_version'), '12.99\n');
    assert.equal(debugfs(output, 'cat /etc/services'), 'tcp 1/tcp\n');
    assert.equal(debugfs(output, 'cat /etc/hostname'), 'unit\n');
    assert.equal(debugfs(output, 'cat /etc/motd'), 'hi\n', 'the extra file wins over base-files\' motd');
    assert.deepEqual(new Uint8Array(execFileSync('debugfs', ['-R', 'cat /bin/busybox', output], { stdio: ['ignore', 'pipe', 'ignore'] })), a.busybox);
    assert.match(debugfs(output, 'stat /sbin/init'), /Fast link dest: "\.\.\/bin\/busybox"/);
    assert.match(debugfs(output, 'stat /usr/sbin/arping'), /Fast link dest: "\.\.\/\.\.\/bin\/busybox"/);
    assert.match(debugfs(output, 'stat /etc/os-release'), /Fast link dest: "\.\.\/usr\/lib\/os-release"/);
    assert.match(debugfs(output, `cat /lib/modules/${KVER}/modules.dep`), /^kernel\/fs\/ext4\/ext4\.ko: /m);
    assert.match(debugfs(output, `ls /lib/modules/${KVER}/kernel/fs/ext4`), /ext4\.ko/);
    assert.equal(r.images.rootInitramfs, join(opts.cacheDir!, 'images/initramfs-root.cpio'));

    // The packages are kept: a second build asks the archive for nothing.
    const before = a.requests.length;
    const again = await buildRootfsImage({ ...opts, output: join(dir, 'again.img') });
    assert.equal(again.fromCache, true);
    assert.equal(a.requests.length, before, a.requests.slice(before).join(', '));
    // A damaged cached package is fetched again.
    writeFileSync(join(opts.cacheDir!, again.packages[0]!.path), 'garbage');
    assert.equal((await buildRootfsImage({ ...opts, output: join(dir, 'third.img') })).fromCache, false);
  });
});

test('buildRootfsImage() refuses to replace an existing image unless forced', SKIP, async () => {
  await withArchive(async (a, dir, opts) => {
    const output = join(dir, 'root.img');
    writeFileSync(output, 'precious');
    await assert.rejects(buildRootfsImage({ ...opts, output }), (e: unknown) => e instanceof XenonError && e.code === 'IMAGE_BUILD' && /exists \(pass --force/.test(e.message));
    assert.equal(readFileSync(output, 'utf8'), 'precious');
    assert.equal(a.requests.length, 0, 'refused before anything is fetched');
    await buildRootfsImage({ ...opts, output, force: true });
    assert.equal(readFileSync(output).length, 24 * MiB);
  });
});

test('parseSize() takes K, M and G as powers of 1024 and refuses what is not a size', () => {
  assert.equal(parseSize('256M'), 256 * MiB);
  assert.equal(parseSize('1G'), 1024 * MiB);
  assert.equal(parseSize('65536k'), 64 * MiB);
  assert.equal(parseSize('32MiB'), 32 * MiB);
  assert.equal(parseSize(String(20 * MiB)), 20 * MiB);
  for (const bad of ['', 'big', '1M', '-256M', '256T', '16777217']) assert.throws(() => parseSize(bad), (e: unknown) => e instanceof XenonError && e.code === 'USAGE', bad);
});

/** Runs the command with its output captured. */
async function run(argv: string[]): Promise<{ status: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const status = await imageRootfsCommand(argv, { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s), isTTY: false } });
  return { status, out, err };
}

test('imageRootfsCommand() prints its usage and refuses bad arguments with exit status 2', async () => {
  const help = await run(['--help']);
  assert.equal(help.status, 0);
  assert.match(help.out, /^Usage: xenon image rootfs OUTPUT \[options\]/);
  assert.match(help.out, /--mirror URL/);
  for (const [argv, pattern] of [
    [[], /Give one OUTPUT file, not 0/],
    [['a', 'b'], /not 2/],
    [['a', '--format', 'vmdk'], /format "vmdk": use raw or qcow2/],
    [['a', '--size', '1M'], /size "1M"/],
    [['a', '--hostname', 'bad_name'], /host name "bad_name"/],
    [['--bogus'], /Unknown option '--bogus'/],
  ] as const) {
    const r = await run([...argv]);
    assert.equal(r.status, 2, `${argv.join(' ')}: ${r.err}`);
    assert.match(r.err, pattern);
  }
});

test('imageRootfsCommand() builds the image and prints an xl.cfg that boots it', SKIP, async () => {
  await withArchive(async (a, dir, opts) => {
    const output = join(dir, 'r.qcow2');
    const common = ['--mirror', a.url, '--suite', 'testing', '--keyring', '/nonexistent', '--allow-unsigned', '--cache-dir', opts.cacheDir!];
    const formatOk = !missingCommands('qemu-img');
    const r = await run([output, '--size', '20M', ...(formatOk ? ['--format', 'qcow2'] : []), ...common]);
    assert.equal(r.status, 0, r.err);
    assert.ok(existsSync(output));
    assert.match(r.out, new RegExp(`^rootfs +${output} \\((qcow2|raw), ext4 of 20 MiB, / on /dev/xvda\\)$`, 'm'));
    assert.match(r.out, /^ {2}ramdisk = ".*\/images\/initramfs-root\.cpio"$/m);
    assert.match(r.out, /^ {2}extra = "console=hvc0 root=\/dev\/xvda"$/m);
    assert.match(r.out, new RegExp(`^  disk = \\['format=(qcow2|raw), vdev=xvda, access=rw, target=${output}'\\]$`, 'm'));
    const again = await run([output, ...common]);
    assert.equal(again.status, 10, 'IMAGE_BUILD');
    assert.match(again.err, /it exists/);
  });
});
