/**
 * The fuzz runner (docs/FUZZING.md): every fuzz target by a short name, a seeded mutator over its
 * seed corpus, and a supervisor. Each target runs in a worker thread so that a hang (an input
 * running longer than the time limit, even a synchronous infinite loop) or unbounded memory (heap
 * plus ArrayBuffer growth over the limit, or the worker's heap limit) is caught, not suffered. A
 * failing input is written to tests/fuzz/regressions/<target>/<sha256 prefix>.bin.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { xorshift32 } from '../../src/lib/prng.js';
import { fuzzElf } from '../../src/lib/elf_fuzz.js';
import { fuzzKernelImage } from '../../src/platform/boot/fuzz.js';
import { fuzzFdt } from '../../src/platform/fdt/fuzz.js';
import { fuzzAr, fuzzControl, fuzzDeb, fuzzDecompress, fuzzTar } from '../../src/images/fuzz.js';
import { fuzzXlCfg } from '../../src/toolstack/config/fuzz.js';
import { fuzzWire } from '../../src/xenstore/fuzz.js';
import { fuzzEventChannelOps } from '../../src/hv/common/event/fuzz.js';
import { fuzzGrantTableOps } from '../../src/hv/common/grant/fuzz.js';
import { fuzzBlkback } from '../../src/backends/blkback/fuzz.js';
import { fuzzNetback } from '../../src/backends/netback/fuzz.js';
import { SEEDS } from './seeds.js';

export interface Target {
  readonly name: string;
  /** What the bytes are fed to. */
  readonly feeds: string;
  readonly run: (bytes: Uint8Array) => void | Promise<void>;
  /** Inputs per target in the CI test (tests/fuzz/fuzz.test.ts). */
  readonly ciCount: number;
  /** Mutated inputs are cut to this length (it also bounds what a decompressor is given). */
  readonly maxLen: number;
}

export const TARGETS: readonly Target[] = [
  { name: 'elf', feeds: 'src/lib/elf.ts parseElf (user program and kernel ELF)', run: fuzzElf, ciCount: 2000, maxLen: 16 << 10 },
  { name: 'image', feeds: 'src/platform/boot/kernel_image.ts placeKernel + planBootLayout', run: fuzzKernelImage, ciCount: 2000, maxLen: 16 << 10 },
  { name: 'fdt', feeds: 'src/platform/fdt/reader.ts fdtFromBlob (+ writer round trip)', run: fuzzFdt, ciCount: 2000, maxLen: 16 << 10 },
  { name: 'ar', feeds: 'src/images/ar.ts readAr', run: fuzzAr, ciCount: 2000, maxLen: 16 << 10 },
  { name: 'tar', feeds: 'src/images/tar.ts readTar (chunked stream)', run: fuzzTar, ciCount: 1500, maxLen: 16 << 10 },
  { name: 'deb', feeds: 'src/images/deb.ts extractDeb (ar → xz/gzip → tar)', run: fuzzDeb, ciCount: 400, maxLen: 16 << 10 },
  { name: 'decompress', feeds: 'src/images/decompress.ts decompressStream (xz, gzip)', run: fuzzDecompress, ciCount: 400, maxLen: 16 << 10 },
  { name: 'control', feeds: 'src/images/control.ts parseControl + archive.ts Release/Packages parsing', run: fuzzControl, ciCount: 2000, maxLen: 16 << 10 },
  { name: 'xlcfg', feeds: 'src/toolstack/config (xl.cfg, disk, vif, CPU list)', run: fuzzXlCfg, ciCount: 1000, maxLen: 8 << 10 },
  { name: 'xenstore', feeds: 'src/xenstore wire protocol and ring', run: fuzzWire, ciCount: 500, maxLen: 8 << 10 },
  { name: 'evtchn', feeds: 'src/hv/common/event EVTCHNOP script', run: fuzzEventChannelOps, ciCount: 300, maxLen: 4 << 10 },
  { name: 'grant', feeds: 'src/hv/common/grant GNTTABOP script', run: fuzzGrantTableOps, ciCount: 300, maxLen: 4 << 10 },
  { name: 'blkif', feeds: 'src/backends/blkback ring requests, producer indices, frontend states', run: fuzzBlkback, ciCount: 300, maxLen: 4 << 10 },
  { name: 'netif', feeds: 'src/backends/netback TX ring entries, producer indices, receive buffers, packets, frontend states', run: fuzzNetback, ciCount: 300, maxLen: 4 << 10 },
];

