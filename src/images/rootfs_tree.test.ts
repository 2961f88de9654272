import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { layoutRootfs, modulesDep, relativeLink, type RootfsEntry } from './rootfs_tree.js';
import { INITTAB, RC_K, RC_S } from './rootfs_etc.js';
import { ROOT_INIT } from './root_init.js';
import type { TarFile } from './tar.js';
import { fakeModule, KVER } from './_test_archive.js';

const enc = (t: string): Uint8Array => new TextEncoder().encode(t);
const text = (e: RootfsEntry | undefined): string => (e?.kind === 'file' ? new TextDecoder().decode(e.data) : `<${e?.kind ?? 'missing'}>`);

function tar(path: string, type: string, extra: Partial<TarFile> = {}): TarFile {
  const data = extra.data ?? new Uint8Array(0);
  return { path, type, mode: type === '5' ? 0o755 : 0o644, uid: 0, gid: 0, size: data.length, linkName: '', data, ...extra };
}

const BASE_FILES: TarFile[] = [
  tar('', '5'),
  tar('etc', '5'),
  tar('var', '5'),
  tar('var/run', '5'),
  tar('var/local', '5', { mode: 0o2775, gid: 50 }),
  tar('tmp', '5', { mode: 0o1777 }),
  tar('root', '5', { mode: 0o700 }),
  tar('usr/lib/os-release', '0', { data: enc('ID=debian\n') }),
  tar('etc/os-release', '2', { linkName: '../usr/lib/os-release' }),
  tar('usr/share/base-files/profile', '0', { data: enc('# profile\n') }),
  tar('usr/share/base-files/dot.profile', '0', { data: enc('# dot.profile\n') }),
  tar('usr/share/doc/base-files/README', '0', { data: enc('readme\n') }),
  tar('usr/share/doc/base-files/FAQ', '1', { linkName: './usr/share/doc/base-files/README' }),
];
const BUSYBOX: TarFile[] = [tar('bin/busybox', '0', { mode: 0o755, data: enc('ELF') })];
const APPLETS = [
  { name: '[', dir: 'usr/bin' }, { name: 'init', dir: 'sbin' }, { name: 'linuxrc', dir: '' }, { name: 'sh', dir: 'bin' },
  { name: 'busybox', dir: 'bin' }, { name: 'arping', dir: 'usr/sbin' },
];
const MODULES = [
  { path: `lib/modules/${KVER}/kernel/fs/ext4/ext4.ko`, data: fakeModule('ext4', 'mbcache,jbd2,crc16') },
  { path: `lib/modules/${KVER}/kernel/fs/jbd2/jbd2.ko`, data: fakeModule('jbd2', 'crc16') },
  { path: `lib/modules/${KVER}/kernel/fs/mbcache.ko`, data: fakeModule('mbcache', '') },
  { path: `lib/modules/${KVER}/kernel/lib/crc16.ko`, data: fakeModule('crc16', '') },
];

function layout(extra: Partial<Parameters<typeof layoutRootfs>[0]> = {}): Map<string, RootfsEntry> {
  const entries = layoutRootfs({
    packages: [{ name: 'base-files', files: BASE_FILES }, { name: 'busybox-static', files: BUSYBOX }],
    applets: APPLETS, modules: MODULES, ...extra,
  });
  return new Map(entries.map((e) => [e.path, e]));
}

test('layoutRootfs() keeps the packages\' files with their owners and modes, parents before children', () => {
  const entries = layoutRootfs({ packages: [{ name: 'base-files', files: BASE_FILES }], applets: [], modules: [] });
  const paths = entries.map((e) => e.path);
  for (const [i, p] of paths.entries()) {
    const parent = p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '';
    if (parent !== '') assert.ok(paths.indexOf(parent) >= 0 && paths.indexOf(parent) < i, `${parent} before ${p}`);
  }
  const tree = new Map(entries.map((e) => [e.path, e]));
  assert.equal(tree.has(''), false, 'the root is mke2fs\'s');
  assert.deepEqual(tree.get('var/local'), { kind: 'dir', path: 'var/local', mode: 0o2775, uid: 0, gid: 50 });
  assert.equal((tree.get('tmp') as { mode: number }).mode, 0o1777);
  assert.deepEqual(tree.get('etc/os-release'), { kind: 'symlink', path: 'etc/os-release', target: '../usr/lib/os-release', uid: 0, gid: 0 });
  assert.equal(text(tree.get('usr/share/doc/base-files/FAQ')), 'readme\n', 'a hard link becomes a copy');
  assert.deepEqual(tree.get('usr/share'), { kind: 'dir', path: 'usr/share', mode: 0o755, uid: 0, gid: 0 }, 'a missing parent is made');
  // base-files' postinst work: its templates in place.
  assert.equal(text(tree.get('etc/profile')), '# profile\n');
  assert.equal(text(tree.get('root/.profile')), '# dot.profile\n');
});

