import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CodeCache, Hdr, HDR_WORDS, PAGE_SHIFT, type Block } from './code_cache.js';
import { Kind, PRE_STRIDE } from './interp/predecode.js';
import { ageInsnForms, insnForm } from './interp/index.js';
import type { Exec } from './interp/group.js';

/** A block of `n` instructions whose odd ones are CLOSURE forms, each with a closure of its own. */
function translation(n: number): { forms: number[]; closures: Exec[]; insns: Uint32Array; setsNpc: boolean } {
  const forms: number[] = [];
  const closures: Exec[] = [];
  for (let k = 0; k < n; k++) {
    if (k % 2 === 1) {
      forms.push(Kind.CLOSURE, 0, 0);
      closures.push(() => undefined);
    } else {
      forms.push(Kind.NOP, 0, 0);
    }
  }
  return { forms, closures, insns: new Uint32Array(n), setsNpc: false };
}

/** Asserts that each block's CLOSURE forms name, in order, the closures it was translated with. */
function assertClosures(cache: CodeCache, live: readonly { b: Block; closures: readonly Exec[] }[]): void {
  for (const { b, closures } of live) {
    const pre = cache.hdr[b.id * HDR_WORDS + Hdr.PRE]!;
    let k = 0;
    for (let j = pre; j < pre + 16 * PRE_STRIDE; j += PRE_STRIDE) {
      if ((cache.forms[j]! & 0xff) === Kind.CLOSURE) assert.equal(cache.closures[cache.forms[j + 1]!], closures[k++]);
    }
    assert.equal(k, closures.length);
  }
}

/** What the run loop does to a block's header each time it enters it. */
function ran(cache: CodeCache, id: number): void {
  cache.hdr[id * HDR_WORDS + Hdr.RUNS]!++;
}

test('compacting the forms keeps each CLOSURE form naming its own closure', () => {
  const cache = new CodeCache(64 << 20);
  const live: { b: Block; closures: readonly Exec[] }[] = [];
  // One block per page, so a store to a page discards just that block; enough of them to fill the
  // forms array (about 20,000 instructions) several times, half discarded as they go.
  for (let i = 0; i < 3000; i++) {
    const t = translation(16);
    const b = cache.add(i << PAGE_SHIFT, t, 0);
    if (i % 2 === 0) cache.storeToCodePage(i);
    else live.push({ b, closures: t.closures });
  }
  assertClosures(cache, live);
});

test('a sweep evicts each page none of whose blocks ran since the sweep before the last, whole, and keeps the rest whole', () => {
  const cache = new CodeCache(1 << 20);
  const a = cache.add(0x1000, translation(4), 0);
  const b = cache.add(0x1100, translation(4), 0); // never runs, but shares a page with a
  const c = cache.add(0x2000, translation(4), 0);
  const d = cache.add(0x3000, translation(4), 0); // translated, never run
  ran(cache, a.id);
  ran(cache, c.id);
  assert.equal(cache.sweep(), 0, 'd has gone one sweep unrun');
  ran(cache, a.id);
  assert.equal(cache.sweep(), 1, 'd has gone two sweeps unrun');
  assert.equal(cache.get(0x3000), undefined);
  assert.equal(d.valid, false);
  assert.equal(cache.hdr[d.id * HDR_WORDS + Hdr.FLAGS], 0, 'its header says so to the run loop and the links');
  assert.equal(cache.codePage[3], 0, 'stores to its page may take the fast path again');
  assert.equal(cache.sweep(), 1, 'c ran before the first sweep only');
  assert.equal(cache.get(0x2000), undefined);
  assert.equal(c.valid, false);
  assert.equal(cache.get(0x1000), a);
  assert.equal(cache.get(0x1100), b);
  assert.equal(cache.codePage[1], 1);
  assert.deepEqual([cache.stats.sweeps, cache.stats.pagesEvicted, cache.stats.pagesDiscarded], [3, 2, 0]);
  ran(cache, b.id);
  assert.equal(cache.sweep(), 0, 'a run of any block of a page keeps it');
  // An evicted block's id goes to the next translation.
  const e = cache.add(0x4000, translation(4), 0);
  assert.ok([c.id, d.id].includes(e.id));
});

test('a sweep that leaves most of the forms dead packs the rest, each CLOSURE form still naming its own closure', () => {
  const cache = new CodeCache(64 << 20);
  const live: { b: Block; closures: readonly Exec[] }[] = [];
  for (let i = 0; i < 3000; i++) {
    const t = translation(16);
    const b = cache.add(i << PAGE_SHIFT, t, 0);
    // A fifth of them keep running.
    if (i % 5 === 0) live.push({ b, closures: t.closures });
  }
  for (let sweep = 0; sweep < 2; sweep++) {
    for (const { b } of live) ran(cache, b.id);
    cache.sweep();
  }
  assert.equal(cache.stats.pagesEvicted, 3000 - live.length);
  assert.equal(cache.closures.length, live.length * 8, 'the evicted blocks\' closures are gone');
  assertClosures(cache, live);
  // Renumbered in the order they were translated, each row still its own.
  assert.deepEqual(live.map(({ b }) => b.id), live.map((_, k) => k));
  for (const { b } of live) {
    assert.equal(cache.get(b.off), b);
    assert.equal(cache.block(b.id), b);
    assert.equal(cache.hdr[b.id * HDR_WORDS + Hdr.OFF], b.off);
  }
});

test('the translation cache keeps a closure only for an instruction without a compact form', () => {
  const add = insnForm(0x91000442); // add x2, x2, #1
  assert.equal(add.preHead & 0xff, Kind.ADDI_X);
  assert.equal(add.closure, null);
  const crc = insnForm(0x9ac14c00); // crc32x w0, w0, x1
  assert.equal(crc.preHead & 0xff, Kind.CLOSURE);
  assert.equal(typeof crc.closure, 'function');
});

test('the translation cache forgets a word not looked up in two intervals, and keeps one looked up in either', () => {
  const word = 0x91000c63; // add x3, x3, #3
  const f = insnForm(word);
  ageInsnForms();
  assert.equal(insnForm(word), f, 'looked up in the interval before: moved back');
  ageInsnForms();
  ageInsnForms();
  const g = insnForm(word);
  assert.notEqual(g, f, 'forgotten, so translated again');
  assert.deepEqual(g, f);
  // The code cache's sweeps are what age it.
  const cache = new CodeCache(1 << 20);
  cache.sweep();
  cache.sweep();
  assert.notEqual(insnForm(word), g, 'two sweeps without a lookup forget it');
});

test('sweepIfDue sweeps once every 30 s of the clock it is given, first at 30 s', () => {
  const cache = new CodeCache(1 << 20);
  for (const ns of [0, 29.9e9, 30e9, 45e9, 59.9e9, 60e9, 200e9, 229e9, 230e9]) cache.sweepIfDue(ns);
  assert.equal(cache.stats.sweeps, 4, 'at 30, 60, 200 and 230 s');
});
