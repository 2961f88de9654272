/**
 * block-attach, block-list and block-detach before the daemon is asked: a relative image path is
 * resolved against the client's directory, a bad spec or bad arguments are one-line errors with
 * xl's statuses, and the commands are in the help.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDiskSpec } from '../toolstack/config/index.js';
import { diskAttachRequest } from './block.js';

const MAIN = path.join(path.dirname(fileURLToPath(import.meta.url)), 'main.js');

function xenon(...args: string[]) {
  return spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', env: { ...process.env, XENON_SOCKET: '/nonexistent/xenond.sock' } });
}

test('diskAttachRequest() resolves a relative image against the client\'s directory and keeps the rest of the disk', () => {
  const r = diskAttachRequest(['images/d.img', 'qcow2', 'xvdc', 'ro'], '/home/u/vm');
  assert.equal(typeof r.spec, 'string');
  const d = parseDiskSpec(r.spec, { source: 'test' });
  assert.deepEqual(d, { ...parseDiskSpec(['images/d.img', 'qcow2', 'xvdc', 'ro'], { source: 'test' }), target: '/home/u/vm/images/d.img' });
  const keyed = parseDiskSpec(diskAttachRequest(['format=raw,vdev=xvdb,target=../x.img'], '/home/u/vm').spec, { source: 'test' });
  assert.equal(keyed.target, '/home/u/x.img');
});

test('diskAttachRequest() sends the components as given when the image is already absolute', () => {
  assert.deepEqual(diskAttachRequest(['target=/img/a.img', 'vdev=xvdb'], '/home/u'), { spec: ['target=/img/a.img', 'vdev=xvdb'] });
  assert.throws(() => diskAttachRequest(['/img/a.img'], '/'), { name: 'ConfigError', message: 'command line: no vdev specified in disk specification "/img/a.img"' });
});

test('xenon block-*: bad arguments and a bad spec are one-line errors before the daemon is asked', () => {
  const noSpec = xenon('block-attach', 'guest');
  assert.equal(noSpec.status, 2);
  assert.match(noSpec.stderr, /^xenon: block-attach takes a domain and a disk specification; usage: xenon block-attach DOMAIN DISK-SPEC-COMPONENT\.\.\.\n$/);
  const badSpec = xenon('block-attach', 'guest', 'disk.img', 'vpc', 'xvdb');
  assert.equal(badSpec.status, 1);
  assert.equal(badSpec.stderr, 'xenon: command line: unknown value for format near "vpc" in disk specification "vpc"\n');
  assert.equal(xenon('block-list').status, 2);
  assert.equal(xenon('block-detach', 'guest').status, 2);
  assert.equal(xenon('block-detach', '--bogus', 'guest', 'xvdb').status, 2);
  const help = xenon('--help');
  for (const c of ['block-attach', 'block-list', 'block-detach']) assert.match(help.stdout, new RegExp(`^  ${c} +\\S`, 'm'));
  assert.match(xenon('help', 'block-detach').stdout, /Usage: xenon block-detach \[-f\] DOMAIN VDEV\|DEVID\n[\s\S]*--force/);
});
