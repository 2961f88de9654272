/**
 * The domU boot benchmark: Debian's stock arm64 kernel as a Xen domU (1 vCPU, 256 MiB, GICv3,
 * `console=hvc0 rdinit=/init cryptomgr.notests`) with a busybox initramfs whose /init prints a
 * marker first thing, created through the domain manager on its own worker thread (the path
 * `xenon create` takes). Wall time runs from calling DomainManager.create() to the marker arriving
 * on the console backend. The peer figure is real Xen 4.17 under QEMU TCG on this machine, recorded
 * by the oracle (`/work/shared/xen-oracle`, `min_create_to_init_line_s`) and not re-measured here.
 * Timings are printed, never asserted.
 */
import { availableParallelism } from 'node:os';
import { readFileSync } from 'node:fs';
import { nodeHostClock } from '../src/host/node/clock.js';
import { NodeIdleWaiter } from '../src/host/node/console.js';
import { ensureGuestImages, type GuestImages } from '../src/images/index.js';
import { WorkerLauncher } from '../src/main/worker_launcher.js';
import { DomainManager } from '../src/toolstack/domain_manager.js';
import type { DomainSpec } from '../src/toolstack/domain_spec.js';

/** The first thing our /init prints. */
const MARKER = 'XENON-DOMU-BOOTBENCH-UP';
/** The kernel's line as it hands over to the initramfs /init (init/main.c run_init_process). */
const RUN_INIT = 'Run /init';
const CMDLINE = 'console=hvc0 rdinit=/init cryptomgr.notests';
const INIT = `#!/bin/busybox sh
echo ${MARKER}
while true; do /bin/busybox sleep 1; done
`;
/** Only stops a hung guest from hanging the bench; a loaded 2-core host can be several times slower than usual. */
const BOOT_TIMEOUT_MS = 20 * 60_000;
const DEFAULT_RUNS = 3;
/**
 * Real Xen 4.17.7 (Debian bookworm) under qemu-system-aarch64 7.2 TCG on this machine, 2026-11-25:
 * `xl create` of a 1-vCPU 256 MiB PVH domU with the same Debian kernel and a busybox initramfs, to
 * the domU's first /init line (DOMU-INIT-REACHED) in its console log. Six runs in
 * /work/shared/xen-oracle/outputs/timings-all-runs.txt (a seventh, slow outlier of 14.6 s excluded).
 */
const ORACLE_CREATE_TO_INIT_S = [4.045, 3.762, 4.031, 3.807, 4.109, 3.790] as const;

export interface DomuBootRun {
  /** Seconds from create() to its return (domain built on its worker, xenstore written, unpaused). */
  readonly createSeconds: number;
  /** Seconds from create() to the kernel's "Run /init" on hvc0, or null if it never showed. */
  readonly runInitSeconds: number | null;
  /** Seconds from create() to our /init's marker on hvc0. */
  readonly markerSeconds: number;
}

export interface DomuBootBenchOptions {
  readonly print?: (line: string) => void;
  readonly runs?: number;
}

export type DomuBootBenchResult =
  | { readonly kind: 'skipped'; readonly reason: string }
  | { readonly kind: 'done'; readonly runs: readonly DomuBootRun[]; readonly best: number };

