/**
 * Debian's kernel as a Xen domU with virtual disks served by blkback (issue 8): its own
 * xen-blkfront (a module from the kernel package, loaded by the test's /init) must find a raw
 * disk, a read-only one and a qcow2 overlay (through qemu-storage-daemon), read what the host put
 * there, and write data that is in the host's images once the guest's fsync returned, even when
 * the domain is destroyed at once after.
 */
import { availableParallelism, tmpdir } from 'node:os';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureGuestImages, type GuestImages } from '../../src/images/index.js';
import { nodeHostClock } from '../../src/host/node/clock.js';
import { NodeIdleWaiter } from '../../src/host/node/console.js';
import { nodeDiskOpener } from '../../src/host/node/open_disk.js';
import { WorkerLauncher } from '../../src/main/worker_launcher.js';
import { parseDiskSpec } from '../../src/toolstack/config/index.js';
import { DomainManager } from '../../src/toolstack/domain_manager.js';
import { formatBlockList } from '../../src/toolstack/xl_format.js';
import { DOMU_INIT_PROLOGUE } from '../harness/guest_init.js';
import { assertCleanGuestLog } from '../harness/guest_log.js';
import { firstMissing, missingCommands, skipUnlessAvailable } from '../harness/prereq.js';
import { missingGuestImages } from '../harness/tools.js';

