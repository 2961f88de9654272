/**
 * Boots Debian's arm64 kernel (the cached `xenon image pull` images) under `xenon boot` with a
 * scripted /init, and asserts on the console output, the exit status and the xenon process:
 * - busybox commands work and /proc/cpuinfo lists exactly the `--vcpus` count;
 * - our multi-threaded `tests/programs/threads.c` (placed in the initramfs) gets its counters right;
 * - `date` and `sleep` agree with the host clock (first configuration only);
 * - an idle guest does not spin: xenon's CPU time stays far below wall time while the guest sleeps.
 * - the kernel reports no Oops, BUG, WARNING, RCU stall or panic on the console.
 * Every check shares three boots (each costs 20–40 s; the third interprets every block, --jit off). Without the cached images (`xenon image pull`)
 * the boots are skipped, and without a cross compiler the threads check is; both fail the run under
 * CI (tests/harness/prereq.ts). Any error while preparing the images, the initramfs included, fails.
 */
import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_APPEND } from '../../src/cli/boot.js';
import { ensureGuestImages, type GuestImages } from '../../src/images/index.js';
import { assertCleanGuestLog } from '../harness/guest_log.js';
import { skipTestUnlessAvailable, skipUnlessAvailable } from '../harness/prereq.js';
import { compileProgram, missingGuestImages, missingTools } from '../harness/tools.js';

const MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/cli/main.js');
const BOOT_TIMEOUT_MS = 240_000;
/** Kernel command-line word that makes the /init run the clock and idle checks. */
const CLOCK_FLAG = 'xenon.clocktest';
const IDLE_SECONDS = 10;

const INIT = `#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox --install -s
echo XENON-INIT-START
echo "sum=$((6 * 7))"
echo "kernel=$(uname -sm)"
echo "cpus=$(grep -c ^processor /proc/cpuinfo)"
echo "words=$(echo one two three | wc -w)"
echo "sorted=$(printf 'c\\nb\\na\\n' | sort | tr -d '\\n')"
if [ -x /bin/threads ]; then
  /bin/threads > /tmp/threads.out 2>&1
  echo "threads-status=$?"
  sed 's/^/threads: /' /tmp/threads.out
fi
if grep -q ${CLOCK_FLAG} /proc/cmdline; then
  echo "rtc=$(cat /sys/class/rtc/rtc0/since_epoch 2>/dev/null)"
  echo "clock-a date=$(date +%s) uptime=$(cut -d ' ' -f 1 /proc/uptime)"
  sleep 3
  echo "clock-b date=$(date +%s) uptime=$(cut -d ' ' -f 1 /proc/uptime)"
  echo XENON-IDLE-START
  sleep ${IDLE_SECONDS}
  echo XENON-IDLE-END
fi
echo XENON-INIT-END
poweroff -f
`;

const noGcc = missingTools(['gcc']);
const bootOpts = skipUnlessAvailable(missingGuestImages());
const threadsOpts = skipUnlessAvailable(noGcc);
let prepared: Promise<GuestImages> | null = null;

/** The kernel and an initramfs with our /init (and threads.c, given a cross compiler): built once for both boots; any error fails them. */
function images(): Promise<GuestImages> {
  prepared ??= (async () => {
    const extraFiles = noGcc === null ? [{ path: 'bin/threads', data: readFileSync(compileProgram('threads')) }] : [];
    return ensureGuestImages({ initScript: INIT, extraFiles, log: () => undefined });
  })();
  return prepared;
}

/** The xenon process's user + system CPU time in seconds, from /proc/<pid>/stat (null off Linux). */
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
function cpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the ")" that closes the command name: state is field 3, utime 14, stime 15.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / CLK_TCK;
  } catch {
    return null;
  }
}

interface Sample { readonly wallMs: number; readonly cpu: number | null }
interface BootRun {
  readonly status: number | null;
  readonly out: string;
  readonly err: string;
  /** Host Date.now() just before the spawn and just after the exit. */
  readonly startMs: number;
  readonly endMs: number;
  /** Host performance.now() when each marker line reached us, and xenon's CPU time then. */
  readonly marks: ReadonlyMap<string, Sample>;
}

const MARKERS = ['clock-a', 'clock-b', 'XENON-IDLE-START', 'XENON-IDLE-END'];

