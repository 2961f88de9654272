/**
 * Integration tests: small C programs (testdata/*.c) compiled with aarch64-linux-gnu-gcc -O2 -static
 * into .cache/linux_user at test time, run under `xenon run-elf` and under qemu-aarch64-static; stdout,
 * exit status and terminating signal must match. Skipped when the cross tools are missing (a failure
 * under CI: tests/harness/prereq.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildOnce, busyboxPath } from '../../tests/harness/tools.js';
import { missingCommands, skipUnlessAvailable } from '../../tests/harness/prereq.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** The compiled CLI next to this compiled test, whatever the output directory. */
const CLI = path.join(HERE, '../cli/main.js');

/** The repository: found upwards from this file, or the working directory (npm test runs from the root). */
function repoRoot(): string {
  for (let d = HERE; d !== path.dirname(d); d = path.dirname(d)) {
    if (existsSync(path.join(d, 'src/linux_user/testdata'))) return d;
  }
  return process.cwd();
}
const ROOT = repoRoot();

const missing = missingCommands('aarch64-linux-gnu-gcc', 'qemu-aarch64-static')
  ?? (!existsSync(path.join(ROOT, 'src/linux_user/testdata')) && 'run from the repository root to find src/linux_user/testdata');

function compile(name: string): string {
  const src = path.join(ROOT, 'src/linux_user/testdata', `${name}.c`);
  const hash = createHash('sha256').update(readFileSync(src)).digest('hex').slice(0, 12);
  return buildOnce(path.join(ROOT, '.cache/linux_user', `${name}-${hash}`), (tmp) => {
    const r = spawnSync('aarch64-linux-gnu-gcc', ['-O2', '-static', '-pthread', '-o', tmp, src], { encoding: 'utf8' });
    assert.equal(r.status, 0, `Cannot compile "${name}.c": ${r.stderr}`);
  });
}