/** Targets that fail on purpose, so the tests can check that the runner catches each kind of failure. */
const SELFTESTS: readonly Target[] = [
  { name: 'selftest-crash', feeds: 'throws TypeError on inputs starting with 0x42', run: (b) => { if (b[0] === 0x42) throw new TypeError('boom'); }, ciCount: 0, maxLen: 64 },
  { name: 'selftest-hang', feeds: 'loops forever', run: () => { for (;;) { /* hang */ } }, ciCount: 0, maxLen: 64 },
  { name: 'selftest-memory', feeds: 'keeps 64 MiB per input', run: (b) => { KEPT.push(new Uint8Array(64 << 20).fill(b[0] ?? 1)); }, ciCount: 0, maxLen: 64 },
];
const KEPT: Uint8Array[] = [];
const SELFTEST_SEEDS = [Uint8Array.of(0x42, 1, 2, 3), Uint8Array.of(1, 2, 3, 4)];

export function findTarget(name: string): Target {
  const t = [...TARGETS, ...SELFTESTS].find((x) => x.name === name);
  if (t === undefined) throw new Error(`Unknown fuzz target "${name}" (known: ${TARGETS.map((x) => x.name).join(', ')}, all)`);
  return t;
}

const seedCache = new Map<string, Uint8Array[]>();
export function seedsOf(name: string): Uint8Array[] {
  let s = seedCache.get(name);
  if (s === undefined) {
    s = name.startsWith('selftest-') ? SELFTEST_SEEDS : SEEDS[name]!();
    seedCache.set(name, s);
  }
  return s;
}

const INTERESTING_32 = [0, 1, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];
const INTERESTING_TEXT = ['0', '-1', '-60', '1e9', '0x10', '99999999999', 'NaN', ' ', '', '00000000000', '77777777777'];

/**
 * The inputs of one run: first each seed unchanged, then mostly mutated seeds (bit flips, byte
 * sets, inserts, deletes, splices with another seed, 32-bit length fields set to edge values,
 * decimal/octal text fields replaced), one in eight pure random bytes. Deterministic in `seed`.
 */
export function* inputs(target: Target, seed: number): Generator<Uint8Array> {
  const seeds = seedsOf(target.name);
  const next = xorshift32(seed);
  const below = (n: number) => (n <= 0 ? 0 : next() % n);
  for (const s of seeds) yield s.slice(0, target.maxLen);
  for (;;) {
    if (below(8) === 0) {
      yield Uint8Array.from({ length: below(Math.min(target.maxLen, 2048)) }, () => next() & 0xff);
      continue;
    }
    let b = [...seeds[below(seeds.length)]!];
    for (let m = 1 + below(1 + below(8)); m > 0; m--) {
      const at = below(b.length + 1);
      switch (below(9)) {
        case 0:
          if (b.length > 0) b[at % b.length]! ^= 1 << below(8);
          break;
        case 1:
          if (b.length > 0) b[at % b.length] = [0, 0xff, 0x7f, 0x80, next() & 0xff][below(5)]!;
          break;
        case 2:
          b.splice(at, 0, ...Array.from({ length: 1 + below(16) }, () => next() & 0xff));
          break;
        case 3:
          b.splice(at, 1 + below(b.length < 64 ? 4 : 512));
          break;
        case 4: {
          const other = seeds[below(seeds.length)]!;
          const from = below(other.length);
          b = [...b.slice(0, at), ...other.subarray(from, from + 1 + below(1024))];
          break;
        }
        case 5:
        case 6: {
          if (b.length < 4) break;
          const v = below(3) === 0 ? b.length + below(64) - 32 : INTERESTING_32[below(INTERESTING_32.length)]!;
          const off = below(b.length - 3) & ~(below(2) === 0 ? 3 : 0);
          const le = below(2) === 0;
          for (let k = 0; k < 4; k++) b[off + k] = (v >>> (8 * (le ? k : 3 - k))) & 0xff;
          break;
        }
        case 7: {
          // Replace a run of ASCII digits (ar sizes, tar octal fields, Release sizes) with an edge value.
          let s = at % Math.max(1, b.length);
          while (s < b.length && !(b[s]! >= 0x30 && b[s]! <= 0x39)) s++;
          let e = s;
          while (e < b.length && b[e]! >= 0x30 && b[e]! <= 0x39) e++;
          if (s >= b.length) break;
          const t = INTERESTING_TEXT[below(INTERESTING_TEXT.length)]!.padEnd(e - s).slice(0, Math.max(e - s, 1));
          b.splice(s, e - s, ...Array.from(t, (c) => c.charCodeAt(0)));
          break;
        }
        default: {
          const from = below(b.length);
          const len = below(Math.min(256, b.length - from + 1));
          b.splice(at, 0, ...b.slice(from, from + len));
        }
      }
    }
    yield Uint8Array.from(b.length > target.maxLen ? b.slice(0, target.maxLen) : b);
  }
}

