/**
 * Command line for the differential CPU test. See tests/diff/README.md for usage.
 */
import { parseArgs } from 'node:util';
import { translateInsn } from '../../src/arch/arm64/interp/index.js';
import { disassemble, formatMismatch } from './compare.js';
import { realCases, realSequences } from './realcode.js';
import { undefCheck } from './undef.js';
import { appendCorpus, loadCorpus } from './corpus.js';
import { allPatterns, generateCase, generateLoopCase, generateMixedCase, wordsCase, type PatternInfo } from './gen.js';
import { knownReason } from './known.js';
import type { TestCase } from './layout.js';
import { missingTools } from './qemu.js';
import { runBoth, type CaseResult } from './session.js';

const USAGE = `usage: fuzz_cli [--count N] [--seed S] [--group G[,G]] [--pattern P[,P]] [--index I]
                [--words HEX[,HEX...]] [--from-elf PATH] [--max-len L] [--mix | --loop] [--corpus] [--undef] [--save | --save-all [--note TEXT]]
                [--max-report K] [--list]`;

function main(): number {
  const { values: a } = parseArgs({
    options: {
      count: { type: 'string' },
      seed: { type: 'string' },
      group: { type: 'string' },
      pattern: { type: 'string' },
      index: { type: 'string' },
      words: { type: 'string' },
      'max-len': { type: 'string' },
      mix: { type: 'boolean' },
      loop: { type: 'boolean' },
      'from-elf': { type: 'string' },
      corpus: { type: 'boolean' },
      undef: { type: 'boolean' },
      save: { type: 'boolean' },
      'save-all': { type: 'boolean' },
      note: { type: 'string' },
      'max-report': { type: 'string' },
      list: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (a.help) {
    console.log(USAGE);
    return 0;
  }
  const pats = selectPatterns(a.group, a.pattern);
  if (a.list) {
    for (const p of pats) console.log(`${p.group.padEnd(12)} ${p.pattern.name}`);
    return 0;
  }
  const missing = missingTools();
  if (missing !== null) {
    console.error(`diff: cannot run the reference side (${missing})`);
    return 2;
  }
  const seed = a.seed !== undefined ? Number(a.seed) >>> 0 : (Date.now() ^ (process.pid << 16)) >>> 0;
  const count = a.count !== undefined ? Number(a.count) : a.words !== undefined ? 20 : 200;
  const maxReport = a['max-report'] !== undefined ? Number(a['max-report']) : 5;
  const maxLen = a['max-len'] !== undefined ? Number(a['max-len']) : 3;

  if (a.undef) return undefMode(seed, count);

  let cases: TestCase[];
  let groupOf: (tc: TestCase) => string;
  if (a.corpus) {
    cases = loadCorpus();
    groupOf = () => 'corpus';
  } else if (a['from-elf'] !== undefined) {
    const r = realCases(a['from-elf'], seed, a.count !== undefined ? count : 1_000_000);
    if (r.unknown.length > 0) {
      const dis = disassemble(r.unknown);
      console.log(`diff: ${r.unknown.length} distinct words of ${a['from-elf']} are UNDEFINED on our side:`);
      r.unknown.slice(0, 200).forEach((w, i) => console.log(`  ${(w >>> 0).toString(16).padStart(8, '0')}  ${dis[i]}`));
    }
    // With --mix: runs of consecutive instructions instead of single words.
    cases = a.mix ? realSequences(a['from-elf'], seed, count, maxLen + 3) : r.cases;
    const groupByName = new Map(allPatterns().map((p) => [p.pattern.name, p.group]));
    groupOf = (tc) => groupByName.get(translateInsn(tc.words[0]!).name) ?? 'misc';
  } else if (a.words !== undefined) {
    const words = a.words.split(',').map((h) => parseInt(h.trim(), 16) >>> 0);
    cases = Array.from({ length: count }, (_, i) => wordsCase(words, seed, i));
    // Saved with the group of the last word's pattern: usually the instruction under test.
    const groupByName = new Map(allPatterns().map((p) => [p.pattern.name, p.group]));
    groupOf = (tc) => groupByName.get(translateInsn(tc.words[tc.words.length - 1]!).name) ?? 'misc';
  } else {
    if (pats.length === 0) {
      console.error(`diff: no pattern matches --group/--pattern (try --list)`);
      return 2;
    }
    const byName = new Map(pats.map((p) => [p.pattern.name, p.group]));
    cases = [];
    if (a.mix || a.loop) {
      // Sequences mixing the selected patterns, or such sequences run as loops.
      const first = a.index !== undefined ? Number(a.index) : 0;
      const n = a.index !== undefined ? 1 : count;
      const gen = a.loop ? generateLoopCase : generateMixedCase;
      for (let k = first; k < first + n; k++) pushCase(cases, gen(pats, k, { seed, maxLen }));
    } else if (a.index !== undefined) {
      for (const p of pats) pushCase(cases, generateCase(p, Number(a.index), { seed, maxLen }));
    } else {
      // Spread N cases over the selected patterns, round-robin.
      for (let k = 0; k < count; k++) {
        const p = pats[k % pats.length]!;
        pushCase(cases, generateCase(p, Math.floor(k / pats.length), { seed, maxLen }));
      }
    }
    groupOf = (tc) => byName.get(patternOfLabel(tc)) ?? 'misc';
  }
  console.log(`diff: seed ${seed}, ${cases.length} cases`);
  const t0 = Date.now();
  const results = runBoth(cases);
  const bad = results.filter((r) => r.diffs.length > 0);
  report(results, maxReport);
  console.log(`diff: ${results.length} cases, ${bad.length} mismatches, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  // --save keeps the mismatches; --save-all every case run (to pin a fixed bug's case as a regression test).
  const toSave = a['save-all'] ? results : a.save ? bad : [];
  if (toSave.length > 0) {
    const byGroup = new Map<string, TestCase[]>();
    for (const r of toSave) {
      const g = groupOf(r.tc);
      byGroup.set(g, [...(byGroup.get(g) ?? []), r.tc]);
    }
    for (const [g, cs] of byGroup) console.log(`diff: saved ${cs.length} cases to ${appendCorpus(g, cs, a.note ?? 'mismatch found by fuzz_cli')}`);
  }
  return bad.length > 0 ? 1 : 0;
}

function pushCase(out: TestCase[], tc: TestCase | null): void {
  if (tc !== null) out.push(tc);
}

function patternOfLabel(tc: TestCase): string {
  return /pattern (\S+)/.exec(tc.label)?.[1] ?? '';
}

export function selectPatterns(group: string | undefined, pattern: string | undefined): PatternInfo[] {
  const groups = group?.split(',');
  const names = pattern?.split(',');
  return allPatterns().filter((p) => (groups === undefined || groups.includes(p.group)) && (names === undefined || names.includes(p.pattern.name)));
}

/** Prints a per-pattern summary and up to `maxReport` mismatches per pattern. */
function report(results: readonly CaseResult[], maxReport: number): void {
  const stats = new Map<string, { n: number; bad: number; known: number }>();
  for (const r of results) {
    const names = r.tc.words.map((w) => translateInsn(w).name);
    const key = patternOfLabel(r.tc) || names.join('+');
    const s = stats.get(key) ?? { n: 0, bad: 0, known: 0 };
    s.n++;
    if (r.diffs.length > 0) {
      s.bad++;
      const why = knownReason(r, names);
      if (why !== undefined) s.known++;
      if (s.bad <= maxReport) {
        console.log(formatMismatch(r.tc, r.diffs));
        if (why !== undefined) console.log(`  known: ${why}`);
        console.log(`  repro: ${repro(r.tc)}\n`);
      }
    }
    stats.set(key, s);
  }
  for (const [name, s] of [...stats].sort()) {
    if (s.bad > 0) console.log(`  ${name.padEnd(20)} ${s.bad}/${s.n} mismatched${s.known > 0 ? ` (${s.known} known)` : ''}`);
  }
}

/** How this script was started, for repro lines: `node /tmp/me-dist/tests/diff/fuzz_cli.js`. */
const SELF = `node ${process.argv[1] ?? 'dist/tests/diff/fuzz_cli.js'}`;

function repro(tc: TestCase): string {
  const m = /seed (\d+) pattern (\S+) case (\d+)/.exec(tc.label);
  if (m) return `${SELF} --seed ${m[1]} --pattern ${m[2]} --index ${m[3]}`;
  const y = /seed (\d+) real ([0-9a-f]{8})/.exec(tc.label);
  if (y) return `${SELF} --words ${tc.words.map((w) => (w >>> 0).toString(16).padStart(8, '0')).join(',')} (fixed up from ${y[2]}; the state differs)`;
  const x = /seed (\d+) (mix|loop) case (\d+)/.exec(tc.label);
  if (x) return `${SELF} --seed ${x[1]} --${x[2]} --index ${x[3]} (with the same --group/--pattern selection)`;
  return `${SELF} --words ${tc.words.map((w) => (w >>> 0).toString(16).padStart(8, '0')).join(',')}`;
}

/** Prints the --undef check's findings by mnemonic; fails only on unexplained ones. */
function undefMode(seed: number, count: number): number {
  const r = undefCheck(seed, count);
  const counts = new Map<string, string[]>();
  for (const e of r.executed) {
    const key = `${e.asm.split(' ')[0]!}${e.feature !== null ? ` (${e.feature}: not ours, expected)` : ''}`;
    counts.set(key, [...(counts.get(key) ?? []), (e.word >>> 0).toString(16).padStart(8, '0')]);
  }
  const unexplained = r.executed.filter((e) => e.feature === null).length;
  console.log(`diff --undef: seed ${seed}, ${r.tested} words UNDEFINED on our side, ${r.executed.length} not SIGILL on QEMU, ${unexplained} unexplained`);
  for (const [mn, ws] of [...counts].sort((x, y) => y[1].length - x[1].length)) {
    console.log(`  ${mn.padEnd(44)} ${String(ws.length).padStart(5)}  e.g. ${ws.slice(0, 4).join(' ')}`);
  }
  return unexplained > 0 ? 1 : 0;
}

process.exitCode = main();
