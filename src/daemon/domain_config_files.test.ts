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
