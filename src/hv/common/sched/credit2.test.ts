import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BUDGET_PERIOD_NS, CREDIT_INIT_NS, DEFAULT_WEIGHT, SchedBoard, allPcpus } from './credit2.js';

const ROUND_NS = 500_000;

/**
 * Busy domains sharing one pCPU, one round at a time: each asks for the pCPU, and the one that
 * holds it runs a round and is accounted. Time moves by a round per round run, or when nobody may
 * run (all capped). Returns the host time each slot ran.
 */
function shareOnePcpu(board: SchedBoard, slots: readonly number[], totalNs: number): Map<number, number> {
  const ran = new Map(slots.map((s) => [s, 0]));
  const heldSince = new Map<number, number>();
  let now = 0;
  while (now < totalNs) {
    let someoneRan = false;
    for (const s of slots) {
      const g = board.request(s, now);
      if (g.kind !== 'run') {
        heldSince.delete(s);
        continue;
      }
      if (!heldSince.has(s)) heldSince.set(s, now);
      now += ROUND_NS;
      ran.set(s, ran.get(s)! + ROUND_NS);
      someoneRan = true;
      if (board.account(s, ROUND_NS, now - heldSince.get(s)!, now) === 'yield') heldSince.delete(s);
    }
    if (!someoneRan) now += ROUND_NS;
  }
  return ran;
}

