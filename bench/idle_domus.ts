/**
 * Many idle domUs: 8 Debian domUs of 128 MiB (1 vCPU each, each on its own worker thread) are
 * created through the domain manager and booted to a busybox /init that then sleeps; once all
 * are up, the host process's CPU use over a quiet minute is measured (issue 7's target: under 5 %
 * of one core for all 8 together), with the host memory each domain adds (resident set and shared
 * guest memory, divided by the number of domains). The first window starts 5 s after the last boot,
 * while each domain's V8 heap is still being collected after its boot (its memory reducer's full
 * collections, 30–50 s after the boot's allocations stop, about 0.3 s of CPU a domain). A second
 * starts 75 s after it, and a third, the steady state, about five minutes after: V8 goes on
 * optimising a few more of each domain's functions for minutes after a boot (each a few ms of a
 * compiler thread), as they slowly turn hot at five wake-ups a second. Each window's CPU is also
 * split by thread from `/proc/self/task`. The peer is the same kernel and /init as 8 guests of QEMU's
 * TCG on its `virt` board, measured the same way. Over each window the domains' own counters are
 * read as well (the host time their vCPUs ran, the instructions they retired, their WFI exits), so the
 * share splits into how often an idle guest wakes, how much it runs when it does, and what each of its
 * instructions costs us. Timings are printed, never asserted.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { readdirSync, readFileSync } from 'node:fs';
import { nodeHostClock } from '../src/host/node/clock.js';
import { NodeIdleWaiter } from '../src/host/node/console.js';
import { ensureGuestImages, type GuestImages } from '../src/images/index.js';
import { WorkerLauncher } from '../src/main/worker_launcher.js';
import { DomainManager } from '../src/toolstack/domain_manager.js';
import type { DomainCounters } from '../src/hv/domain_runtime.js';

const MARKER = 'XENON-IDLE-DOMU-UP';
/**
 * How long each `sleep` of the guests' /init lasts: a day, so an idle guest starts one process after
 * its boot and none while it is measured, as a guest left at its shell prompt. Until 2026-12-07 it
 * was 60 s, which put a fork, an exec and an exit into every minute of every guest (about a fifth of
 * an idle guest's instructions, `docs/BENCHMARKS.md`); `--sleep 60` measures that again.
 */
const DEFAULT_SLEEP_S = 86_400;
const initScript = (sleepS: number) => `#!/bin/busybox sh
echo ${MARKER}
while true; do /bin/busybox sleep ${sleepS}; done
`;
const DEFAULT_DOMUS = 8;
const MEMORY_MIB = 128;
/**
 * A minute: the guests' wake-ups are bursty and V8's background work comes in lumps (a full
 * collection, a batch of optimised functions), so ten-second windows on this shared 2-core host
 * varied by a percentage point from run to run.
 */
const DEFAULT_WINDOW_S = 60;
const SETTLE_MS = 5000;
/** From the end of the first window to the start of the second (so it starts 75 s after the boots). */
const DEFAULT_LATER_MS = 10_000;
/** From the end of the second window to the start of the third (so it starts about five minutes after the boots). */
const DEFAULT_STEADY_MS = 190_000;
/** All 8 boot in about 90 s here; ten times that before the benchmark gives up and names the late ones. */
const BOOT_TIMEOUT_MS = 15 * 60_000;
const QEMU_SYSTEM = 'qemu-system-aarch64';

/** Starts the line `npm run bench:idle -- --json` prints its IdleDomusResult on. */
export const IDLE_RESULT_PREFIX = 'IDLE_RESULT ';

