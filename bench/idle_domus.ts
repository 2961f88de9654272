/**
 * Many idle domUs: 8 Debian domUs of 128 MiB (1 vCPU each, each on its own worker thread) are
 * created through the domain manager and booted to a busybox /init that then sleeps; once all
 * are up, the host process's CPU use over a quiet window is measured (issue 7's target: under 5 %
 * of one core for all 8 together), with the host memory each domain adds (resident set and shared
 * guest memory, divided by the number of domains). Timings are printed, never asserted.
 */
import { availableParallelism } from 'node:os';
import { readFileSync } from 'node:fs';
import { nodeHostClock } from '../src/host/node/clock.js';
import { NodeIdleWaiter } from '../src/host/node/console.js';
import { ensureGuestImages } from '../src/images/index.js';
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
const BOOT_TIMEOUT_MS = 30 * 60_000;

export interface IdleDomusResult {
  readonly domus: number;
  readonly bootSeconds: number;
  /** Host CPU seconds per wall second over the idle window, all domains and Domain-0 together. */
  readonly cpuShare: number;
  /** Resident set size added per domain, MiB (guest memory pages touched included). */
  readonly rssPerDomuMiB: number;
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
    if (Date.now() - t0 > BOOT_TIMEOUT_MS) throw new Error('idle domUs benchmark: not every domU reached its /init');
    await new Promise((r) => setTimeout(r, 500));
  }
  const bootSeconds = (Date.now() - t0) / 1000;
  // Let the kernels finish their late work (deferred probes, RCU) before measuring.
  await new Promise((r) => setTimeout(r, 5000));
  const c0 = process.cpuUsage();
  const w0 = nodeHostClock.monotonicNs();
  await new Promise((r) => setTimeout(r, WINDOW_S * 1000));
  const c = process.cpuUsage(c0);
  const cpuShare = (c.user + c.system) / 1e6 / ((nodeHostClock.monotonicNs() - w0) / 1e9);
  const rssPerDomuMiB = (process.memoryUsage().rss - rss0) / DOMUS / 2 ** 20;
  for (const d of m.list()) await m.destroy(d.domid);
  stop = true;
  m.stop();
  await loop;
  print('');
  print(`${DOMUS} idle Debian domUs (${MEMORY_MIB} MiB, 1 vCPU each, one worker thread each), all booted to /init in ${bootSeconds.toFixed(1)} s:`);
  print('| measurement | xenon | target |');
  print('|---|---|---|');
  print(`| host CPU over ${WINDOW_S} s idle, all ${DOMUS} domUs and Domain-0 | ${(cpuShare * 100).toFixed(1)} % of one core | under 5 % |`);
  print(`| host memory (RSS) per idle domU | ${rssPerDomuMiB.toFixed(0)} MiB | ${MEMORY_MIB} MiB of guest RAM each |`);
  return { domus: DOMUS, bootSeconds, cpuShare, rssPerDomuMiB };
}
