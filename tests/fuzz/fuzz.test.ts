/**
 * Bounded fuzzing in CI (docs/FUZZING.md): every target runs its `ciCount` seeded inputs, and every
 * kept regression input is replayed. The self-test targets check that the runner really reports a
 * crash, a hang and unbounded memory, so a green run means something.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fuzzTarget, inputs, regressionInputs, seedsOf, TARGETS } from './run.js';

describe('fuzz targets (bounded, seeded)', () => {
  for (const t of TARGETS) {
    it(`${t.name}: ${t.ciCount} inputs without a crash, hang or memory failure`, async () => {
      const r = await fuzzTarget(t.name, { count: t.ciCount, seed: 0x5eed });
      assert.deepEqual(r.failures, [], `${t.name} failures`);
      assert.equal(r.runs, t.ciCount);
    });
    it(`${t.name}: replays every kept regression input`, async () => {
      const kept = regressionInputs(t.name);
      const r = await fuzzTarget(t.name, { replay: kept.map((k) => k.bytes) });
      assert.deepEqual(
        r.failures.map((f) => kept[f.index]!.file),
        [],
      );
      assert.equal(r.runs, kept.length);
    });
  }
});

describe('fuzz runner', () => {
  it('starts with every seed unchanged and is deterministic in its seed', () => {
    const t = TARGETS.find((x) => x.name === 'ar')!;
    const take = (seed: number) => {
      const out: Uint8Array[] = [];
      for (const b of inputs(t, seed)) if (out.push(b) >= 50) break;
      return out;
    };
    const seeds = seedsOf('ar');
    assert.ok(seeds.length > 0);
    assert.deepEqual(take(7).slice(0, seeds.length), seeds);
    assert.deepEqual(take(7), take(7));
    assert.notDeepEqual(take(7), take(8));
  });

  it('reports a crash with its index and keeps going', async () => {
    const r = await fuzzTarget('selftest-crash', { count: 12, seed: 3, save: false });
    assert.equal(r.runs, 12);
    assert.ok(r.failures.length > 0);
    assert.equal(r.failures[0]!.kind, 'crash');
    assert.equal(r.failures[0]!.index, 0);
    assert.match(r.failures[0]!.message, /TypeError: boom/);
  });

  it('reports a synchronous hang at the input that hangs', async () => {
    const r = await fuzzTarget('selftest-hang', { count: 10, seed: 3, timeLimitMs: 200, save: false });
    assert.equal(r.failures.length, 1);
    assert.equal(r.failures[0]!.kind, 'hang');
    assert.equal(r.failures[0]!.index, 0);
  });

  it('reports unbounded memory', async () => {
    const r = await fuzzTarget('selftest-memory', { count: 100, seed: 3, memoryLimitMiB: 128, save: false });
    assert.equal(r.failures.length, 1);
    assert.equal(r.failures[0]!.kind, 'memory');
    assert.ok(r.runs < 100);
  });
});
