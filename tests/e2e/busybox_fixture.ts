/** A working directory of generated files for the busybox battery, identical on every run. */
import { xorshift32 } from '../../src/lib/prng.js';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const xorshift = xorshift32;

const WORDS = ['alpha', 'beta', 'gamma', 'delta', 'foo', 'bar', 'baz', 'qux', 'lorem', 'ipsum', 'xenon', 'arm64', 'Zeta', 'eta'];

export function makeBusyboxFixture(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'xenon-bb-'));
  const rnd = xorshift(12345);
  const lines: string[] = [];
  for (let i = 0; i < 400; i++) {
    const n = 1 + (rnd() % 8);
    lines.push(Array.from({ length: n }, () => WORDS[rnd() % WORDS.length]).join(' '));
  }
  writeFileSync(path.join(dir, 'data.txt'), lines.join('\n') + '\n');
  const nums: string[] = [];
  for (let i = 0; i < 300; i++) nums.push(`${WORDS[rnd() % WORDS.length]}:${(rnd() % 100000) - 50000}:${(rnd() % 1000) / 8}`);
  writeFileSync(path.join(dir, 'nums.txt'), nums.join('\n') + '\n');
  const big = new Uint8Array(1 << 18);
  for (let i = 0; i < big.length; i++) big[i] = rnd() & (i % 3 === 0 ? 0xff : 0x0f); // partly compressible
  writeFileSync(path.join(dir, 'big.bin'), big);
  for (const sub of ['tree/a/b', 'tree/a/c', 'tree/d']) mkdirSync(path.join(dir, sub), { recursive: true });
  for (const f of ['tree/a/b/one.txt', 'tree/a/b/two.c', 'tree/a/c/three.txt', 'tree/d/four.txt', 'tree/five.txt']) {
    writeFileSync(path.join(dir, f), `${f}\n`.repeat(1 + (rnd() % 5)));
  }
  // Enough names that the host's directory order (ext4 lists by hash) differs from sorted order.
  for (let i = 0; i < 16; i++) writeFileSync(path.join(dir, `tree/d/n${i}.txt`), `${i}\n`);
  return dir;
}