/** One create → marker, in a fresh domain manager (Domain-0, xenstored, console backends). */
async function bootOnce(kernel: Uint8Array, ramdisk: Uint8Array, n: number): Promise<DomuBootRun> {
  const waiter = new NodeIdleWaiter();
  let log = '';
  let t0 = 0n;
  const since = (): number => Number(process.hrtime.bigint() - t0) / 1e9;
  let runInitSeconds: number | null = null;
  let markerSeconds: number | null = null;
  const m = new DomainManager({
    clock: nodeHostClock, launcher: new WorkerLauncher(), wait: (ms) => waiter.wait(ms), wake: () => waiter.wake(),
    randomBytes: (k) => new Uint8Array(k).map((_, i) => (i * 37) & 0xff),
    // The host's cores as the scheduler's pCPUs, as the daemon has them.
    nrPcpus: availableParallelism(),
    consoleLog: () => (bytes) => {
      // Search only the new text plus an overlap, so a long console stays linear.
      const from = Math.max(0, log.length - MARKER.length);
      log += Buffer.from(bytes).toString('latin1');
      if (runInitSeconds === null && log.includes(RUN_INIT, from)) runInitSeconds = since();
      if (markerSeconds === null && log.includes(MARKER, from)) markerSeconds = since();
    },
  });
  const spec: DomainSpec = {
    type: 'pvh', name: `bootbench-${n}`, uuid: `00000000-0000-4000-8000-0000000000${(0xb0 + n).toString(16)}`, vcpus: 1, memoryMiB: 256, maxMemoryMiB: 256,
    gicVersion: 3, kernel, ramdisk, cmdline: CMDLINE,
    onPoweroff: 'destroy', onReboot: 'destroy', onCrash: 'destroy', onWatchdog: 'destroy',
  };
  t0 = process.hrtime.bigint();
  const domid = await m.create(spec);
  const createSeconds = since();
  await m.run(() => markerSeconds !== null || m.list().length === 0 || since() * 1000 > BOOT_TIMEOUT_MS);
  if (m.info(domid) !== undefined) await m.destroy(domid);
  if (markerSeconds === null) {
    throw new Error(`domU boot benchmark: no /init marker "${MARKER}" after ${since().toFixed(1)} s\n--- console tail ---\n${log.slice(-3000)}`);
  }
  return { createSeconds, runInitSeconds, markerSeconds };
}

/**
 * Boots the domU `runs` times (default 3), each in a fresh domain manager, and prints a markdown
 * table: each run, the best, and the oracle's real-Xen figure beside it with the ratio.
 */
export async function benchDomuBoot(opts: DomuBootBenchOptions = {}): Promise<DomuBootBenchResult> {
  const print = opts.print ?? ((line: string) => console.log(line));
  const nRuns = opts.runs ?? DEFAULT_RUNS;
  let images: GuestImages;
  try {
    images = await ensureGuestImages({ initScript: INIT, log: () => undefined });
  } catch (e) {
    const reason = `Debian guest images are not cached and cannot be fetched (${(e as Error).message}); run xenon image pull`;
    print(`\ndomU boot benchmark skipped: ${reason}`);
    return { kind: 'skipped', reason };
  }
  // Files are read before the clock starts (xl reads them inside its create; that is milliseconds).
  const kernel = readFileSync(images.kernelImage);
  const ramdisk = readFileSync(images.initramfs);
  const runs: DomuBootRun[] = [];
  for (let i = 0; i < nRuns; i++) runs.push(await bootOnce(kernel, ramdisk, i));
  const best = Math.min(...runs.map((r) => r.markerSeconds));
  const oLo = Math.min(...ORACLE_CREATE_TO_INIT_S);
  const oHi = Math.max(...ORACLE_CREATE_TO_INIT_S);
  const s = (x: number | null): string => (x === null ? '—' : x.toFixed(2));
  print('');
  print(`domU create → first /init line (Linux ${images.kernelVersion}, 1 vCPU, 256 MiB, GICv3, "${CMDLINE}"; DomainManager + WorkerLauncher)`);
  print('| run | create() returned s | kernel "Run /init" s | /init marker s |');
  print('|---|---|---|---|');
  runs.forEach((r, i) => print(`| ${i + 1} | ${s(r.createSeconds)} | ${s(r.runInitSeconds)} | ${s(r.markerSeconds)} |`));
  print('');
  print('| workload | xenon best s | real Xen 4.17 under QEMU TCG s (oracle, recorded on this machine 2026-11-25, not re-measured in this run) | xenon/Xen time |');
  print('|---|---|---|---|');
  print(
    `| domU create → first /init line | ${best.toFixed(2)} | ${oLo.toFixed(2)}–${oHi.toFixed(2)} (${ORACLE_CREATE_TO_INIT_S.length} runs) | ` +
      `${(best / oHi).toFixed(1)}–${(best / oLo).toFixed(1)}× |`,
  );
  return { kind: 'done', runs, best };
}
