/**
 * Hot code in system mode (issue 9: "hot system-mode code at 300 M guest instructions per second"):
 * Debian's kernel boots on the virt board with an /init that hashes the user-mode benchmark's 8 MiB
 * (`bench/data.ts`, in the initramfs) with busybox sha256sum and md5sum, RUNS times each, each run
 * between two console markers, under Xenon and under `qemu-system-aarch64 -M virt -cpu cortex-a57` with the same kernel,
 * initramfs and command line. Between its markers a workload is busybox's loop at EL0 with the MMU
 * on, the kernel's reads and page faults, and the timer's ticks: what a guest's hot code costs on
 * the whole machine, not in `run-elf`'s user mode. Xenon runs in a process of its own
 * (`system_hot_child.ts`) that counts the instructions between the markers; QEMU's markers are
 * timed as its console prints them. The fastest run of each counts on each side, as in
 * `bench/run.ts`. Both hashes are checked. Printed, never asserted.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureGuestImages, type GuestImages } from '../src/images/index.js';
import { DEFAULT_APPEND } from '../src/cli/boot.js';
import { haveCommand, spawnTimed, type TimedRun } from './spawn_timed.js';
import { benchData } from './data.js';
import { marksIn, type HotMark, type HotRun } from './system_hot_marks.js';

const CHILD = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'system_hot_child.js');
const QEMU_SYSTEM = 'qemu-system-aarch64';
/** Only stops a hung guest from hanging the bench. */
const TIMEOUT_MS = 20 * 60_000;
/** Runs of each workload in the guest; the fastest counts (the first also translates and compiles). */
const RUNS = 3;
const WORKLOADS = [
  { name: 'sha256sum', hash: 'sha256' },
  { name: 'md5sum', hash: 'md5' },
] as const;

/** The /init lines running `applet` over /data RUNS times, each run between its markers (`system_hot_marks.ts`). */
function timedRuns(applet: string): string[] {
  const runs = Array.from({ length: RUNS }, (_, i) => i + 1).join(' ');
  return [`for i in ${runs}; do`, `  echo XENON-HOT BEGIN ${applet}-$i`, `  /bin/busybox ${applet} /data`, `  echo XENON-HOT END ${applet}-$i`, 'done'];
}

const INIT = [
  '#!/bin/busybox sh',
  '/bin/busybox mount -t proc proc /proc',
  ...WORKLOADS.flatMap((w) => timedRuns(w.name)),
  '/bin/busybox poweroff -f',
  '',
].join('\n');

/** Runs `cmd` to its exit; resolves to its output and the markers its stdout printed, timed as they arrived. */
async function run(cmd: string, args: readonly string[]): Promise<TimedRun & { marks: HotMark[] }> {
  const marks: HotMark[] = [];
  const t = await spawnTimed('System-mode benchmark', cmd, args, TIMEOUT_MS, (stdout, from, seconds) => marks.push(...marksIn(stdout, from, seconds, null)));
  return { ...t, marks };
}

/** One workload's span between its markers. */
interface Span {
  readonly seconds: number;
  readonly insns: number | null;
}

/** Each workload's fastest span, after checking that its hash line is the host's digest of the same bytes. */
function spans(who: string, r: HotRun, data: Uint8Array): Map<string, Span> {
  const out = new Map<string, Span>();
  for (const w of WORKLOADS) {
    const digest = createHash(w.hash).update(data).digest('hex');
    if (!r.console.includes(`${digest}  /data`)) throw new Error(`System-mode benchmark: ${who}'s ${w.name} did not print ${digest}\n${r.console.slice(-3000)}`);
    for (let i = 1; i <= RUNS; i++) {
      const name = `${w.name}-${i}`;
      const begin = r.marks.find((m) => m.phase === 'BEGIN' && m.name === name);
      const end = r.marks.find((m) => m.phase === 'END' && m.name === name);
      if (begin === undefined || end === undefined) throw new Error(`System-mode benchmark: ${who} printed no markers around ${name}\n${r.console.slice(-3000)}`);
      const span = { seconds: end.seconds - begin.seconds, insns: end.insns === null || begin.insns === null ? null : end.insns - begin.insns };
      const best = out.get(w.name);
      if (best === undefined || span.seconds < best.seconds) out.set(w.name, span);
    }
  }
  return out;
}

/**
 * For `npm run bench`: one boot under each, a markdown table of the workloads' times, Xenon's
 * instructions and rate, and the ratio. Skips (and says why) when QEMU's system emulator or the
 * guest images are missing; throws when a boot fails or a hash is wrong.
 */
export async function benchSystemHot(print: (line: string) => void = (l) => console.log(l), append = DEFAULT_APPEND): Promise<void> {
  if (!haveCommand(QEMU_SYSTEM)) {
    print(`\nsystem-mode benchmark skipped: ${QEMU_SYSTEM} is not installed (Debian package qemu-system-arm)`);
    return;
  }
  const data = benchData();
  let images: GuestImages;
  try {
    images = await ensureGuestImages({ initScript: INIT, extraFiles: [{ path: 'data', data, mode: 0o644 }], log: () => undefined });
  } catch (e) {
    print(`\nsystem-mode benchmark skipped: Debian guest images are not cached and cannot be fetched (${(e as Error).message}); run xenon image pull`);
    return;
  }
  const ours = await run(process.execPath, [CHILD, images.kernelImage, images.initramfs, append]);
  const xenon = spans('xenon', JSON.parse(ours.stdout.trim().split('\n').pop()!) as HotRun, data);
  const q = await run(QEMU_SYSTEM, [
    '-M', 'virt', '-cpu', 'cortex-a57', '-m', '512', '-nographic', '-no-reboot', '-nic', 'none',
    '-kernel', images.kernelImage, '-initrd', images.initramfs, '-append', append,
  ]);
  const qemu = spans(QEMU_SYSTEM, { marks: q.marks, console: q.stdout }, data);
  print(`\nHot code in system mode (Debian kernel, busybox at EL0 over 8 MiB in the initramfs, 1 vCPU, between /init markers; fastest of ${RUNS} runs in the guest on each side):`);
  print('| workload | guest insns | xenon s | xenon MIPS | qemu s | qemu MIPS (same insns) | xenon/qemu time |');
  print('|---|---|---|---|---|---|---|');
  for (const w of WORKLOADS) {
    const x = xenon.get(w.name)!;
    const y = qemu.get(w.name)!;
    const n = x.insns!;
    print(
      `| busybox ${w.name}, 8 MiB | ${(n / 1e6).toFixed(1)} M | ${x.seconds.toFixed(2)} | ${(n / x.seconds / 1e6).toFixed(1)} | ` +
        `${y.seconds.toFixed(2)} | ${(n / y.seconds / 1e6).toFixed(1)} | ${(x.seconds / y.seconds).toFixed(1)}× |`,
    );
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await benchSystemHot();
