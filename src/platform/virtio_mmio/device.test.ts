import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VirtioMmioTransport } from './device.js';
import { VIRTIO_MMIO_REGS as R } from './regs.js';

test('an empty virtio-mmio transport identifies itself as QEMU\'s: magic, version 2, device ID 0, vendor QEMU', () => {
  const t = new VirtioMmioTransport();
  assert.equal(t.read(R.MAGIC_VALUE, 4), 0x7472_6976);
  assert.equal(t.read(R.VERSION, 4), 2);
  assert.equal(t.read(R.DEVICE_ID, 4), 0);
  assert.equal(t.read(R.VENDOR_ID, 4), 0x554d_4551);
});

test('an empty virtio-mmio transport reads every other register and its config space as zero', () => {
  const t = new VirtioMmioTransport();
  // DeviceFeatures, QueueNumMax, InterruptStatus, Status, ConfigGeneration, config space.
  for (const off of [0x010, 0x034, 0x060, 0x070, 0x0fc, 0x100, 0x1fc]) assert.equal(t.read(off, 4), 0, `offset 0x${off.toString(16)}`);
});

test('narrow reads take the low bytes of the register, as QEMU\'s memory core does', () => {
  const t = new VirtioMmioTransport();
  assert.equal(t.read(R.MAGIC_VALUE, 1), 0x76); // 'v'
  assert.equal(t.read(R.MAGIC_VALUE, 2), 0x6976);
  assert.equal(t.read(R.MAGIC_VALUE + 1, 1), 0);
  assert.equal(t.read(R.MAGIC_VALUE + 2, 4), 0, 'unaligned');
  assert.equal(t.metrics.badAccesses, 1);
});

test('writes to an empty transport are ignored', () => {
  const t = new VirtioMmioTransport();
  for (const off of [R.MAGIC_VALUE, R.VERSION, 0x070, 0x030, 0x100]) t.write(off, 4, 0xffff_ffff);
  assert.equal(t.read(R.MAGIC_VALUE, 4), 0x7472_6976);
  assert.equal(t.read(R.VERSION, 4), 2);
  assert.equal(t.read(0x070, 4), 0, 'Status stays 0: there is no device to acknowledge');
  assert.equal(t.metrics.writes, 5);
});

test('saved state is versioned and refuses a transport that had a device', () => {
  const t = new VirtioMmioTransport();
  const bytes = t.save();
  new VirtioMmioTransport().restore(bytes);
  const withDevice = bytes.slice();
  withDevice[4] = 2; // virtio-blk
  assert.throws(() => t.restore(withDevice), /device ID 2/);
  const future = bytes.slice();
  future[0] = 9;
  assert.throws(() => t.restore(future), /version 9/);
  assert.throws(() => t.restore(new Uint8Array(3)), /8 bytes/);
});
