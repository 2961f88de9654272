/**
 * The regression corpus: cases that once failed, stored with their full initial state so they
 * replay identically even when the generators change. One JSON file per group in tests/diff/corpus/.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestCase } from './layout.js';
import { repoRoot } from './qemu.js';

export interface CorpusEntry {
  /** Why the case is here (what failed, which fix it checks). */
  readonly note: string;
  /** The generator label it came from (seed, pattern, index). */
  readonly label: string;
  /** Instruction words, 8 hex digits each. */
  readonly words: string[];
  readonly state: {
    /** X0..X30 then SP, hex. */
    readonly x: string[];
    readonly nzcv: number;
    readonly fpcr: number;
    readonly fpsr: number;
    /** V0..V31, 32 hex digits each, in memory (little-endian byte) order. */
    readonly v: string[];
    readonly dataSeed: number;
  };
}

export function corpusDir(): string {
  return join(repoRoot(), 'tests', 'diff', 'corpus');
}

const hexBytes = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

export function toEntry(tc: TestCase, note: string): CorpusEntry {
  const s = tc.state;
  return {
    note,
    label: tc.label,
    words: tc.words.map((w) => (w >>> 0).toString(16).padStart(8, '0')),
    state: {
      x: s.x.map((v) => '0x' + v.toString(16)),
      nzcv: s.nzcv >>> 0,
      fpcr: s.fpcr >>> 0,
      fpsr: s.fpsr >>> 0,
      v: Array.from({ length: 32 }, (_, i) => hexBytes(s.v.subarray(16 * i, 16 * i + 16))),
      dataSeed: s.dataSeed >>> 0,
    },
  };
}

export function fromEntry(e: CorpusEntry, where: string): TestCase {
  const v = new Uint8Array(512);
  e.state.v.forEach((h, i) => {
    for (let b = 0; b < 16; b++) v[16 * i + b] = parseInt(h.slice(2 * b, 2 * b + 2), 16);
  });
  return {
    words: e.words.map((h) => parseInt(h, 16) >>> 0),
    state: {
      x: e.state.x.map((h) => BigInt(h)),
      nzcv: e.state.nzcv,
      fpcr: e.state.fpcr,
      fpsr: e.state.fpsr,
      v,
      dataSeed: e.state.dataSeed,
    },
    label: `corpus ${where} (${e.label}): ${e.note}`,
  };
}

/** Every corpus case, labelled with its file and position. */
export function loadCorpus(dir = corpusDir()): TestCase[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .flatMap((f) => (JSON.parse(readFileSync(join(dir, f), 'utf8')) as CorpusEntry[]).map((e, i) => fromEntry(e, `${f}#${i}`)));
}

/** Appends cases to corpus/<file>.json. */
export function appendCorpus(file: string, cases: readonly TestCase[], note: string): string {
  const dir = corpusDir();
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${file}.json`);
  const old = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as CorpusEntry[]) : [];
  writeFileSync(path, JSON.stringify([...old, ...cases.map((c) => toEntry(c, note))], null, 1) + '\n');
  return path;
}
