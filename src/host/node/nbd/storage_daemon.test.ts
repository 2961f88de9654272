import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstMissing, missingCommands, skipUnlessAvailable } from '../../../../tests/harness/prereq.js';
import { BlockDiskError } from '../../common/block_disk.js';
import { NbdClient } from './client.js';
import { QEMU_STORAGE_DAEMON_PACKAGE, startStorageDaemon, storageDaemonArgs } from './storage_daemon.js';

// Skipped outside CI with this reason printed; under CI the prerequisite fails the run.
const QEMU = skipUnlessAvailable(
  firstMissing(
    missingCommands('qemu-storage-daemon') !== null && `qemu-storage-daemon is not installed: apt-get install ${QEMU_STORAGE_DAEMON_PACKAGE}`,
    missingCommands('qemu-img') !== null && 'qemu-img is not installed: apt-get install qemu-utils',
  ),
);

const MiB = 1 << 20;

function isOpenError(message: RegExp): (e: unknown) => boolean {
  return (e) => e instanceof BlockDiskError && e.op === 'open' && message.test(e.message);
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'xenon-qsd-'));
  try {
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function qemuImg(...args: string[]): string {
  return execFileSync('qemu-img', args, { encoding: 'utf8' });
}

/** `qemu-img map` as JSON: which ranges of the image hold data. */
function dataExtents(image: string): { start: number; length: number }[] {
  const map = JSON.parse(qemuImg('map', '--output=json', '-U', image)) as { start: number; length: number; data: boolean }[];
  return map.filter((e) => e.data).map(({ start, length }) => ({ start, length }));
}

test('storageDaemonArgs() builds the blockdev chain, NBD server and export, doubling commas', () => {
  const args = storageDaemonArgs(
    { image: '/img/a,b.qcow2', driver: 'qcow2', readOnly: false, discard: true },
    { socketPath: '/run/x,y.sock', exportName: 'xenon' },
  );
  assert.deepEqual(args, [
    '--blockdev', 'driver=file,filename=/img/a,,b.qcow2,node-name=file0,discard=unmap',
    '--blockdev', 'driver=qcow2,file=file0,node-name=disk0,discard=unmap',
    '--nbd-server', 'addr.type=unix,addr.path=/run/x,,y.sock',
    '--export', 'type=nbd,id=exp0,node-name=disk0,name=xenon,writable=on',
  ]);
  const ro = storageDaemonArgs({ image: '/a.vhd', driver: 'vpc', readOnly: true, discard: false }, { socketPath: '/s', exportName: 'e' });
  assert.equal(ro[1], 'driver=file,filename=/a.vhd,node-name=file0,read-only=on');
  assert.equal(ro[3], 'driver=vpc,file=file0,node-name=disk0,read-only=on');
  assert.equal(ro[7], 'type=nbd,id=exp0,node-name=disk0,name=e,writable=off');
});

test('startStorageDaemon() refuses an unknown format name before running anything', async () => {
  await withDir(async (dir) => {
    await assert.rejects(
      startStorageDaemon({ image: join(dir, 'a.img'), format: 'qcow2,file.driver=host_device', readOnly: false, discard: false, runDir: dir }),
      isOpenError(/unknown image format "qcow2,file.driver=host_device" \(known: raw, qcow2, .*vhd\)/),
    );
  });
});

test('startStorageDaemon() names the Debian package when qemu-storage-daemon is not on PATH', async () => {
  await withDir(async (dir) => {
    const path = process.env['PATH'];
    process.env['PATH'] = dir;
    try {
      await assert.rejects(
        startStorageDaemon({ image: join(dir, 'a.qcow2'), format: 'qcow2', readOnly: false, discard: false, runDir: dir }),
        isOpenError(/"qemu-storage-daemon" is not on PATH: install the Debian package "qemu-system-common"/),
      );
    } finally {
      process.env['PATH'] = path;
    }
    assert.deepEqual(readdirSync(dir), [], 'no socket is left behind');
  });
});

test('startStorageDaemon() gives up on a daemon that never accepts, killing it if SIGTERM is ignored', async () => {
  await withDir(async (dir) => {
    // A stand-in that prints a line, ignores SIGTERM and never creates the socket.
    const fake = join(dir, 'qemu-storage-daemon');
    const script = "process.stderr.write('opening image\\n'); process.on('SIGTERM', () => undefined); setInterval(() => undefined, 1000);";
    writeFileSync(fake, `#!${process.execPath}\n${script}\n`, { mode: 0o755 });
    const path = process.env['PATH'];
    process.env['PATH'] = dir;
    const started = Date.now();
    try {
      await assert.rejects(
        startStorageDaemon({ image: join(dir, 'a.qcow2'), format: 'qcow2', readOnly: false, discard: false, runDir: dir, startTimeoutMs: 300, stopTimeoutMs: 200 }),
        isOpenError(/qemu-storage-daemon did not accept connections within 300 ms: opening image$/),
      );
    } finally {
      process.env['PATH'] = path;
    }
    assert.ok(Date.now() - started < 5000, 'start and stop are bounded');
  });
});

test('a write through qemu-storage-daemon lands in the qcow2 overlay and leaves its backing file unchanged', QEMU, async () => {
  await withDir(async (dir) => {
    const base = join(dir, 'base.raw');
    const overlay = join(dir, 'overlay.qcow2');
    writeFileSync(base, Buffer.alloc(4 * MiB, 0x11));
    qemuImg('create', '-q', '-f', 'qcow2', '-b', base, '-F', 'raw', overlay);
    const qsd = await startStorageDaemon({ image: overlay, format: 'qcow2', readOnly: false, discard: false, runDir: join(dir, 'run') });
    assert.equal(qsd.disk.sizeBytes, 4 * MiB);
    assert.equal(qsd.disk.readOnly, false);
    assert.equal(qsd.disk.canDiscard, false, 'discard was not asked for');

    const guest = new Uint8Array(new SharedArrayBuffer(128 * 1024));
    await qsd.disk.read(MiB - 64 * 1024, guest);
    assert.ok(guest.every((b) => b === 0x11), 'reads fall through to the backing file');
    guest.fill(0x22, 0, 64 * 1024);
    await qsd.disk.write(MiB, guest.subarray(0, 64 * 1024));
    await qsd.disk.flush();
    await qsd.disk.read(MiB - 64 * 1024, guest);
    assert.ok(guest.subarray(0, 64 * 1024).every((b) => b === 0x11) && guest.subarray(64 * 1024).every((b) => b === 0x22));
    await qsd.stop();
    assert.deepEqual(readdirSync(join(dir, 'run')), [], 'stop() removes the socket');

    assert.ok(readFileSync(base).every((b) => b === 0x11), 'the backing file is unchanged');
    qemuImg('check', '-q', overlay);
    const flat = join(dir, 'flat.raw');
    qemuImg('convert', '-O', 'raw', overlay, flat);
    const expected = Buffer.alloc(4 * MiB, 0x11).fill(0x22, MiB, MiB + 64 * 1024);
    assert.ok(readFileSync(flat).equals(expected), 'the overlay with its backing file reads as base + the write');
    assert.equal(spawnSync('qemu-img', ['compare', '-q', base, overlay]).status, 1, 'the overlay differs from its base');
  });
});

test('a read-only export refuses writes, whatever the client asks, and lets other readers in', QEMU, async () => {
  await withDir(async (dir) => {
    const image = join(dir, 'ro.qcow2');
    qemuImg('create', '-q', '-f', 'qcow2', image, '1M');
    const qsd = await startStorageDaemon({ image, format: 'qcow2', readOnly: true, discard: true, runDir: dir });
    try {
      assert.equal(qsd.disk.readOnly, true);
      assert.equal(qsd.disk.canDiscard, false);
      await assert.rejects(qsd.disk.write(0, new Uint8Array(512)), /read-only/);
      // The export itself is read-only (NBD_FLAG_READ_ONLY), whatever a client asks for.
      const other = await NbdClient.connect(qsd.socketPath, qsd.exportName, { image, readOnly: false });
      assert.equal(other.readOnly, true);
      await other.close();
      // QEMU's image locking lets other readers in while the export is open.
      assert.match(qemuImg('info', image), /file format: qcow2/);
    } finally {
      await qsd.stop();
    }
  });
});

test('discard through qemu-storage-daemon frees qcow2 clusters', QEMU, async () => {
  await withDir(async (dir) => {
    const image = join(dir, 'd.qcow2');
    qemuImg('create', '-q', '-f', 'qcow2', image, '16M');
    const qsd = await startStorageDaemon({ image, format: 'qcow2', readOnly: false, discard: true, runDir: dir });
    try {
      assert.equal(qsd.disk.canDiscard, true);
      await qsd.disk.write(2 * MiB, new Uint8Array(4 * MiB).fill(0x33));
      await qsd.disk.flush();
      assert.deepEqual(dataExtents(image), [{ start: 2 * MiB, length: 4 * MiB }]);
      await qsd.disk.discard(2 * MiB, 3 * MiB);
      await qsd.disk.flush();
      assert.deepEqual(dataExtents(image), [{ start: 5 * MiB, length: MiB }]);
      const back = new Uint8Array(4 * MiB);
      await qsd.disk.read(2 * MiB, back);
      assert.ok(back.subarray(0, 3 * MiB).every((b) => b === 0), 'discarded clusters read as zeros');
      assert.ok(back.subarray(3 * MiB).every((b) => b === 0x33));
    } finally {
      await qsd.stop();
    }
  });
});

test('startStorageDaemon() reports the daemon\'s own message for a wrong format or a missing image', QEMU, async () => {
  await withDir(async (dir) => {
    const image = join(dir, 'q.qcow2');
    qemuImg('create', '-q', '-f', 'qcow2', image, '1M');
    const runDir = join(dir, 'run');
    await assert.rejects(
      startStorageDaemon({ image, format: 'vmdk', readOnly: false, discard: false, runDir }),
      isOpenError(/^open on ".*q\.qcow2" failed: qemu-storage-daemon exited with status 1: --blockdev driver=vmdk,.*: invalid VMDK image descriptor$/),
    );
    await assert.rejects(
      startStorageDaemon({ image: join(dir, 'missing.qcow2'), format: 'qcow2', readOnly: false, discard: false, runDir }),
      isOpenError(/Could not open '.*missing\.qcow2': No such file or directory/),
    );
    assert.deepEqual(readdirSync(runDir), [], 'no socket is left behind');
  });
});

test('vmdk, vdi and vhdx images are served through the daemon: writes land in the image, as qemu-img reads it back', QEMU, async () => {
  for (const format of ['vmdk', 'vdi', 'vhdx'] as const) {
    await withDir(async (dir) => {
      const image = join(dir, `disk.${format}`);
      qemuImg('create', '-q', '-f', format, image, '4M');
      const qsd = await startStorageDaemon({ image, format, readOnly: false, discard: false, runDir: join(dir, 'run') });
      assert.equal(qsd.disk.sizeBytes, 4 * MiB, format);
      const guest = new Uint8Array(new SharedArrayBuffer(64 * 1024)).fill(0x5c);
      await qsd.disk.write(2 * MiB, guest);
      await qsd.disk.flush();
      await qsd.stop();
      assert.match(qemuImg('info', image), new RegExp(`file format: ${format}`));
      const flat = join(dir, 'flat.raw');
      qemuImg('convert', '-O', 'raw', image, flat);
      assert.ok(readFileSync(flat).equals(Buffer.alloc(4 * MiB).fill(0x5c, 2 * MiB, 2 * MiB + 64 * 1024)), `${format}: the image holds the write`);
    });
  }
});
