/**
 * `xenon top`: a live table of the domains as xentop shows it (xl top runs xentop), refreshed
 * every few seconds; `-b` prints the table in batch mode for scripts, `-i N` stops after N
 * iterations.
 */
import { parseArgs } from 'node:util';
import type { DomainSummary, HostInfo, VcpuSummary } from '../daemon/api.js';
import { XenonError } from '../lib/errors.js';
import { formatXentop, formatXentopSummary, type XentopRow } from '../toolstack/xentop_format.js';
import { connectDaemon, type DaemonClient } from './client.js';
import type { Command } from './cmdtable.js';
import { domainPath } from './vmcontrol.js';

const USAGE = 'xenon top [-b] [-i ITERATIONS] [-d SECONDS] [-v] [-f] [-r] [-z]';

async function sample(client: DaemonClient, withVcpus: boolean): Promise<{ rows: XentopRow[]; atNs: bigint }> {
  const domains = await client.request<DomainSummary[]>('GET', '/domains');
  const atNs = process.hrtime.bigint();
  const rows: XentopRow[] = [];
  for (const d of domains) {
    const vcpus = withVcpus
      ? (await client.request<VcpuSummary[]>('GET', `${domainPath(String(d.domid))}/vcpus`).catch(() => [])).map((v) => ({ online: v.state !== 'offline', ns: v.timeS * 1e9 }))
      : Array.from({ length: d.vcpus }, () => ({ online: true, ns: 0 }));
    rows.push({
      name: d.name, domid: d.domid, dying: d.state === 'dying', shutdown: d.state === 'shutdown', crashed: d.shutdownReason === 'crash',
      paused: d.state === 'paused', blocked: d.state === 'running' && d.blocked, running: d.state === 'running' && !d.blocked,
      cpuNs: d.cpuTimeS * 1e9, memKiB: d.memoryMiB * 1024, maxMemKiB: d.maxMemoryMiB * 1024, vcpus,
    });
  }
  return { rows, atNs };
}

/** xentop's CPU(%): CPU time used since the previous sample over the wall time between them. */
function cpuPercent(now: { rows: XentopRow[]; atNs: bigint }, prev: { rows: XentopRow[]; atNs: bigint } | null): Map<number, number> {
  const out = new Map<number, number>();
  if (prev === null) return out;
  const elapsedNs = Number(now.atNs - prev.atNs);
  for (const r of now.rows) {
    const old = prev.rows.find((o) => o.domid === r.domid);
    if (old !== undefined && elapsedNs > 0) out.set(r.domid, ((r.cpuNs - old.cpuNs) / elapsedNs) * 100);
  }
  return out;
}

export const topCommand: Command = {
  name: 'top', summary: 'A live table of the domains, as xentop (xl top)', usage: USAGE,
  help: [
    '  -b            batch mode: print the table each time, take no keys',
    '  -i N          stop after N iterations',
    '  -d SECONDS    seconds between updates (default 3)',
    '  -v            each vCPU\'s seconds',
    '  -f            full domain names',
    '  -r            the header before each domain',
    '  -z            Domain-0 first',
    '  Interactive: q or Esc quits.',
  ].join('\n'),
  handler: async (args) => {
    let p;
    try {
      p = parseArgs({
        args: [...args], allowPositionals: false,
        options: {
          batch: { type: 'boolean', short: 'b' }, iterations: { type: 'string', short: 'i' }, delay: { type: 'string', short: 'd' },
          vcpus: { type: 'boolean', short: 'v' }, 'full-name': { type: 'boolean', short: 'f' }, 'repeat-header': { type: 'boolean', short: 'r' },
          'dom0-first': { type: 'boolean', short: 'z' },
        },
      });
    } catch (e) {
      throw new XenonError('USAGE', `Bad arguments to top; usage: ${USAGE}`, { cause: e });
    }
    const v = p.values;
    const positive = (what: string, text: string | undefined, fallback: number) => {
      if (text === undefined) return fallback;
      if (!/^[1-9]\d*$/.test(text)) throw new XenonError('USAGE', `${what} must be a whole number above 0, not "${text}"`);
      return Number(text);
    };
    const iterations = v.iterations === undefined ? Infinity : positive('-i', v.iterations, 1);
    const delayMs = positive('-d', v.delay, 3) * 1000;
    const batch = v.batch === true || !process.stdout.isTTY;
    const client = await connectDaemon();
    const host = await client.request<HostInfo>('GET', '/info');
    const options = {
      totalMemKiB: host.totalMemoryMiB * 1024, fullName: v['full-name'] === true, vcpus: v.vcpus === true,
      repeatHeader: v['repeat-header'] === true, dom0First: v['dom0-first'] === true,
    };
    let quit = false;
    let wake: (() => void) | null = null;
    const stop = () => {
      quit = true;
      wake?.();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    const stdin = process.stdin;
    if (!batch && stdin.isTTY) {
      stdin.setRawMode(true);
      stdin.on('data', (b: Buffer) => {
        if (b.includes(0x71) || b.includes(0x51) || b.includes(0x1b) || b.includes(0x03)) stop();
      });
    }
    let prev: Awaited<ReturnType<typeof sample>> | null = null;
    try {
      for (let i = 0; i < iterations && !quit; i++) {
        const now = await sample(client, options.vcpus);
        const table = formatXentop(now.rows, { ...options, cpuPct: cpuPercent(now, prev) });
        if (batch) {
          process.stdout.write(table);
        } else {
          const time = new Date().toTimeString().slice(0, 8);
          const summary = formatXentopSummary(now.rows, {
            time, xenVersion: `${host.xenMajor}.${host.xenMinor}${host.xenExtra}`, totalMemKiB: host.totalMemoryMiB * 1024,
            freeMemKiB: host.freeMemoryMiB * 1024, cpus: host.nrCpus, cpuMhz: host.cpuMhz,
          });
          process.stdout.write(`\x1b[H\x1b[2J${summary}${table}\n  Delay ${delayMs / 1000}s   q: quit\n`);
        }
        prev = now;
        if (i + 1 < iterations && !quit) {
          await new Promise<void>((resolve) => {
            const t = setTimeout(resolve, delayMs);
            wake = () => {
              clearTimeout(t);
              resolve();
            };
          });
        }
      }
    } finally {
      if (!batch && stdin.isTTY) {
        stdin.setRawMode(false);
        stdin.pause();
      }
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
    return 0;
  },
};
