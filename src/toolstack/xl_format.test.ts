import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { skipUnlessAvailable } from '../../tests/harness/prereq.js';
import { missingOracle, ORACLE_DIR } from '../../tests/harness/tools.js';
import { formatXlInfo, formatXlList, formatXlUptime, formatXlVcpuList } from './xl_format.js';

const ORACLE = path.join(ORACLE_DIR, 'outputs', 'auto-run');
const none = { running: false, blocked: false, paused: false, shutdown: false, crashed: false, dying: false };

test('formatXlList() lays out xl list as real xl does (the oracle capture)', () => {
  const text = formatXlList([
    { name: 'Domain-0', domid: 0, memoryMiB: 512, vcpus: 2, flags: { ...none, running: true }, cpuTimeS: 12.4 },
    { name: 'domU-min', domid: 1, memoryMiB: 256, vcpus: 1, flags: { ...none, blocked: true }, cpuTimeS: 2.1 },
  ]);
  const expected = 'Name                                        ID   Mem VCPUs\tState\tTime(s)\n'
    + 'Domain-0                                     0   512     2     r-----      12.4\n'
    + 'domU-min                                     1   256     1     -b----       2.1\n';
  assert.equal(text, expected);
});

test('formatXlList() shows a paused domain with p, as xl list does', () => {
  const text = formatXlList([{ name: 'domU-min', domid: 1, memoryMiB: 256, vcpus: 1, flags: { ...none, blocked: true, paused: true }, cpuTimeS: 2.1 }]);
  assert.equal(text.split('\n')[1], 'domU-min                                     1   256     1     -bp---       2.1');
});

test('formatXlUptime() lays out xl uptime as real xl does', () => {
  const text = formatXlUptime([{ name: 'Domain-0', domid: 0, uptimeS: 34 }, { name: 'domU-dev', domid: 2, uptimeS: 19 }]);
  assert.equal(text, 'Name                                ID Uptime\nDomain-0                             0  0:00:34\ndomU-dev                             2  0:00:19\n');
});

test('formatXlVcpuList() lays out xl vcpu-list as real xl does (the oracle capture)', () => {
  const text = formatXlVcpuList([
    { name: 'Domain-0', domid: 0, vcpu: 0, cpu: 0, state: 'blocked', timeS: 14.2 },
    { name: 'Domain-0', domid: 0, vcpu: 1, cpu: 1, state: 'running', timeS: 17.8 },
    { name: 'domU-dev', domid: 2, vcpu: 0, cpu: 0, state: 'blocked', timeS: 2.8 },
  ]);
  assert.equal(text.split('\n')[0], 'Name                                ID  VCPU   CPU State   Time(s) Affinity (Hard / Soft)');
  assert.equal(text.split('\n')[1], 'Domain-0                             0     0    0   -b-      14.2  all / all');
});

test('formatXlInfo() pads keys as xl info does', () => {
  assert.equal(formatXlInfo([['xen_major', 4], ['xen_pagesize', 4096]]), 'xen_major              : 4\nxen_pagesize           : 4096\n');
});

test('the tables equal the oracle\'s captures of real xl byte for byte', skipUnlessAvailable(missingOracle()), () => {
  const oracle = (f: string) => readFileSync(path.join(ORACLE, f), 'utf8');
  assert.equal(formatXlList([
    { name: 'Domain-0', domid: 0, memoryMiB: 512, vcpus: 2, flags: { ...none, running: true }, cpuTimeS: 12.4 },
    { name: 'domU-min', domid: 1, memoryMiB: 256, vcpus: 1, flags: { ...none, blocked: true }, cpuTimeS: 2.1 },
  ]), oracle('min-xl-list.txt'));
  assert.equal(formatXlUptime([{ name: 'Domain-0', domid: 0, uptimeS: 34 }, { name: 'domU-dev', domid: 2, uptimeS: 19 }]), oracle('dev-xl-uptime.txt'));
  assert.equal(formatXlVcpuList([
    { name: 'Domain-0', domid: 0, vcpu: 0, cpu: 0, state: 'blocked', timeS: 14.2 },
    { name: 'Domain-0', domid: 0, vcpu: 1, cpu: 1, state: 'running', timeS: 17.8 },
    { name: 'domU-dev', domid: 2, vcpu: 0, cpu: 0, state: 'blocked', timeS: 2.8 },
  ]), oracle('dev-xl-vcpu-list.txt'));
});