const MiB = 1 << 20;
const INIT = `${DOMU_INIT_PROLOGUE}/bin/busybox mount -t devtmpfs devtmpfs /dev
for m in $(cat /lib/modules/xenon.order); do insmod $m 2>/dev/null; done
i=0; while [ ! -b /dev/xvdc ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
echo "xvda-sectors=$(cat /sys/block/xvda/size) ro=$(cat /sys/block/xvda/ro)"
echo "xvdb-ro=$(cat /sys/block/xvdb/ro)"
echo "xvda-head=$(dd if=/dev/xvda bs=1M count=1 2>/dev/null | sha256sum | cut -d' ' -f1)"
dd if=/dev/urandom of=/tmp/w bs=1M count=4 2>/dev/null
echo "written=$(sha256sum /tmp/w | cut -d' ' -f1)"
dd if=/tmp/w of=/dev/xvda bs=1M seek=8 conv=fsync 2>/dev/null; echo "write-rc=$?"
dd if=/dev/zero of=/dev/xvdb bs=4k count=1 conv=fsync 2>/dev/null; echo "ro-write-rc=$?"
echo "xvdc-base=$(dd if=/dev/xvdc bs=1M count=1 2>/dev/null | sha256sum | cut -d' ' -f1)"
dd if=/tmp/w of=/dev/xvdc bs=1M seek=2 count=1 conv=fsync 2>/dev/null; echo "qcow-write-rc=$?"
echo "qcow-written=$(dd if=/tmp/w bs=1M count=1 2>/dev/null | sha256sum | cut -d' ' -f1)"
echo XENON-DISK-DONE
while true; do sleep 1; done
`;
const TIMEOUT_MS = 300_000;
const bootOpts = skipUnlessAvailable(firstMissing(missingGuestImages(), missingCommands('qemu-img', 'qemu-storage-daemon')));
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('Debian kernel with blkback disks', bootOpts, () => {
  test('reads and writes a raw disk and a qcow2 overlay (synced data in the images after an immediate destroy), and cannot write a read-only disk', async () => {
    const img: GuestImages = await ensureGuestImages({ initScript: INIT, withModules: true, log: () => undefined });
    const dir = mkdtempSync(join(tmpdir(), 'xenon-disk-'));
    const raw = join(dir, 'disk.img');
    const head = new Uint8Array(MiB).map((_, i) => (i * 131) & 0xff);
    const image = new Uint8Array(64 * MiB);
    image.set(head);
    writeFileSync(raw, image);
    const ro = join(dir, 'ro.img');
    writeFileSync(ro, new Uint8Array(MiB).fill(0x5a));
    const base = join(dir, 'base.raw');
    const baseBytes = new Uint8Array(4 * MiB).fill(0x77);
    writeFileSync(base, baseBytes);
    const overlay = join(dir, 'overlay.qcow2');
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', base, '-F', 'raw', overlay]);
    const waiter = new NodeIdleWaiter();
    let log = '';
    const m = new DomainManager({
      clock: nodeHostClock, launcher: new WorkerLauncher(), wait: (ms) => waiter.wait(ms), wake: () => waiter.wake(),
      randomBytes: (n) => new Uint8Array(n), nrPcpus: availableParallelism(), openDisk: nodeDiskOpener(dir),
      consoleLog: () => (bytes) => { log += Buffer.from(bytes).toString('latin1'); },
    });
    const at = { source: 'test', key: 'disk', line: 1 };
    const domid = await m.create({
      type: 'pvh', name: 'disky', uuid: '3def0a1e-72da-4384-b1b4-f05d93db6100', vcpus: 1, memoryMiB: 192, maxMemoryMiB: 192, gicVersion: 3,
      kernel: readFileSync(img.kernelImage), ramdisk: readFileSync(img.initramfs), cmdline: 'console=hvc0 rdinit=/init cryptomgr.notests',
      onPoweroff: 'destroy', onReboot: 'destroy', onCrash: 'destroy', onWatchdog: 'destroy',
      disks: [
        { spec: parseDiskSpec(`${raw},raw,xvda,rw`, at), image: raw },
        { spec: parseDiskSpec(`${ro},raw,xvdb,ro`, at), image: ro },
        { spec: parseDiskSpec(`format=qcow2,vdev=xvdc,target=${overlay}`, at), image: overlay },
      ],
    });
    const t0 = Date.now();
    await m.run(() => log.includes('XENON-DISK-DONE') || Date.now() - t0 > TIMEOUT_MS);
    assert.ok(log.includes('XENON-DISK-DONE'), `the guest script did not finish; console:\n${log.slice(-4000)}`);
    const rows = m.blockList(domid);
    // Destroyed at once: only what the guest's fsync made stable may be relied on.
    await m.destroy(domid);

    assert.match(log, /xvda-sectors=131072 ro=0/);
    assert.match(log, /xvdb-ro=1/);
    assert.match(log, new RegExp(`xvda-head=${createHash('sha256').update(head).digest('hex')}`));
    assert.match(log, /write-rc=0/);
    assert.match(log, /ro-write-rc=[1-9]/);
    const written = /written=([0-9a-f]{64})/.exec(log)?.[1];
    const after = readFileSync(raw);
    assert.equal(createHash('sha256').update(after.subarray(8 * MiB, 12 * MiB)).digest('hex'), written, 'the synced bytes are in the image');
    assert.ok(readFileSync(ro).every((b) => b === 0x5a), 'the read-only image is unchanged');
    assert.deepEqual(rows.map((r) => [r.devid, r.state]), [[51712, 4], [51728, 4], [51744, 4]]);
    assert.match(formatBlockList(rows), /^Vdev +BE +handle +state +evt-ch +ring-ref +BE-path/);
    assert.match(log, new RegExp(`xvdc-base=${sha(baseBytes.subarray(0, MiB))}`), 'the overlay reads through to its backing file');
    assert.match(log, /qcow-write-rc=0/);
    const flat = join(dir, 'flat.raw');
    execFileSync('qemu-img', ['convert', '-O', 'raw', overlay, flat]);
    assert.equal(sha(readFileSync(flat).subarray(2 * MiB, 3 * MiB)), /qcow-written=([0-9a-f]{64})/.exec(log)?.[1], 'the synced bytes are in the overlay');
    assert.equal(sha(readFileSync(base)), sha(baseBytes), 'the backing file is unchanged');
    assertCleanGuestLog(log, 'domU console');
  });
});
