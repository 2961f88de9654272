/**
 * A Debian domU on a bridge with a passt uplink (issue 8): its own xen-netfront and udhcpc get an
 * address from passt by DHCP, it fetches a file from an HTTP server on the host's loopback (through
 * the gateway address, which this bridge maps to the host), and a configured port forward from the
 * host reaches an HTTP server in the guest. Checksums on both ends must match.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ensureGuestImages } from '../../src/images/index.js';
import { startPasst } from '../../src/host/node/passt/index.js';
import { LINK_MTU } from '../../src/backends/net/link_port.js';
import { parseNicSpec } from '../../src/toolstack/config/index.js';
import { DOMU_INIT_PROLOGUE } from '../harness/guest_init.js';
import { testManager } from '../harness/domu_manager.js';
import { assertCleanGuestLog } from '../harness/guest_log.js';
import { firstMissing, missingCommands, skipUnlessAvailable } from '../harness/prereq.js';
import { missingGuestImages } from '../harness/tools.js';

const INIT = `${DOMU_INIT_PROLOGUE}/bin/busybox mount -t devtmpfs devtmpfs /dev
for m in $(cat /lib/modules/xenon.order); do insmod $m 2>/dev/null; done
arg() { sed -n "s/.*xenon\\.$1=\\([^ ]*\\).*/\\1/p" /proc/cmdline; }
i=0; while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
cat > /tmp/dhcp.sh <<'EOS'
#!/bin/sh
case "$1" in
bound|renew)
  ifconfig $interface $ip netmask $subnet
  for r in $router; do route add default gw $r dev $interface; break; done
  echo "dhcp-bound ip=$ip router=$router" > /dev/console
  echo "$router" > /tmp/router
  ;;
esac
EOS
chmod +x /tmp/dhcp.sh
ip link set lo up
ip link set eth0 up
udhcpc -i eth0 -s /tmp/dhcp.sh -q -n -t 20 -T 2 > /dev/null 2>&1; echo "udhcpc-rc=$?"
gw=$(cat /tmp/router | cut -d' ' -f1)
wget -q -O /tmp/host-file "http://$gw:$(arg hostport)/file"; echo "wget-rc=$?"
echo "host-file=$(sha256sum /tmp/host-file | cut -d' ' -f1)"
mkdir -p /www
dd if=/dev/urandom of=/www/guest-file bs=64k count=4 2>/dev/null
echo "guest-file=$(sha256sum /www/guest-file | cut -d' ' -f1)"
httpd -p 8080 -h /www
echo XENON-PASST-READY
while true; do sleep 1; done
`;
const TIMEOUT_MS = 300_000;
const bootOpts = skipUnlessAvailable(firstMissing(missingGuestImages(), missingCommands('passt')));
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

function fetchBytes(url: string): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const req = get(url, { timeout: 30_000 }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => (res.statusCode === 200 ? resolve(new Uint8Array(Buffer.concat(parts))) : reject(new Error(`HTTP ${res.statusCode}`))));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

describe('Debian domU with a passt uplink', bootOpts, () => {
  test('gets an address by DHCP, fetches from the host loopback, and is reached through a port forward', async (t) => {
    const img = await ensureGuestImages({ initScript: INIT, withModules: true, log: () => undefined });
    const hostFile = new Uint8Array(randomBytes(300_000));
    const server = createServer((req, res) => {
      if (req.url !== '/file') return void res.writeHead(404).end();
      res.writeHead(200, { 'content-length': hostFile.length }).end(hostFile);
    });
    const hostPort = await listen(server);
    // A free port for the forward: bind one, note it, release it for passt.
    const probe = createServer();
    const forwardPort = await listen(probe);
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const { m, output } = testManager({
      openUplink: async (bridge) => (bridge !== 'natbr' ? null : startPasst({
        mtu: LINK_MTU, mapGatewayToHost: true, forwards: [{ proto: 'tcp', hostAddress: '127.0.0.1', hostPort: forwardPort, guestPort: 8080 }],
      })),
    });
    try {
      const domid = await m.create({
        type: 'pvh', name: 'natty', uuid: '3def0a1e-72da-4384-b1b4-f05d93db6199', vcpus: 1, memoryMiB: 160, maxMemoryMiB: 160, gicVersion: 3,
        kernel: readFileSync(img.kernelImage), ramdisk: readFileSync(img.initramfs),
        cmdline: `console=hvc0 rdinit=/init cryptomgr.notests xenon.hostport=${hostPort}`,
        onPoweroff: 'destroy', onReboot: 'destroy', onCrash: 'destroy', onWatchdog: 'destroy',
        nics: [parseNicSpec('mac=00:16:3e:00:00:31,bridge=natbr', { index: 0, at: { source: 'test', key: 'vif', line: 1 }, random: () => new Uint8Array(3) }).nic],
      });
      const t0 = Date.now();
      await m.run(() => output('natty').includes('XENON-PASST-READY') || Date.now() - t0 > TIMEOUT_MS);
      const log = output('natty');
      assert.ok(log.includes('XENON-PASST-READY'), `the guest did not get ready; console:\n${log.slice(-4000)}`);
      for (const line of log.split('\n')) if (/dhcp-bound|udhcpc-rc|wget-rc/.test(line)) t.diagnostic(line.trim());
      assert.match(log, /udhcpc-rc=0/);
      assert.match(log, /dhcp-bound ip=\d+\.\d+\.\d+\.\d+ router=\d+\.\d+\.\d+\.\d+/);
      assert.match(log, /wget-rc=0/);
      assert.match(log, new RegExp(`host-file=${sha(hostFile)}`), 'the guest fetched the host file intact');
      // The host reaches the guest's server through the forward, while Domain-0's loop keeps serving the guest.
      let fetched: Uint8Array | Error | undefined;
      fetchBytes(`http://127.0.0.1:${forwardPort}/guest-file`).then((b) => { fetched = b; }, (e: Error) => { fetched = e; });
      const t1 = Date.now();
      await m.run(() => fetched !== undefined || Date.now() - t1 > 60_000);
      assert.ok(fetched instanceof Uint8Array, `the port forward did not answer: ${String(fetched)}`);
      assert.match(log, new RegExp(`guest-file=${sha(fetched)}`), 'the host fetched the guest file intact');
      assert.deepEqual(m.networkInfo(), [{ bridge: 'natbr', ports: 2, uplink: 'passt' }]);
      await m.destroy(domid);
      assertCleanGuestLog(log, 'domU console');
    } finally {
      for (const d of m.list()) await m.destroy(d.domid);
      await m.networks.closeAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