test('layoutRootfs() links the applets to /bin/busybox relatively, and never over a package file', () => {
  const tree = layout();
  assert.deepEqual(tree.get('bin/sh'), { kind: 'symlink', path: 'bin/sh', target: 'busybox', uid: 0, gid: 0 });
  assert.equal((tree.get('sbin/init') as { target: string }).target, '../bin/busybox');
  assert.equal((tree.get('usr/bin/[') as { target: string }).target, '../../bin/busybox');
  assert.equal((tree.get('usr/sbin/arping') as { target: string }).target, '../../bin/busybox');
  assert.equal(tree.get('bin/busybox')?.kind, 'file', 'the binary stays');
  assert.equal(tree.has('linuxrc'), false);
  assert.equal(relativeLink('a/b/c', 'bin/busybox'), '../../bin/busybox');
  assert.equal(relativeLink('usr/lib/x', 'usr/bin/y'), '../bin/y');
  assert.equal(relativeLink('top', 'bin/busybox'), 'bin/busybox');
});

test('layoutRootfs() writes inittab, rcS, fstab with root on the disk, and the rest of /etc', () => {
  const tree = layout({ hostname: 'guest1' });
  assert.equal(text(tree.get('etc/inittab')), INITTAB);
  assert.match(INITTAB, /^::sysinit:\/bin\/mount -t proc proc \/proc$/m);
  assert.match(INITTAB, /^::sysinit:\/bin\/mount -t sysfs sysfs \/sys$/m);
  assert.match(INITTAB, /^::sysinit:\/bin\/mount -t devtmpfs devtmpfs \/dev$/m);
  assert.match(INITTAB, /^::sysinit:\/etc\/init\.d\/rcS$/m);
  assert.match(INITTAB, /^hvc0::respawn:-\/bin\/sh$/m);
  const rcS = tree.get('etc/init.d/rcS');
  assert.equal(rcS?.kind === 'file' && rcS.mode, 0o755);
  assert.equal(text(rcS), RC_S);
  assert.match(text(tree.get('etc/fstab')), /^\/dev\/xvda \/ ext4 defaults,errors=remount-ro 0 1$/m);
  assert.equal(text(tree.get('etc/hostname')), 'guest1\n');
  assert.match(text(tree.get('etc/hosts')), /^127\.0\.1\.1\tguest1$/m);
  assert.match(text(tree.get('etc/passwd')), /^root:x:0:0:root:\/root:\/bin\/sh$/m);
  const shadow = tree.get('etc/shadow');
  assert.deepEqual(shadow?.kind === 'file' && [shadow.mode, shadow.gid], [0o640, 42]);
  assert.deepEqual(tree.get('dev/console'), { kind: 'chardev', path: 'dev/console', mode: 0o600, uid: 0, gid: 0, major: 5, minor: 1 });
  assert.deepEqual(tree.get('var/run'), { kind: 'symlink', path: 'var/run', target: '../run', uid: 0, gid: 0 }, 'the package\'s directory becomes a link');
  assert.match(text(layout({ rootDevice: '/dev/xvdb' }).get('etc/fstab')), /^\/dev\/xvdb \/ ext4/m);
});

test('layoutRootfs() adds the kernel modules with a modules.dep, and the extra files last', () => {
  const tree = layout({ extraFiles: [{ path: '/etc/hostname', data: enc('override\n') }, { path: 'etc/init.d/S50x', data: enc('#!/bin/sh\n'), mode: 0o755 }] });
  assert.equal(tree.get(`lib/modules/${KVER}/kernel/fs/ext4/ext4.ko`)?.kind, 'file');
  assert.equal(text(tree.get(`lib/modules/${KVER}/modules.dep`)), modulesDep(MODULES, KVER));
  assert.equal(text(tree.get('etc/hostname')), 'override\n');
  assert.equal((tree.get('etc/init.d/S50x') as { mode: number }).mode, 0o755);
});

test('modulesDep() lists every dependency, the first to be loaded last, as depmod does', () => {
  assert.equal(modulesDep(MODULES, KVER), [
    'kernel/fs/ext4/ext4.ko: kernel/fs/jbd2/jbd2.ko kernel/lib/crc16.ko kernel/fs/mbcache.ko\n',
    'kernel/fs/jbd2/jbd2.ko: kernel/lib/crc16.ko\n',
    'kernel/fs/mbcache.ko:\n',
    'kernel/lib/crc16.ko:\n',
  ].join(''));
});

test('the boot scripts are valid shell (sh -n)', { skip: spawnSync('sh', ['-c', 'true']).status === 0 ? false : 'no sh' }, () => {
  for (const [name, script] of [['ROOT_INIT', ROOT_INIT], ['rcS', RC_S], ['rcK', RC_K]] as const) {
    const r = spawnSync('sh', ['-n'], { input: script, encoding: 'utf8' });
    assert.equal(r.status, 0, `${name}: ${r.stderr}`);
  }
});