export interface IdleDomusResult {
  readonly domus: number;
  readonly bootSeconds: number;
  /**
   * Host CPU seconds per wall second over each idle window (from SETTLE_MS after the boots, then
   * after each gap), all domains and Domain-0 together.
   */
  readonly cpuShares: readonly number[];
  /**
   * Resident set size added per domain, MiB (guest memory pages touched included), at the end of
   * each window: the code a boot ran is evicted a minute or two after it (`CodeCache.sweep`), so the
   * later windows show what an idle domU holds for good.
   */
  readonly rssPerDomuMiB: readonly number[];
  /** The same guests under QEMU's TCG, CPU seconds per wall second over the same windows; null without QEMU. */
  readonly qemuCpuShares: readonly number[] | null;
  /** The domains' own counters over each window, summed over all of them. */
  readonly guests: readonly GuestWindow[];
  /** Each window's host CPU split by thread; null where the host has no `/proc/self/task`. */
  readonly threads: readonly (ThreadShares | null)[];
}

/**
 * Host CPU seconds per wall second over a window, by kind of thread: Domain-0's main thread (the
 * domain manager, xenstored, the backends), the threads the process had before the first domain
 * (V8's platform workers: its concurrent compilers and GC helpers; libuv's), and those started
 * since (each domain's worker thread, running its vCPUs).
 */
export interface ThreadShares {
  readonly main: number;
  readonly helpers: number;
  readonly domains: number;
}

/** What the domains did over a window, summed over all of them. */
export interface GuestWindow {
  readonly seconds: number;
  /** Host ns their vCPUs ran. */
  readonly runNs: number;
  readonly instructions: number;
  /** WFI exits: each is the guest going idle, so about as many wake-ups. */
  readonly wfi: number;
  /**
   * Blocks translated and compiled, code pages discarded (stores, IC by address), code pages evicted
   * as no longer run, and whole code flushes (IC IALLU).
   */
  readonly blocksTranslated: number;
  readonly blocksCompiled: number;
  readonly pagesDiscarded: number;
  readonly pagesEvicted: number;
  readonly codeFlushes: number;
}

function exitCount(c: DomainCounters, kind: string): number {
  return c.exits.find(([k]) => k === kind)?.[1] ?? 0;
}

/** Clock ticks a second, the unit of `/proc`'s CPU times. */
const TICKS_PER_SECOND = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** utime + stime of a process or thread from its `/proc/.../stat` (fields 14 and 15), in clock ticks. */
function statTicks(path: string): number {
  const stat = readFileSync(path, 'utf8');
  // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** CPU clock ticks used so far by each thread of this process, by thread id; null without `/proc/self/task`. */
function threadTicks(): Map<number, number> | null {
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return null;
  }
  const ticks = new Map<number, number>();
  for (const tid of tids) {
    try {
      ticks.set(Number(tid), statTicks(`/proc/self/task/${tid}/stat`));
    } catch {
      // The thread ended between the listing and the read: its time is gone from both ends.
    }
  }
  return ticks;
}

/** `measure(0)`, then `measure(k)` after each gap `gapsMs[k - 1]`. */
async function overWindows<T>(gapsMs: readonly number[], measure: (k: number) => Promise<T>): Promise<T[]> {
  const results = [await measure(0)];
  for (const gap of gapsMs) {
    await new Promise((r) => setTimeout(r, gap));
    results.push(await measure(results.length));
  }
  return results;
}

/**
 * The peer: the same kernel and /init as `domus` guests of `qemu-system-aarch64 -M virt` (TCG, one
 * vCPU and the same memory each), booted together, left as quiet as ours, and measured over a window
 * as long: the CPU time of their processes. Null when QEMU's system emulator is not installed.
 */
