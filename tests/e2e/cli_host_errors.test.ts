/**
 * Host I/O errors reach the user as one line naming the file and the reason (issue 10, finding 4):
 * `--dtb-out` into a missing directory, standard output on a full device, a cache that is not a
 * directory; and a reader that closes the pipe early ends `xenon boot` quietly, as `yes | head` does.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { arm64Image, printAndPowerOff } from '../../src/platform/boot/_test_kernels.js';

const MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/cli/main.js');
const TIMEOUT_MS = 60_000;

function withKernel(text: string, fn: (kernel: string, dir: string) => void | Promise<void>): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xenon-hosterr-'));
  const kernel = path.join(dir, 'Image');
  fs.writeFileSync(kernel, arm64Image(printAndPowerOff(text)));
  return Promise.resolve(fn(kernel, dir)).finally(() => fs.rmSync(dir, { recursive: true, force: true }));
}

const noStack = (stderr: string) => assert.doesNotMatch(stderr, /^\s+at /m, `no stack trace:\n${stderr}`);

test('--dtb-out into a missing directory: one line naming the file and the reason, status 9', () => withKernel('hi\n', (kernel, dir) => {
  const out = path.join(dir, 'missing', 'virt.dtb');
  const r = spawnSync(process.execPath, [MAIN, 'boot', '--kernel', kernel, '--memory', '64', '--dtb-out', out], { encoding: 'utf8', timeout: TIMEOUT_MS, input: '' });
  assert.equal(r.status, 9, r.stderr);
  assert.equal(r.stderr.trim(), `xenon: Cannot open "${out}": no such file or directory (ENOENT)`);
}));

test('standard output on a full device: one line on standard error, status 9', () => withKernel('hi\n', (kernel) => {
  const full = fs.openSync('/dev/full', 'w');
  try {
    const r = spawnSync(process.execPath, [MAIN, 'boot', '--kernel', kernel, '--memory', '64'], { stdio: ['ignore', full, 'pipe'], encoding: 'utf8', timeout: TIMEOUT_MS });
    assert.equal(r.status, 9, r.stderr);
    assert.match(r.stderr, /^xenon: Cannot write to standard output: .*no space left on device \(ENOSPC\)$/m);
    noStack(r.stderr);
  } finally {
    fs.closeSync(full);
  }
}));

test('a reader that closes the pipe after 100 bytes ends xenon boot quietly', () => withKernel(`${'x'.repeat(79)}\n`.repeat(4000), async (kernel) => {
  const child = spawn(process.execPath, [MAIN, 'boot', '--kernel', kernel, '--memory', '64'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  let got = 0;
  child.stdout.on('data', (b: Buffer) => {
    got += b.length;
    if (got >= 100) child.stdout.destroy();
  });
  const status = await new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  assert.equal(status, 0, err);
  noStack(err);
}));

test('a cache path that is a file: one line before any download, status 9', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xenon-hosterr-'));
  try {
    const notDir = path.join(dir, 'cache');
    fs.writeFileSync(notDir, 'not a directory');
    const r = spawnSync(process.execPath, [MAIN, 'image', 'pull', '--cache-dir', notDir, '--mirror', 'http://127.0.0.1:9/', '--suite', 'testing', '--refresh'], {
      encoding: 'utf8', timeout: TIMEOUT_MS,
    });
    assert.equal(r.status, 9, r.stderr);
    assert.match(r.stderr, new RegExp(`^xenon: Cannot mkdir "${notDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(/images)?": not a directory \\(ENOTDIR\\)$`, 'm'));
    noStack(r.stderr);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
