/**
 * Running real programs for the end-to-end tests: our `xenon run-elf` and `qemu-aarch64-static` side
 * by side, cross-compiling our C test programs, and finding Debian's busybox.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultCacheDir, type ImageManifest } from '../../src/images/cache.js';
import { missingCommands } from './prereq.js';

/** The repository root (this file runs from dist/tests/harness/). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const CACHE_DIR = path.join(REPO_ROOT, '.cache');
export const XENON_CLI = path.join(REPO_ROOT, 'dist/src/cli/main.js');
/** Real Xen 4.17's captured outputs, in shared/ beside the repository (where CI puts it too). */
export const ORACLE_DIR = path.join(REPO_ROOT, '..', 'shared', 'xen-oracle');

/** Why the oracle's captures cannot be read here, or null. */
export function missingOracle(): string | null {
  return existsSync(ORACLE_DIR) ? null : `The Xen oracle's captures are not at "${ORACLE_DIR}" (shared/ beside the repository)`;
}

/** The guest-image cache's manifest (`xenon image pull`; CI pulls first), or null when there is none. */
function cachedManifest(): ImageManifest | null {
  const manifest = path.join(defaultCacheDir(), 'images/manifest.json');
  return existsSync(manifest) ? (JSON.parse(readFileSync(manifest, 'utf8')) as ImageManifest) : null;
}

/**
 * Debian's arm64 busybox-static as `xenon image pull` caches it (the same binary the guest images
 * use; CI pulls them first), or $XENON_BUSYBOX; null when neither exists.
 */
export function busyboxPath(): string | null {
  const env = process.env.XENON_BUSYBOX;
  if (env !== undefined) return existsSync(env) ? env : null;
  const m = cachedManifest();
  const p = m === null ? null : path.join(defaultCacheDir(), m.files.busybox.path);
  return p !== null && existsSync(p) ? p : null;
}

/** Why the cached Debian kernel and busybox cannot be booted here (for `skipUnlessAvailable`), or null. */
export function missingGuestImages(): string | null {
  const m = cachedManifest();
  const files = m === null ? [] : [m.files.kernelImage.path, m.files.busybox.path];
  if (m === null || !files.every((f) => existsSync(path.join(defaultCacheDir(), f)))) {
    return 'Debian guest images are not cached: run "xenon image pull"';
  }
  return null;
}

/** Why real-program tests cannot run here (for `skipUnlessAvailable`), or null when they can. */
export function missingTools(needs: readonly ('qemu' | 'gcc' | 'busybox')[]): string | null {
  const cmds = [...(needs.includes('qemu') ? ['qemu-aarch64-static'] : []), ...(needs.includes('gcc') ? ['aarch64-linux-gnu-gcc'] : [])];
  const missing = missingCommands(...cmds);
  if (missing !== null) return missing;
  if (needs.includes('busybox') && busyboxPath() === null) return 'busybox-static:arm64 is not cached: run "xenon image pull"';
  return null;
}

/**
 * Returns `out`, first building it if it does not exist. `build` writes a private temporary path
 * next to `out` (same directory, so the rename cannot cross file systems), which is renamed over
 * `out` only once complete: test files run in parallel processes and build the same cached programs,
 * and none may ever run a half-written one. The temporary file goes whether the build succeeds or not.
 */
export function buildOnce(out: string, build: (tmp: string) => void): string {
  if (existsSync(out)) return out;
  mkdirSync(path.dirname(out), { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  try {
    build(tmp);
    renameSync(tmp, out);
  } finally {
    rmSync(tmp, { force: true });
  }
  return out;
}

/** Compiles tests/programs/<name>.c statically for arm64 into .cache/programs, reusing a build of the same source. */
export function compileProgram(name: string): string {
  const src = path.join(REPO_ROOT, 'tests/programs', `${name}.c`);
  const hash = createHash('sha256').update(readFileSync(src)).digest('hex').slice(0, 12);
  return buildOnce(path.join(CACHE_DIR, 'programs', `${name}-${hash}`), (tmp) => {
    const r = spawnSync('aarch64-linux-gnu-gcc', ['-O2', '-static', '-pthread', '-o', tmp, src, '-lm'], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`Cannot compile "${name}.c": ${r.stderr}${r.error?.message ?? ''}`);
  });
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
  /** `run-elf` options before the executable (`runXenon` only), e.g. `--jit off`. */
  readonly xenonFlags?: readonly string[];
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
    spawnSync(process.execPath, [XENON_CLI, 'run-elf', ...(opts.xenonFlags ?? []), exe, ...args], {
      cwd: opts.cwd, input: opts.input, timeout: opts.timeoutMs ?? 300_000, maxBuffer: 1 << 28,
    }),
  );
}