function nth(target: Target, seed: number, index: number): Uint8Array {
  let i = 0;
  for (const b of inputs(target, seed)) if (i++ === index) return b;
  throw new Error('unreachable');
}

/** The directory holding package.json: found from this file, or else the working directory (for a build outside the tree). */
export function repoRoot(): string {
  const isRoot = (d: string) => {
    try {
      return (JSON.parse(readFileSync(path.join(d, 'package.json'), 'utf8')) as { name?: string }).name === 'xenon';
    } catch {
      return false;
    }
  };
  for (let d = path.dirname(fileURLToPath(import.meta.url)); ; d = path.dirname(d)) {
    if (isRoot(d)) return d;
    if (path.dirname(d) === d) break;
  }
  if (isRoot(process.cwd())) return process.cwd();
  throw new Error('Cannot find the repository root (run from the directory holding package.json)');
}

export function regressionDir(target: string): string {
  return path.join(repoRoot(), 'tests', 'fuzz', 'regressions', target);
}

/** The kept failing inputs of `target`, in file-name order. */
export function regressionInputs(target: string): { file: string; bytes: Uint8Array }[] {
  const dir = regressionDir(target);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.bin'))
    .sort()
    .map((f) => ({ file: path.join(dir, f), bytes: new Uint8Array(readFileSync(path.join(dir, f))) }));
}

function saveRegression(target: string, bytes: Uint8Array): string {
  const dir = regressionDir(target);
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${createHash('sha256').update(bytes).digest('hex').slice(0, 16)}.bin`);
  writeFileSync(file, bytes);
  return file;
}

export interface Failure {
  readonly target: string;
  readonly seed: number;
  /** Index in the run's input sequence (or in the replayed list). */
  readonly index: number;
  readonly kind: 'crash' | 'hang' | 'memory';
  readonly message: string;
  /** Where the input was written (undefined when saving is off or when replaying). */
  readonly file?: string;
}

export interface RunResult {
  readonly target: string;
  readonly seed: number;
  /** Inputs that finished (a hang or memory failure stops the run). */
  readonly runs: number;
  readonly ms: number;
  readonly slowestMs: number;
  readonly failures: readonly Failure[];
}

export interface RunOptions {
  readonly count?: number;
  readonly seed?: number;
  /** Per-input wall-clock limit; default 2000 ms. */
  readonly timeLimitMs?: number;
  /** Growth of heapUsed + arrayBuffers over the worker's start; default 512 MiB. */
  readonly memoryLimitMiB?: number;
  /** Replay these inputs instead of generating `count`. */
  readonly replay?: readonly Uint8Array[];
  /** Write failing inputs to tests/fuzz/regressions (default true; never when replaying). */
  readonly save?: boolean;
}

type WorkerMsg =
  | { type: 'fail'; index: number; kind: Failure['kind']; message: string; bytes: Uint8Array }
  | { type: 'done'; runs: number; slowestMs: number };

interface WorkerJob {
  fuzzWorker: true;
  target: string;
  seed: number;
  count: number;
  timeLimitMs: number;
  memoryLimitMiB: number;
  replay?: Uint8Array[];
  progress: SharedArrayBuffer;
  started: SharedArrayBuffer;
}

const MAX_FAILURES = 20;

/** Run one target in a worker thread and supervise it. */
export async function fuzzTarget(name: string, opts: RunOptions = {}): Promise<RunResult> {
  const target = findTarget(name);
  const seed = (opts.seed ?? 1) >>> 0;
  const timeLimitMs = opts.timeLimitMs ?? 2000;
  const memoryLimitMiB = opts.memoryLimitMiB ?? 512;
  const replay = opts.replay?.map((b) => b.slice());
  const save = opts.save !== false && replay === undefined;
  const job: WorkerJob = {
    fuzzWorker: true,
    target: name,
    seed,
    count: replay?.length ?? opts.count ?? target.ciCount,
    timeLimitMs,
    memoryLimitMiB,
    ...(replay === undefined ? {} : { replay }),
    progress: new SharedArrayBuffer(4),
    started: new SharedArrayBuffer(8),
  };
  const current = new Int32Array(job.progress);
  const started = new Float64Array(job.started);
  current[0] = -1;
  const failures: Failure[] = [];
  const input = (index: number) => replay?.[index] ?? nth(target, seed, index);
  const fail = (index: number, kind: Failure['kind'], message: string, bytes: Uint8Array) => {
    failures.push({ target: name, seed, index, kind, message, ...(save ? { file: saveRegression(name, bytes) } : {}) });
  };
  const t0 = performance.now();
  const worker = new Worker(new URL(import.meta.url), {
    workerData: job,
    // A hard stop for heap growth the per-input check does not see in time.
    resourceLimits: { maxOldGenerationSizeMb: memoryLimitMiB + 512 },
  });
  return new Promise<RunResult>((resolve) => {
    let done: { runs: number; slowestMs: number } | undefined;
    let stopped: Failure['kind'] | undefined;
    const finish = () => {
      clearInterval(timer);
      const at = Atomics.load(current, 0);
      resolve({ target: name, seed, runs: done?.runs ?? Math.max(0, at), ms: performance.now() - t0, slowestMs: done?.slowestMs ?? Math.max(timeLimitMs, 0), failures });
    };
    const timer = setInterval(() => {
      const at = Atomics.load(current, 0);
      if (at >= 0 && Date.now() - started[0]! > timeLimitMs && stopped === undefined) {
        stopped = 'hang';
        fail(at, 'hang', `input ${at} ran longer than ${timeLimitMs} ms`, input(at));
        void worker.terminate();
      }
    }, Math.max(20, Math.min(200, timeLimitMs / 4)));
    worker.on('message', (m: WorkerMsg) => {
      if (m.type === 'fail') fail(m.index, m.kind, m.message, m.bytes);
      else done = m;
    });
    worker.on('error', (err: Error & { code?: string }) => {
      if (stopped !== undefined) return;
      const at = Atomics.load(current, 0);
      stopped = err.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'memory' : 'crash';
      fail(at, stopped, `worker died on input ${at}: ${err.message}`, at >= 0 ? input(at) : new Uint8Array(0));
    });
    worker.on('exit', () => {
      if (done === undefined && stopped === undefined) {
        const at = Atomics.load(current, 0);
        fail(at, 'hang', `input ${at} never settled (a promise left pending with nothing to wake it)`, at >= 0 ? input(at) : new Uint8Array(0));
      }
      finish();
    });
  });
}

function describe(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}\n${e.stack ?? ''}` : String(e);
}

