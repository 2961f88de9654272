import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allPatterns, generateCase, generateMixedCase } from './gen.js';
import { CODE_BASE, DATA_BASE, DATA_SIZE, Rng, changedChunks, fillData } from './layout.js';

const find = (name: string) => {
  const p = allPatterns().find((x) => x.pattern.name === name);
  assert.ok(p, `pattern ${name} exists`);
  return p;
};

test('Rng and cases are reproducible from their seed', () => {
  const a = new Rng(1, 2, 3);
  const b = new Rng(1, 2, 3);
  const xs = Array.from({ length: 8 }, () => a.u32());
  assert.deepEqual(Array.from({ length: 8 }, () => b.u32()), xs);
  assert.notDeepEqual(Array.from({ length: 8 }, () => new Rng(1, 2, 4).u32()), xs);
  const p = find('ADD_i');
  assert.deepEqual(generateCase(p, 5, { seed: 9 }), generateCase(p, 5, { seed: 9 }));
  assert.deepEqual(generateMixedCase(allPatterns(), 5, { seed: 9 }), generateMixedCase(allPatterns(), 5, { seed: 9 }));
});

test('fillData is a 4 KiB block of mulberry32 (as harness.c writes), repeated; changedChunks finds 64-byte chunks', () => {
  const d = new Uint8Array(DATA_SIZE);
  fillData(0, d);
  // mulberry32 seeded with 0 starts 1144304738 (0.26642920868471265 * 2^32), 0x00159c37.
  const dv = new DataView(d.buffer);
  assert.equal(dv.getUint32(0, true), 0x4434b462);
  assert.equal(dv.getUint32(4, true), 0x00159c37);
  assert.equal(dv.getUint32(0x1004, true), 0x00159c37);
  const e = d.slice();
  e[130] = e[130]! ^ 1;
  e[DATA_SIZE - 1] = e[DATA_SIZE - 1]! ^ 0x80;
  assert.deepEqual([...changedChunks(d, e).keys()], [128, DATA_SIZE - 64]);
});

test('generated branches go forward within the sequence, loads and stores use X28 or SP', () => {
  for (let i = 0; i < 200; i++) {
    const b = generateCase(find('B_cond'), i, { seed: 1 })!;
    b.words.forEach((w, k) => {
      const off = ((w << 8) >> 13);
      assert.ok(off >= 1 && k + off <= b.words.length + 2, `B.cond at ${k} jumps ${off} in ${b.words.length}`);
    });
    const l = generateCase(find('LDST_uimm'), i, { seed: 1 })!;
    for (const w of l.words) assert.ok([28, 31].includes((w >>> 5) & 31));
    const x28 = Number(l.state.x[28]!);
    assert.ok(x28 >= DATA_BASE - 16 && x28 < DATA_BASE + DATA_SIZE);
    assert.equal(Number(l.state.x[31]!) % 16, 0);
  }
  assert.ok(CODE_BASE > DATA_BASE + DATA_SIZE);
});
