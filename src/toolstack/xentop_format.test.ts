import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatXentop, formatXentopSummary, type XentopRow } from './xentop_format.js';

const row = (over: Partial<XentopRow>): XentopRow => ({
  name: 'Domain-0', domid: 0, dying: false, shutdown: false, blocked: false, crashed: false, paused: false, running: true,
  cpuNs: 12.9e9, memKiB: 524288, maxMemKiB: 524288, vcpus: [{ online: true, ns: 12.9e9 }, { online: true, ns: 0 }], ...over,
});

test('xentop -b: the header and each domain\'s columns as xentop prints them, sorted by name', () => {
  const text = formatXentop([
    row({ name: 'zeta', domid: 2, running: false, blocked: true, cpuNs: 3.2e9, memKiB: 131072, maxMemKiB: 131072, vcpus: [{ online: true, ns: 3.2e9 }] }),
    row({}),
  ], { totalMemKiB: 2097152, cpuPct: new Map([[2, 1.25]]) });
  const lines = text.split('\n');
  assert.equal(lines[0], '      NAME  STATE   CPU(sec) CPU(%)     MEM(k) MEM(%)  MAXMEM(k) MAXMEM(%) VCPUS NETS NETTX(k) NETRX(k) VBDS   VBD_OO   VBD_RD   VBD_WR  VBD_RSECT  VBD_WSECT SSID');
  assert.equal(lines[1], '  Domain-0 -----r         12    0.0     524288   25.0     524288      25.0     2    0        0        0    0        0        0        0          0          0    0');
  assert.equal(lines[2], '      zeta --b---          3    1.2     131072    6.2     131072       6.2     1    0        0        0    0        0        0        0          0          0    0');
  assert.equal(lines.length, 4);
});

test('xentop -f -v -r -z: full names, per-vCPU seconds, a header per domain, Domain-0 first; a long name is cut without -f', () => {
  const rows = [row({ name: 'a-very-long-domain-name', domid: 3, vcpus: Array.from({ length: 6 }, (_, i) => ({ online: i !== 1, ns: i * 1e9 })) }), row({})];
  const full = formatXentop(rows, { totalMemKiB: 2097152, cpuPct: new Map(), fullName: true, vcpus: true, repeatHeader: true, dom0First: true }).split('\n');
  assert.match(full[0]!, /^ {19}NAME  STATE/);
  assert.match(full[1]!, /^ {15}Domain-0 -----r/);
  assert.equal(full[2], 'VCPUs(sec):   0:         12s  1:          0s');
  assert.match(full[3]!, /^ {19}NAME/);
  assert.match(full[4]!, /^a-very-long-domain-name -----r/);
  assert.equal(full[5], 'VCPUs(sec):   0:          0s  2:          2s  3:          3s  4:          4s');
  assert.equal(full[6], '          5:          5s', 'five vCPUs a line');
  assert.match(formatXentop([rows[0]!], { totalMemKiB: 1, cpuPct: new Map() }), /^ {6}NAME[^\n]*\na-very-lon -----r/);
  assert.match(formatXentop([row({ maxMemKiB: null })], { totalMemKiB: 2097152, cpuPct: new Map() }), /  no limit       n\/a /);
});

test('xentop\'s summary counts each domain once, in its first state', () => {
  assert.equal(formatXentopSummary([row({}), row({ running: false, blocked: true }), row({ running: false, shutdown: true, crashed: true })], {
    time: '12:00:00', xenVersion: '4.17.7', totalMemKiB: 2000, freeMemKiB: 500, cpus: 2, cpuMhz: 62.5,
  }), 'xentop - 12:00:00   Xen 4.17.7\n3 domains: 1 running, 1 blocked, 0 paused, 0 crashed, 0 dying, 1 shutdown \nMem: 2000k total, 1500k used, 500k free    CPUs: 2 @ 62MHz\n');
});
