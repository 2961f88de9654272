import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collectModules, moduleDepends, moduleNameOf, readModinfo, selectModules } from './modules.js';
import type { TarFile, TarHeader } from './tar.js';
import { fakeModule, fakeModuleTree } from './_test_archive.js';

test('readModinfo() reads the .modinfo section of an ELF64 module', () => {
  const info = readModinfo(fakeModule('xen_blkfront', 'a-b,c'));
  assert.equal(info.get('name'), 'xen_blkfront');
  assert.equal(info.get('license'), 'GPL');
  assert.deepEqual(moduleDepends(fakeModule('x', 'a-b,c')), ['a_b', 'c']);
  assert.deepEqual(moduleDepends(fakeModule('x', '')), []);
  assert.equal(readModinfo(new Uint8Array(100)).size, 0);
  assert.equal(readModinfo(fakeModule('x', '').subarray(0, 80)).size, 0, 'truncated section table');
});

test('moduleNameOf() normalises dashes and strips .ko', () => {
  assert.equal(moduleNameOf('lib/modules/v/kernel/drivers/block/xen-blkfront.ko'), 'xen_blkfront');
  assert.equal(moduleNameOf('virtio-rng.ko.xz'), 'virtio_rng');
});

test('collectModules() follows depends= across passes and returns load order', async () => {
  const tree = fakeModuleTree();
  let passes = 0;
  const extract = async (want: (h: TarHeader) => boolean): Promise<TarFile[]> => {
    passes++;
    return Object.entries(tree)
      .map(([path, data]) => ({ path, type: '0', mode: 0o644, uid: 0, gid: 0, size: data.length, linkName: '', data }))
      .filter((f) => want(f));
  };
  const r = await collectModules(['virtio_blk', 'virtio-net', 'virtio_mmio', 'nonexistent'], extract);
  assert.equal(passes, 3, 'roots; then blk_helper + net_failover; then deep_helper + failover');
  const order = r.modules.map((m) => m.name);
  assert.deepEqual(new Set(order), new Set(['virtio_blk', 'blk_helper', 'deep_helper', 'virtio_net', 'net_failover', 'failover', 'virtio_mmio']));
  const before = (a: string, b: string): boolean => order.indexOf(a) < order.indexOf(b);
  assert.ok(before('deep_helper', 'blk_helper') && before('blk_helper', 'virtio_blk'));
  assert.ok(before('failover', 'net_failover') && before('net_failover', 'virtio_net'));
  assert.deepEqual(r.missing, ['nonexistent']);
  assert.ok(r.builtin.has('virtio_ring'));
});

test('selectModules() picks the roots and their dependencies out of the cached modules, in load order', () => {
  const cached = Object.entries(fakeModuleTree()).filter(([p]) => p.endsWith('.ko')).map(([path, data]) => ({ path, data }));
  const picked = selectModules(['ext4', 'virtio-net', 'not_there'], cached).map((m) => m.path.replace(/.*\//, ''));
  assert.deepEqual(new Set(picked), new Set(['ext4.ko', 'jbd2.ko', 'mbcache.ko', 'crc16.ko', 'virtio_net.ko', 'net_failover.ko', 'failover.ko']));
  assert.ok(picked.indexOf('jbd2.ko') < picked.indexOf('ext4.ko') && picked.indexOf('failover.ko') < picked.indexOf('net_failover.ko'));
  assert.deepEqual(selectModules([], cached), []);
});
