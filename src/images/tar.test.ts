import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XenonError } from '../lib/errors.js';
import { readTar } from './tar.js';

const LONG_DIR = `lib/modules/6.1.0-99-arm64/kernel/drivers/${'very-long-directory-name/'.repeat(4)}`;
const LONG = `${LONG_DIR}virtio_blk.ko`;

/** A tar made by the host's GNU tar in `format`, from a small tree with a long path and a symlink. */
function hostTar(format: 'gnu' | 'pax' | 'ustar'): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'xenon-tar-'));
  try {
    mkdirSync(join(dir, 'boot'));
    writeFileSync(join(dir, 'boot/vmlinuz-x'), Buffer.alloc(1500, 0x42), { mode: 0o644 });
    writeFileSync(join(dir, 'boot/empty'), '');
    symlinkSync('vmlinuz-x', join(dir, 'boot/vmlinuz'));
    const paths = ['./boot'];
    if (format !== 'ustar') {
      mkdirSync(join(dir, LONG_DIR), { recursive: true });
      writeFileSync(join(dir, LONG), 'module');
      paths.push('./lib');
    }
    return execFileSync('tar', [`--format=${format}`, '--owner=0', '--group=0', '-C', dir, '-cf', '-', ...paths]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Feed `bytes` in pieces of `size` to exercise the streaming reassembly. */
async function* pieces(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

for (const format of ['gnu', 'pax', 'ustar'] as const) {
  test(`readTar() reads ${format} archives from odd-sized chunks`, async () => {
    const tar = hostTar(format);
    const seen: string[] = [];
    const files = await readTar(pieces(tar, 333), (h) => {
      seen.push(`${h.type} ${h.path}`);
      return h.path.startsWith('boot/vmlinuz') || h.path.endsWith('.ko');
    }, 't.tar');
    assert.ok(seen.includes('5 boot'));
    assert.ok(seen.includes('0 boot/empty'));
    const kernel = files.find((f) => f.path === 'boot/vmlinuz-x');
    assert.deepEqual(kernel?.data, new Uint8Array(1500).fill(0x42));
    assert.equal(kernel?.mode, 0o644);
    const link = files.find((f) => f.path === 'boot/vmlinuz');
    assert.deepEqual([link?.type, link?.linkName, link?.data.length], ['2', 'vmlinuz-x', 0]);
    if (format !== 'ustar') {
      const ko = files.find((f) => f.path === LONG);
      assert.equal(new TextDecoder().decode(ko?.data), 'module');
    }
  });
}

test('readTar() rejects truncated archives and bad checksums', async () => {
  const tar = hostTar('gnu');
  const isFetchError = (e: unknown): boolean => e instanceof XenonError && e.code === 'IMAGE_FETCH';
  await assert.rejects(readTar(pieces(tar.subarray(0, 700), 4096), () => true, 't'), isFetchError);
  await assert.rejects(readTar(pieces(tar.subarray(0, 700), 4096), () => true, 't'), /truncated/);
  const bad = tar.slice();
  bad[0] ^= 1;
  await assert.rejects(readTar(pieces(bad, 4096), () => true, 't'), /checksum/);
});

test('readTar() rejects member paths with ".." segments', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'xenon-tar-'));
  try {
    mkdirSync(join(dir, 'a'));
    writeFileSync(join(dir, 'x'), 'evil');
    // GNU tar keeps "a/../x" as given when told not to strip it.
    const tar = execFileSync('tar', ['--format=gnu', '-C', dir, '-cf', '-', '--absolute-names', 'a/../x']);
    await assert.rejects(readTar(pieces(tar, 4096), () => true, 't'), /leaves the archive/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('readTar() reads owners from the ustar fields, and pax records over them', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'xenon-tar-'));
  try {
    writeFileSync(join(dir, 'f'), 'x');
    for (const [format, uid] of [['ustar', 1234], ['pax', 3000000]] as const) {
      const tar = execFileSync('tar', [`--format=${format}`, `--owner=:${uid}`, '--group=:50', '-C', dir, '-cf', '-', 'f']);
      const [f] = await readTar(pieces(tar, 512), () => true, 't.tar');
      assert.deepEqual([f?.uid, f?.gid], [uid, 50], format);
    }
    const bad = execFileSync('tar', ['--format=pax', '--pax-option=uid:=abc', '-C', dir, '-cf', '-', 'f']);
    await assert.rejects(readTar(pieces(bad, 512), () => true, 'b.tar'), (e: unknown) => e instanceof XenonError && /bad tar member uid/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
