import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseDomainConfig } from './domain_config.js';
import { domainConfigToLibxlJson, formatXlJson, type JsonValue } from './to_json.js';
import { ORACLE_DIR, missingOracle } from '../../../tests/harness/tools.js';
import { skipUnlessAvailable } from '../../../tests/harness/prereq.js';
import { DOMU_DEV_CFG, DOMU_DEV_LIST_L_CONFIG, DOMU_MIN_CFG } from './_oracle_fixtures.js';

const ORACLE_JSON = `${ORACLE_DIR}/outputs/auto-run/dev-xl-list-l.json`;
const parse = (text: string) => parseDomainConfig(text, { source: 'domU.cfg', random: (n) => new Uint8Array(n) }).config;

test('the list -l fixture matches the oracle file', skipUnlessAvailable(missingOracle()), () => {
  const oracle = JSON.parse(readFileSync(ORACLE_JSON, 'utf8')) as { domid: number; config: unknown }[];
  assert.deepEqual(oracle.find((d) => d.domid === 2)!.config, DOMU_DEV_LIST_L_CONFIG);
});

test('domainConfigToLibxlJson() matches what xl list -l printed for domU-dev, field order included', () => {
  // xl generated the uuid; everything else comes from domU-dev.cfg and libxl's defaults.
  const uuid = (DOMU_DEV_LIST_L_CONFIG as { c_info: { uuid: string } }).c_info.uuid;
  const json = domainConfigToLibxlJson({ ...parse(DOMU_DEV_CFG), uuid });
  assert.equal(JSON.stringify(json), JSON.stringify(DOMU_DEV_LIST_L_CONFIG));
});

test('formatXlJson() reproduces xl list -l\'s layout byte for byte', skipUnlessAvailable(missingOracle()), () => {
  const text = readFileSync(ORACLE_JSON, 'utf8');
  // xl prints the document, then a newline of its own.
  assert.equal(`${formatXlJson(JSON.parse(text) as JsonValue)}\n`, text);
});

test('formatXlJson() prints empty containers with a blank line and escapes like yajl', () => {
  assert.equal(formatXlJson({ a: {}, b: [], s: 'q"\\/\n\x01é' }), '{\n    "a": {\n\n    },\n    "b": [\n\n    ],\n    "s": "q\\"\\\\/\\n\\u0001é"\n}\n');
});

test('domainConfigToLibxlJson() leaves out defaults and prints the rest in libxl\'s forms', () => {
  const json = domainConfigToLibxlJson(parse(DOMU_MIN_CFG)) as Record<string, Record<string, unknown>>;
  assert.equal('acpi' in json.b_info!, false);
  assert.equal('disks' in json, false);
  assert.deepEqual(Object.keys(json).slice(2), ['on_reboot', 'on_crash', 'on_soft_reset']);

  const config = parse(`name = "g"\nkernel = "k"\nvcpus = 2\ncpus = "all,^1"\ngic_version = "v2"\nvuart = "sbsa_uart"\non_reboot = "rename-restart"
disk = ['/i.iso,,xvdb,cdrom,no-discard']\nvif = ['rate=1MB/s@20ms,mtu=9000']`);
  const full = domainConfigToLibxlJson(config, { domid: 7, host: { nrCpus: 4, nodeCpus: [[0, 1, 2, 3]] } }) as Record<string, Record<string, unknown>>;
  assert.equal(full.c_info!.domid, 7);
  assert.deepEqual(full.b_info!.vcpu_hard_affinity, [[0, 2, 3], [0, 2, 3]]);
  assert.deepEqual(full.b_info!.arch_arm, { gic_version: 'v2', vuart: 'sbsa_uart' });
  assert.equal(full.on_reboot, 'restart_rename');
  assert.deepEqual(full.disks, [{ pdev_path: '/i.iso', vdev: 'xvdb', format: 'raw', removable: 1, is_cdrom: 1, discard_enable: 'False', colo_restore_enable: 'False' }]);
  assert.deepEqual(full.nics, [{ devid: 0, mtu: 9000, mac: '00:16:3e:00:00:00', bridge: 'xenbr0', nictype: 'vif', rate_bytes_per_interval: 20000, rate_interval_usecs: 20000 }]);
});