describe('credit2 scheduler board', () => {
  test('two busy domains on one pCPU share it by their weights (1:2)', () => {
    const board = SchedBoard.create(1, 8);
    const a = board.addDomain(1, { weight: 256, cap: 0 }, allPcpus(1));
    const b = board.addDomain(2, { weight: 512, cap: 0 }, allPcpus(1));
    const ran = shareOnePcpu(board, [a, b], 2e9);
    const ratio = ran.get(b)! / ran.get(a)!;
    assert.ok(ratio > 1.9 && ratio < 2.1, `weights 256:512 gave ${ran.get(a)}:${ran.get(b)} (ratio ${ratio.toFixed(3)})`);
  });

  test('equal weights share equally, and three domains by 1:1:4', () => {
    const board = SchedBoard.create(1, 8);
    const s = [board.addDomain(1, { weight: 100, cap: 0 }, 1), board.addDomain(2, { weight: 100, cap: 0 }, 1), board.addDomain(3, { weight: 400, cap: 0 }, 1)];
    const ran = shareOnePcpu(board, s, 3e9);
    const [x, y, z] = s.map((k) => ran.get(k)!) as [number, number, number];
    assert.ok(Math.abs(x / y - 1) < 0.05, `${x}:${y}`);
    assert.ok(Math.abs(z / x - 4) < 0.2, `${x}:${z}`);
  });

  test('a cap limits a busy domain to its percentage of one pCPU, even with the pCPU otherwise free', () => {
    const board = SchedBoard.create(1, 8);
    const a = board.addDomain(1, { weight: DEFAULT_WEIGHT, cap: 30 }, 1);
    const ran = shareOnePcpu(board, [a], 1e9);
    const share = ran.get(a)! / 1e9;
    assert.ok(share > 0.25 && share < 0.36, `cap 30 gave ${(share * 100).toFixed(1)}%`);
    // A parked domain is told how long until its next period, never more than a period.
    const g = board.request(a, 1e9 + 1);
    if (g.kind === 'wait') assert.ok(g.ms >= 1 && g.ms <= BUDGET_PERIOD_NS / 1e6);
  });

  test('a pCPU goes only to a domain whose affinity has it', () => {
    const board = SchedBoard.create(2, 8);
    const pinned = board.addDomain(1, { weight: DEFAULT_WEIGHT, cap: 0 }, 0b10);
    const other = board.addDomain(2, { weight: DEFAULT_WEIGHT, cap: 0 }, 0b01);
    assert.deepEqual(board.request(pinned, 0), { kind: 'run', pcpu: 1 });
    assert.deepEqual(board.request(other, 0), { kind: 'run', pcpu: 0 });
    const third = board.addDomain(3, { weight: DEFAULT_WEIGHT, cap: 0 }, 0b10);
    assert.equal(board.request(third, 0).kind, 'wait');
    // pCPU 0 frees up, but the third domain may not run there; pCPU 1 frees up and it is handed over.
    board.release(other);
    assert.equal(board.info(third).state, 'waiting');
    board.release(pinned);
    assert.deepEqual(board.info(third), { ...board.info(third), state: 'running', pcpu: 1 });
    assert.deepEqual(board.request(third, 0), { kind: 'run', pcpu: 1 });
  });

  test('a free pCPU of the soft affinity is taken first, and any of the hard affinity when the soft ones are busy', () => {
    const board = SchedBoard.create(3, 8);
    const a = board.addDomain(1, { weight: DEFAULT_WEIGHT, cap: 0 }, 0b111, 0b100);
    assert.deepEqual(board.request(a, 0), { kind: 'run', pcpu: 2 }, 'its soft pCPU, though pCPU 0 comes first');
    board.release(a);
    const b = board.addDomain(2, { weight: DEFAULT_WEIGHT, cap: 0 }, 0b100);
    assert.deepEqual(board.request(b, 0), { kind: 'run', pcpu: 2 });
    assert.deepEqual(board.request(a, 0), { kind: 'run', pcpu: 0 }, 'its soft pCPU is busy: another of its hard affinity');
    board.setAffinity(b, 0b111, 0b010);
    board.release(b);
    assert.deepEqual(board.request(b, 0), { kind: 'run', pcpu: 1 });
  });

  test('a runner whose affinity loses its pCPU gives it up at its next accounting', () => {
    const board = SchedBoard.create(2, 8);
    const a = board.addDomain(1, { weight: DEFAULT_WEIGHT, cap: 0 }, allPcpus(2));
    assert.deepEqual(board.request(a, 0), { kind: 'run', pcpu: 0 });
    board.setAffinity(a, 0b10);
    assert.equal(board.account(a, ROUND_NS, ROUND_NS, ROUND_NS), 'yield');
    assert.deepEqual(board.request(a, ROUND_NS), { kind: 'run', pcpu: 1 });
  });

  test('destroying the domain that holds a pCPU hands it to a waiter', () => {
    const board = SchedBoard.create(1, 8);
    const a = board.addDomain(1, { weight: DEFAULT_WEIGHT, cap: 0 }, 1);
    const b = board.addDomain(2, { weight: DEFAULT_WEIGHT, cap: 0 }, 1);
    assert.equal(board.request(a, 0).kind, 'run');
    const { words, index } = board.wakeWord(b);
    const seen = Atomics.load(words, index);
    assert.equal(board.request(b, 0).kind, 'wait');
    board.removeDomain(a);
    assert.notEqual(Atomics.load(words, index), seen, 'the waiter is woken');
    assert.deepEqual(board.request(b, 0), { kind: 'run', pcpu: 0 });
    // The freed slot is reused.
    assert.equal(board.addDomain(3, { weight: DEFAULT_WEIGHT, cap: 0 }, 1), a);
    // A waiter in a high slot is still found after the slots below it come and go.
    const c = board.addDomain(4, { weight: DEFAULT_WEIGHT, cap: 0 }, 1);
    board.removeDomain(b);
    assert.equal(board.request(a, 0).kind, 'run');
    assert.equal(board.request(c, 0).kind, 'wait');
    board.release(a);
    assert.equal(board.info(c).state, 'running', 'handed the pCPU from a lower slot');
  });

  test('credits are reset when the runner is out, and nobody keeps more than the initial credit', () => {
    const board = SchedBoard.create(1, 8);
    const a = board.addDomain(1, { weight: 1, cap: 0 }, 1);
    board.addDomain(2, { weight: MAX_TEST_WEIGHT, cap: 0 }, 1);
    assert.equal(board.request(a, 0).kind, 'run');
    // One round at weight 1 beside weight 65535 burns far more than a reset's worth.
    board.account(a, 10_000_000, 10_000_000, 10_000_000);
    const c = board.info(a).creditNs;
    assert.ok(c > 0 && c <= CREDIT_INIT_NS, `credit after reset ${c}`);
  });

  test('parameters and slots are checked', () => {
    const board = SchedBoard.create(2, 1);
    assert.throws(() => board.addDomain(1, { weight: 0, cap: 0 }, 1), /weight is from 1 to 65535/);
    assert.throws(() => board.addDomain(1, { weight: 256, cap: -1 }, 1), /cap/);
    const s = board.addDomain(1, { weight: 256, cap: 0 }, 0);
    assert.equal(board.info(s).affinity, 0b11, 'an affinity with no host pCPU means all of them');
    assert.throws(() => board.addDomain(2, { weight: 256, cap: 0 }, 1), /No scheduler slot is free/);
    assert.throws(() => board.request(5, 0), /Bad scheduler slot/);
    assert.throws(() => SchedBoard.create(0, 4), /1 to 32 pCPUs/);
    assert.throws(() => new SchedBoard(new SharedArrayBuffer(64)), /bad layout/);
  });
});

const MAX_TEST_WEIGHT = 65535;
