import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createProgress } from './progress.js';

test('createProgress() writes one plain line per 10 % when not on a terminal', () => {
  const out: string[] = [];
  let t = 0;
  const p = createProgress('pkg', 10 * 1024 * 1024, { write: (s: string) => out.push(s), isTTY: false }, () => t);
  for (let i = 1; i <= 100; i++) {
    t = i * 10;
    p.update(i * 1024 * 1024 * 0.1);
  }
  p.done();
  assert.equal(out.length, 10 + 1);
  assert.ok(out.every((l) => l.endsWith('\n') && !l.includes('\r')));
  assert.equal(out.at(-1), 'pkg [########################] 100% 10.0/10.0 MiB 10.0 MiB/s\n');
  assert.match(out[0]!, /^pkg \[-+\] 1% 0\.1\/10\.0 MiB /);
});

test('createProgress() redraws one line with \\r on a terminal, at most every 100 ms', () => {
  const out: string[] = [];
  let t = 0;
  const p = createProgress('k', 2 * 1024 * 1024, { write: (s: string) => out.push(s), isTTY: true }, () => t);
  t = 200;
  p.update(1024 * 1024);
  t = 250;
  p.update(1536 * 1024); // Within 100 ms of the last draw: skipped.
  t = 1000;
  p.done();
  assert.equal(out.length, 2);
  assert.match(out[0]!, /^\rk \[#{12}-{12}\] 50% 1\.0\/2\.0 MiB 5\.0 MiB\/s\x1b\[K$/);
  assert.match(out[1]!, /75% 1\.5\/2\.0 MiB .*\n$/);
});
