import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CodeCache, Hdr, HDR_WORDS, PAGE_SHIFT } from './code_cache.js';
import { Kind, PRE_STRIDE } from './interp/predecode.js';
import { insnForm } from './interp/index.js';
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

test('compacting the forms keeps each CLOSURE form naming its own closure', () => {
  const cache = new CodeCache(64 << 20);
  const live: { id: number; closures: readonly Exec[] }[] = [];
  // One block per page, so a store to a page discards just that block; enough of them to fill the
  // forms array (about 20,000 instructions) several times, half discarded as they go.
  for (let i = 0; i < 3000; i++) {
    const t = translation(16);
    const b = cache.add(i << PAGE_SHIFT, t, 0);
    if (i % 2 === 0) cache.storeToCodePage(i);
    else live.push({ id: b.id, closures: t.closures });
  }
  for (const { id, closures } of live) {
    const pre = cache.hdr[id * HDR_WORDS + Hdr.PRE]!;
    let k = 0;
    for (let j = pre; j < pre + 16 * PRE_STRIDE; j += PRE_STRIDE) {
      if ((cache.forms[j]! & 0xff) === Kind.CLOSURE) assert.equal(cache.closures[cache.forms[j + 1]!], closures[k++]);
    }
    assert.equal(k, closures.length);
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
