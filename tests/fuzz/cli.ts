/**
 * `npm run fuzz -- --target T|all --count N [--seed S] [--time-limit MS]`: run fuzz targets
 * (tests/fuzz/run.ts) and print, per target, the inputs run, the time and the failures. Failing
 * inputs are kept in tests/fuzz/regressions/<target>/. Exits 1 on any failure, 2 on a usage error.
 */
import { fuzzTarget, TARGETS } from './run.js';

function usage(msg: string): never {
  console.error(`${msg}\nusage: npm run fuzz -- --target <${TARGETS.map((t) => t.name).join('|')}|all> [--count N] [--seed S] [--time-limit MS]`);
  process.exit(2);
}

function parseArgs(argv: readonly string[]): { targets: string[]; count?: number; seed: number; timeLimitMs: number } {
  let target = 'all';
  let count: number | undefined;
  let seed = 1;
  let timeLimitMs = 2000;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = argv[i + 1];
    const num = () => {
      const n = Number(value);
      if (value === undefined || !Number.isSafeInteger(n) || n < 0) usage(`${flag} needs a non-negative integer`);
      i++;
      return n;
    };
    if (flag === '--target') {
      if (value === undefined) usage('--target needs a name');
      target = value;
      i++;
    } else if (flag === '--count') count = num();
    else if (flag === '--seed') seed = num();
    else if (flag === '--time-limit') timeLimitMs = num();
    else usage(`unknown argument "${flag}"`);
  }
  if (target !== 'all' && !TARGETS.some((t) => t.name === target)) usage(`unknown target "${target}"`);
  return { targets: target === 'all' ? TARGETS.map((t) => t.name) : [target], ...(count === undefined ? {} : { count }), seed, timeLimitMs };
}

const args = parseArgs(process.argv.slice(2));
let failed = 0;
for (const name of args.targets) {
  const r = await fuzzTarget(name, { seed: args.seed, timeLimitMs: args.timeLimitMs, ...(args.count === undefined ? {} : { count: args.count }) });
  console.log(`${name.padEnd(10)} seed ${r.seed}: ${r.runs} inputs in ${(r.ms / 1000).toFixed(1)} s (slowest ${r.slowestMs.toFixed(1)} ms), ${r.failures.length} failure(s)`);
  for (const f of r.failures) {
    console.log(`  ${f.kind} at index ${f.index} (seed ${f.seed})${f.file === undefined ? '' : ` -> ${f.file}`}\n    ${f.message.split('\n').slice(0, 4).join('\n    ')}`);
  }
  failed += r.failures.length;
}
process.exitCode = failed > 0 ? 1 : 0;