async function boot(extra: readonly string[]): Promise<BootRun> {
  const { kernelImage, initramfs } = await images();
  return new Promise((resolve, reject) => {
    const startMs = Date.now();
    const child = spawn(process.execPath, [MAIN, 'boot', '--kernel', kernelImage, '--initrd', initramfs, ...extra], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    child.stdin.end();
    const marks = new Map<string, Sample>();
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      out += s;
      for (const m of MARKERS) {
        if (!marks.has(m) && new RegExp(`(^|\\n)${m}[^\\n]*\\r?\\n`).test(out)) {
          marks.set(m, { wallMs: performance.now(), cpu: cpuSeconds(child.pid!) });
        }
      }
    });
    child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
    const timer = setTimeout(() => child.kill('SIGKILL'), BOOT_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, out, err, startMs, endMs: Date.now(), marks });
    });
  });
}

function tailOf(r: BootRun): string {
  return `\n--- console tail ---\n${r.out.slice(-3000)}\n--- stderr ---\n${r.err.slice(-2000)}`;
}

/** The init script's output between its start and end markers (asserting a clean kernel log and that the script ran to the end). */
function scriptBody(r: BootRun): string {
  assertCleanGuestLog(r.out, 'xenon boot console');
  assert.equal(r.status, 0, `xenon boot exits 0 after poweroff${tailOf(r)}`);
  const start = r.out.indexOf('XENON-INIT-START');
  const end = r.out.indexOf('XENON-INIT-END');
  assert.ok(start >= 0 && end > start, `the init script ran to its end${tailOf(r)}`);
  assert.match(r.out, /reboot: Power down/);
  return r.out.slice(start, end).replace(/\r/g, '');
}

function assertBusybox(body: string, cpus: number): void {
  assert.match(body, /sum=42/);
  assert.match(body, /kernel=Linux aarch64/);
  const seen = /cpus=(\d+)\n/.exec(body);
  assert.ok(seen, `the script counted the CPUs\n${body}`);
  assert.equal(Number(seen[1]), cpus, '/proc/cpuinfo lists exactly the --vcpus count');
  assert.match(body, /words=3/);
  assert.match(body, /sorted=abc/);
}

/** threads.c prints its counters next to the values they must have (4 threads, 20000 iterations each). */
function assertThreads(body: string): void {
  assert.match(body, /threads-status=0\n/, `threads exits 0\n${body}`);
  const counter = /threads: counter (\d+) \(expected (\d+)\)/.exec(body);
  const locked = /threads: locked (\d+) \(expected (\d+)\)/.exec(body);
  const rounds = /threads: rounds (\d+) returns (\d+) cas (\d+)->(\d+)/.exec(body);
  assert.ok(counter && locked && rounds, `threads printed its three lines\n${body}`);
  assert.equal(counter[1], counter[2], 'the atomic counter');
  assert.equal(Number(counter[2]), 80000);
  assert.equal(locked[1], locked[2], 'the mutex-protected counter');
  assert.equal(Number(rounds[1]), 20, 'condition-variable rounds (4 threads x 5)');
  assert.equal(Number(rounds[2]), 604, 'thread return values (TLS id*100 + 1, summed)');
  assert.deepEqual([rounds[3], rounds[4]], ['1', '9'], 'compare-and-swap');
}

