/**
 * A virtual switch's uplink to a TAP device, for a host run as root: the host's own network stack
 * (a bridge, routing, iptables) then sees the guests' frames as a NIC's. Node cannot create a TAP
 * device itself (TUNSETIFF is an ioctl), so Debian's socat holds the device and carries each frame
 * as one UDP datagram on the loopback between it and us: datagrams keep frame boundaries, and
 * both sockets are connected, so the kernel delivers only each other's datagrams. socat exits
 * with us (its reads fail once our socket is gone), and the device goes with socat.
 */
import { spawn } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import type { EthernetLink } from '../../common/ethernet_link.js';

/** socat's binary, looked up on PATH, and the Debian package that ships it. */
export const SOCAT = 'socat';
export const SOCAT_PACKAGE = 'socat';
/** The largest frame one UDP datagram carries on IPv4 (65535 less the IP and UDP headers). */
export const TAP_MAX_FRAME_BYTES = 65507;
/** Linux interface names: IFNAMSIZ 16 with the NUL, no slash, space or colon. */
const IFNAME = /^[A-Za-z0-9_.-]{1,15}$/;
const STDERR_TAIL_BYTES = 8192;

/** A failed TAP operation, with socat's own message where it gave one. */
export class TapError extends Error {
  constructor(readonly device: string, message: string, options?: { cause?: unknown }) {
    super(`Cannot open TAP device "${device}": ${message}`, options);
    this.name = 'TapError';
  }
}

export interface TapOptions {
  /** The TAP device's name (created by socat; the host then configures it, e.g. into a bridge). */
  readonly device: string;
  /** How long socat may take to create the device; 5 s when omitted. */
  readonly startTimeoutMs?: number;
}

export interface TapLink extends EthernetLink {
  readonly stats: { framesIn: number; framesOut: number; dropped: number };
}

function bindLoopback(port = 0): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(port, '127.0.0.1', () => {
      s.off('error', reject);
      resolve(s);
    });
  });
}

/** Opens a TAP device through socat; needs root (CAP_NET_ADMIN) and /dev/net/tun. */
export async function openTap(o: TapOptions): Promise<TapLink> {
  if (!IFNAME.test(o.device)) throw new TapError(o.device, 'not a valid interface name (1-15 of A-Z a-z 0-9 _ . -)');
  if (process.getuid?.() !== 0) throw new TapError(o.device, 'TAP devices need root (CAP_NET_ADMIN); use a passt uplink instead');
  // Our socket first: socat's first read fails (and it exits) if nothing is there yet.
  const ours = await bindLoopback();
  const ourPort = ours.address().port;
  // socat's port: one the kernel just gave, released for socat to bind.
  const probe = await bindLoopback();
  const socatPort = probe.address().port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const child = spawn(SOCAT, [
    '-d', '-d', '-b', String(TAP_MAX_FRAME_BYTES),
    `TUN,tun-type=tap,tun-name=${o.device},iff-no-pi,iff-up`,
    `UDP:127.0.0.1:${ourPort},bind=127.0.0.1:${socatPort}`,
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  let exited: string | null = null;
  child.stderr!.setEncoding('utf8');
  const ready = new Promise<string | null>((resolve) => {
    child.stderr!.on('data', (s: string) => {
      stderr = (stderr + s).slice(-STDERR_TAIL_BYTES);
      if (stderr.includes('starting data transfer loop')) resolve(null);
    });
    child.on('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ENOENT' ? `${SOCAT} is not installed (Debian package "${SOCAT_PACKAGE}")` : e.message));
    child.on('close', (code, signal) => {
      exited = signal !== null ? `was killed by ${signal}` : `exited with status ${code}`;
      const said = stderr.split('\n').filter((l) => / E /.test(l)).map((l) => l.replace(/^.* E /, '')).join('; ');
      resolve(`${SOCAT} ${exited}${said === '' ? '' : `: ${said}`}`);
    });
    setTimeout(() => resolve(`${SOCAT} did not create the device within ${o.startTimeoutMs ?? 5000} ms`), o.startTimeoutMs ?? 5000).unref();
  });
  const failure = await ready;
  if (failure !== null) {
    child.kill('SIGKILL');
    ours.close();
    throw new TapError(o.device, failure);
  }
  await new Promise<void>((resolve) => ours.connect(socatPort, '127.0.0.1', () => resolve()));
  const stats = { framesIn: 0, framesOut: 0, dropped: 0 };
  let closed = false;
  const link: TapLink = {
    name: `tap:${o.device}`,
    stats,
    onFrame: null,
    onDown: null,
    send(frame) {
      if (closed || frame.length < 14 || frame.length > TAP_MAX_FRAME_BYTES) {
        stats.dropped++;
        return;
      }
      stats.framesOut++;
      ours.send(frame, (err) => { if (err !== null) stats.dropped++; });
    },
    async close() {
      if (closed) return;
      closed = true;
      ours.close();
      if (exited === null) {
        const gone = new Promise<void>((resolve) => child.once('close', () => resolve()));
        child.kill('SIGTERM');
        await gone;
      }
    },
  };
  // A datagram refused while socat restarts its read, say: counted, never thrown (an 'error' event unheard would end the daemon).
  ours.on('error', () => void stats.dropped++);
  ours.on('message', (m: Buffer) => {
    stats.framesIn++;
    link.onFrame?.(new Uint8Array(m.buffer, m.byteOffset, m.length));
  });
  child.on('close', () => {
    if (!closed) {
      closed = true;
      ours.close();
      link.onDown?.(`${SOCAT} ${exited ?? 'ended'}`);
    }
  });
  return link;
}
