import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { formatXlInfo, formatXlList, formatXlUptime, formatXlVcpuList } from './xl_format.js';

const ORACLE = '/work/shared/xen-oracle/outputs/auto-run';
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
  const oracle = `${ORACLE}/min-xl-list.txt`;
  if (existsSync(oracle)) assert.equal(text, readFileSync(oracle, 'utf8'));
});

test('formatXlList() shows a paused domain with p, as xl list does', () => {
  const text = formatXlList([{ name: 'domU-min', domid: 1, memoryMiB: 256, vcpus: 1, flags: { ...none, blocked: true, paused: true }, cpuTimeS: 2.1 }]);
  assert.equal(text.split('\n')[1], 'domU-min                                     1   256     1     -bp---       2.1');
});

test('formatXlUptime() lays out xl uptime as real xl does', () => {
  const text = formatXlUptime([{ name: 'Domain-0', domid: 0, uptimeS: 34 }, { name: 'domU-dev', domid: 2, uptimeS: 19 }]);
  assert.equal(text, 'Name                                ID Uptime\nDomain-0                             0  0:00:34\ndomU-dev                             2  0:00:19\n');
  const oracle = `${ORACLE}/dev-xl-uptime.txt`;
  if (existsSync(oracle)) assert.equal(text, readFileSync(oracle, 'utf8'));
});

test('formatXlVcpuList() lays out xl vcpu-list as real xl does (the oracle capture)', () => {
  const text = formatXlVcpuList([
    { name: 'Domain-0', domid: 0, vcpu: 0, cpu: 0, state: 'blocked', timeS: 14.2 },
    { name: 'Domain-0', domid: 0, vcpu: 1, cpu: 1, state: 'running', timeS: 17.8 },
    { name: 'domU-dev', domid: 2, vcpu: 0, cpu: 0, state: 'blocked', timeS: 2.8 },
  ]);
  const oracle = `${ORACLE}/dev-xl-vcpu-list.txt`;
  assert.equal(text.split('\n')[0], 'Name                                ID  VCPU   CPU State   Time(s) Affinity (Hard / Soft)');
  assert.equal(text.split('\n')[1], 'Domain-0                             0     0    0   -b-      14.2  all / all');
  if (existsSync(oracle)) assert.equal(text, readFileSync(oracle, 'utf8'));
});

test('formatXlInfo() pads keys as xl info does', () => {
  assert.equal(formatXlInfo([['xen_major', 4], ['xen_pagesize', 4096]]), 'xen_major              : 4\nxen_pagesize           : 4096\n');
});
