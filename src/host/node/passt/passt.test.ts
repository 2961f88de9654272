import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { missingCommands, skipUnlessAvailable } from '../../../../tests/harness/prereq.js';
import { checkPasstOptions, passtArgs, PasstError, type PasstOptions } from './options.js';
import { PASST_PACKAGE, startPasst, type PasstLink } from './passt.js';
import {
  arpRequest, dhcpDiscover, ipv4String, mac, parseArpReply, parseDhcpReply, parseTcp, parseUdp,
  TCP_ACK, TCP_SYN, type DhcpReply,
} from './_test_packets.js';

// Skipped outside CI with this reason printed; under CI the prerequisite fails the run.
const PASST = skipUnlessAvailable(missingCommands('passt') !== null && `passt is not installed: apt-get install ${PASST_PACKAGE}`);

/** Every wait on passt is bounded by this. */
const WAIT_MS = 5000;
const GUEST_MAC = '00:16:3e:00:00:01';

function isConfigError(message: RegExp): (e: unknown) => boolean {
  return (e) => e instanceof PasstError && e.op === 'configure' && message.test(e.message);
}

/** A port nothing listens on now (the kernel's pick), for passt to bind. */
async function freeTcpPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  const port = s.address().port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** The guest's end of a link: sends frames and waits, bounded, for the first reply of a kind. */
class FakeGuest {
  private waiters: ((frame: Uint8Array) => boolean)[] = [];

  constructor(private readonly link: PasstLink) {
    link.onFrame = (frame) => {
      this.waiters = this.waiters.filter((w) => !w(frame));
    };
  }

  send(frame: Uint8Array): void {
    this.link.send(frame);
  }

  /** The first frame from now on that `parse` accepts; call before sending what it answers. */
  expect<T>(what: string, parse: (frame: Uint8Array) => T | null): Promise<T> {
    return new Promise((resolve, reject) => {
      const waiter = (frame: Uint8Array): boolean => {
        const v = parse(frame);
        if (v === null) return false;
        clearTimeout(timer);
        resolve(v);
        return true;
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`No ${what} from passt within ${WAIT_MS} ms`));
      }, WAIT_MS);
      this.waiters.push(waiter);
    });
  }

  /** DHCPDISCOVER → DHCPOFFER; also how passt learns the guest's MAC. */
  async discover(xid: number): Promise<DhcpReply> {
    const offer = this.expect('DHCP offer', (f) => {
      const r = parseDhcpReply(f);
      return r !== null && r.xid === xid ? r : null;
    });
    this.send(dhcpDiscover(mac(GUEST_MAC), xid));
    return offer;
  }
}

function option(r: DhcpReply, code: number): Uint8Array {
  const v = r.options.get(code);
  assert.ok(v !== undefined, `option ${code} missing from the DHCP reply (has ${[...r.options.keys()].join(', ')})`);
  return v;
}

test('passtArgs() runs passt in the foreground on the inherited socket, with one option per setting and forward', () => {
  const o: PasstOptions = {
    guestAddress: '10.0.2.15',
    prefixLength: 24,
    gateway: '10.0.2.2',
    dns: ['10.0.2.3', '2001:db8::53'],
    mtu: 1500,
    forwards: [
      { proto: 'tcp', hostAddress: '127.0.0.1', hostPort: 8080, guestPort: 80 },
      { proto: 'udp', hostPort: 5353, guestPort: 53 },
      { proto: 'tcp', hostAddress: '::1', hostPort: 2222, guestPort: 22 },
    ],
  };
  assert.deepEqual(passtArgs(o, 3), [
    '--foreground', '--stderr', '--quiet', '--fd', '3', '--no-map-gw',
    '--address', '10.0.2.15', '--netmask', '24', '--gateway', '10.0.2.2',
    '--dns', '10.0.2.3', '--dns', '2001:db8::53', '--mtu', '1500',
    '--tcp-ports', '127.0.0.1/8080:80', '--tcp-ports', '::1/2222:22',
    '--udp-ports', '5353:53',
  ]);
});

test('passtArgs() leaves passt its defaults, forwards nothing and maps the gateway only when asked', () => {
  assert.deepEqual(passtArgs({}, 3), ['--foreground', '--stderr', '--quiet', '--fd', '3', '--no-map-gw', '--tcp-ports', 'none', '--udp-ports', 'none']);
  assert.deepEqual(passtArgs({ mapGatewayToHost: true, dns: [] }, 4), [
    '--foreground', '--stderr', '--quiet', '--fd', '4', '--dns', 'none', '--tcp-ports', 'none', '--udp-ports', 'none',
  ]);
});

