/**
 * Cases from real code: the distinct instruction words of an arm64 ELF's .text (e.g. Debian's
 * busybox-static), each run alone with a random state after the same fix-ups as generated words
 * (load/store bases into the data region, forward branches...). Real compilers' encodings reach
 * corners that uniform field randomisation rarely does, and words our decoder does not know are
 * gaps that real programs will hit.
 */
import { spawnSync } from 'node:child_process';
import { translateInsn } from '../../src/arch/arm64/interp/index.js';
import { constrain } from './constraints.js';
import { allPatterns, randomState } from './gen.js';
import { Rng, hashString, type TestCase } from './layout.js';

/** The ELF's .text as instruction words in address order, by objdump. */
export function elfText(path: string): number[] {
  const r = spawnSync('aarch64-linux-gnu-objdump', ['-d', '--section=.text', path], { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`objdump failed on ${path}: ${r.stderr}`);
  return Array.from(r.stdout.matchAll(/^ +[0-9a-f]+:\t([0-9a-f]{8}) /gm), (m) => parseInt(m[1]!, 16) >>> 0);
}

/** Distinct instruction words of the ELF's .text. */
export function elfWords(path: string): number[] {
  return [...new Set(elfText(path))].sort((a, b) => a - b);
}

/**
 * Straight runs of real code: `count` windows of 2..maxLen consecutive instructions of .text that
 * our decoder knows, each fixed up like generated code (bases into the data region, branches
 * forward), with a random state. Data flow between the instructions is the compiler's.
 */
export function realSequences(path: string, seed: number, count: number, maxLen: number): TestCase[] {
  const text = elfText(path);
  const info = new Map(allPatterns().map((p) => [p.pattern.name, p]));
  const rng = new Rng(seed, hashString(path), 2);
  const cases: TestCase[] = [];
  for (let tries = 0; cases.length < count && tries < count * 4; tries++) {
    const len = 2 + rng.below(Math.max(1, maxLen - 1));
    const at = rng.below(text.length - len);
    const state = randomState(rng);
    const claimed = new Set<number>();
    const words: number[] = [];
    for (let i = 0; i < len; i++) {
      const w = text[at + i]!;
      const p = info.get(translateInsn(w).name);
      if (p === undefined) break;
      const claims: number[] = [];
      const fixed = constrain(p, w, { rng, index: i, count: len, state, fixed: p.pattern.mask, claimed, claims });
      if (fixed === null || translateInsn(fixed).name !== p.pattern.name) break;
      claims.forEach((r) => claimed.add(r));
      words.push(fixed);
    }
    if (words.length === len) cases.push({ words, state, label: `seed ${seed} real run at .text+${(4 * at).toString(16)}` });
  }
  return cases;
}

export interface RealCases {
  readonly cases: TestCase[];
  /** Words of the binary our decoder calls UNDEFINED. */
  readonly unknown: number[];
}

/** Up to `count` words of `path` (a seeded sample), each as a one-instruction case. */
export function realCases(path: string, seed: number, count: number): RealCases {
  const words = elfWords(path);
  const info = new Map(allPatterns().map((p) => [p.pattern.name, p]));
  const rng = new Rng(seed, hashString(path));
  const unknown = words.filter((w) => translateInsn(w).name === 'UNDEFINED');
  const known = words.filter((w) => translateInsn(w).name !== 'UNDEFINED');
  // A seeded partial shuffle picks the sample.
  const n = Math.min(count, known.length);
  for (let i = 0; i < n; i++) {
    const j = i + rng.below(known.length - i);
    [known[i], known[j]] = [known[j]!, known[i]!];
  }
  const cases: TestCase[] = [];
  for (let i = 0; i < n; i++) {
    const w = known[i]!;
    const p = info.get(translateInsn(w).name);
    if (p === undefined) continue;
    const state = randomState(rng);
    // Fix-ups may change only the bits the pattern leaves free (base register, branch offset...).
    const fixed = constrain(p, w, { rng, index: 0, count: 1, state, fixed: p.pattern.mask, claimed: new Set(), claims: [] });
    if (fixed === null || translateInsn(fixed).name !== p.pattern.name) continue;
    cases.push({ words: [fixed], state, label: `seed ${seed} real ${(w >>> 0).toString(16).padStart(8, '0')}` });
  }
  return { cases, unknown };
}