/** A fresh temporary directory for `fn`, removed after it. */
function withTempDir<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(path.join(tmpdir(), 'xenon-lu-run-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Run {
  readonly stdout: string;
  readonly stderr: string;
  readonly status: number | null;
  readonly signal: string | null;
}

function result(r: SpawnSyncReturns<Buffer>): Run {
  if (r.error) throw r.error;
  return { stdout: r.stdout.toString('latin1'), stderr: r.stderr.toString('utf8'), status: r.status, signal: r.signal };
}

const env = { ...process.env, XENON_TEST_VAR: 'xyzzy' };

function xenon(exe: string, args: readonly string[], cwd?: string): Run {
  return result(spawnSync(process.execPath, [CLI, 'run-elf', exe, ...args], { env, cwd, timeout: 300_000, maxBuffer: 1 << 26 }));
}

function qemu(exe: string, args: readonly string[], cwd?: string): Run {
  return result(spawnSync('qemu-aarch64-static', [exe, ...args], { env, cwd, timeout: 60_000, maxBuffer: 1 << 26 }));
}

function assertSame(ours: Run, ref: Run): void {
  const ctx = `\nxenon stderr: ${ours.stderr.slice(0, 1500)}`;
  assert.equal(ours.stdout, ref.stdout, `stdout differs${ctx}`);
  assert.equal(ours.status, ref.status, `exit status differs${ctx}`);
  assert.equal(ours.signal, ref.signal, `signal differs${ctx}`);
}

const opts = skipUnlessAvailable(missing);

test('run-elf hello: argv, environment, stderr and exit status match QEMU', opts, () => {
  const exe = compile('hello');
  const args = ['one', 'two words', ''];
  const ours = xenon(exe, args);
  assertSame(ours, qemu(exe, args));
  assert.equal(ours.status, 44);
  assert.equal(ours.stderr, 'to stderr\n');
});

test('run-elf fileio: file and directory system calls match QEMU', opts, () => {
  const exe = compile('fileio');
  withTempDir((a) => withTempDir((b) => {
    const ours = xenon(exe, [a]);
    const ref = qemu(exe, [b]);
    assertSame({ ...ours, stdout: ours.stdout.replaceAll(a, 'DIR') }, { ...ref, stdout: ref.stdout.replaceAll(b, 'DIR') });
  }));
});

test('run-elf memory: mmap/mremap/mprotect/madvise/brk match QEMU', opts, () => {
  const exe = compile('memory');
  assertSame(xenon(exe, []), qemu(exe, []));
});

test('run-elf threads: pthreads, futex mutex/condvar and a timed wait match QEMU', opts, () => {
  const exe = compile('threads');
  assertSame(xenon(exe, []), qemu(exe, []));
});

test('run-elf procs: fork, pipes, wait statuses of children killed by signals match QEMU', opts, () => {
  const exe = compile('procs');
  assertSame(xenon(exe, []), qemu(exe, []));
});

test('run-elf procs spawn: posix_spawn (vfork + execve of a static program) and /proc/self/exe', opts, () => {
  // QEMU cannot exec an arm64 program without binfmt_misc, so the expected output is written out.
  const exe = compile('procs');
  const ours = xenon(exe, ['spawn']);
  assert.match(ours.stdout, /child says hi\nspawn 0\nspawned exited=1 status=7\nreadlink 1 procs-[0-9a-f]+\n/);
  assert.equal(ours.status, 0);
});

test('run-elf sighandler: guest signal handlers, masks, SIGSEGV recovery and SIGCHLD match QEMU', opts, () => {
  const exe = compile('sighandler');
  assertSame(xenon(exe, []), qemu(exe, []));
});

test('run-elf alarm: SIGALRM from setitimer interrupts pause() and a busy loop, then kills like QEMU', opts, () => {
  const exe = compile('alarm');
  const ours = xenon(exe, []);
  assertSame(ours, qemu(exe, []));
  assert.equal(ours.signal, 'SIGALRM');
});

for (const how of ['segv', 'abort', 'term']) {
  test(`run-elf signals ${how}: the host process dies of the guest's signal like QEMU`, opts, () => {
    const exe = compile('signals');
    const ours = xenon(exe, [how]);
    assertSame(ours, qemu(exe, [how]));
    assert.notEqual(ours.signal, null);
  });
}

/** Debian's busybox-static from the guest-image cache (or $XENON_BUSYBOX). */
const busybox = busyboxPath;

test('run-elf busybox: sh pipelines, find -exec and xargs run applets through fork/vfork + execve', skipUnlessAvailable(missing || (busybox() === null && 'busybox-static:arm64 is not cached: run "xenon image pull"')), () => {
  // QEMU cannot exec an arm64 program without binfmt_misc, so the reference runs the applets directly.
  const bb = busybox()!;
  withTempDir((dir) => {
    for (const [f, n] of [['a.txt', 1], ['b.txt', 3], ['c.log', 2]] as const) writeFileSync(path.join(dir, f), 'line\n'.repeat(n));
    const ours = xenon(bb, ['sh', '-c', 'find . -name "*.txt" | sort | xargs wc -l; find . -name "*.log" -exec cat {} \\; | wc -l; echo x | (read v; echo got $v) | tr a-z A-Z'], dir);
    const ref = qemu(bb, ['wc', '-l', './a.txt', './b.txt'], dir);
    assert.equal(ours.stdout, `${ref.stdout}2\nGOT X\n`, ours.stderr);
    assert.equal(ours.status, 0);
  });
});

test('run-elf reports a missing or malformed executable on one line with the catalogue exit status', skipUnlessAvailable(!existsSync(CLI) && `the CLI is not built (${CLI}): run npm run build`), () => {
  const missingFile = result(spawnSync(process.execPath, [CLI, 'run-elf', '/nonexistent/prog']));
  assert.equal(missingFile.status, 3);
  assert.equal(missingFile.stderr, 'xenon: Cannot run "/nonexistent/prog": no such file\n');
  const notElf = result(spawnSync(process.execPath, [CLI, 'run-elf', fileURLToPath(import.meta.url)]));
  assert.equal(notElf.status, 4);
  assert.match(notElf.stderr, /^xenon: Cannot run ".*": not an ELF file\n$/);
  const usage = result(spawnSync(process.execPath, [CLI, 'run-elf', '--memory', 'lots', 'x']));
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /^xenon: Cannot use --memory "lots"/);
});