async function qemuIdleShares(img: GuestImages, domus: number, windowS: number, gapsMs: readonly number[]): Promise<readonly number[] | null> {
  if (spawnSync('sh', ['-c', `command -v ${QEMU_SYSTEM}`], { stdio: 'ignore' }).status !== 0) return null;
  const guests: { child: ChildProcess; up: boolean; exited: string | null }[] = [];
  try {
    for (let i = 0; i < domus; i++) {
      const child = spawn(QEMU_SYSTEM, [
        '-M', 'virt', '-cpu', 'cortex-a57', '-m', String(MEMORY_MIB), '-smp', '1', '-nographic', '-no-reboot', '-nic', 'none',
        '-kernel', img.kernelImage, '-initrd', img.initramfs, '-append', 'console=ttyAMA0 rdinit=/init cryptomgr.notests',
      ], { stdio: ['ignore', 'pipe', 'pipe'] });
      const g: (typeof guests)[number] = { child, up: false, exited: null };
      let out = '';
      let err = '';
      child.stdout!.setEncoding('utf8');
      child.stdout!.on('data', (chunk: string) => {
        out += chunk;
        if (out.includes(MARKER)) g.up = true;
        if (out.length > 4096) out = out.slice(-1024);
      });
      child.stderr!.setEncoding('utf8');
      child.stderr!.on('data', (chunk: string) => (err = (err + chunk).slice(-2048)));
      // A guest that ends before its /init (QEMU refusing its arguments, a missing ROM) ends the wait.
      child.on('exit', (code, signal) => (g.exited = `${QEMU_SYSTEM} exited (${signal ?? `status ${code}`}): ${err.trim() || out.slice(-600)}`));
      guests.push(g);
    }
    const t0 = Date.now();
    while (guests.some((g) => !g.up)) {
      const gone = guests.find((g) => !g.up && g.exited !== null);
      if (gone !== undefined) throw new Error(`idle domUs benchmark: a QEMU guest ended before its /init: ${gone.exited}`);
      if (Date.now() - t0 > BOOT_TIMEOUT_MS) throw new Error('idle domUs benchmark: not every QEMU guest reached its /init');
      await new Promise((r) => setTimeout(r, 500));
    }
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const cpu = () => guests.reduce((sum, g) => sum + statTicks(`/proc/${g.child.pid!}/stat`), 0) / TICKS_PER_SECOND;
    const share = async (): Promise<number> => {
      const c0 = cpu();
      const w0 = nodeHostClock.monotonicNs();
      await new Promise((r) => setTimeout(r, windowS * 1000));
      return (cpu() - c0) / ((nodeHostClock.monotonicNs() - w0) / 1e9);
    };
    return await overWindows(gapsMs, share);
  } finally {
    for (const g of guests) g.child.kill('SIGKILL');
  }
}

export interface IdleDomusOptions {
  readonly print?: (line: string) => void;
  /** How many domUs (default 8, issue 7's figure). */
  readonly domus?: number;
  /** From the end of the first window to the start of the second, ms (default 10 s). */
  readonly laterMs?: number;
  /** From the end of the second window to the start of the third, ms (default 190 s); 0 for no third. */
  readonly steadyMs?: number;
  /** Measure QEMU's guests too (default true). */
  readonly peer?: boolean;
  /** Each window's length, seconds (default a minute). */
  readonly windowS?: number;
  /** How long each `sleep` of the guests' /init lasts, seconds (default a day: DEFAULT_SLEEP_S). */
  readonly sleepS?: number;
}

