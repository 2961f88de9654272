/**
 * The boot benchmark (issue 3): Debian's stock arm64 kernel with a busybox initramfs, from process
 * start to poweroff, under `xenon boot` and under `qemu-system-aarch64 -M virt -cpu cortex-a57` on the
 * same kernel, initramfs and command line in the same run. Prints wall times, their ratio, our
 * guest-instruction count and rate, and the time each took to reach userspace. Timings are printed,
 * never asserted.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureGuestImages, type GuestImages } from '../src/images/index.js';
import { DEFAULT_APPEND } from '../src/cli/boot.js';
import { haveCommand, spawnTimed } from './spawn_timed.js';

/** The xenon CLI beside this file's build (dist/bench/boot.js -> dist/src/cli/main.js). */
const XENON_MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src/cli/main.js');
const QEMU_SYSTEM = 'qemu-system-aarch64';
/** Printed by our /init once userspace runs; checked in both consoles. */
const MARKER = 'XENON-BOOTBENCH-UP';
/** The kernel's line as it hands over to the initramfs /init (init/main.c run_init_process). */
const RUN_INIT = 'Run /init';
/**
 * Generous on purpose: the interpreter boots to poweroff in about 15 s on an idle machine, and a loaded 2-core
 * host can make that several times longer; the limit only stops a hung guest from hanging the bench.
 */
const BOOT_TIMEOUT_MS = 20 * 60_000;

const INIT = `#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
echo ${MARKER} "$(/bin/busybox uname -r)"
/bin/busybox poweroff -f
`;

