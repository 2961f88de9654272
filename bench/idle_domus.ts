/**
 * Many idle domUs: 8 Debian domUs of 128 MiB (1 vCPU each, each on its own worker thread) are
 * created through the domain manager and booted to a busybox /init that then sleeps; once all
 * are up, the host process's CPU use over a quiet window is measured (issue 7's target: under 5 %
 * of one core for all 8 together), with the host memory each domain adds (resident set and shared
 * guest memory, divided by the number of domains). A second window a minute later measures them
 * again: in the first, each domain's V8 heap is still being collected after its boot (its memory
 * reducer's full collections, 30–50 s after the boot's allocations stop, about 0.3 s of CPU a
 * domain), which the second is meant to be past (the last guests' collections and their periodic
 * work may still fall in it). The peer is the same kernel and /init as 8 guests of QEMU's
 * TCG on its `virt` board, measured the same way. Timings are printed, never asserted.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { readFileSync } from 'node:fs';
import { nodeHostClock } from '../src/host/node/clock.js';
import { NodeIdleWaiter } from '../src/host/node/console.js';
import { ensureGuestImages, type GuestImages } from '../src/images/index.js';
import { WorkerLauncher } from '../src/main/worker_launcher.js';
import { DomainManager } from '../src/toolstack/domain_manager.js';

const MARKER = 'XENON-IDLE-DOMU-UP';
const INIT = `#!/bin/busybox sh
echo ${MARKER}
while true; do /bin/busybox sleep 60; done
`;
const DOMUS = 8;
const MEMORY_MIB = 128;
const WINDOW_S = 10;
const SETTLE_MS = 5000;
/** From the end of the first window to the start of the second. */
const LATER_MS = 60_000;
/** All 8 boot in about 90 s here; ten times that before the benchmark gives up and names the late ones. */
const BOOT_TIMEOUT_MS = 15 * 60_000;
const QEMU_SYSTEM = 'qemu-system-aarch64';

export interface IdleDomusResult {
  readonly domus: number;
  readonly bootSeconds: number;
  /** Host CPU seconds per wall second over the idle window, all domains and Domain-0 together. */
  readonly cpuShare: number;
  /** The same over the window a minute later. */
  readonly laterCpuShare: number;
  /** Resident set size added per domain, MiB (guest memory pages touched included). */
  readonly rssPerDomuMiB: number;
  /** The same guests under QEMU's TCG, CPU seconds per wall second over the same windows; null without QEMU. */
  readonly qemuCpuShare: number | null;
  readonly qemuLaterCpuShare: number | null;
}