export async function benchIdleDomus(opts: IdleDomusOptions = {}): Promise<IdleDomusResult> {
  const print = opts.print ?? ((line: string) => console.log(line));
  const domus = opts.domus ?? DEFAULT_DOMUS;
  const laterMs = opts.laterMs ?? DEFAULT_LATER_MS;
  const steadyMs = opts.steadyMs ?? DEFAULT_STEADY_MS;
  const windowS = opts.windowS ?? DEFAULT_WINDOW_S;
  const gapsMs = steadyMs > 0 ? [laterMs, steadyMs] : [laterMs];
  const sleepS = opts.sleepS ?? DEFAULT_SLEEP_S;
  const img = await ensureGuestImages({ initScript: initScript(sleepS), log: () => undefined });
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
  const hostThreads = new Set(threadTicks()?.keys() ?? []);
  const t0 = Date.now();
  let stop = false;
  const loop = m.run(() => stop);
  for (let i = 0; i < domus; i++) {
    await m.create({
      type: 'pvh', name: `idle${i}`, uuid: `00000000-0000-4000-8000-0000000001${String(i).padStart(2, '0')}`, vcpus: 1,
      memoryMiB: MEMORY_MIB, maxMemoryMiB: MEMORY_MIB, gicVersion: 3, kernel, ramdisk, cmdline: 'console=hvc0 rdinit=/init cryptomgr.notests',
      onPoweroff: 'destroy', onReboot: 'destroy', onCrash: 'destroy', onWatchdog: 'destroy',
    });
  }
  while ([...Array(domus).keys()].some((i) => !(logs.get(`idle${i}`) ?? '').includes(MARKER))) {
    if (Date.now() - t0 > BOOT_TIMEOUT_MS) {
      const missing = [...Array(domus).keys()].map((i) => `idle${i}`).filter((n) => !(logs.get(n) ?? '').includes(MARKER));
      const tails = missing.map((n) => `--- ${n}'s console, its end:\n${(logs.get(n) ?? '(nothing)').slice(-600)}`).join('\n');
      throw new Error(`idle domUs benchmark: ${missing.join(', ')} did not reach /init\n${tails}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  const bootSeconds = (Date.now() - t0) / 1000;
  // Let the kernels finish their late work (deferred probes, RCU) before measuring.
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  const domids = m.list().map((d) => d.domid);
  const snapshot = () => Promise.all(domids.map((id) => m.counters(id)));
  const share = async (): Promise<readonly [number, GuestWindow, ThreadShares | null]> => {
    const g0 = await snapshot();
    const t0 = threadTicks();
    const c0 = process.cpuUsage();
    const w0 = nodeHostClock.monotonicNs();
    await new Promise((r) => setTimeout(r, windowS * 1000));
    const c = process.cpuUsage(c0);
    const seconds = (nodeHostClock.monotonicNs() - w0) / 1e9;
    const t1 = threadTicks();
    const g1 = await snapshot();
    const sum = (f: (c: DomainCounters) => number) => g1.reduce((s, c, i) => s + f(c) - f(g0[i]!), 0);
    const guests = {
      seconds, runNs: sum((c) => c.cpuTimeNs), instructions: sum((c) => c.instructions), wfi: sum((c) => exitCount(c, 'wfi')),
      blocksTranslated: sum((c) => c.code.blocksTranslated), blocksCompiled: sum((c) => c.code.blocksCompiled), pagesDiscarded: sum((c) => c.code.pagesDiscarded),
      pagesEvicted: sum((c) => c.code.pagesEvicted), codeFlushes: sum((c) => c.code.flushes),
    };
    let threads: ThreadShares | null = null;
    if (t0 !== null && t1 !== null) {
      const split = { main: 0, helpers: 0, domains: 0 };
      for (const [tid, ticks] of t1) {
        const used = (ticks - (t0.get(tid) ?? 0)) / TICKS_PER_SECOND / seconds;
        if (tid === process.pid) split.main += used;
        else if (hostThreads.has(tid)) split.helpers += used;
        else split.domains += used;
      }
      threads = split;
    }
    return [(c.user + c.system) / 1e6 / seconds, guests, threads];
  };
  const rssPerDomuMiB: number[] = [];
  const windows = await overWindows(gapsMs, async () => {
    const w = await share();
    rssPerDomuMiB.push((process.memoryUsage().rss - rss0) / domus / 2 ** 20);
    return w;
  });
  for (const d of m.list()) await m.destroy(d.domid);
  stop = true;
  m.stop();
  await loop;
  const qemu = opts.peer === false ? null : await qemuIdleShares(img, domus, windowS, gapsMs);
  // Each window named by when it began, after the last boot.
  const names: string[] = [];
  let at = SETTLE_MS;
  for (let k = 0; k < windows.length; k++) {
    names.push(`from ${Math.round(at / 1000)} s after the last boot`);
    at += windowS * 1000 + (gapsMs[k] ?? 0);
  }
  const row = (what: string, ours: number, peer: number | null): string => {
    const theirs = peer !== null ? `${(peer * 100).toFixed(1)} % of one core` : opts.peer === false ? 'not measured (--no-peer)' : `${QEMU_SYSTEM} not installed`;
    const ratio = peer === null || peer === 0 ? '—' : `${(ours / peer).toFixed(1)}×`;
    return `| host CPU over ${windowS} s idle ${what}, all ${domus} guests (and Domain-0) | ${(ours * 100).toFixed(1)} % of one core | ${theirs} | ${ratio} | under 5 % |`;
  };
  print('');
  print(`${domus} idle Debian domUs (${MEMORY_MIB} MiB, 1 vCPU each, one worker thread each; /init sleeping ${sleepS} s at a time), all booted to /init in ${bootSeconds.toFixed(1)} s:`);
  print('| measurement | xenon | QEMU TCG, the same guests | xenon/QEMU | target |');
  print('|---|---|---|---|---|');
  windows.forEach(([share], k) => print(row(names[k]!, share, qemu?.[k] ?? null)));
  windows.forEach((_, k) => print(`| host memory (RSS) per idle domU at the end of the window ${names[k]} | ${rssPerDomuMiB[k]!.toFixed(0)} MiB | — | — | ${MEMORY_MIB} MiB of guest RAM each |`));
  if (windows.every(([, , t]) => t !== null)) {
    print('');
    print('The same host CPU by thread (Domain-0\'s main thread; V8\'s and libuv\'s helper threads, there before the first domain; the domains\' worker threads, all together):');
    print('| window | main thread | helper threads | domain threads |');
    print('|---|---|---|---|');
    const pct = (x: number) => `${(x * 100).toFixed(2)} %`;
    windows.forEach(([, , t], k) => print(`| ${names[k]} | ${pct(t!.main)} | ${pct(t!.helpers)} | ${pct(t!.domains)} |`));
  }
  print('');
  print('What the guests themselves did, per domU (their vCPUs\' host time, instructions retired, WFI exits, code translated and compiled):');
  print('| window | vCPU time | wake-ups (WFI) | guest instructions | per wake-up | ns per instruction | blocks translated (pages discarded, evicted, flushes) | blocks compiled |');
  print('|---|---|---|---|---|---|---|---|');
  const guestRow = (what: string, g: GuestWindow): string => {
    const perS = (x: number) => x / g.seconds / domus;
    const perWake = g.wfi === 0 ? '—' : `${Math.round(g.instructions / g.wfi)} instructions, ${(g.runNs / g.wfi / 1e3).toFixed(0)} µs`;
    const nsPer = g.instructions === 0 ? '—' : (g.runNs / g.instructions).toFixed(0);
    const code = `${perS(g.blocksTranslated).toFixed(1)} /s (${perS(g.pagesDiscarded).toFixed(2)} /s, ${perS(g.pagesEvicted).toFixed(2)} /s, ${perS(g.codeFlushes).toFixed(2)} /s)`;
    return `| ${what} | ${(perS(g.runNs) / 1e7).toFixed(2)} % of a core | ${perS(g.wfi).toFixed(1)} /s | ${(perS(g.instructions) / 1e3).toFixed(1)} k/s | ${perWake} | ${nsPer} | ${code} | ${perS(g.blocksCompiled).toFixed(1)} /s |`;
  };
  windows.forEach(([, g], k) => print(guestRow(names[k]!, g)));
  return {
    domus, bootSeconds, cpuShares: windows.map(([share]) => share), rssPerDomuMiB, qemuCpuShares: qemu, guests: windows.map(([, g]) => g),
    threads: windows.map(([, , t]) => t),
  };
}
