/**
 * A Debian domU with its root filesystem on a virtual disk (issue 8): `xenon image rootfs` builds
 * the ext4 image, the cached root initramfs (initramfs-root.cpio) loads xen-blkfront and ext4,
 * mounts root=/dev/xvda and switch_roots to busybox init, whose rcS runs this test's workload
 * (/etc/init.d/S90xenontest). The domains come from an xl.cfg as README documents it. The guest
 * writes files with checksums, syncs, and is destroyed at once: the host then finds the file
 * system consistent (`e2fsck -fn`) and the files' bytes intact (debugfs reads them, no mount).
 * The same image boots again, sees the files (its kernel replays the journal) and is shut down as
 * `xenon shutdown` does it, leaving the file system clean; beside it, a qcow2 overlay on the
 * pristine image takes writes while its backing file stays unchanged.
 */
import { availableParallelism, tmpdir } from 'node:os';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildRootfsImage, pullGuestImages, type GuestImages } from '../../src/images/index.js';
import { XenonError } from '../../src/lib/errors.js';
import { loadDomainConfig, domainSpecFrom } from '../../src/daemon/domain_config_files.js';
import { nodeHostClock } from '../../src/host/node/clock.js';
import { NodeIdleWaiter } from '../../src/host/node/console.js';
import { nodeDiskOpener } from '../../src/host/node/open_disk.js';
import { WorkerLauncher } from '../../src/main/worker_launcher.js';
import { DomainManager } from '../../src/toolstack/domain_manager.js';
import { assertCleanGuestLog } from '../harness/guest_log.js';
import { firstMissing, missingCommands, skipTestUnlessAvailable, skipUnlessAvailable } from '../harness/prereq.js';
import { missingGuestImages } from '../harness/tools.js';

const MiB = 1 << 20;
const BOOT_TIMEOUT_MS = 200_000;
/** Files the first boot writes (`xenon_files=` on the kernel command line), of CHUNKS times a 1 MiB random seed each. */
const FILES = 5;
const CHUNKS = 10;

/**
 * The workload, run by rcS at boot. Without /root/data/MANIFEST: write the files, print their MD5s,
 * sync. With it: print how many files the manifest lists and the first file's MD5 as read now.
 * Each file is CHUNKS copies of its own 1 MiB from /dev/urandom (generating 50 MiB of urandom
 * takes the interpreted guest about a minute), each copy after a line naming file and chunk: the
 * lines shift each copy by a few bytes against the 4 KiB blocks, so no two blocks of the data are
 * alike. MD5, not SHA256: the guest hashes 50 MiB about three times faster (25 s rather than 60 s).
 */
const WORKLOAD = `#!/bin/sh
[ "$1" = start ] || exit 0
echo "XENON-ROOT $(grep ' / ' /proc/mounts)"
d=/root/data
n=$(sed -n 's/.*xenon_files=\\([0-9]*\\).*/\\1/p' /proc/cmdline)
if [ -f $d/MANIFEST ]; then
  echo "XENON-SEEN $(wc -l < $d/MANIFEST) $(cd $d && md5sum f1)"
  exit 0
fi
mkdir -p $d
t0=$(date +%s)
i=1
while [ $i -le \${n:-1} ]; do
  dd if=/dev/urandom of=/tmp/seed bs=64k count=16 2>/dev/null
  k=1
  while [ $k -le ${CHUNKS} ]; do
    echo "xenon file $i chunk $k"
    cat /tmp/seed
    k=$((k + 1))
  done > $d/f$i
  i=$((i + 1))
done
t1=$(date +%s)
(cd $d && md5sum f* > MANIFEST)
t2=$(date +%s)
sed 's/^/XENON-SUM /' $d/MANIFEST
sync
echo "XENON-SYNCED write=$((t1 - t0))s sum=$((t2 - t1))s sync=$(( $(date +%s) - t2 ))s"
`;

const bootOpts = skipUnlessAvailable(firstMissing(
  missingGuestImages(), missingCommands('mke2fs', 'debugfs', 'e2fsck', 'dumpe2fs', 'qemu-img', 'qemu-storage-daemon'),
));
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const md5 = (b: Uint8Array): string => createHash('md5').update(b).digest('hex');

