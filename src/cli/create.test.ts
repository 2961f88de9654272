/**
 * `xenon create`'s answers to bad input, as a user meets them: one line naming the file, the line
 * and the key, and a non-zero exit status, before anything is created (-n needs no daemon).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const MAIN = path.join(path.dirname(fileURLToPath(import.meta.url)), 'main.js');

function xenon(...args: string[]) {
  return spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', env: { ...process.env, XENON_SOCKET: '/nonexistent/xenond.sock' } });
}

test('xenon create -n: a config error names the file, line and key, and exits 1 as xl does', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xenon-create-'));
  try {
    const bad = path.join(dir, 'bad.cfg');
    fs.writeFileSync(bad, 'name = "ok"\nmemory = "lots"\n');
    const r = xenon('create', '-n', bad);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /bad\.cfg:2: "memory": /);
    const shell = path.join(dir, 'shell.cfg');
    fs.writeFileSync(shell, 'name = "a;rm -rf /"\nkernel = "k"\n');
    const s = xenon('create', '-n', shell);
    assert.equal(s.status, 1);
    assert.match(s.stderr, /shell\.cfg:1: "name"/);
    const good = path.join(dir, 'good.cfg');
    fs.writeFileSync(good, 'name = "good"\nkernel = "k"\nmemory = 64\n');
    const g = xenon('create', '-n', good, 'memory=96');
    assert.equal(g.status, 0, g.stderr);
    assert.equal((JSON.parse(g.stdout) as { b_info: { max_memkb: number } }).b_info.max_memkb, 96 * 1024, 'a KEY=VALUE override wins');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('xenon create: a missing file and missing arguments are one-line errors with their own statuses', () => {
  const missing = xenon('create', '-n', '/nonexistent/domU.cfg');
  assert.equal(missing.status, 3);
  assert.equal(missing.stderr.trim().split('\n').pop(), 'xenon: Cannot read configuration file "/nonexistent/domU.cfg": no such file');
  const none = xenon('create');
  assert.equal(none.status, 2);
  assert.match(none.stderr, /Missing the configuration file/);
});