/** `date +%s`, `/proc/uptime` and `sleep 3` in the guest against the host's clock. */
function assertClock(r: BootRun, body: string, note: (m: string) => void): void {
  const a = /clock-a date=(\d+) uptime=([\d.]+)/.exec(body);
  const b = /clock-b date=(\d+) uptime=([\d.]+)/.exec(body);
  assert.ok(a && b, `the clock lines are there\n${body}`);
  const [dateA, upA, dateB, upB] = [Number(a[1]), Number(a[2]), Number(b[1]), Number(b[2])];
  // The guest's wall clock (PL031 at boot, then the generic timer) must read a time inside the
  // host's run, give or take 2 s for whole-second rounding; the run itself is the generous bound.
  const lo = Math.floor(r.startMs / 1000) - 2;
  const hi = Math.ceil(r.endMs / 1000) + 2;
  assert.ok(dateA >= lo && dateA <= hi, `guest date ${dateA} within the host's run [${lo}, ${hi}]`);
  assert.ok(dateB >= lo && dateB <= hi, `guest date ${dateB} within the host's run [${lo}, ${hi}]`);
  assert.ok(dateB - dateA >= 3, `the guest's date advanced by at least the 3 s slept (${dateB - dateA})`);
  assert.ok(upB - upA >= 3, `the guest's uptime advanced by at least the 3 s slept (${(upB - upA).toFixed(2)})`);
  // Not absurdly long: the guest's interval cannot exceed what the host saw between the two lines
  // by more than the console's delivery jitter (output leaves once per round; 5 s covers a loaded host).
  const ma = r.marks.get('clock-a');
  const mb = r.marks.get('clock-b');
  assert.ok(ma && mb, 'the host saw both clock lines arrive');
  const hostS = (mb.wallMs - ma.wallMs) / 1000;
  note(`guest date ${dateA} (host run ${(r.startMs / 1000).toFixed(1)}..${(r.endMs / 1000).toFixed(1)}); sleep 3: date +${dateB - dateA} s, uptime +${(upB - upA).toFixed(2)} s, host +${hostS.toFixed(2)} s`);
  assert.ok(upB - upA <= hostS + 5, `guest uptime interval ${(upB - upA).toFixed(2)} s vs host ${hostS.toFixed(2)} s`);
  assert.ok(dateB - dateA <= hostS + 6, `guest date interval ${dateB - dateA} s vs host ${hostS.toFixed(2)} s`);
}

/** While the guest runs `sleep 10`, every vCPU waits in WFI: xenon must sleep the host, not spin. */
function assertIdle(r: BootRun, t: TestContext): void {
  const s = r.marks.get('XENON-IDLE-START');
  const e = r.marks.get('XENON-IDLE-END');
  assert.ok(s && e, 'the host saw both idle markers arrive');
  if (s.cpu === null || e.cpu === null) {
    skipTestUnlessAvailable(t, '/proc/<pid>/stat is not readable here: cannot measure the CPU time');
    return;
  }
  const wall = (e.wallMs - s.wallMs) / 1000;
  const cpu = e.cpu - s.cpu;
  t.diagnostic(`idle window: ${cpu.toFixed(2)} s of CPU in ${wall.toFixed(2)} s of wall time`);
  assert.ok(wall >= IDLE_SECONDS - 1, `the idle window lasted about ${IDLE_SECONDS} s (${wall.toFixed(2)} s)`);
  // A spinning run loop would burn ~100 % of one core; an idle shell costs a few wake-ups and
  // ~100 000 guest instructions a second (src/platform/virt/README.md), a few % of a core. 30 %
  // leaves room for a loaded machine and for GC without letting a busy-wait pass.
  assert.ok(cpu < 0.3 * wall, `xenon used ${cpu.toFixed(2)} s of CPU in ${wall.toFixed(2)} s of guest idle`);
}

describe('xenon boot: Debian arm64 kernel to a busybox /init and poweroff', { timeout: 3 * BOOT_TIMEOUT_MS + 60_000 }, () => {
  test('GICv2, 2 vCPUs: busybox, threads, clock and idle', bootOpts, async (t) => {
    const r = await boot(['--vcpus', '2', '--append', `${DEFAULT_APPEND} ${CLOCK_FLAG}`]);
    const body = scriptBody(r);
    await t.test('busybox commands and 2 CPUs in /proc/cpuinfo', () => assertBusybox(body, 2));
    await t.test('threads.c counters', threadsOpts, () => assertThreads(body));
    await t.test('date and sleep agree with the host clock', (st) => assertClock(r, body, (m) => st.diagnostic(m)));
    await t.test('an idle guest does not spin', (st) => assertIdle(r, st));
  });

  test('GICv3, 4 vCPUs: busybox and threads', bootOpts, async (t) => {
    const r = await boot(['--vcpus', '4', '--gic', '3']);
    const body = scriptBody(r);
    await t.test('busybox commands and 4 CPUs in /proc/cpuinfo', () => assertBusybox(body, 4));
    await t.test('threads.c counters', threadsOpts, () => assertThreads(body));
  });

  // The default compiles hot blocks to WebAssembly; the interpreter alone must boot the same.
  test('interpreted (--jit off), 1 vCPU: busybox and threads', bootOpts, async (t) => {
    const r = await boot(['--vcpus', '1', '--jit', 'off']);
    const body = scriptBody(r);
    await t.test('busybox commands and 1 CPU in /proc/cpuinfo', () => assertBusybox(body, 1));
    await t.test('threads.c counters', threadsOpts, () => assertThreads(body));
  });
});
