import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GuestClock } from './guest_clock.js';

function fakeHost() {
  let ns = 1_000_000;
  return { host: { monotonicNs: () => ns, wallClockMs: () => 0 }, advance: (d: number) => { ns += d; } };
}

test('GuestClock counts host time from zero and stands still while paused', () => {
  const { host, advance } = fakeHost();
  const c = new GuestClock(host);
  assert.equal(c.nowNs(), 0);
  advance(500);
  assert.equal(c.nowNs(), 500);
  c.pause();
  advance(10_000);
  assert.equal(c.nowNs(), 500);
  c.resume();
  advance(25);
  assert.equal(c.nowNs(), 525);
});

test('GuestClock restored on another host continues without a jump', () => {
  const a = fakeHost();
  const c = new GuestClock(a.host);
  a.advance(7_000);
  c.pause();
  const saved = c.save();
  const b = fakeHost();
  b.advance(123_456_789); // a host whose monotonic clock is far ahead
  const d = new GuestClock(b.host);
  d.restore(saved);
  assert.equal(d.nowNs(), 7_000);
  d.resume();
  b.advance(3);
  assert.equal(d.nowNs(), 7_003);
});
