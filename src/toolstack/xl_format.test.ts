import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { skipUnlessAvailable } from '../../tests/harness/prereq.js';
import { missingOracle, ORACLE_DIR } from '../../tests/harness/tools.js';
import { formatXlCpuMap, formatXlInfo, formatXlList, formatXlSchedCredit2, formatXlUptime, formatXlVcpuList } from './xl_format.js';

const ORACLE = path.join(ORACLE_DIR, 'outputs', 'auto-run');
const none = { running: false, blocked: false, paused: false, shutdown: false, shutdownCode: null, dying: false };

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

test('xl list -v adds the UUID, the reason code and the security label; the state shows the shutdown reason\'s letter', () => {
  const lines = formatXlList([
    { name: 'Domain-0', domid: 0, memoryMiB: 512, vcpus: 2, flags: { ...none, running: true }, cpuTimeS: 12.4, uuid: '00000000-0000-0000-0000-000000000000' },
    { name: 'crashy', domid: 3, memoryMiB: 128, vcpus: 1, flags: { ...none, shutdown: true, shutdownCode: 3 }, cpuTimeS: 4, uuid: '3def0a1e-72da-4384-b1b4-f05d93db618e' },
  ], { verbose: true }).split('\n');
  assert.equal(lines[0], 'Name                                        ID   Mem VCPUs\tState\tTime(s)   UUID                            Reason-Code\tSecurity Label');
  assert.equal(lines[1], `${'Domain-0'.padEnd(40)}     0   512     2     r-----      12.4 00000000-0000-0000-0000-000000000000        - ${'-'.padStart(16)}`);
  assert.equal(lines[2], `${'crashy'.padEnd(40)}     3   128     1     ---sc-       4.0 3def0a1e-72da-4384-b1b4-f05d93db618e        3 ${'-'.padStart(16)}`);
});

test('formatXlUptime() lays out xl uptime as real xl does', () => {
  const text = formatXlUptime([{ name: 'Domain-0', domid: 0, uptimeS: 34 }, { name: 'domU-dev', domid: 2, uptimeS: 19 }]);
  assert.equal(text, 'Name                                ID Uptime\nDomain-0                             0  0:00:34\ndomU-dev                             2  0:00:19\n');
});

test('formatXlVcpuList() lays out xl vcpu-list as real xl does (the oracle capture)', () => {
  const text = formatXlVcpuList([
    { name: 'Domain-0', domid: 0, vcpu: 0, cpu: 0, state: 'blocked', timeS: 14.2, hard: 3, soft: 3 },
    { name: 'Domain-0', domid: 0, vcpu: 1, cpu: 1, state: 'running', timeS: 17.8, hard: 3, soft: 3 },
    { name: 'domU-dev', domid: 2, vcpu: 0, cpu: 0, state: 'blocked', timeS: 2.8, hard: 3, soft: 3 },
  ], 2);
  assert.equal(text.split('\n')[0], 'Name                                ID  VCPU   CPU State   Time(s) Affinity (Hard / Soft)');
  assert.equal(text.split('\n')[1], 'Domain-0                             0     0    0   -b-      14.2  all / all');
});

test('a pinned, an offline and a waiting vCPU, as xl prints them (the oracle transcript\'s pinned domU-min)', () => {
  const lines = formatXlVcpuList([
    { name: 'domU-min', domid: 1, vcpu: 0, cpu: 0, state: 'blocked', timeS: 2.1, hard: 1, soft: 3 },
    { name: 'domU-min', domid: 1, vcpu: 1, cpu: 1, state: 'offline', timeS: 0, hard: 3, soft: 3 },
    { name: 'domU-min', domid: 1, vcpu: 2, cpu: 1, state: 'runnable', timeS: 0.5, hard: 2, soft: 3 },
  ], 2).split('\n');
  assert.equal(lines[1], 'domU-min                             1     0    0   -b-       2.1  0 / all');
  assert.equal(lines[2], 'domU-min                             1     1    -   --p       0.0  all / all');
  assert.equal(lines[3], 'domU-min                             1     2    1   ---       0.5  1 / all');
});

test('formatXlCpuMap() prints CPU masks as xl\'s print_bitmap does', () => {
  assert.equal(formatXlCpuMap(0b11, 2), 'all');
  assert.equal(formatXlCpuMap(0, 2), 'none');
  assert.equal(formatXlCpuMap(0b1, 2), '0');
  assert.equal(formatXlCpuMap(0b10, 2), '1');
  assert.equal(formatXlCpuMap(0b1101_1101, 8), '0,2-4,6-7');
  assert.equal(formatXlCpuMap(0b1110, 4), '1-3');
  assert.equal(formatXlCpuMap(0b111, 4), '0-2');
});

test('formatXlSchedCredit2() with and without the pool line', () => {
  assert.equal(formatXlSchedCredit2([{ name: 'a-rather-long-domain-name', domid: 12, weight: 65535, cap: 150 }]),
    'Name                                ID Weight  Cap\na-rather-long-domain-name           12  65535  150\n');
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
    { name: 'Domain-0', domid: 0, vcpu: 0, cpu: 0, state: 'blocked', timeS: 14.2, hard: 3, soft: 3 },
    { name: 'Domain-0', domid: 0, vcpu: 1, cpu: 1, state: 'running', timeS: 17.8, hard: 3, soft: 3 },
    { name: 'domU-dev', domid: 2, vcpu: 0, cpu: 0, state: 'blocked', timeS: 2.8, hard: 3, soft: 3 },
  ], 2), oracle('dev-xl-vcpu-list.txt'));
  assert.equal(formatXlSchedCredit2([{ name: 'Domain-0', domid: 0, weight: 256, cap: 0 }, { name: 'domU-dev', domid: 2, weight: 256, cap: 0 }],
    { name: 'Pool-0', ratelimitUs: 1000 }), oracle('dev-xl-sched-credit2.txt'));
});
