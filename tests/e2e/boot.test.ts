/**
 * Boots Debian's arm64 kernel (the cached `xenon image pull` images) under `xenon boot` with a
 * scripted /init that prints markers, runs a few busybox commands, counts the CPUs and powers off;
 * asserts on the console output and the exit status. Skipped, with the reason, when the images are
 * neither cached nor fetchable.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureGuestImages, type GuestImages } from '../../src/images/index.js';

const MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/cli/main.js');
const BOOT_TIMEOUT_MS = 240_000;

const INIT = `#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox --install -s
echo XENON-INIT-START
echo "sum=$((6 * 7))"
echo "kernel=$(uname -sm)"
echo "cpus=$(grep -c ^processor /proc/cpuinfo)"
echo "words=$(echo one two three | wc -w)"
echo "sorted=$(printf 'c\\nb\\na\\n' | sort | tr -d '\\n')"
echo XENON-INIT-END
poweroff -f
`;

let images: GuestImages | null = null;
let skip: string | false = false;

before(async () => {
  try {
    images = await ensureGuestImages({ initScript: INIT, log: () => undefined });
  } catch (e) {
    skip = `Debian guest images are not cached and cannot be fetched (${(e as Error).message})`;
  }
});

function boot(extra: readonly string[]): { status: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [MAIN, 'boot', '--kernel', images!.kernelImage, '--initrd', images!.initramfs, ...extra], {
    input: '', timeout: BOOT_TIMEOUT_MS, maxBuffer: 64 << 20, encoding: 'utf8',
  });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

function assertScriptRan(r: { status: number | null; out: string; err: string }, cpus: number): void {
  const tail = `\n--- console tail ---\n${r.out.slice(-3000)}\n--- stderr ---\n${r.err.slice(-2000)}`;
  assert.equal(r.status, 0, `xenon boot exits 0 after poweroff${tail}`);
  const start = r.out.indexOf('XENON-INIT-START');
  const end = r.out.indexOf('XENON-INIT-END');
  assert.ok(start >= 0 && end > start, `the init script ran to its end${tail}`);
  const body = r.out.slice(start, end);
  assert.match(body, /sum=42/);
  assert.match(body, /kernel=Linux aarch64/);
  assert.match(body, new RegExp(`cpus=${cpus}\\b`));
  assert.match(body, /words=3/);
  assert.match(body, /sorted=abc/);
  assert.match(r.out, /reboot: Power down/);
}

describe('xenon boot: Debian arm64 kernel to a busybox /init and poweroff', { timeout: 2 * BOOT_TIMEOUT_MS + 60_000 }, () => {
  test('GICv2, 2 vCPUs', (t) => {
    if (skip !== false) return t.skip(skip);
    assertScriptRan(boot(['--vcpus', '2']), 2);
  });

  test('GICv3, 2 vCPUs', (t) => {
    if (skip !== false) return t.skip(skip);
    assertScriptRan(boot(['--vcpus', '2', '--gic', '3']), 2);
  });
});
