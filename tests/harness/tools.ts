/**
 * Running real programs for the end-to-end tests: our `xenon run-elf` and `qemu-aarch64-static` side
 * by side, cross-compiling our C test programs, and finding Debian's busybox.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultCacheDir, type ImageManifest } from '../../src/images/cache.js';

/** The repository root (this file runs from dist/tests/harness/). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const CACHE_DIR = path.join(REPO_ROOT, '.cache');
export const XENON_CLI = path.join(REPO_ROOT, 'dist/src/cli/main.js');

export function haveCommand(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/**
 * Debian's arm64 busybox-static as `xenon image pull` caches it (the same binary the guest images
 * use; CI pulls them first), or $XENON_BUSYBOX; null when neither exists.
 */
export function busyboxPath(): string | null {
  const env = process.env.XENON_BUSYBOX;
  if (env !== undefined) return existsSync(env) ? env : null;
  const cache = defaultCacheDir();
  const manifest = path.join(cache, 'images/manifest.json');
  if (!existsSync(manifest)) return null;
  const m = JSON.parse(readFileSync(manifest, 'utf8')) as ImageManifest;
  const p = path.join(cache, m.files.busybox.path);
  return existsSync(p) ? p : null;
}

/** Why real-program tests cannot run here, or null when they can. */
export function missingTools(needs: readonly ('qemu' | 'gcc' | 'busybox')[]): string | null {
  if (needs.includes('qemu') && !haveCommand('qemu-aarch64-static')) return 'qemu-aarch64-static is not installed (see .ci/run)';
  if (needs.includes('gcc') && !haveCommand('aarch64-linux-gnu-gcc')) return 'aarch64-linux-gnu-gcc is not installed (see .ci/run)';
  if (needs.includes('busybox') && busyboxPath() === null) return 'busybox-static:arm64 is not cached: run "xenon image pull"';
  return null;
}

/** Compiles tests/programs/<name>.c statically for arm64 into .cache/programs, reusing a build of the same source. */
export function compileProgram(name: string): string {
  const src = path.join(REPO_ROOT, 'tests/programs', `${name}.c`);
  const hash = createHash('sha256').update(readFileSync(src)).digest('hex').slice(0, 12);
  const outDir = path.join(CACHE_DIR, 'programs');
  const out = path.join(outDir, `${name}-${hash}`);
  if (existsSync(out)) return out;
  mkdirSync(outDir, { recursive: true });
  const r = spawnSync('aarch64-linux-gnu-gcc', ['-O2', '-static', '-pthread', '-o', out, src, '-lm'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`Cannot compile "${name}.c": ${r.stderr}`);
  return out;
}

export interface RunResult {
  readonly stdout: Buffer;
  readonly stderr: string;
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface RunOptions {
  readonly cwd?: string;
  readonly input?: Buffer | string;
  readonly timeoutMs?: number;
}

function toResult(r: SpawnSyncReturns<Buffer>): RunResult {
  if (r.error) throw r.error;
  return { stdout: r.stdout, stderr: r.stderr.toString('utf8'), status: r.status, signal: r.signal };
}

export function runQemu(exe: string, args: readonly string[], opts: RunOptions = {}): RunResult {
  return toResult(
    spawnSync('qemu-aarch64-static', [exe, ...args], {
      cwd: opts.cwd, input: opts.input, timeout: opts.timeoutMs ?? 60_000, maxBuffer: 1 << 28,
    }),
  );
}

export function runXenon(exe: string, args: readonly string[], opts: RunOptions = {}): RunResult {
  return toResult(
    spawnSync(process.execPath, [XENON_CLI, 'run-elf', exe, ...args], {
      cwd: opts.cwd, input: opts.input, timeout: opts.timeoutMs ?? 300_000, maxBuffer: 1 << 28,
    }),
  );
}