test('checkPasstOptions() refuses values passt must not get, naming them', () => {
  const fwd = { proto: 'tcp', hostPort: 8080, guestPort: 80 } as const;
  assert.throws(() => checkPasstOptions({ forwards: [{ ...fwd, hostPort: 0 }] }), isConfigError(/^Cannot configure passt: tcp host port "0" is not a port \(1-65535\)$/));
  assert.throws(() => checkPasstOptions({ forwards: [{ ...fwd, guestPort: 65536 }] }), isConfigError(/tcp guest port "65536"/));
  assert.throws(() => checkPasstOptions({ forwards: [{ ...fwd, hostPort: 1.5 }] }), isConfigError(/host port "1.5"/));
  assert.throws(() => checkPasstOptions({ forwards: [{ ...fwd, hostAddress: '--no-tcp' }] }), isConfigError(/forward host address "--no-tcp" is not an IP address/));
  assert.throws(() => checkPasstOptions({ forwards: [fwd, { ...fwd, hostAddress: '127.0.0.1', guestPort: 81 }] }), isConfigError(/tcp host port "8080" is forwarded twice/));
  assert.doesNotThrow(() => checkPasstOptions({ forwards: [fwd, { ...fwd, proto: 'udp' }] }));
  assert.throws(() => checkPasstOptions({ forwards: [{ ...fwd, proto: 'sctp' as 'tcp' }] }), isConfigError(/protocol "sctp"/));
  assert.throws(() => checkPasstOptions({ guestAddress: '10.0.2' }), isConfigError(/guest address "10.0.2" is not an IPv4 address/));
  assert.throws(() => checkPasstOptions({ gateway: 'fe80::1' }), isConfigError(/gateway "fe80::1" is not an IPv4 address/));
  assert.throws(() => checkPasstOptions({ prefixLength: 33 }), isConfigError(/prefix length "33" is not 1-32/));
  assert.throws(() => checkPasstOptions({ dns: ['8.8.8.8', 'none'] }), isConfigError(/DNS server "none" is not an IP address/));
  assert.throws(() => checkPasstOptions({ mtu: 65521 }), isConfigError(/MTU "65521" is not 68-65520/));
  assert.throws(() => checkPasstOptions({ mtu: 67 }), isConfigError(/MTU "67"/));
});

test('startPasst() refuses bad options before running anything', async () => {
  await assert.rejects(startPasst({ mtu: 9 }), isConfigError(/MTU "9"/));
});

test('startPasst() names the Debian package when passt is not on PATH', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'xenon-passt-'));
  const path = process.env['PATH'];
  process.env['PATH'] = dir;
  try {
    await assert.rejects(startPasst(), (e) => e instanceof PasstError && e.op === 'start' && /"passt" is not on PATH: install the Debian package "passt"/.test(e.message));
  } finally {
    process.env['PATH'] = path;
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Runs `fn` with a shell script named passt first on PATH, standing in for a passt that misbehaves. */
async function withFakePasst(script: string, fn: () => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'xenon-passt-'));
  writeFileSync(join(dir, 'passt'), `#!/bin/sh\n${script}\n`, { mode: 0o755 });
  const path = process.env['PATH'];
  process.env['PATH'] = `${dir}:${path ?? ''}`;
  try {
    await fn();
  } finally {
    process.env['PATH'] = path;
    rmSync(dir, { recursive: true, force: true });
  }
}

function isStartError(message: string): (e: unknown) => boolean {
  return (e) => e instanceof PasstError && e.op === 'start' && e.message === message;
}

test('startPasst() gives up on a passt that never answers, within the start timeout', async () => {
  await withFakePasst('echo "still thinking" >&2; exec sleep 30', async () => {
    await assert.rejects(
      startPasst({ startTimeoutMs: 300, stopTimeoutMs: 1000 }),
      isStartError('Cannot start passt: did not answer on its socket within 300 ms: still thinking'),
    );
  });
});

test('startPasst() reports what passt said when it exits during startup', async () => {
  await withFakePasst('echo "Failed to send 47 bytes to syslog" >&2; echo "External interface not usable" >&2; exit 1', async () => {
    await assert.rejects(startPasst({ startTimeoutMs: WAIT_MS }), isStartError('Cannot start passt: exited with status 1: External interface not usable'));
  });
});

