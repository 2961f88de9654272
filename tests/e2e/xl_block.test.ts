/**
 * Disk hotplug as a user runs it (xl block-attach, block-list, block-detach), with Debian's
 * kernel: `xenon daemon`, `xenon create` of a domU with no disks, then `xenon block-attach` with a
 * relative image path (resolved against the client's directory) while the guest runs. The
 * guest's own xen-blkfront must find the new xvdb, write to it with fsync (the bytes are then in
 * the host's image), `xenon block-list` must show it connected in xl's table, and after
 * `xenon block-detach` the guest must see the disk go and block-list must no longer show it.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ensureGuestImages } from '../../src/images/index.js';
import { DOMU_INIT_PROLOGUE } from '../harness/guest_init.js';
import { assertCleanGuestLog } from '../harness/guest_log.js';
import { skipUnlessAvailable } from '../harness/prereq.js';
import { missingGuestImages } from '../harness/tools.js';
import { startXlSession } from '../harness/xl_session.js';

const MiB = 1 << 20;
/** Each wait's bound; the whole test takes about 30 s on two cores. */
const TIMEOUT_MS = 120_000;
const INIT = `${DOMU_INIT_PROLOGUE}/bin/busybox mount -t devtmpfs devtmpfs /dev
for m in $(cat /lib/modules/xenon.order); do insmod $m 2>/dev/null; done
echo XENON-BLOCK-READY
while [ ! -b /dev/xvdb ]; do sleep 0.1; done
echo "xvdb-sectors=$(cat /sys/block/xvdb/size) ro=$(cat /sys/block/xvdb/ro)"
dd if=/dev/urandom of=/tmp/w bs=64k count=1 2>/dev/null
echo "written=$(sha256sum /tmp/w | cut -d' ' -f1)"
dd if=/tmp/w of=/dev/xvdb bs=64k seek=16 conv=fsync 2>/dev/null; echo "write-rc=$?"
echo XENON-BLOCK-WROTE
while [ -e /sys/block/xvdb ]; do sleep 0.1; done
echo XENON-BLOCK-GONE
while true; do sleep 1; done
`;
/** xl block-list's header, as real xl prints it (the oracle's dev-xl-block-list.txt; trailing blanks included). */
const HEADER = 'Vdev  BE  handle state evt-ch ring-ref BE-path                       ';

const opts = skipUnlessAvailable(missingGuestImages());

describe('xl block-attach, block-list and block-detach over the daemon', opts, () => {
  test('a disk hot-attached to a running Debian domU is found and written by its blkfront, listed, and seen to go on detach', async () => {
    const img = await ensureGuestImages({ initScript: INIT, withModules: true, log: () => undefined });
    const s = await startXlSession({ prefix: 'xenon-block-', timeoutMs: TIMEOUT_MS });
    const { xenon } = s;
    try {
      fs.writeFileSync(path.join(s.dir, 'hot.img'), new Uint8Array(16 * MiB));
      s.createDomU('blk', img);
      await s.waitFor('blk', 'XENON-BLOCK-READY', 'the guest did not load its drivers');
      const domid = xenon('domid', 'blk').stdout.trim();
      assert.equal(xenon('block-list', 'blk').stdout, `${HEADER}\n`, 'no disks before the attach');

      // xl's syntax: the spec's components as separate arguments, the image relative to this directory.
      const attached = xenon('block-attach', 'blk', 'format=raw', 'vdev=xvdb', 'access=rw', 'target=hot.img');
      assert.equal(attached.status, 0, attached.stderr);
      await s.waitFor('blk', 'XENON-BLOCK-WROTE', 'the guest did not find and write the hot-attached disk');
      const text = s.consoleText('blk');
      assert.match(text, /xvdb-sectors=32768 ro=0/);
      assert.match(text, /write-rc=0/);
      const written = /written=([0-9a-f]{64})/.exec(text)?.[1];
      const image = fs.readFileSync(path.join(s.dir, 'hot.img'));
      assert.equal(createHash('sha256').update(image.subarray(MiB, MiB + 64 * 1024)).digest('hex'), written, 'the guest\'s synced bytes are in the image');

      const listed = xenon('block-list', 'blk');
      assert.equal(listed.status, 0, listed.stderr);
      const [header, row, ...rest] = listed.stdout.split('\n');
      assert.equal(header, HEADER);
      assert.match(row!, new RegExp(`^51728 0   ${domid.padEnd(6)} 4     \\d+ +\\d+ +/local/domain/0/backend/vbd/${domid}/51728$`), 'connected (state 4)');
      assert.deepEqual(rest, ['']);

      const detached = xenon('block-detach', 'blk', 'xvdb');
      assert.equal(detached.status, 0, detached.stderr);
      await s.waitFor('blk', 'XENON-BLOCK-GONE', 'the guest did not see the disk go');
      assert.equal(xenon('block-list', 'blk').stdout, `${HEADER}\n`, 'block-list no longer shows the disk');
      const again = xenon('block-detach', 'blk', 'xvdb');
      assert.equal(again.status, 1);
      assert.match(again.stderr, /has no disk "xvdb"/);
      assertCleanGuestLog(s.consoleText('blk'), 'domU console');

      assert.equal(xenon('destroy', 'blk').status, 0);
      assert.equal(await s.stop(), 0, 'the daemon exits cleanly on SIGTERM');
    } finally {
      s.dispose();
    }
  });
});