/** One boot, timed from spawn to process exit, with the times at which console lines first appeared. */
export interface BootTiming {
  readonly seconds: number;
  /** Seconds from spawn until the kernel printed "Run /init", or null if it never did. */
  readonly runInitSeconds: number | null;
  /** Seconds from spawn until our /init printed its marker, or null if it never did. */
  readonly markerSeconds: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options for `benchBoot`. */
export interface BootBenchOptions {
  /** Where table lines go; default console.log. */
  readonly print?: (line: string) => void;
  /** Kernel command line for both; default `xenon boot`'s default. */
  readonly append?: string;
}

/** What `benchBoot` measured, or why it was skipped. */
export type BootBenchResult =
  | { readonly kind: 'skipped'; readonly reason: string }
  | { readonly kind: 'done'; readonly xenon: BootTiming & { readonly insns: number }; readonly qemu: BootTiming };

/** Runs a boot to its exit, noting when "Run /init" and our marker first appeared on the console. */
async function timeBoot(cmd: string, args: readonly string[]): Promise<BootTiming> {
  let runInitSeconds: number | null = null;
  let markerSeconds: number | null = null;
  const t = await spawnTimed('Boot benchmark', cmd, args, BOOT_TIMEOUT_MS, (stdout, from, seconds) => {
    if (runInitSeconds === null && stdout.includes(RUN_INIT, from)) runInitSeconds = seconds;
    if (markerSeconds === null && stdout.includes(MARKER, from)) markerSeconds = seconds;
  });
  return { ...t, runInitSeconds, markerSeconds };
}

function checkMarker(who: string, t: BootTiming): void {
  if (t.markerSeconds === null) {
    throw new Error(`Boot benchmark: ${who} exited without the /init marker "${MARKER}"\n--- console tail ---\n${t.stdout.slice(-3000)}`);
  }
}

/** Runs the kernel under `xenon boot` (1 vCPU, GICv2, `--stats`) and returns its timing and instruction count. */
async function bootXenon(images: GuestImages, append: string): Promise<BootTiming & { insns: number }> {
  const t = await timeBoot(process.execPath, [
    XENON_MAIN, 'boot', '--kernel', images.kernelImage, '--initrd', images.initramfs, '--append', append,
    '--vcpus', '1', '--gic', '2', '--stats',
  ]);
  checkMarker('xenon boot', t);
  const m = /xenon: (\d+) guest instructions/.exec(t.stderr);
  if (m === null) throw new Error(`Boot benchmark: no instruction count in xenon boot's --stats output\n${t.stderr.slice(-2000)}`);
  return { ...t, insns: Number(m[1]) };
}

/**
 * Runs the same kernel under QEMU's TCG on the board we model: `virt` defaults to GICv2 and one CPU,
 * and without a NIC (ours has none; QEMU's default one would also want iPXE's ROM installed).
 * PSCI SYSTEM_OFF ends QEMU; -no-reboot makes a reset (a panic, with panic=-1) end it too.
 */
async function bootQemu(images: GuestImages, append: string): Promise<BootTiming> {
  const t = await timeBoot(QEMU_SYSTEM, [
    '-M', 'virt', '-cpu', 'cortex-a57', '-m', '512', '-nographic', '-no-reboot', '-nic', 'none',
    '-kernel', images.kernelImage, '-initrd', images.initramfs, '-append', append,
  ]);
  checkMarker(QEMU_SYSTEM, t);
  return t;
}

/**
 * The boot benchmark, for `npm run bench`: boots once under each and prints two markdown tables, the
 * first in `bench/run.ts`'s columns. Skips (and says why) when QEMU's system emulator or the guest
 * images are missing; throws when either boot fails or does not reach the /init marker.
 */
export async function benchBoot(opts: BootBenchOptions = {}): Promise<BootBenchResult> {
  const print = opts.print ?? ((line: string) => console.log(line));
  const append = opts.append ?? DEFAULT_APPEND;
  if (!haveCommand(QEMU_SYSTEM)) {
    const reason = `${QEMU_SYSTEM} is not installed (Debian package qemu-system-arm)`;
    print(`\nboot benchmark skipped: ${reason}`);
    return { kind: 'skipped', reason };
  }
  let images: GuestImages;
  try {
    images = await ensureGuestImages({ initScript: INIT, log: () => undefined });
  } catch (e) {
    const reason = `Debian guest images are not cached and cannot be fetched (${(e as Error).message}); run xenon image pull`;
    print(`\nboot benchmark skipped: ${reason}`);
    return { kind: 'skipped', reason };
  }
  const xenon = await bootXenon(images, append);
  const qemu = await bootQemu(images, append);
  const s = (x: number | null): string => (x === null ? '—' : x.toFixed(2));
  const ratio = (a: number | null, b: number | null): string => (a === null || b === null ? '—' : `${(a / b).toFixed(1)}×`);
  const name = `boot Linux ${images.kernelVersion} to /init and poweroff (1 vCPU, GICv2)`;
  print('');
  print('| workload | guest insns | xenon s | xenon MIPS | qemu s | qemu MIPS (same insns) | xenon/qemu time |');
  print('|---|---|---|---|---|---|---|');
  // QEMU's own instruction count is unknown (its idle loop and timers differ), so no MIPS for it.
  print(
    `| ${name} | ${(xenon.insns / 1e6).toFixed(1)} M | ${s(xenon.seconds)} | ${(xenon.insns / xenon.seconds / 1e6).toFixed(1)} | ` +
      `${s(qemu.seconds)} | — | ${ratio(xenon.seconds, qemu.seconds)} |`,
  );
  print('');
  print('| boot milestone (s from process start) | xenon s | qemu s | xenon/qemu time |');
  print('|---|---|---|---|');
  print(`| kernel "${RUN_INIT}" | ${s(xenon.runInitSeconds)} | ${s(qemu.runInitSeconds)} | ${ratio(xenon.runInitSeconds, qemu.runInitSeconds)} |`);
  print(`| /init marker | ${s(xenon.markerSeconds)} | ${s(qemu.markerSeconds)} | ${ratio(xenon.markerSeconds, qemu.markerSeconds)} |`);
  print(`| process exit after poweroff | ${s(xenon.seconds)} | ${s(qemu.seconds)} | ${ratio(xenon.seconds, qemu.seconds)} |`);
  return { kind: 'done', xenon, qemu };
}
