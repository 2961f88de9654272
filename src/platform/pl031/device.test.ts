import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GuestClock } from '../guest_clock.js';
import { TimerQueue } from '../timer_queue.js';
import { Pl031 } from './device.js';
import { PL031_REGS as R } from './regs.js';

function rig() {
  let hostNs = 0;
  const clock = new GuestClock({ monotonicNs: () => hostNs, wallClockMs: () => 0 });
  const timers = new TimerQueue();
  const levels: boolean[] = [];
  const rtc = new Pl031({ clock, timers, irq: { set: (l) => levels.push(l) }, epochSeconds: 1_700_000_000 });
  const advance = (s: number) => {
    hostNs += s * 1e9;
    timers.runDue(clock.nowNs());
  };
  return { rtc, clock, advance, levels };
}

test('PL031 DR counts guest seconds from the epoch it was given', () => {
  const { rtc, advance } = rig();
  assert.equal(rtc.read(R.DR, 4), 1_700_000_000);
  advance(2.5);
  assert.equal(rtc.read(R.DR, 4), 1_700_000_002);
});

test('PL031 LR sets the counter and the match interrupt fires when masked in', () => {
  const { rtc, advance, levels } = rig();
  rtc.write(R.LR, 4, 100);
  assert.equal(rtc.read(R.DR, 4), 100);
  rtc.write(R.IMSC, 4, 1);
  rtc.write(R.MR, 4, 103);
  advance(2);
  assert.equal(rtc.read(R.RIS, 4), 0);
  advance(1);
  assert.equal(rtc.read(R.RIS, 4), 1);
  assert.equal(rtc.read(R.MIS, 4), 1);
  assert.equal(levels.at(-1), true);
  rtc.write(R.ICR, 4, 1);
  assert.equal(rtc.read(R.MIS, 4), 0);
  assert.equal(levels.at(-1), false);
});

test('PL031 identifies itself through PeriphID/CellID and ignores bad accesses', () => {
  const { rtc } = rig();
  const ids = [0xfe0, 0xfe4, 0xfe8, 0xfec, 0xff0, 0xff4, 0xff8, 0xffc].map((o) => rtc.read(o, 4));
  assert.deepEqual(ids, [0x31, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1]);
  assert.equal(rtc.read(0x800, 4), 0);
  assert.equal(rtc.read(R.DR + 1, 1), 0);
  rtc.write(0x40, 4, 5);
  assert.equal(rtc.metrics.badAccesses, 3);
});

test('PL031 state saved while paused restores to the same counter and pending interrupt', () => {
  const a = rig();
  a.rtc.write(R.LR, 4, 5000);
  a.rtc.write(R.IMSC, 4, 1);
  a.rtc.write(R.MR, 4, 5001);
  a.advance(1);
  a.clock.pause();
  const bytes = a.rtc.save();
  const b = rig();
  b.clock.restore(a.clock.save());
  b.rtc.restore(bytes);
  assert.equal(b.rtc.read(R.DR, 4), a.rtc.read(R.DR, 4));
  assert.equal(b.rtc.read(R.MIS, 4), 1);
  assert.equal(b.levels.at(-1), true);
});
