import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { imagePullCommand } from './cli.js';
import { KVER, startArchive } from './_test_archive.js';
import { missingCommands, skipUnlessAvailable } from '../../tests/harness/prereq.js';

/** Run the command with stdout and stderr captured. */
async function run(argv: string[]): Promise<{ status: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io = {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s), isTTY: false },
  };
  const status = await imagePullCommand(argv, io);
  return { status, out, err };
}

test('imagePullCommand() prints usage for --help and exits 2 on bad options', async () => {
  const help = await run(['--help']);
  assert.equal(help.status, 0);
  assert.match(help.out, /^Usage: xenon image pull/);
  const bad = await run(['--bogus']);
  assert.equal(bad.status, 2);
  assert.match(bad.err, /Unknown option '--bogus'/);
});

test('imagePullCommand() pulls from --mirror and reports IMAGE_FETCH failures with exit status 6', skipUnlessAvailable(missingCommands('dpkg-deb', 'xz')), async () => {
  const archive = await startArchive({ compression: 'xz' });
  const cacheDir = mkdtempSync(join(tmpdir(), 'xenon-cache-'));
  try {
    const common = ['--suite', 'testing', '--keyring', '/nonexistent', '--allow-unsigned', '--cache-dir', cacheDir];
    const ok = await run(['--mirror', archive.url, ...common]);
    assert.equal(ok.status, 0, ok.err);
    assert.match(ok.out, new RegExp(`^kernel +${KVER} +${cacheDir}/images/.*/Image$`, 'm'));
    assert.match(ok.out, /Release signature NOT verified/);
    const again = await run(['--mirror', archive.url, ...common]);
    assert.match(again.out, /cache was valid/);
    const missing = await run(['--mirror', `${archive.url}nowhere`, ...common, '--refresh']);
    assert.equal(missing.status, 6);
    assert.match(missing.err, /Cannot fetch ".*nowhere\/dists\/testing\/Release": HTTP 404/);
  } finally {
    await archive.close();
    rmSync(cacheDir, { recursive: true, force: true });
  }
});
