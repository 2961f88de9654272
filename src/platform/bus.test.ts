import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MmioBus, type MmioDevice } from './bus.js';

function recorder(name: string): MmioDevice & { log: string[] } {
  const log: string[] = [];
  return {
    name,
    log,
    read: (off, size) => { log.push(`r${size}@${off}`); return 0x1000 + off; },
    write: (off, size, v) => { log.push(`w${size}@${off}=${v.toString(16)}`); },
  };
}

test('MmioBus routes accesses to the device at base-relative offsets and splits 64-bit ones', () => {
  const bus = new MmioBus(new ArrayBuffer(4096), 0x4000_0000);
  const d = recorder('dev');
  bus.map(0x0900_0000, 0x1000, d);
  assert.equal(bus.mmioRead(0x0900_0010, 4, 0), 0x1010n);
  assert.equal(bus.mmioRead(0x0900_0020, 8, 0), (0x1024n << 32n) | 0x1020n);
  assert.equal(bus.mmioWrite(0x0900_0008, 8, 0x1_0000_0002n, 0), true);
  assert.deepEqual(d.log, ['r4@16', 'r4@32', 'r4@36', 'w4@8=2', 'w4@12=1']);
});

test('MmioBus reports unmapped and straddling accesses as aborts (null/false)', () => {
  const bus = new MmioBus(new ArrayBuffer(4096), 0x4000_0000);
  bus.map(0x0900_0000, 0x1000, recorder('dev'));
  assert.equal(bus.mmioRead(0x0a00_0000, 4, 0), null);
  assert.equal(bus.mmioRead(0x0900_0ffe, 4, 0), null);
  assert.equal(bus.mmioWrite(0x0800_0000, 4, 1n, 0), false);
});

test('MmioBus refuses a device overlapping RAM or another device', () => {
  const bus = new MmioBus(new ArrayBuffer(4096), 0x4000_0000);
  bus.map(0x0900_0000, 0x1000, recorder('a'));
  assert.throws(() => bus.map(0x0900_0800, 0x1000, recorder('b')), /overlaps a/);
  assert.throws(() => bus.map(0x4000_0000, 0x10, recorder('c')), /overlaps RAM/);
});
