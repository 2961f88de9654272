import { test } from 'node:test';
import assert from 'node:assert/strict';
import { vdevToDevid } from './vdev.js';

test('vdevToDevid() numbers disks as libxl__device_disk_dev_number does', () => {
  const table: [string, number][] = [
    ['xvda', 51712], // 202 << 8
    ['xvdb', 51728], // disk 1 << 4
    ['xvda1', 51713],
    ['xvdb1', 51729],
    ['xvda15', 51727],
    ['xvdp', 51952], // disk 15, the last in the compact form
    ['xvdq', (1 << 28) | (16 << 8)], // 268439552: disk 16 needs the extended form
    ['xvda16', (1 << 28) | 16], // so does partition 16
    ['xvdz', (1 << 28) | (25 << 8)],
    ['xvdaa', (1 << 28) | (26 << 8)], // letters count in bijective base 26
    ['xvdaz', (1 << 28) | (51 << 8)],
    ['d0p1', 51713],
    ['d16p0', (1 << 28) | (16 << 8)],
    ['hda', 768], // 3 << 8
    ['hdb', 832], // 3 << 8 | 1 << 6
    ['hdc', 5632], // 22 << 8
    ['hdd', 5696],
    ['hda1', 769],
    ['hda63', 831],
    ['sda', 2048], // 8 << 8
    ['sdb', 2064],
    ['sdp15', 2303],
    ['51712', 51712], // a plain number is taken as the device number
    ['0xca00', 51712],
  ];
  for (const [vdev, devid] of table) assert.equal(vdevToDevid(vdev), devid, vdev);
});

test('vdevToDevid() refuses names libxl cannot number', () => {
  for (const vdev of ['', 'xvd', 'xvda0', 'xvda01', 'xvda256', 'xvdA', 'xvda-1', 'hde', 'hda64', 'sdq', 'sda16', 'vda', 'd0p256', '2147483648', 'xvda 1']) {
    assert.equal(vdevToDevid(vdev), undefined, vdev);
  }
});
