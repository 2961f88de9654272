/**
 * NIC hotplug as a user runs it (xl network-attach, network-list, network-detach), with Debian's
 * kernel: `xenon daemon`, `xenon create` of a domU with no vif, then `xenon network-attach` with
 * xl's per-argument vif spec while the guest runs. The guest's own xen-netfront must find the new
 * eth0 with the MAC given, `xenon network-list` must show it connected in xl's table, and after
 * `xenon network-detach` by MAC the guest must see eth0 go and network-list must show none.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ensureGuestImages } from '../../src/images/index.js';
import { DOMU_INIT_PROLOGUE } from '../harness/guest_init.js';
import { assertCleanGuestLog } from '../harness/guest_log.js';
import { skipUnlessAvailable } from '../harness/prereq.js';
import { missingGuestImages } from '../harness/tools.js';
import { startXlSession } from '../harness/xl_session.js';

/** Each wait's bound; the whole test takes about 30 s on two cores. */
const TIMEOUT_MS = 120_000;
const MAC = '00:16:3e:5a:11:0e';
const INIT = `${DOMU_INIT_PROLOGUE}/bin/busybox mount -t devtmpfs devtmpfs /dev
for m in $(cat /lib/modules/xenon.order); do insmod $m 2>/dev/null; done
echo XENON-NET-READY
while [ ! -e /sys/class/net/eth0 ]; do sleep 0.1; done
echo "eth0-address=$(cat /sys/class/net/eth0/address)"
echo XENON-NET-FOUND
while [ -e /sys/class/net/eth0 ]; do sleep 0.1; done
echo XENON-NET-GONE
while true; do sleep 1; done
`;
/** xl network-list's header, as real xl prints it (the oracle's dev-xl-network-list.txt; trailing blanks included). */
const HEADER = 'Idx BE Mac Addr.         handle state evt-ch   tx-/rx-ring-ref BE-path                       ';

const opts = skipUnlessAvailable(missingGuestImages());

describe('xl network-attach, network-list and network-detach over the daemon', opts, () => {
  test('a NIC hot-attached to a running Debian domU is found by its netfront, listed connected, and seen to go on detach by MAC', async () => {
    const img = await ensureGuestImages({ initScript: INIT, withModules: true, log: () => undefined });
    const s = await startXlSession({ prefix: 'xenon-net-', timeoutMs: TIMEOUT_MS });
    const { xenon } = s;
    try {
      s.createDomU('net', img);
      await s.waitFor('net', 'XENON-NET-READY', 'the guest did not load its drivers');
      const domid = xenon('domid', 'net').stdout.trim();
      assert.equal(xenon('network-list', 'net').stdout, `${HEADER}\n`, 'no NICs before the attach');

      // xl's syntax: the vif spec's components as separate arguments; the devid is the next free one (0).
      const attached = xenon('network-attach', 'net', 'bridge=xenbr0', `mac=${MAC.toUpperCase()}`);
      assert.equal(attached.status, 0, attached.stderr);
      assert.equal(attached.stderr, '');
      await s.waitFor('net', 'XENON-NET-FOUND', 'the guest\'s netfront did not find the hot-attached NIC');
      assert.match(s.consoleText('net'), new RegExp(`eth0-address=${MAC}\\r?\\n`));

      // The frontend writes Connected once its rings are up, just after eth0 appears.
      const row = new RegExp(`^0   0  ${MAC}     0     4 +-?\\d+ +\\d+/\\d+ +/local/domain/0/backend/vif/${domid}/0 *$`);
      let listed = xenon('network-list', 'net');
      for (const t0 = Date.now(); !row.test(listed.stdout.split('\n')[1] ?? '') && Date.now() - t0 < TIMEOUT_MS;) {
        await new Promise((r) => setTimeout(r, 250));
        listed = xenon('network-list', 'net');
      }
      assert.equal(listed.status, 0, listed.stderr);
      const [header, line, ...rest] = listed.stdout.split('\n');
      assert.equal(header, HEADER);
      assert.match(line!, row, 'connected (state 4)');
      assert.deepEqual(rest, ['']);

      const detached = xenon('network-detach', 'net', MAC);
      assert.equal(detached.status, 0, detached.stderr);
      await s.waitFor('net', 'XENON-NET-GONE', 'the guest did not see eth0 go');
      assert.equal(xenon('network-list', 'net').stdout, `${HEADER}\n`, 'network-list no longer shows the NIC');
      const again = xenon('network-detach', 'net', MAC);
      assert.equal(again.status, 1);
      assert.match(again.stderr, new RegExp(`has no NIC "${MAC}"`));
      assertCleanGuestLog(s.consoleText('net'), 'domU console');

      assert.equal(xenon('destroy', 'net').status, 0);
      assert.equal(await s.stop(), 0, 'the daemon exits cleanly on SIGTERM');
    } finally {
      s.dispose();
    }
  });
});
