/**
 * `npm run bench:idle-ab -- A B [--pairs N] [--domus N] [--window S] [--later S] [--gap S]`: two
 * builds' idle cost (issue 7), side by side. A single run of the idle benchmark varies by more than
 * the changes it is meant to judge (a host whose other tenants come and go), so each pair runs A's
 * and B's `bench/idle.js` at the same time, `--gap` seconds apart, and the pairs alternate which
 * starts first; what counts is B/A within each pair, and the median over the pairs.
 *
 * A and B are each a directory holding a build (its `bench/idle.js`, as `dist` does) or a git
 * revision of this repository, built into a temporary worktree (removed afterwards).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { IDLE_RESULT_PREFIX, type IdleDomusResult } from './idle_domus.js';
import { spawnTimed } from './spawn_timed.js';
import { wholeNumberOption } from './whole_number_option.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { pairs: { type: 'string' }, domus: { type: 'string' }, window: { type: 'string' }, later: { type: 'string' }, gap: { type: 'string' } },
});
const count = (flag: string, v: string | undefined, fallback: number, least: number): number => wholeNumberOption('bench:idle-ab', flag, v, least) ?? fallback;
if (positionals.length !== 2) throw new Error('bench:idle-ab: usage: bench:idle-ab -- A B [--pairs N] [--domus N] [--window S] [--later S] [--gap S] (A, B: build directories or git revisions)');
const pairs = count('pairs', values.pairs, 3, 1);
const domus = count('domus', values.domus, 3, 1);
const windowS = count('window', values.window, 60, 1);
const laterS = count('later', values.later, 120, 0);
const gapS = count('gap', values.gap, 20, 0);

/** A build to run: the directory holding its `bench/idle.js`, and what to remove afterwards. */
interface Build {
  readonly name: string;
  readonly dir: string;
  readonly cleanup: () => void;
}

const repo = execFileSync('git', ['rev-parse', '--show-toplevel'], { encoding: 'utf8' }).trim();

/** The build in `dir`, if its idle benchmark prints the result line (bench:idle's --json, since e158637). */
function checked(b: Build): Build {
  if (!readFileSync(join(b.dir, 'bench', 'idle_domus.js'), 'utf8').includes(IDLE_RESULT_PREFIX)) {
    b.cleanup();
    throw new Error(`bench:idle-ab: ${b.name} is older than bench:idle's --json (e158637), so its result cannot be read`);
  }
  return b;
}

