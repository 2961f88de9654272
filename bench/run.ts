/**
 * `npm run bench`: fixed CPU-bound workloads under `xenon run-elf` and under qemu-aarch64-static in
 * the same run, then translation at scale (`bench/translation.ts`), the kernel boot benchmark (`bench/boot.ts`),
 * hot code in system mode (`bench/system_hot.ts`), the hypercall round trip
 * (`bench/hypercall.ts`), event-channel notifications between two domUs (`bench/evtchn.ts`) and
 * domU create to its first /init line (`bench/domu_boot.ts`). Prints guest instructions per second
 * (our count; QEMU runs the same instructions) and the time ratio against QEMU, ours with hot blocks
 * compiled to WebAssembly (the default), to JavaScript only (`--jit js`) and with none compiled
 * (`--jit off`). Each CPU workload runs RUNS times on each side and the
 * fastest run counts, because other jobs on a shared host add noise of tens of percent to single runs.
 * Timings are printed, never asserted.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { busyboxPath, CACHE_DIR, compileProgram, missingTools, XENON_CLI } from '../tests/harness/tools.js';
import { benchBoot } from './boot.js';
import { benchData } from './data.js';
import { benchDomuBoot } from './domu_boot.js';
import { benchEvtchn } from './evtchn.js';
import { benchIdleDomus } from './idle_domus.js';
import { benchHypercall } from './hypercall.js';
import { benchSystemHot } from './system_hot.js';
import { benchTranslation } from './translation.js';

/** Runs per side and workload; the fastest counts. */
const RUNS = 3;

interface Workload {
  readonly name: string;
  readonly exe: string;
  readonly args: readonly string[];
}

interface Timing {
  readonly seconds: number;
  readonly stdout: string;
}

function timeRun(cmd: string, args: readonly string[]): Timing {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 26 });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`Benchmark command failed: ${cmd} ${args.join(' ')}\n${r.stderr}`);
  return { seconds, stdout: r.stdout };
}

/** The fastest of RUNS runs of `once`. */
function fastest<T extends Timing>(once: () => T): T {
  let best = once();
  for (let i = 1; i < RUNS; i++) {
    const t = once();
    if (t.seconds < best.seconds) best = t;
  }
  return best;
}

/** Runs under Xenon with --stats (and `flags`) and returns the wall time and retired guest instructions. */
function runXenon(w: Workload, flags: readonly string[] = []): Timing & { insns: number } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [XENON_CLI, 'run-elf', '--stats', ...flags, w.exe, ...w.args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`Benchmark "${w.name}" failed under Xenon: ${r.stderr.slice(0, 2000)}`);
  const m = /xenon: (\d+) guest instructions/.exec(r.stderr);
  if (m === null) throw new Error(`Benchmark "${w.name}": no instruction count in Xenon's --stats output`);
  return { seconds, stdout: r.stdout, insns: Number(m[1]) };
}

function workloads(): Workload[] {
  const dir = path.join(CACHE_DIR, 'bench');
  mkdirSync(dir, { recursive: true });
  const data = path.join(dir, 'data-8MiB.bin');
  writeFileSync(data, benchData());
  const bb = busyboxPath()!;
  return [
    { name: 'busybox sha256sum, 8 MiB', exe: bb, args: ['sha256sum', data] },
    { name: 'busybox md5sum, 8 MiB', exe: bb, args: ['md5sum', data] },
    { name: 'compute loop (tests/programs/compute.c)', exe: compileProgram('compute'), args: ['10'] },
  ];
}

async function main(): Promise<void> {
  const missing = missingTools(['qemu', 'gcc', 'busybox']);
  if (missing !== null) {
    console.error(`bench: ${missing}`);
    process.exit(2);
  }
  console.log(`CPU-bound user code, fastest of ${RUNS} runs on each side:`);
  console.log('| workload | guest insns | xenon s | xenon MIPS | --jit js s | --jit off s | qemu s | qemu MIPS (same insns) | xenon/qemu time |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const w of workloads()) {
    const ours = fastest(() => runXenon(w));
    const js = fastest(() => runXenon(w, ['--jit', 'js']));
    const interp = fastest(() => runXenon(w, ['--jit', 'off']));
    const qemu = fastest(() => timeRun('qemu-aarch64-static', [w.exe, ...w.args]));
    for (const r of [ours, js, interp]) if (r.stdout !== qemu.stdout) throw new Error(`Benchmark "${w.name}": output differs from QEMU's`);
    const mips = (n: number, sec: number): string => (n / sec / 1e6).toFixed(1);
    console.log(
      `| ${w.name} | ${(ours.insns / 1e6).toFixed(1)} M | ${ours.seconds.toFixed(2)} | ${mips(ours.insns, ours.seconds)} | ${js.seconds.toFixed(2)} | ${interp.seconds.toFixed(2)} | ` +
        `${qemu.seconds.toFixed(2)} | ${mips(ours.insns, qemu.seconds)} | ${(ours.seconds / qemu.seconds).toFixed(1)}× |`,
    );
  }
  benchTranslation();
  await benchBoot();
  await benchSystemHot();
  benchHypercall();
  await benchEvtchn();
  await benchDomuBoot();
  await benchIdleDomus();
}

await main();