async function workerMain(job: WorkerJob): Promise<void> {
  const target = findTarget(job.target);
  const current = new Int32Array(job.progress);
  const started = new Float64Array(job.started);
  const post = (m: WorkerMsg) => parentPort!.postMessage(m);
  const mem = () => {
    const u = process.memoryUsage();
    return u.heapUsed + u.arrayBuffers;
  };
  const base = mem();
  const limit = job.memoryLimitMiB * 2 ** 20;
  let failures = 0;
  let slowestMs = 0;
  let runs = 0;
  const source = job.replay !== undefined ? job.replay[Symbol.iterator]() : inputs(target, job.seed);
  for (let i = 0; i < job.count && failures < MAX_FAILURES; i++) {
    const bytes = source.next().value as Uint8Array;
    const copy = bytes.slice();
    started[0] = Date.now();
    Atomics.store(current, 0, i);
    const t = performance.now();
    try {
      await target.run(bytes);
    } catch (e) {
      failures++;
      post({ type: 'fail', index: i, kind: 'crash', message: describe(e), bytes: copy });
    }
    const ms = performance.now() - t;
    slowestMs = Math.max(slowestMs, ms);
    if (ms > job.timeLimitMs) {
      failures++;
      post({ type: 'fail', index: i, kind: 'hang', message: `input ${i} took ${Math.round(ms)} ms (limit ${job.timeLimitMs} ms)`, bytes: copy });
    }
    if (mem() - base > limit) {
      post({ type: 'fail', index: i, kind: 'memory', message: `after input ${i} the heap grew by ${Math.round((mem() - base) / 2 ** 20)} MiB (limit ${job.memoryLimitMiB} MiB)`, bytes: copy });
      runs++;
      break;
    }
    runs++;
  }
  Atomics.store(current, 0, -1);
  post({ type: 'done', runs, slowestMs });
}

if (!isMainThread && (workerData as Partial<WorkerJob> | null)?.fuzzWorker === true) {
  void workerMain(workerData as WorkerJob);
}