function build(spec: string): Build {
  const asDir = resolve(spec);
  if (existsSync(join(asDir, 'bench', 'idle.js'))) return checked({ name: spec, dir: asDir, cleanup: () => undefined });
  let rev: string;
  try {
    rev = execFileSync('git', ['-C', repo, 'rev-parse', '--verify', '--quiet', `${spec}^{commit}`], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(`bench:idle-ab: "${spec}" is neither a build directory (no bench/idle.js in ${asDir}) nor a git revision`);
  }
  const wt = mkdtempSync(join(tmpdir(), 'xenon-idle-ab-'));
  execFileSync('git', ['-C', repo, 'worktree', 'add', '--detach', wt, rev], { stdio: 'ignore' });
  const cleanup = () => {
    execFileSync('git', ['-C', repo, 'worktree', 'remove', '--force', wt], { stdio: 'ignore' });
    rmSync(wt, { recursive: true, force: true });
  };
  try {
    symlinkSync(join(repo, 'node_modules'), join(wt, 'node_modules'));
    execFileSync(process.execPath, [join(repo, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', wt, '--outDir', join(wt, 'dist')], { stdio: 'inherit' });
  } catch (e) {
    cleanup();
    throw new Error(`bench:idle-ab: building ${spec} (${rev.slice(0, 12)}) failed`, { cause: e });
  }
  return checked({ name: `${spec} (${rev.slice(0, 12)})`, dir: join(wt, 'dist'), cleanup });
}

/**
 * Per window: the whole process's CPU share, the vCPUs' host ns per guest instruction, and the RSS
 * per domU at its end (NaN where a build older than 2026-12-08 measured it only after the first).
 */
interface Sample {
  readonly cpu: readonly number[];
  readonly nsPerInsn: readonly number[];
  readonly rssMiB: readonly number[];
}

async function idleRun(b: Build, delayS: number): Promise<Sample> {
  await new Promise((r) => setTimeout(r, delayS * 1000));
  const args = [join(b.dir, 'bench', 'idle.js'), '--domus', String(domus), '--window', String(windowS), '--later', String(laterS), '--steady', '0', '--no-peer', '--json'];
  // Booting takes about 12 s a domU on this project's 2-core machine; a run past four times its plan has hung.
  const timeoutMs = 4 * (domus * 12 + 2 * windowS + laterS + 30) * 1000;
  const run = await spawnTimed(`bench:idle-ab (${b.name})`, process.execPath, args, timeoutMs, () => undefined);
  const line = run.stdout.split('\n').find((l) => l.startsWith(IDLE_RESULT_PREFIX));
  if (line === undefined) throw new Error(`bench:idle-ab: ${b.name} printed no result line (an idle.js older than its --json?)\n${run.stdout.slice(-2000)}`);
  const r = JSON.parse(line.slice(IDLE_RESULT_PREFIX.length)) as IdleDomusResult;
  // Older builds give one number, measured after the first window.
  const rss: unknown = r.rssPerDomuMiB;
  const rssMiB = r.guests.map((_, w) => (Array.isArray(rss) ? (rss[w] as number) : w === 0 ? (rss as number) : NaN));
  return { cpu: r.cpuShares, nsPerInsn: r.guests.map((g) => g.runNs / g.instructions), rssMiB };
}

const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

const a = build(positionals[0]!);
let b: Build | null = null;
try {
  b = build(positionals[1]!);
  console.log(`Idle A/B: A = ${a.name}, B = ${b.name}; ${plural(pairs, 'pair')} of ${plural(domus, 'domU')} each, side by side, started ${gapS} s apart, first A then B and so on; windows of ${windowS} s, ${laterS} s apart.`);
  console.log('| pair | window | A CPU | B CPU | B/A | A ns/instruction | B ns/instruction | B/A | A MiB/domU | B MiB/domU |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  const cpuRatios: number[][] = [];
  const nsRatios: number[][] = [];
  const rssDiffs: number[][] = [];
  for (let k = 0; k < pairs; k++) {
    const aFirst = k % 2 === 0;
    // Both settle before anything is reported or thrown, so a failed run never leaves the other running on a removed worktree.
    const [sa, sb] = await Promise.allSettled([idleRun(a, aFirst ? 0 : gapS), idleRun(b, aFirst ? gapS : 0)]);
    if (sa.status === 'rejected') throw sa.reason;
    if (sb.status === 'rejected') throw sb.reason;
    const [ra, rb] = [sa.value, sb.value];
    ra.cpu.forEach((_, w) => {
      (cpuRatios[w] ??= []).push(rb.cpu[w]! / ra.cpu[w]!);
      (nsRatios[w] ??= []).push(rb.nsPerInsn[w]! / ra.nsPerInsn[w]!);
      (rssDiffs[w] ??= []).push(rb.rssMiB[w]! - ra.rssMiB[w]!);
      const pct = (x: number) => `${(x * 100).toFixed(2)} %`;
      const mib = (x: number) => (Number.isNaN(x) ? '—' : x.toFixed(0));
      console.log(`| ${k + 1} (${aFirst ? 'A' : 'B'} first) | ${w + 1} | ${pct(ra.cpu[w]!)} | ${pct(rb.cpu[w]!)} | ${(rb.cpu[w]! / ra.cpu[w]!).toFixed(3)} | ${ra.nsPerInsn[w]!.toFixed(0)} | ${rb.nsPerInsn[w]!.toFixed(0)} | ${(rb.nsPerInsn[w]! / ra.nsPerInsn[w]!).toFixed(3)} | ${mib(ra.rssMiB[w]!)} | ${mib(rb.rssMiB[w]!)} |`);
    });
  }
  const range = (xs: readonly number[]) => `${median(xs).toFixed(3)} (${Math.min(...xs).toFixed(3)}–${Math.max(...xs).toFixed(3)})`;
  const memory = (xs: readonly number[]) => (xs.some(Number.isNaN) ? '' : `; B − A memory per domU, median ${median(xs).toFixed(1)} MiB (${Math.min(...xs).toFixed(1)} to ${Math.max(...xs).toFixed(1)})`);
  cpuRatios.forEach((xs, w) => console.log(`Window ${w + 1}: B/A process CPU, median of ${plural(xs.length, 'pair')} ${range(xs)}; ns per guest instruction ${range(nsRatios[w]!)}${memory(rssDiffs[w]!)}`));
} finally {
  b?.cleanup();
  a.cleanup();
}
