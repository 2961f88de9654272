/**
 * The reference side: builds harness.c for arm64 (cached by source hash) and runs batches of cases
 * under qemu-aarch64-static.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeOutcomes, encodeCases, type Outcome, type TestCase } from './layout.js';
import { buildOnce } from '../harness/tools.js';
import { missingCommands } from '../harness/prereq.js';

export const QEMU = process.env['XENON_QEMU_AARCH64'] ?? 'qemu-aarch64-static';
export const GCC = process.env['XENON_AARCH64_GCC'] ?? 'aarch64-linux-gnu-gcc';
/**
 * QEMU's CPU model. cortex-a76 is ARMv8.2 with CRC32 and LSE but without LSE2 (whose relaxed
 * alignment rules for atomics we do not implement) and without SVE or pointer authentication.
 */
export const QEMU_CPU = process.env['XENON_DIFF_QEMU_CPU'] ?? 'cortex-a76';

/** Cases per QEMU process: start-up costs ~10 ms, a case well under 0.1 ms. */
const BATCH = 2000;

/** Why the reference side cannot run here, or null when it can. */
export function missingTools(): string | null {
  return missingCommands(QEMU, GCC);
}

/** The repository root: the first ancestor of the working directory or of this module holding tests/diff/harness.c. */
export function repoRoot(): string {
  const starts = [process.env['XENON_ROOT'], process.cwd(), dirname(fileURLToPath(import.meta.url))];
  for (const start of starts) {
    if (start === undefined) continue;
    let dir = resolve(start);
    for (;;) {
      if (existsSync(join(dir, 'tests', 'diff', 'harness.c'))) return dir;
      const up = dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  }
  throw new Error('diff harness: cannot find tests/diff/harness.c (run from the repository or set XENON_ROOT)');
}

let builtPath: string | null = null;

/** Path of the compiled harness, compiling it when its source changed. */
export function harnessBinary(): string {
  if (builtPath !== null) return builtPath;
  const root = repoRoot();
  const src = join(root, 'tests', 'diff', 'harness.c');
  const hash = createHash('sha256').update(readFileSync(src)).digest('hex').slice(0, 16);
  builtPath = buildOnce(join(root, '.cache', 'diff', `harness-${hash}`), (tmp) => {
    const r = spawnSync(GCC, ['-O2', '-static', '-Wall', '-Wextra', '-Werror', '-o', tmp, src], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`diff harness: compiling harness.c failed:\n${r.stderr}${r.error ?? ''}`);
  });
  return builtPath;
}

/** Runs the cases under QEMU and returns one outcome per case. */
export function runQemu(cases: readonly TestCase[]): Outcome[] {
  const bin = harnessBinary();
  const out: Outcome[] = [];
  for (let i = 0; i < cases.length; i += BATCH) {
    const batch = cases.slice(i, i + BATCH);
    const r = spawnSync(QEMU, ['-cpu', QEMU_CPU, bin], {
      input: encodeCases(batch),
      maxBuffer: 1 << 30,
      timeout: 120_000,
    });
    if (r.status !== 0) {
      throw new Error(`diff harness: ${QEMU} exited with ${r.status ?? r.signal}: ${r.stderr?.toString() ?? ''}${r.error ?? ''}`);
    }
    const got = decodeOutcomes(new Uint8Array(r.stdout.buffer, r.stdout.byteOffset, r.stdout.byteLength));
    if (got.length !== batch.length) {
      throw new Error(`diff harness: ${got.length} results for ${batch.length} cases: ${r.stderr.toString()}`);
    }
    out.push(...got);
  }
  return out;
}
