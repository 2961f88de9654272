/**
 * A Debian domU on a bridge whose uplink is a TAP device (issue 8, as root): the guest's frames
 * reach the host's own network stack. The TAP device is moved into a network namespace this test
 * makes, so nothing leaves it: the guest pings the namespace's address, and a client in the
 * namespace fetches a file from an HTTP server in the guest.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { ensureGuestImages } from '../../src/images/index.js';
import { openTap } from '../../src/host/node/tap/tap_link.js';
import { parseNicSpec } from '../../src/toolstack/config/index.js';
import { DOMU_INIT_PROLOGUE } from '../harness/guest_init.js';
import { testManager } from '../harness/domu_manager.js';
import { assertCleanGuestLog } from '../harness/guest_log.js';
import { firstMissing, missingCommands, skipUnlessAvailable } from '../harness/prereq.js';
import { missingGuestImages } from '../harness/tools.js';

const INIT = `${DOMU_INIT_PROLOGUE}/bin/busybox mount -t devtmpfs devtmpfs /dev
for m in $(cat /lib/modules/xenon.order); do insmod $m 2>/dev/null; done
i=0; while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
ip link set lo up
ip addr add 10.98.0.2/24 dev eth0
ip link set eth0 up
i=0; until ping -c 1 -W 2 10.98.0.1 >/dev/null 2>&1 || [ $i -ge 60 ]; do i=$((i+1)); done
ping -c 3 -W 5 10.98.0.1 >/dev/null 2>&1; echo "ping-rc=$?"
mkdir -p /www
dd if=/dev/urandom of=/www/f bs=64k count=4 2>/dev/null
echo "guest-file=$(sha256sum /www/f | cut -d' ' -f1)"
httpd -p 8080 -h /www
echo XENON-TAP-READY
while true; do sleep 1; done
`;
const TIMEOUT_MS = 300_000;
const notRoot = process.getuid?.() === 0 ? null : 'TAP devices need root';
const bootOpts = skipUnlessAvailable(firstMissing(notRoot, missingGuestImages(), missingCommands('socat', 'ip')));

/**
 * Fetches a URL from inside namespace `ns` with Node's own client (in a child process, so this
 * thread, Domain-0, keeps serving the guest); resolves to the body's SHA-256.
 */
function fetchInNamespace(ns: string, url: string): Promise<string> {
  const script = `require('http').get(${JSON.stringify(url)}, (r) => { const h = require('crypto').createHash('sha256'); r.on('data', (c) => h.update(c)); r.on('end', () => console.log(h.digest('hex'))); }).on('error', (e) => { console.error(e.message); process.exit(1); });`;
  return new Promise((resolve, reject) => {
    execFile('ip', ['netns', 'exec', ns, process.execPath, '-e', script], { encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) => {
      if (err === null) resolve(stdout.trim());
      else reject(new Error(`fetch in ${ns} failed: ${stderr || err.message}`));
    });
  });
}

describe('Debian domU with a TAP uplink', bootOpts, () => {
  test('reaches the host stack through the TAP device, and is reached from it', async () => {
    const img = await ensureGuestImages({ initScript: INIT, withModules: true, log: () => undefined });
    const ns = `xenon-tap-${process.pid}`;
    const device = `xntap${process.pid % 100000}`;
    const ip = (...args: string[]) => execFileSync('ip', ['netns', 'exec', ns, 'ip', ...args]);
    execFileSync('ip', ['netns', 'add', ns]);
    const { m, output } = testManager({ openUplink: async (bridge) => (bridge === 'tapbr' ? openTap({ device }) : null) });
    try {
      const domid = await m.create({
        type: 'pvh', name: 'tappy', uuid: '3def0a1e-72da-4384-b1b4-f05d93db6177', vcpus: 1, memoryMiB: 160, maxMemoryMiB: 160, gicVersion: 3,
        kernel: readFileSync(img.kernelImage), ramdisk: readFileSync(img.initramfs), cmdline: 'console=hvc0 rdinit=/init cryptomgr.notests',
        onPoweroff: 'destroy', onReboot: 'destroy', onCrash: 'destroy', onWatchdog: 'destroy',
        nics: [parseNicSpec('mac=00:16:3e:00:00:41,bridge=tapbr', { index: 0, at: { source: 'test', key: 'vif', line: 1 }, random: () => new Uint8Array(3) }).nic],
      });
      // The device exists once the vif joined its bridge; the namespace keeps the test's traffic to itself.
      execFileSync('ip', ['link', 'set', device, 'netns', ns]);
      ip('link', 'set', 'lo', 'up');
      ip('addr', 'add', '10.98.0.1/24', 'dev', device);
      ip('link', 'set', device, 'up');
      const t0 = Date.now();
      await m.run(() => output('tappy').includes('XENON-TAP-READY') || Date.now() - t0 > TIMEOUT_MS);
      const log = output('tappy');
      assert.ok(log.includes('XENON-TAP-READY'), `the guest did not get ready; console:\n${log.slice(-4000)}`);
      assert.match(log, /ping-rc=0/);
      let fetched: string | Error | undefined;
      // Domain-0's loop keeps serving the guest while the namespace's client waits on it.
      fetchInNamespace(ns, 'http://10.98.0.2:8080/f').then((h) => { fetched = h; }, (e: Error) => { fetched = e; });
      const t1 = Date.now();
      await m.run(() => fetched !== undefined || Date.now() - t1 > 90_000);
      assert.equal(typeof fetched, 'string', `no answer through the TAP device: ${String(fetched)}`);
      assert.match(output('tappy'), new RegExp(`guest-file=${fetched as string}`));
      assert.equal(m.networkInfo()[0]?.uplink, `tap:${device}`);
      await m.destroy(domid);
      assertCleanGuestLog(output('tappy'), 'domU console');
    } finally {
      for (const d of m.list()) await m.destroy(d.domid);
      await m.networks.closeAll();
      execFileSync('ip', ['netns', 'del', ns]);
    }
  });
});
