/**
 * TAP links through socat: refused names and users, and as root a real device (moved into a
 * network namespace of the test's own) whose frames cross both ways.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, describe, test } from 'node:test';
import { firstMissing, missingCommands, skipUnlessAvailable } from '../../../../tests/harness/prereq.js';
import { openTap, TapError } from './tap_link.js';

test('an interface name Linux would refuse is refused before anything runs', async () => {
  for (const bad of ['', 'a'.repeat(16), 'tap 0', 'tap/0', 'x,tun-type=tun']) {
    await assert.rejects(openTap({ device: bad }), (e: unknown) => e instanceof TapError && /not a valid interface name/.test(e.message), bad);
  }
});

const notRoot = process.getuid?.() === 0 ? null : 'TAP devices need root';

describe('a real TAP device', skipUnlessAvailable(firstMissing(notRoot, missingCommands('socat', 'ip'))), () => {
  const ns = `xenon-taplink-${process.pid}`;
  after(() => {
    try {
      execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    } catch {
      // Never made: the test failed before.
    }
  });

  test('frames cross both ways, and the device goes with close()', async () => {
    const device = `xntl${process.pid % 100000}`;
    const link = await openTap({ device });
    execFileSync('ip', ['netns', 'add', ns]);
    execFileSync('ip', ['link', 'set', device, 'netns', ns]);
    const inNs = (...args: string[]) => execFileSync('ip', ['netns', 'exec', ns, ...args]);
    inNs('ip', 'addr', 'add', '10.96.0.1/24', 'dev', device);
    inNs('ip', 'link', 'set', device, 'up');
    const frames: Uint8Array[] = [];
    link.onFrame = (f) => frames.push(f.slice());
    // An ARP request from a guest MAC for the namespace's address: the kernel answers it.
    const arp = Uint8Array.from([
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x16, 0x3e, 0, 0, 0x51, 0x08, 0x06,
      0, 1, 0x08, 0, 6, 4, 0, 1, 0x00, 0x16, 0x3e, 0, 0, 0x51, 10, 96, 0, 2, 0, 0, 0, 0, 0, 0, 10, 96, 0, 1,
    ]);
    const t0 = Date.now();
    while (!frames.some((f) => f[12] === 0x08 && f[13] === 0x06 && f[21] === 2) && Date.now() - t0 < 5000) {
      link.send(arp);
      await new Promise((r) => setTimeout(r, 100));
    }
    const reply = frames.find((f) => f[12] === 0x08 && f[13] === 0x06 && f[21] === 2);
    assert.ok(reply !== undefined, 'the namespace answered the ARP request through the device');
    assert.deepEqual([...reply.subarray(0, 6)], [0x00, 0x16, 0x3e, 0, 0, 0x51], 'to the guest MAC');
    assert.ok(link.stats.framesOut >= 1 && link.stats.framesIn >= 1);
    link.send(new Uint8Array(70000));
    assert.ok(link.stats.dropped >= 1, 'a frame too large for one datagram is dropped');
    await link.close();
    await new Promise((r) => setTimeout(r, 200));
    assert.throws(() => execFileSync('ip', ['netns', 'exec', ns, 'ip', 'link', 'show', device], { stdio: 'ignore' }), 'the device is gone with socat');
  });
});