/** An xl.cfg as README shows it, with the disk relative to the file. */
function writeConfig(dir: string, img: GuestImages, name: string, disk: string, files: number): string {
  const file = join(dir, `${name}.cfg`);
  writeFileSync(file, [
    `name = "${name}"`, 'type = "pvh"', 'memory = 192', 'vcpus = 1',
    `kernel = "${img.kernelImage}"`, `ramdisk = "${img.rootInitramfs}"`,
    `extra = "console=hvc0 root=/dev/xvda cryptomgr.notests xenon_files=${files}"`,
    `disk = ['${disk}']`, 'on_poweroff = "destroy"', 'on_reboot = "destroy"', 'on_crash = "destroy"', '',
  ].join('\n'));
  return file;
}

/** A domain to boot: its xl.cfg, the console line that ends the boot, and how it ends then. */
interface Boot {
  readonly cfg: string;
  readonly marker: string;
  /** "destroy": at once (only what the guest synced may be relied on); "shutdown": as `xenon shutdown` asks. */
  readonly end: 'destroy' | 'shutdown';
}

/**
 * Boots the domains of the xl.cfg files together and ends each when its console shows its marker
 * (a whole line). Returns each console log and how long its domain ran.
 */
async function bootUntil(dir: string, boots: readonly Boot[]): Promise<{ log: string; secs: number }[]> {
  const waiter = new NodeIdleWaiter();
  const logs = new Map<string, string>();
  const m = new DomainManager({
    clock: nodeHostClock, launcher: new WorkerLauncher(), wait: (ms) => waiter.wait(ms), wake: () => waiter.wake(),
    randomBytes: (n) => new Uint8Array(n), nrPcpus: availableParallelism(), openDisk: nodeDiskOpener(dir),
    consoleLog: (name) => (bytes) => { logs.set(name, (logs.get(name) ?? '') + Buffer.from(bytes).toString('latin1')); },
  });
  const t0 = Date.now();
  const running: (Boot & { name: string; domid: number; secs: number; phase: 'booting' | 'stopping' | 'ended' })[] = [];
  for (const b of boots) {
    const spec = domainSpecFrom(loadDomainConfig(b.cfg, []));
    running.push({ ...b, name: spec.name, domid: await m.create(spec), secs: 0, phase: 'booting' });
  }
  const late = (): boolean => Date.now() - t0 > BOOT_TIMEOUT_MS;
  const booted = (r: (typeof running)[number]): boolean => {
    const log = logs.get(r.name) ?? '';
    return new RegExp(`${r.marker}[^\\n]*\\n`).test(log) || /Xenon: .*starting a shell|Kernel panic/.test(log);
  };
  const due = (r: (typeof running)[number]): boolean =>
    (r.phase === 'booting' && (booted(r) || late())) || (r.phase === 'stopping' && (m.info(r.domid) === undefined || late()));
  while (running.some((r) => r.phase !== 'ended')) {
    await m.run(() => running.some(due));
    for (const r of running.filter(due)) {
      if (r.phase === 'booting' && r.end === 'shutdown' && !late()) {
        m.requestShutdown(r.domid, 'poweroff');
        r.phase = 'stopping';
        continue;
      }
      if (m.info(r.domid) !== undefined) await m.destroy(r.domid);
      Object.assign(r, { phase: 'ended', secs: (Date.now() - t0) / 1000 });
    }
  }
  return running.map((r) => {
    const log = logs.get(r.name) ?? '';
    assert.match(log, new RegExp(r.marker), `${r.name} did not get to ${r.marker}; console:\n${log.slice(-4000)}`);
    assert.match(log, /Xenon: root \/dev\/xvda \(\/dev\/xvda, ext4, ro\) mounted; starting \/sbin\/init/);
    // At shutdown, `umount -a -r` finds the console's devtmpfs busy and makes it read-only instead, as it says.
    const quiet = log.replace(/^umount: devtmpfs busy - remounted read-only\r?$/m, '');
    assert.doesNotMatch(quiet, /^(mount|umount|modprobe|insmod|hostname|ip): /m, 'rcS and inittab run without complaints');
    assertCleanGuestLog(log, `${r.name} console`);
    return { log, secs: r.secs };
  });
}

/** The manifest the guest printed: file name → MD5. */
function manifest(log: string): Map<string, string> {
  return new Map([...log.matchAll(/XENON-SUM ([0-9a-f]{32}) {2}(f\d+)/g)].map((m) => [m[2]!, m[1]!]));
}

/**
 * Checks the image as the destroyed guest left it (its journal not replayed: what `sync` made
 * stable is in place) with `e2fsck -fn`, and returns the MD5 of each file under /root/data as
 * debugfs reads it. e2fsck's notes that the superblock's free block and inode counts are stale
 * are not errors (ext4 keeps those counts in memory while mounted), so it still exits 0.
 */
