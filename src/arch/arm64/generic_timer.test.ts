import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CNTFRQ_HZ, GenericTimer } from './generic_timer.js';

function rig() {
  let ns = 0;
  const levels = { phys: [] as boolean[], virt: [] as boolean[] };
  const t = new GenericTimer({
    nowNs: () => ns,
    irq: { phys: (l) => levels.phys.push(l), virt: (l) => levels.virt.push(l) },
  });
  return { t, levels, advance: (d: number) => { ns += d; t.update(); } };
}

test('the counter runs at CNTFRQ from guest time', () => {
  const { t, advance } = rig();
  assert.equal(CNTFRQ_HZ, 62_500_000);
  advance(1e9);
  assert.equal(t.physicalCount(), 62_500_000n);
  t.cntvoff = 500n;
  assert.equal(t.count('virt'), 62_499_500n);
});

test('the virtual timer fires at CVAL when enabled and unmasked, and IMASK hides it', () => {
  const { t, levels, advance } = rig();
  t.writeCval('virt', 1000n);
  t.writeCtl('virt', 1n);
  assert.equal(t.nextDeadlineNs(), 16_000);
  advance(15_999);
  assert.deepEqual(levels.virt, []);
  advance(1);
  assert.deepEqual(levels.virt, [true]);
  assert.equal(t.readCtl('virt'), 5n, 'ENABLE | ISTATUS');
  t.writeCtl('virt', 3n);
  assert.deepEqual(levels.virt, [true, false]);
  assert.equal(t.readCtl('virt'), 7n);
  assert.deepEqual(levels.phys, []);
});

test('TVAL is the signed 32-bit distance to CVAL', () => {
  const { t, advance } = rig();
  advance(16 * 100);
  t.writeTval('phys', 50n);
  assert.equal(t.readCval('phys'), 150n);
  t.writeTval('phys', 0xffff_fff6n); // -10
  assert.equal(t.readCval('phys'), 90n);
  assert.equal(t.readTval('phys'), 0xffff_fff6n);
});

test('timer state survives save/restore and re-raises a pending interrupt', () => {
  const a = rig();
  a.t.writeCval('phys', 10n);
  a.t.writeCtl('phys', 1n);
  a.advance(16 * 20);
  const b = rig();
  b.advance(16 * 20);
  b.t.restore(a.t.save());
  assert.deepEqual(b.levels.phys, [true]);
  assert.throws(() => b.t.restore(new Uint8Array(4)), /48 bytes/);
});

test('a guest read that reveals the deadline has passed drives the interrupt first, with no update() from the board', () => {
  for (const read of [
    (t: GenericTimer) => t.readCtl('virt'),
    (t: GenericTimer) => t.readTval('virt'),
    (t: GenericTimer) => t.count('virt'),
    (t: GenericTimer) => t.physicalCount(),
  ]) {
    let ns = 0;
    const levels: boolean[] = [];
    const t = new GenericTimer({ nowNs: () => ns, irq: { phys: () => assert.fail('phys output'), virt: (l) => levels.push(l) } });
    t.writeCval('virt', 10n);
    t.writeCtl('virt', 1n);
    ns = 16 * 10; // the deadline, not yet seen by anyone
    assert.deepEqual(levels, []);
    read(t);
    assert.deepEqual(levels, [true], read.toString());
  }
});

test('ISTATUS and the interrupt output come from the same sample of the clock', () => {
  let ns = 0;
  let level = false;
  const t = new GenericTimer({ nowNs: () => (ns += 8), irq: { phys: (l) => { level = l; }, virt: () => undefined } });
  t.writeCval('phys', 5n);
  t.writeCtl('phys', 1n);
  for (;;) {
    const istatus = (t.readCtl('phys') & 4n) !== 0n;
    assert.equal(level, istatus);
    if (istatus) break;
  }
});
