import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countDirtyPages, DirtyLog, isPageDirty } from './dirty_log.js';

test('a dirty log marks only while on; peek keeps, clean takes and restarts', () => {
  const log = new DirtyLog({ bytes: 100 * 4096 + 1 });
  assert.equal(log.pages, 128, 'whole words of pages, covering the partial last page');
  log.markPage(3);
  assert.equal(log.peek().dirtyCount, 0, 'nothing is marked while the log is off');
  log.enable();
  log.markPage(3);
  log.markPage(3);
  log.markBytes(5 * 4096 - 1, 2); // the last byte of page 4 and the first of page 5
  log.markBytes(40 * 4096, 0);
  const peeked = log.peek();
  assert.equal(peeked.dirtyCount, 3);
  assert.deepEqual([3, 4, 5, 40].map((p) => isPageDirty(peeked.bits, p)), [true, true, true, false]);
  assert.equal(log.clean().dirtyCount, 3);
  assert.equal(log.peek().dirtyCount, 0);
  log.disable();
  assert.equal(log.enabled, false);
});

test('a guest-derived page number outside the log marks nothing and throws nothing', () => {
  const log = new DirtyLog({ bytes: 64 * 4096 });
  log.enable();
  for (const p of [-1, 64, 2 ** 31, NaN, Infinity, 1.5]) log.markPage(p);
  log.markBytes(-4096, 4096);
  assert.equal(log.peek().dirtyCount, 0);
});

test("another thread's view shares the log's bits and its on/off word", () => {
  const log = new DirtyLog({ bytes: 32 * 4096 });
  const other = new DirtyLog({ shared: log.shared });
  assert.equal(other.pages, log.pages);
  log.enable();
  assert.equal(other.enabled, true);
  other.markPage(31);
  assert.ok(isPageDirty(log.clean().bits, 31));
  assert.equal(other.peek().dirtyCount, 0);
});

test('countDirtyPages counts every set bit of every word', () => {
  assert.equal(countDirtyPages(Uint32Array.of(0xffff_ffff, 0x8000_0001, 0)), 34);
});
