/**
 * Differential tests against qemu-aarch64-static: the regression corpus, and a bounded random run
 * over every pattern of every instruction group. Skipped when QEMU or the cross compiler is
 * missing, and a failure under CI (tests/harness/prereq.ts). Environment: XENON_DIFF_SEED (default 1), XENON_DIFF_CASES (cases per
 * group, default 300).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GROUPS, translateInsn } from '../../src/arch/arm64/interp/index.js';
import { disassemble, formatMismatch } from './compare.js';
import { loadCorpus } from './corpus.js';
import { allPatterns, generateCase, generateLoopCase, generateMixedCase } from './gen.js';
import { knownReason } from './known.js';
import { missingTools } from './qemu.js';
import { busyboxPath } from '../harness/tools.js';
import { skipUnlessAvailable } from '../harness/prereq.js';
import { realCases, realSequences } from './realcode.js';
import { runBoth, type CaseResult } from './session.js';
import { beyondOurs, undefCheck } from './undef.js';
import type { TestCase } from './layout.js';

const missing = missingTools();
const opts = skipUnlessAvailable(missing === null ? null : `differential tests need QEMU and the arm64 cross compiler (${missing})`);
const SEED = Number(process.env['XENON_DIFF_SEED'] ?? 1) >>> 0;
const PER_GROUP = Number(process.env['XENON_DIFF_CASES'] ?? 300);

function check(results: readonly CaseResult[]): void {
  const bad = results.filter((r) => r.diffs.length > 0);
  const known = new Map<string, number>();
  const unexpected = bad.filter((r) => {
    const why = knownReason(r, r.tc.words.map((w) => translateInsn(w).name));
    if (why !== undefined) known.set(why, (known.get(why) ?? 0) + 1);
    return why === undefined;
  });
  for (const [why, n] of known) console.log(`${n} known mismatches: ${why}`);
  assert.equal(
    unexpected.length,
    0,
    `${unexpected.length} of ${results.length} cases differ from QEMU:\n\n` +
      unexpected
        .slice(0, 10)
        .map((r) => formatMismatch(r.tc, r.diffs))
        .join('\n\n'),
  );
}

test('diff: regression corpus matches QEMU', opts, () => {
  const cases = loadCorpus();
  if (cases.length === 0) return;
  check(runBoth(cases));
});

for (const g of GROUPS) {
  test(`diff: random cases of group ${g.name} match QEMU (seed ${SEED})`, opts, () => {
    const pats = allPatterns().filter((p) => p.group === g.name);
    const cases: TestCase[] = [];
    for (let k = 0; k < PER_GROUP; k++) {
      const tc = generateCase(pats[k % pats.length]!, Math.floor(k / pats.length), { seed: SEED });
      if (tc !== null) cases.push(tc);
    }
    assert.ok(cases.length > 0, `no encodable pattern in group ${g.name}`);
    check(runBoth(cases));
  });
}

test(`diff: random sequences mixing all patterns match QEMU (seed ${SEED})`, opts, () => {
  const pool = allPatterns();
  const cases: TestCase[] = [];
  for (let k = 0; k < PER_GROUP * 2; k++) {
    const tc = generateMixedCase(pool, k, { seed: SEED });
    if (tc !== null) cases.push(tc);
  }
  check(runBoth(cases));
});

test(`diff: random sequences run as loops of one or two blocks match QEMU (seed ${SEED})`, opts, () => {
  const pool = allPatterns();
  const cases: TestCase[] = [];
  for (let k = 0; k < PER_GROUP * 2; k++) {
    const tc = generateLoopCase(pool, k, { seed: SEED });
    if (tc !== null) cases.push(tc);
  }
  assert.ok(cases.length > PER_GROUP, `only ${cases.length} loop cases could be generated`);
  check(runBoth(cases));
});

test(`diff: encodings our decoder rejects raise SIGILL under QEMU, or belong to features we lack (seed ${SEED})`, opts, () => {
  const r = undefCheck(SEED, PER_GROUP * 10);
  const gaps = r.executed.filter((e) => e.feature === null);
  assert.deepEqual(
    gaps.map((e) => `${(e.word >>> 0).toString(16).padStart(8, '0')} ${e.asm}`),
    [],
    'QEMU executes these, our decoder calls them UNDEFINED',
  );
});

/** Debian's arm64 busybox-static from the guest-image cache (CI pulls it first). */
const BUSYBOX = busyboxPath() ?? '';
const realOpts = opts.skip !== false ? opts : skipUnlessAvailable(BUSYBOX === '' && 'busybox-static is not cached: run "xenon image pull"');

test(`diff: a sample of busybox's instruction words and straight runs matches QEMU; the words we lack are SVE, MOPS or MTE (seed ${SEED})`, realOpts, () => {
  const r = realCases(BUSYBOX, SEED, PER_GROUP * 5);
  const dis = r.unknown.length > 0 ? disassemble(r.unknown) : [];
  const gaps = r.unknown.map((w, i) => ({ w, asm: dis[i]! })).filter((x) => beyondOurs(x.asm, x.w) === null);
  assert.deepEqual(gaps.map((x) => `${(x.w >>> 0).toString(16).padStart(8, '0')} ${x.asm}`), [], 'busybox words our decoder calls UNDEFINED');
  check(runBoth([...r.cases, ...realSequences(BUSYBOX, SEED, PER_GROUP * 3, 6)]));
});