/** utime + stime of a process, in seconds (`/proc/PID/stat` fields 14 and 15, in clock ticks). */
function processCpuSeconds(pid: number, ticksPerSecond: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

/**
 * The peer: the same kernel and /init as ${DOMUS} guests of \`qemu-system-aarch64 -M virt\` (TCG, one
 * vCPU and the same memory each), booted together, left as quiet as ours, and measured over a window
 * as long: the CPU time of their processes. Null when QEMU's system emulator is not installed.
 */
async function qemuIdleShares(img: GuestImages): Promise<readonly [number, number] | null> {
  if (spawnSync('sh', ['-c', `command -v ${QEMU_SYSTEM}`], { stdio: 'ignore' }).status !== 0) return null;
  const ticks = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
  const guests: { child: ChildProcess; up: boolean }[] = [];
  try {
    for (let i = 0; i < DOMUS; i++) {
      const child = spawn(QEMU_SYSTEM, [
        '-M', 'virt', '-cpu', 'cortex-a57', '-m', String(MEMORY_MIB), '-smp', '1', '-nographic', '-no-reboot',
        '-kernel', img.kernelImage, '-initrd', img.initramfs, '-append', 'console=ttyAMA0 rdinit=/init cryptomgr.notests',
      ], { stdio: ['ignore', 'pipe', 'ignore'] });
      const g = { child, up: false };
      let out = '';
      child.stdout!.setEncoding('utf8');
      child.stdout!.on('data', (chunk: string) => {
        out += chunk;
        if (out.includes(MARKER)) g.up = true;
        if (out.length > 4096) out = out.slice(-1024);
      });
      guests.push(g);
    }
    const t0 = Date.now();
    while (guests.some((g) => !g.up)) {
      if (Date.now() - t0 > BOOT_TIMEOUT_MS) throw new Error('idle domUs benchmark: not every QEMU guest reached its /init');
      await new Promise((r) => setTimeout(r, 500));
    }
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const cpu = () => guests.reduce((sum, g) => sum + processCpuSeconds(g.child.pid!, ticks), 0);
    const share = async (): Promise<number> => {
      const c0 = cpu();
      const w0 = nodeHostClock.monotonicNs();
      await new Promise((r) => setTimeout(r, WINDOW_S * 1000));
      return (cpu() - c0) / ((nodeHostClock.monotonicNs() - w0) / 1e9);
    };
    const first = await share();
    await new Promise((r) => setTimeout(r, LATER_MS));
    return [first, await share()];
  } finally {
    for (const g of guests) g.child.kill('SIGKILL');
  }
}

export async function benchIdleDomus(opts: { readonly print?: (line: string) => void } = {}): Promise<IdleDomusResult> {
  const print = opts.print ?? ((line: string) => console.log(line));
  const img = await ensureGuestImages({ initScript: INIT, log: () => undefined });
  const kernel = readFileSync(img.kernelImage);
  const ramdisk = readFileSync(img.initramfs);
  const waiter = new NodeIdleWaiter();
  const logs = new Map<string, string>();
  const m = new DomainManager({
    clock: nodeHostClock, launcher: new WorkerLauncher(), wait: (ms) => waiter.wait(ms), wake: () => waiter.wake(),
    randomBytes: (n) => new Uint8Array(n),
    // The host's cores as the scheduler's pCPUs, as the daemon has them.
    nrPcpus: availableParallelism(),
    consoleLog: (name) => (b) => logs.set(name, (logs.get(name) ?? '') + Buffer.from(b).toString('latin1')),
  });
  const rss0 = process.memoryUsage().rss;
  const t0 = Date.now();
  let stop = false;
  const loop = m.run(() => stop);
  for (let i = 0; i < DOMUS; i++) {
    await m.create({
      type: 'pvh', name: `idle${i}`, uuid: `00000000-0000-4000-8000-0000000001${String(i).padStart(2, '0')}`, vcpus: 1,
      memoryMiB: MEMORY_MIB, maxMemoryMiB: MEMORY_MIB, gicVersion: 3, kernel, ramdisk, cmdline: 'console=hvc0 rdinit=/init cryptomgr.notests',
      onPoweroff: 'destroy', onReboot: 'destroy', onCrash: 'destroy', onWatchdog: 'destroy',
    });
  }
  while ([...Array(DOMUS).keys()].some((i) => !(logs.get(`idle${i}`) ?? '').includes(MARKER))) {
    if (Date.now() - t0 > BOOT_TIMEOUT_MS) {
      const missing = [...Array(DOMUS).keys()].map((i) => `idle${i}`).filter((n) => !(logs.get(n) ?? '').includes(MARKER));
      const tails = missing.map((n) => `--- ${n}'s console, its end:\n${(logs.get(n) ?? '(nothing)').slice(-600)}`).join('\n');
      throw new Error(`idle domUs benchmark: ${missing.join(', ')} did not reach /init\n${tails}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  const bootSeconds = (Date.now() - t0) / 1000;
  // Let the kernels finish their late work (deferred probes, RCU) before measuring.
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  const share = async (): Promise<number> => {
    const c0 = process.cpuUsage();
    const w0 = nodeHostClock.monotonicNs();
    await new Promise((r) => setTimeout(r, WINDOW_S * 1000));
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / 1e6 / ((nodeHostClock.monotonicNs() - w0) / 1e9);
  };
  const cpuShare = await share();
  const rssPerDomuMiB = (process.memoryUsage().rss - rss0) / DOMUS / 2 ** 20;
  await new Promise((r) => setTimeout(r, LATER_MS));
  const laterCpuShare = await share();
  for (const d of m.list()) await m.destroy(d.domid);
  stop = true;
  m.stop();
  await loop;
  const qemu = await qemuIdleShares(img);
  const row = (what: string, ours: number, peer: number | null): string => {
    const theirs = peer === null ? `${QEMU_SYSTEM} not installed` : `${(peer * 100).toFixed(1)} % of one core`;
    const ratio = peer === null || peer === 0 ? '—' : `${(ours / peer).toFixed(1)}×`;
    return `| host CPU over ${WINDOW_S} s idle ${what}, all ${DOMUS} guests (and Domain-0) | ${(ours * 100).toFixed(1)} % of one core | ${theirs} | ${ratio} | under 5 % |`;
  };
  print('');
  print(`${DOMUS} idle Debian domUs (${MEMORY_MIB} MiB, 1 vCPU each, one worker thread each), all booted to /init in ${bootSeconds.toFixed(1)} s:`);
  print('| measurement | xenon | QEMU TCG, the same guests | xenon/QEMU | target |');
  print('|---|---|---|---|---|');
  print(row(`from ${SETTLE_MS / 1000} s after the last boot`, cpuShare, qemu?.[0] ?? null));
  print(row(`${LATER_MS / 1000} s later`, laterCpuShare, qemu?.[1] ?? null));
  print(`| host memory (RSS) per idle domU | ${rssPerDomuMiB.toFixed(0)} MiB | — | — | ${MEMORY_MIB} MiB of guest RAM each |`);
  return { domus: DOMUS, bootSeconds, cpuShare, laterCpuShare, rssPerDomuMiB, qemuCpuShare: qemu?.[0] ?? null, qemuLaterCpuShare: qemu?.[1] ?? null };
}
