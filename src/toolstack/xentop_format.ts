/**
 * xentop's table (tools/xentop/xentop.c): the header and one line per domain, laid out column for
 * column as xentop prints them in batch mode, with the per-vCPU line of `-v`. Xenon has no
 * networks or block devices yet, so those columns count none.
 */
import { cFixed } from '../lib/c_format.js';

/** One domain, sampled. */
export interface XentopRow {
  readonly name: string;
  readonly domid: number;
  readonly dying: boolean;
  readonly shutdown: boolean;
  readonly blocked: boolean;
  readonly crashed: boolean;
  readonly paused: boolean;
  readonly running: boolean;
  readonly cpuNs: number;
  readonly memKiB: number;
  /** null: no limit. */
  readonly maxMemKiB: number | null;
  readonly vcpus: readonly { readonly online: boolean; readonly ns: number }[];
}

export interface XentopOptions {
  /** The host's memory, for the percentages. */
  readonly totalMemKiB: number;
  /** CPU percentage of each domain since the previous sample (by domid); 0 without one. */
  readonly cpuPct: ReadonlyMap<number, number>;
  /** -f: names in full (right-aligned to the longest) instead of cut to 10 characters. */
  readonly fullName?: boolean;
  /** -v: a line of per-vCPU seconds under each domain. */
  readonly vcpus?: boolean;
  /** -r: the header before each domain. */
  readonly repeatHeader?: boolean;
  /** -z: Domain-0 first, the rest sorted. */
  readonly dom0First?: boolean;
}

const FIELDS: readonly (readonly [string, number])[] = [
  ['NAME', 10], ['STATE', 6], ['CPU(sec)', 10], ['CPU(%)', 6], ['MEM(k)', 10], ['MEM(%)', 6], ['MAXMEM(k)', 10], ['MAXMEM(%)', 9], ['VCPUS', 5],
  ['NETS', 4], ['NETTX(k)', 8], ['NETRX(k)', 8], ['VBDS', 4], ['VBD_OO', 8], ['VBD_RD', 8], ['VBD_WR', 8], ['VBD_RSECT', 10], ['VBD_WSECT', 10], ['SSID', 4],
];

const pct = (part: number, whole: number) => cFixed(whole > 0 ? (part / whole) * 100 : 0, 1);

/** One iteration of `xentop -b`: sorted by name (xentop's default sort), each row under the header. */
export function formatXentop(rows: readonly XentopRow[], o: XentopOptions): string {
  const nameWidth = o.fullName === true ? Math.max(10, ...rows.map((r) => r.name.length)) : 10;
  const header = FIELDS.map(([h, w], i) => h.padStart(i === 0 ? nameWidth : w)).join(' ');
  const byName = (a: XentopRow, b: XentopRow) => {
    const x = a.name.toLowerCase();
    const y = b.name.toLowerCase();
    return x < y ? -1 : x > y ? 1 : 0;
  };
  const dom0 = o.dom0First === true ? rows.filter((r) => r.name === 'Domain-0') : [];
  const sorted = [...dom0, ...rows.filter((r) => !dom0.includes(r)).sort(byName)];
  const out: string[] = [];
  sorted.forEach((r, i) => {
    if (i === 0 || o.repeatHeader === true) out.push(header);
    const state = [r.dying ? 'd' : '-', r.shutdown ? 's' : '-', r.blocked ? 'b' : '-', r.crashed ? 'c' : '-', r.paused ? 'p' : '-', r.running ? 'r' : '-'].join('');
    const name = o.fullName === true ? r.name.padStart(nameWidth) : r.name.slice(0, 10).padStart(10);
    const cols = [
      name, state, String(Math.floor(r.cpuNs / 1e9)).padStart(10), cFixed(o.cpuPct.get(r.domid) ?? 0, 1).padStart(6),
      String(r.memKiB).padStart(10), pct(r.memKiB, o.totalMemKiB).padStart(6),
      (r.maxMemKiB === null ? 'no limit' : String(r.maxMemKiB)).padStart(10), (r.maxMemKiB === null ? 'n/a' : pct(r.maxMemKiB, o.totalMemKiB)).padStart(9),
      String(r.vcpus.length).padStart(5), '0'.padStart(4), '0'.padStart(8), '0'.padStart(8), '0'.padStart(4),
      '0'.padStart(8), '0'.padStart(8), '0'.padStart(8), '0'.padStart(10), '0'.padStart(10), '0'.padStart(4),
    ];
    out.push(cols.join(' '));
    if (o.vcpus === true) {
      let line = 'VCPUs(sec): ';
      r.vcpus.forEach((v, k) => {
        if (!v.online) return;
        if (k !== 0 && k % 5 === 0) line += '\n        ';
        line += ` ${String(k).padStart(2)}: ${String(Math.floor(v.ns / 1e9)).padStart(10)}s`;
      });
      out.push(line);
    }
  });
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}

/** xentop's summary above the table (interactive mode only). */
export function formatXentopSummary(rows: readonly XentopRow[], o: { readonly time: string; readonly xenVersion: string; readonly totalMemKiB: number; readonly freeMemKiB: number; readonly cpus: number; readonly cpuMhz: number }): string {
  const count = (f: (r: XentopRow) => boolean) => rows.filter(f).length;
  const run = count((r) => r.running);
  const block = count((r) => !r.running && r.blocked);
  const pause = count((r) => !r.running && !r.blocked && r.paused);
  const shut = count((r) => !r.running && !r.blocked && !r.paused && r.shutdown);
  const crash = count((r) => !r.running && !r.blocked && !r.paused && !r.shutdown && r.crashed);
  const dying = count((r) => !r.running && !r.blocked && !r.paused && !r.shutdown && !r.crashed && r.dying);
  return [
    `xentop - ${o.time}   Xen ${o.xenVersion}`,
    `${rows.length} domains: ${run} running, ${block} blocked, ${pause} paused, ${crash} crashed, ${dying} dying, ${shut} shutdown `,
    `Mem: ${o.totalMemKiB}k total, ${o.totalMemKiB - o.freeMemKiB}k used, ${o.freeMemKiB}k free    CPUs: ${o.cpus} @ ${Math.floor(o.cpuMhz)}MHz`,
  ].join('\n') + '\n';
}