test('startPasst() refuses a passt whose stream breaks the framing', async () => {
  await withFakePasst(String.raw`printf '\000\000\000\000' >&3; exec sleep 30`, async () => {
    await assert.rejects(
      startPasst({ startTimeoutMs: WAIT_MS, stopTimeoutMs: 1000 }),
      isStartError('Cannot start passt: passt sent a broken stream: frame length 0 on the stream'),
    );
  });
});

describe('a passt link as the guest sees it', { ...PASST, timeout: 60_000 }, () => {
  let tcpHostPort = 0;
  let udpHostPort = 0;
  let link: PasstLink | undefined;
  let guest: FakeGuest;

  before(async () => {
    tcpHostPort = await freeTcpPort();
    udpHostPort = await freeUdpPort();
    link = await startPasst({
      guestAddress: '10.0.2.15',
      prefixLength: 24,
      gateway: '10.0.2.2',
      dns: ['10.0.2.3'],
      mtu: 1500,
      forwards: [
        { proto: 'tcp', hostAddress: '127.0.0.1', hostPort: tcpHostPort, guestPort: 8080 },
        { proto: 'udp', hostAddress: '127.0.0.1', hostPort: udpHostPort, guestPort: 5353 },
      ],
      startTimeoutMs: WAIT_MS,
    });
    guest = new FakeGuest(link);
  });

  after(async () => {
    await link?.close();
  });

  test('DHCPDISCOVER gets an offer of the configured address, router, mask, DNS and MTU', async () => {
    const offer = await guest.discover(0x1234abcd);
    assert.equal(offer.dstMac, GUEST_MAC);
    assert.equal(offer.yiaddr, '10.0.2.15');
    assert.deepEqual([...option(offer, 53)], [2]);
    assert.equal(ipv4String(option(offer, 3)), '10.0.2.2');
    assert.equal(ipv4String(option(offer, 1)), '255.255.255.0');
    assert.equal(ipv4String(option(offer, 6)), '10.0.2.3');
    assert.deepEqual([...option(offer, 26)], [1500 >> 8, 1500 & 0xff]);
  });

  test('an ARP request for the gateway gets passt\'s reply', async () => {
    const reply = guest.expect('ARP reply', parseArpReply);
    guest.send(arpRequest(mac(GUEST_MAC), '10.0.2.15', '10.0.2.2'));
    const r = await reply;
    assert.equal(r.dstMac, GUEST_MAC);
    assert.equal(r.senderIp, '10.0.2.2');
    assert.equal(r.targetIp, '10.0.2.15');
    assert.notEqual(r.senderMac, GUEST_MAC);
    assert.notEqual(r.senderMac, 'ff:ff:ff:ff:ff:ff');
  });

  test('a TCP connection to the forwarded host port reaches the guest as a SYN to its port', async () => {
    await guest.discover(1);
    const syn = guest.expect('TCP SYN', (f) => {
      const t = parseTcp(f);
      return t !== null && t.dstPort === 8080 ? t : null;
    });
    let client: Socket | undefined;
    try {
      client = connect(tcpHostPort, '127.0.0.1');
      client.on('error', () => {}); // passt resets it when the guest never answers; not this test's concern
      const t = await syn;
      assert.equal(t.flags & (TCP_SYN | TCP_ACK), TCP_SYN);
      assert.equal(t.dstMac, GUEST_MAC);
      assert.equal(t.dst, '10.0.2.15');
      // A connection from the host's loopback appears to come from the gateway (passt(1), NOTES).
      assert.equal(t.src, '10.0.2.2');
    } finally {
      client?.destroy();
    }
  });

  test('a UDP datagram to the forwarded host port reaches the guest\'s port', async () => {
    await guest.discover(2);
    const datagram = guest.expect('UDP datagram', (f) => {
      const u = parseUdp(f);
      return u !== null && u.dstPort === 5353 ? u : null;
    });
    const sock = createSocket('udp4');
    try {
      sock.send(Buffer.from('hello guest'), udpHostPort, '127.0.0.1');
      const u = await datagram;
      assert.equal(u.dst, '10.0.2.15');
      assert.equal(Buffer.from(u.payload).toString(), 'hello guest');
    } finally {
      sock.close();
    }
  });

  test('frames counted on the way in and out, none dropped', () => {
    const s = link!.stats;
    assert.ok(s.txFrames >= 4 && s.rxFrames >= 4, JSON.stringify(s));
    assert.equal(s.txDroppedSize + s.txDroppedBacklog + s.txDroppedDown + s.rxDroppedRunt, 0);
  });
});