function checkOnHost(image: string, dir: string, names: readonly string[]): Map<string, string> {
  const fsck = spawnSync('e2fsck', ['-fn', image], { encoding: 'utf8' });
  assert.equal(fsck.status, 0, `e2fsck -fn "${image}":\n${fsck.stdout}${fsck.stderr}`);
  const out = new Map<string, string>();
  for (const n of names) {
    const dumped = join(dir, `dump-${n}`);
    execFileSync('debugfs', ['-R', `dump /root/data/${n} ${dumped}`, image], { stdio: 'ignore' });
    out.set(n, md5(readFileSync(dumped)));
    rmSync(dumped);
  }
  return out;
}

describe('a root filesystem on a virtual disk', bootOpts, () => {
  test('the guest boots from root.raw, its synced files survive an immediate destroy and a new boot; a qcow2 overlay keeps its backing file intact', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'xenon-rootfs-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const img = await pullGuestImages({ log: () => undefined });
    const raw = join(dir, 'root.raw');
    const t0 = Date.now();
    try {
      await buildRootfsImage({
        output: raw, sizeBytes: 128 * MiB, log: () => undefined,
        extraFiles: [{ path: 'etc/init.d/S90xenontest', data: new TextEncoder().encode(WORKLOAD), mode: 0o755 }],
      });
    } catch (e) {
      // The packages are fetched on first use: without the archive (and outside CI) there is nothing to test.
      const offline = e instanceof XenonError && e.code === 'IMAGE_FETCH' && `the root filesystem's packages cannot be fetched: ${e.message}`;
      if (skipTestUnlessAvailable(t, offline)) return;
      throw e;
    }
    t.diagnostic(`rootfs built in ${(Date.now() - t0) / 1000} s`);
    const base = join(dir, 'base.raw');
    copyFileSync(raw, base);
    const baseSha = sha(readFileSync(base));

    const [first] = await bootUntil(dir, [
      { cfg: writeConfig(dir, img, 'rootfs-raw', 'format=raw, vdev=xvda, access=rw, target=root.raw', FILES), marker: 'XENON-SYNCED', end: 'destroy' },
    ]);
    t.diagnostic(`first boot: ${first!.secs} s; ${/XENON-SYNCED[^\r\n]*/.exec(first!.log)?.[0]}`);
    assert.match(first!.log, /XENON-ROOT \/dev\/xvda \/ ext4 rw/);
    const sums = manifest(first!.log);
    assert.equal(sums.size, FILES, first!.log.slice(-2000));
    assert.deepEqual(checkOnHost(raw, dir, [...sums.keys()]), sums, 'the files read back from the image match the guest\'s checksums');

    // As after a host restart, the same image boots again; beside it, a qcow2 overlay on the pristine image.
    const overlay = join(dir, 'overlay.qcow2');
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', base, '-F', 'raw', overlay]);
    const [second, q] = await bootUntil(dir, [
      { cfg: writeConfig(dir, img, 'rootfs-again', 'format=raw, vdev=xvda, access=rw, target=root.raw', FILES), marker: 'XENON-SEEN', end: 'shutdown' },
      { cfg: writeConfig(dir, img, 'rootfs-qcow2', 'format=qcow2, vdev=xvda, access=rw, target=overlay.qcow2', 1), marker: 'XENON-SYNCED', end: 'destroy' },
    ]);
    t.diagnostic(`second boot: ${second!.secs} s; qcow2 boot: ${q!.secs} s; ${/XENON-SYNCED[^\r\n]*/.exec(q!.log)?.[0]}`);
    assert.match(second!.log, new RegExp(`XENON-SEEN ${FILES} ${sums.get('f1')}  f1`), 'the next boot sees the files');
    // That boot ended as `xenon shutdown` ends it: busybox init's shutdown left the file system clean.
    assert.match(second!.log, /reboot: Power down/);
    assert.match(execFileSync('dumpe2fs', ['-h', raw], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }), /^Filesystem state: +clean$/m);
    assert.equal(spawnSync('e2fsck', ['-fn', raw]).status, 0);
    const qsums = manifest(q!.log);
    assert.equal(qsums.size, 1, q!.log.slice(-2000));
    const flat = join(dir, 'flat.raw');
    execFileSync('qemu-img', ['convert', '-O', 'raw', overlay, flat]);
    assert.deepEqual(checkOnHost(flat, dir, [...qsums.keys()]), qsums, 'the overlay holds the synced files');
    assert.equal(sha(readFileSync(base)), baseSha, 'the backing file is unchanged');
  });
});
