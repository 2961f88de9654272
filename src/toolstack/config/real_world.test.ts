import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from './config_error.js';
import { parseDomainConfig, type DomainConfigResult } from './domain_config.js';
import type { DiskSpec } from './disk_spec.js';
import type { NicSpec } from './nic_spec.js';
import { REAL_WORLD_BAD_FIXTURES, REAL_WORLD_FIXTURES, type ExpectedDisk, type ExpectedNic, type GoodExpect } from './_real_world_fixtures.js';

const zeros = (n: number): Uint8Array => new Uint8Array(n);
const parse = (name: string, text: string): DomainConfigResult => parseDomainConfig(text, { source: `${name}.cfg`, random: zeros });

/** The uuid libuuid-style generation makes from all-zero random bytes (version 4, RFC 4122 variant). */
const ZERO_UUID = '00000000-0000-4000-8000-000000000000';

function fullDisk(d: ExpectedDisk): DiskSpec {
  const isCdrom = d.isCdrom ?? false;
  return { format: 'raw', readwrite: true, removable: isCdrom, directIoSafe: false, ...d, isCdrom };
}

function fullNic(n: ExpectedNic, index: number): NicSpec {
  return { devid: index, bridge: 'xenbr0', ...n };
}

function check(name: string, text: string, expect: GoodExpect): void {
  const { config, warnings } = parse(name, text);
  const { disks, nics, ...rest } = config;
  const e = expect.config;
  assert.deepEqual(rest, {
    uuid: ZERO_UUID, maxMemoryMiB: e.memoryMiB, maxVcpus: e.vcpus,
    onPoweroff: 'destroy', onReboot: 'restart', onWatchdog: 'destroy', onCrash: 'destroy', onSoftReset: 'soft-reset', gicVersion: 'default',
    ...e,
  }, `${name}: configuration`);
  assert.deepEqual(disks, expect.disks.map(fullDisk), `${name}: disks`);
  assert.deepEqual(nics, expect.nics.map(fullNic), `${name}: nics`);
  assert.deepEqual(warnings, expect.warnings, `${name}: warnings`);
}

test('the real-world corpus has distinct names and covers the shapes it claims', () => {
  const names = [...REAL_WORLD_FIXTURES, ...REAL_WORLD_BAD_FIXTURES].map((f) => f.name);
  assert.equal(new Set(names).size, names.length);
  assert.ok(REAL_WORLD_FIXTURES.length >= 15, `${REAL_WORLD_FIXTURES.length} good fixtures`);
  assert.ok(REAL_WORLD_BAD_FIXTURES.length >= 5, `${REAL_WORLD_BAD_FIXTURES.length} bad fixtures`);
  const all = REAL_WORLD_FIXTURES.map((f) => f.text).join('\n');
  for (const feature of ['+=', "'", '"', '0x', ' 0400', '^', 'cpu_weight', 'cap', 'maxmem', 'maxvcpus', 'coredump-restart', 'format=qcow2',
    'backendtype=qdisk', 'devtype=cdrom', 'access=ro', 'vdev=xvdb', 'target=', 'file:', 'phy:', 'gic_version', 'vuart', 'bridge=', 'mac=',
    'model=', 'script=', 'vifname=', 'rate=', ';', '\t#']) {
    assert.ok(all.includes(feature), `no fixture uses ${JSON.stringify(feature)}`);
  }
});

for (const { name, text, expect } of REAL_WORLD_FIXTURES) {
  test(`real-world xl.cfg "${name}" parses to the expected configuration`, () => {
    check(name, text, expect);
  });
}

for (const { name, text, expect } of REAL_WORLD_BAD_FIXTURES) {
  test(`real-world xl.cfg "${name}" is refused, naming file, line and key`, () => {
    assert.throws(() => parse(name, text), (e: unknown) => {
      assert.ok(e instanceof ConfigError, `${name}: ${String(e)}`);
      assert.equal(e.message, expect.error);
      assert.equal(e.location.source, `${name}.cfg`);
      assert.equal(e.location.line, expect.line);
      assert.equal(e.location.key, expect.key);
      return true;
    });
  });
}