describe('passt\'s lifetime', { ...PASST, timeout: 60_000 }, () => {
  const started: PasstLink[] = [];
  let busy: Server | undefined;

  after(async () => {
    await Promise.all(started.map((l) => l.close()));
    busy?.close();
  });

  async function start(o: PasstOptions = {}): Promise<PasstLink> {
    const link = await startPasst({ startTimeoutMs: WAIT_MS, ...o });
    started.push(link);
    return link;
  }

  test('with passt\'s defaults, DHCP offers the host\'s view: an address, a router and MTU 65520', async () => {
    const guest = new FakeGuest(await start());
    const offer = await guest.discover(7);
    assert.notEqual(offer.yiaddr, '0.0.0.0');
    assert.equal(option(offer, 3).length, 4);
    assert.deepEqual([...option(offer, 26)], [65520 >> 8, 65520 & 0xff]);
  });

  test('passt dying on its own takes the link down once, saying how', async () => {
    const link = await start();
    const downs: string[] = [];
    const down = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`onDown not called within ${WAIT_MS} ms`)), WAIT_MS);
      link.onDown = (reason) => {
        downs.push(reason);
        clearTimeout(timer);
        resolve();
      };
    });
    process.kill(link.pid, 'SIGKILL');
    await down;
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(downs, ['passt was killed by SIGKILL']);
    link.send(new Uint8Array(60));
    assert.equal(link.stats.txDroppedDown, 1);
  });

  test('a stalled passt makes send() drop and count instead of queueing, and the link works once it reads again', async () => {
    const link = await start({ maxTxBacklogBytes: 64 * 1024 });
    const guest = new FakeGuest(link);
    // An EtherType passt ignores (IEEE 802 local experimental), from the guest's MAC.
    const filler = new Uint8Array(1514);
    filler.fill(0xff, 0, 6);
    filler.set(mac(GUEST_MAC), 6);
    filler.set([0x88, 0xb5], 12);
    process.kill(link.pid, 'SIGSTOP');
    try {
      // 12 MB: more than the kernel's socket buffer plus the bound, even on a tuned host.
      const before = link.stats.txFrames;
      for (let i = 0; i < 8000; i++) link.send(filler);
      assert.ok(link.stats.txDroppedBacklog > 0, JSON.stringify(link.stats));
      assert.equal(link.stats.txFrames - before + link.stats.txDroppedBacklog, 8000);
    } finally {
      process.kill(link.pid, 'SIGCONT');
    }
    const reply = guest.expect('ARP reply', parseArpReply);
    guest.send(arpRequest(mac(GUEST_MAC), '0.0.0.0', '192.0.2.99'));
    assert.equal((await reply).targetIp, '0.0.0.0');
  });

  test('close() ends passt and frees its forwarded port', async () => {
    const port = await freeTcpPort();
    const link = await start({ forwards: [{ proto: 'tcp', hostAddress: '127.0.0.1', hostPort: port, guestPort: 22 }] });
    let downs = 0;
    link.onDown = () => downs++;
    await link.close();
    assert.throws(() => process.kill(link.pid, 0), (e: NodeJS.ErrnoException) => e.code === 'ESRCH');
    const s = createServer();
    await new Promise<void>((resolve, reject) => s.once('error', reject).listen(port, '127.0.0.1', resolve));
    s.close();
    assert.equal(downs, 0);
  });

  test('startPasst() rejects with passt\'s own message when a forwarded port is taken', async () => {
    busy = createServer();
    const port = await new Promise<number>((resolve) => busy!.listen(0, '127.0.0.1', () => resolve((busy!.address() as { port: number }).port)));
    await assert.rejects(
      start({ forwards: [{ proto: 'tcp', hostAddress: '127.0.0.1', hostPort: port, guestPort: 22 }] }),
      (e) =>
        e instanceof PasstError &&
        e.op === 'start' &&
        e.message === `Cannot start passt: exited with status 1: Failed to bind any port for '-t 127.0.0.1/${port}:22', exiting`,
    );
  });
});
