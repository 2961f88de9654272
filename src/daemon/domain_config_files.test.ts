import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { domainSpecFrom, loadDomainConfig } from './domain_config_files.js';

test('files named by a configuration are bounded before they are read: devices and oversized kernels are refused', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xenon-cfgfiles-'));
  try {
    assert.throws(() => loadDomainConfig('/dev/zero', []), /Cannot read configuration file "\/dev\/zero": not a regular file/);
    const dev = path.join(dir, 'dev.cfg');
    fs.writeFileSync(dev, 'name = "d"\nkernel = "/dev/zero"\nmemory = 16\n');
    assert.throws(() => domainSpecFrom(loadDomainConfig(dev, [])), /Cannot read kernel "\/dev\/zero": not a regular file/);
    const big = path.join(dir, 'big.img');
    fs.writeFileSync(big, new Uint8Array(17 * 1024 * 1024));
    const cfg = path.join(dir, 'big.cfg');
    fs.writeFileSync(cfg, 'name = "b"\nkernel = "big.img"\nmemory = 16\n');
    assert.throws(() => domainSpecFrom(loadDomainConfig(cfg, [])), /Cannot use kernel ".*big\.img": 17825792 bytes, more than the 16777216 it may have/);
    assert.throws(() => loadDomainConfig(dir, []), /it is a directory/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('disk entries reach the spec with their targets taken from the file\'s directory; empty drives and HVM disks are refused', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xenon-cfgdisks-'));
  try {
    fs.writeFileSync(path.join(dir, 'Image'), new Uint8Array(4096));
    const write = (name: string, body: string) => {
      const f = path.join(dir, name);
      fs.writeFileSync(f, `name = "d"\nkernel = "Image"\nmemory = 16\n${body}`);
      return f;
    };
    const ok = domainSpecFrom(loadDomainConfig(write('ok.cfg', 'disk = [ "disk.img,raw,xvda,rw", "format=qcow2,vdev=xvdb,target=/srv/b.qcow2" ]\n'), []));
    assert.deepEqual(ok.disks?.map((d) => [d.spec.vdev, d.spec.format, d.image]), [['xvda', 'raw', path.join(dir, 'disk.img')], ['xvdb', 'qcow2', '/srv/b.qcow2']]);
    assert.throws(() => domainSpecFrom(loadDomainConfig(write('cd.cfg', 'disk = [ ",,hdc:cdrom,r" ]\n'), [])), /cd\.cfg:4: "disk": "hdc": empty drives are not supported yet/);
    assert.throws(() => domainSpecFrom(loadDomainConfig(write('hvm.cfg', 'type = "hvm"\ndisk = [ "disk.img,raw,xvda,rw" ]\n'), [])), /HVM domains cannot have disks yet/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
