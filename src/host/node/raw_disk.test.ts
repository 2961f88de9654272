/** RawDisk: reads and writes at offsets (including into shared memory), read-only refusal, bounds, flush. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { BlockDiskError } from '../common/block_disk.js';
import { RawDisk } from './raw_disk.js';

const dir = mkdtempSync(join(tmpdir(), 'xenon-raw-'));
const diskErr = (op: string, re: RegExp) => (e: unknown) => e instanceof BlockDiskError && e.op === op && re.test(e.message);

test('writes land at their offsets and read back, through views of a SharedArrayBuffer too', async () => {
  const file = join(dir, 'a.img');
  truncateSync((writeFileSync(file, ''), file), 1 << 20);
  const d = await RawDisk.open(file, { readOnly: false });
  assert.equal(d.sizeBytes, 1 << 20);
  const shared = new Uint8Array(new SharedArrayBuffer(8192), 4096, 4096).fill(0x5a);
  await d.write(512 * 7, shared);
  await d.flush();
  const back = new Uint8Array(new SharedArrayBuffer(4096));
  await d.read(512 * 7, back);
  assert.ok(back.every((b) => b === 0x5a));
  await d.close();
  const bytes = readFileSync(file);
  assert.equal(bytes[512 * 7 - 1], 0);
  assert.equal(bytes[512 * 7], 0x5a);
  assert.equal(bytes[512 * 7 + 4096], 0);
});

test('a read-only disk refuses writes; accesses past the end are refused', async () => {
  const file = join(dir, 'b.img');
  writeFileSync(file, new Uint8Array(4096));
  const d = await RawDisk.open(file, { readOnly: true });
  await assert.rejects(d.write(0, new Uint8Array(512)), diskErr('write', /read-only/));
  await assert.rejects(d.read(4096 - 511, new Uint8Array(512)), diskErr('read', /pass the end/));
  await assert.rejects(d.discard(), diskErr('discard', /do not support discard/));
  await d.close();
  await assert.rejects(d.read(0, new Uint8Array(512)), diskErr('read', /closed/));
});

test('open refuses a missing file, a directory and a size that is not whole sectors', async () => {
  await assert.rejects(RawDisk.open(join(dir, 'none.img'), { readOnly: true }), diskErr('open', /no such file/));
  await assert.rejects(RawDisk.open(dir, { readOnly: true }), diskErr('open', /directory/));
  const odd = join(dir, 'odd.img');
  writeFileSync(odd, new Uint8Array(1000));
  await assert.rejects(RawDisk.open(odd, { readOnly: true }), diskErr('open', /not a whole number of 512-byte sectors/));
});
