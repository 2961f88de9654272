/**
 * Two Debian domUs on one virtual switch (issue 8): each one's own xen-netfront (a module from the
 * kernel package) must connect to netback, and the guests must reach each other through the
 * switch: ping both ways, then a TCP stream from one to the other whose checksum matches on both
 * ends (large segments and unfinished checksums pass between the guests as netif offloads).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ensureGuestImages, type GuestImages } from '../../src/images/index.js';
import { parseNicSpec } from '../../src/toolstack/config/index.js';
import { formatNetworkList } from '../../src/toolstack/xl_format.js';
import { DOMU_INIT_PROLOGUE } from '../harness/guest_init.js';
import { testManager } from '../harness/domu_manager.js';
import { assertCleanGuestLog } from '../harness/guest_log.js';
import { skipUnlessAvailable } from '../harness/prereq.js';
import { missingGuestImages } from '../harness/tools.js';

/** MiB the client sends, a multiple of 4 (`npm run soak:net` sends 100). */
const STREAM_MIB = Number(process.env['XENON_NET_MIB'] ?? '16');
if (!Number.isInteger(STREAM_MIB) || STREAM_MIB % 4 !== 0 || STREAM_MIB <= 0) throw new RangeError(`XENON_NET_MIB must be a positive multiple of 4, not ${STREAM_MIB}`);

/**
 * Each guest reads its role and addresses from the kernel command line. The server keeps the
 * stream in its tmpfs (half its RAM: the guest's memory grows with the stream) and hashes it after,
 * so the transfer is timed on its own.
 */
const INIT = `${DOMU_INIT_PROLOGUE}/bin/busybox mount -t devtmpfs devtmpfs /dev
for m in $(cat /lib/modules/xenon.order); do insmod $m 2>/dev/null; done
arg() { sed -n "s/.*xenon\\.$1=\\([^ ]*\\).*/\\1/p" /proc/cmdline; }
me=$(arg ip); peer=$(arg peer); role=$(arg role); mib=$(arg mib)
i=0; while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
ip link set lo up
ip addr add $me/24 dev eth0
ip link set eth0 up
echo "eth0-mac=$(cat /sys/class/net/eth0/address) at $(cut -d' ' -f1 /proc/uptime) s"
i=0; until ping -c 1 -W 2 $peer >/dev/null 2>&1 || [ $i -ge 60 ]; do i=$((i+1)); done
ping -c 3 -W 5 $peer > /tmp/ping 2>&1; echo "ping-rc=$?"
if [ "$role" = server ]; then
  nc -l -p 5000 > /tmp/r
  echo "received=$(sha256sum /tmp/r | cut -d' ' -f1) bytes=$(wc -c < /tmp/r)"
else
  # The stream is a 4 MiB random block sent mib/4 times: random data the client need not hold whole.
  dd if=/dev/urandom of=/tmp/s bs=1M count=4 2>/dev/null
  stream() { n=0; while [ $n -lt $((mib / 4)) ]; do cat /tmp/s; n=$((n+1)); done; }
  t0=$(cut -d' ' -f1 /proc/uptime)
  i=0; until stream | nc $peer 5000 || [ $i -ge 30 ]; do sleep 1; i=$((i+1)); done
  echo "send-done in $(awk -v t0=$t0 '{print $1 - t0}' /proc/uptime) s of guest time"
  # Hashed after the transfer, so the hash's CPU does not slow the stream it measures.
  echo "sent=$(stream | sha256sum | cut -d' ' -f1)"
fi
echo XENON-NET-DONE
while true; do sleep 1; done
`;
const TIMEOUT_MS = 300_000 + STREAM_MIB * 10_000;
const bootOpts = skipUnlessAvailable(missingGuestImages());

describe('Debian domUs on a virtual switch', bootOpts, () => {
  test('two guests ping each other and move a TCP stream with matching checksums', async (t) => {
    const img: GuestImages = await ensureGuestImages({ initScript: INIT, withModules: true, log: () => undefined });
    const { m, output } = testManager();
    const kernel = readFileSync(img.kernelImage);
    const ramdisk = readFileSync(img.initramfs);
    const guest = (name: string, n: number, role: string, ip: string, peer: string) => m.create({
      type: 'pvh', name, uuid: `3def0a1e-72da-4384-b1b4-f05d93db61${n}0`, vcpus: 1, memoryMiB: 160 + 2 * STREAM_MIB, maxMemoryMiB: 160 + 2 * STREAM_MIB, gicVersion: 3,
      kernel, ramdisk, cmdline: `console=hvc0 rdinit=/init cryptomgr.notests xenon.role=${role} xenon.ip=${ip} xenon.peer=${peer} xenon.mib=${STREAM_MIB}`,
      onPoweroff: 'destroy', onReboot: 'destroy', onCrash: 'destroy', onWatchdog: 'destroy',
      nics: [parseNicSpec(`mac=00:16:3e:00:00:0${n},bridge=xenbr0`, { index: 0, at: { source: 'test', key: 'vif', line: 1 }, random: () => new Uint8Array(3) }).nic],
    });
    const server = await guest('net-server', 1, 'server', '10.0.0.1', '10.0.0.2');
    const client = await guest('net-client', 2, 'client', '10.0.0.2', '10.0.0.1');
    const done = (name: string) => output(name).includes('XENON-NET-DONE');
    const t0 = Date.now();
    await m.run(() => (done('net-server') && done('net-client')) || Date.now() - t0 > TIMEOUT_MS);
    const s = output('net-server');
    const c = output('net-client');
    const rows = m.networkList(client);
    await m.destroy(client);
    await m.destroy(server);
    assert.ok(done('net-server') && done('net-client'), `the guests did not finish in ${TIMEOUT_MS / 1000} s; server:\n${s.slice(-3000)}\nclient:\n${c.slice(-3000)}`);
    for (const line of `${s}\n${c}`.split('\n')) if (/eth0-mac=|send-done|ping-rc/.test(line)) t.diagnostic(line.trim());
    assert.match(s, /eth0-mac=00:16:3e:00:00:01/);
    assert.match(c, /eth0-mac=00:16:3e:00:00:02/);
    assert.match(s, /ping-rc=0/);
    assert.match(c, /ping-rc=0/);
    const sent = /sent=([0-9a-f]{64})/.exec(c)?.[1];
    assert.ok(sent !== undefined, 'the client computed its checksum');
    assert.match(s, new RegExp(`received=${sent} bytes=${STREAM_MIB * 1024 * 1024}`));
    assert.deepEqual(rows.map((r) => [r.devid, r.mac, r.state]), [[0, '00:16:3e:00:00:02', 4]]);
    assert.match(formatNetworkList(rows), /^Idx BE Mac Addr\. +handle state evt-ch +tx-\/rx-ring-ref BE-path/);
    assertCleanGuestLog(s, 'server console');
    assertCleanGuestLog(c, 'client console');
  });
});
