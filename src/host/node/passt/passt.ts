/**
 * Host connectivity for a virtual switch through passt, the user-mode network podman and libvirt
 * use: passt answers the guest's ARP and DHCP itself and carries its TCP, UDP and ICMP over
 * ordinary host sockets, so no TAP device, bridge or privilege is needed. One passt process per
 * link, speaking QEMU's stream framing on a socket it inherits (options.ts says why not a path).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Duplex } from 'node:stream';
import type { EthernetLink } from '../../common/ethernet_link.js';
import { checkPasstOptions, passtArgs, PasstError, type PasstOptions } from './options.js';
import { StreamLink, type LinkStats } from './stream_link.js';

/** passt's binary, looked up on PATH. */
export const PASST = 'passt';
/** The Debian package that ships /usr/bin/passt (Debian 12). */
export const PASST_PACKAGE = 'passt';
/** passt skips guest frames longer than this (tap.c tap_handler_passt, ETH_MAX_MTU). */
export const PASST_MAX_FRAME_BYTES = 65535;

/** The child's descriptor for the link's socket: the first after stdin, stdout and stderr. */
const LINK_FD = 3;
/** How much of passt's stderr is kept for messages (its errors are one line). */
const STDERR_TAIL_BYTES = 8192;
/** How long passt may take to exit once its socket closed, so its status can say why. */
const EXIT_GRACE_MS = 1000;
/**
 * Lines passt writes in every container without a syslog socket, and its notice that it gives
 * up root: noise around the one line that matters.
 */
const STDERR_NOISE = [/^Failed to send \d+ bytes to syslog$/, /^Don't run as root\. Changing to nobody\.\.\.$/];

/** A link served by a running passt; close() ends passt (SIGTERM, then SIGKILL after stopTimeoutMs). */
export interface PasstLink extends EthernetLink {
  /** passt's process id, for logs. */
  readonly pid: number;
  readonly stats: Readonly<LinkStats>;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Tracks the child: its stderr's last bytes and how it ended (as the storage daemon's does). */
class PasstProcess {
  private stderrTail = '';
  private endedAs: string | null = null;
  /** Set when the binary could not be run at all. */
  private spawnError: PasstError | null = null;
  /** Set once terminate() signalled passt: its end is then ours, not news. */
  private stopRequested = false;
  /** Resolves with how passt ended ("exited with status 1"), or why it never ran. */
  readonly ended: Promise<string>;

  constructor(readonly child: ChildProcess) {
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (s: string) => {
      this.stderrTail = (this.stderrTail + s).slice(-STDERR_TAIL_BYTES);
    });
    this.ended = new Promise((resolveEnded) => {
      // 'close' rather than 'exit': it comes after stderr is drained, so the message is complete.
      child.once('close', (code: number | null, signal: NodeJS.Signals | null) => {
        this.endedAs ??= code !== null ? `exited with status ${code}` : `was killed by ${signal ?? 'a signal'}`;
        resolveEnded(this.endedAs);
      });
      child.once('error', (err: NodeJS.ErrnoException) => {
        this.spawnError =
          err.code === 'ENOENT'
            ? new PasstError('start', `"${PASST}" is not on PATH: install the Debian package "${PASST_PACKAGE}"`, { cause: err })
            : new PasstError('start', `cannot run "${PASST}" (${err.code ?? err.message})`, { cause: err });
        this.endedAs ??= 'could not be started';
        resolveEnded(this.endedAs);
      });
    });
  }

  /** Throws why passt is gone, if it went on its own: why it could not run, or its own message. */
  checkRunning(): void {
    if (this.spawnError !== null) throw this.spawnError;
    if (this.endedAs !== null && !this.stopRequested) throw this.failure(this.endedAs);
  }

  /** How passt ended and what it said: "exited with status 1: Failed to bind any port for '-t 8080:80', exiting". */
  describe(how: string): string {
    const lines = this.stderrTail.split('\n').map((l) => l.trim());
    const text = lines.filter((l) => l !== '' && !STDERR_NOISE.some((re) => re.test(l))).join('; ');
    return `${how}${text === '' ? '' : `: ${text}`}`;
  }

  failure(how: string): PasstError {
    return new PasstError('start', this.describe(how));
  }

  /** Why the link's stream ended: passt's exit, once it is seen, or that it closed the socket. */
  async explainEnd(): Promise<string> {
    const how = await Promise.race([this.ended, delay(EXIT_GRACE_MS).then(() => null)]);
    if (this.spawnError !== null) return this.spawnError.message;
    return how === null ? `${PASST} closed its socket` : `${PASST} ${this.describe(how)}`;
  }

  /** SIGTERM (passt exits at once), SIGKILL after `timeoutMs`; resolves once it has ended. */
  async terminate(timeoutMs: number): Promise<void> {
    if (this.endedAs !== null || this.child.pid === undefined) return;
    this.stopRequested = true;
    this.child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const killed = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.child.kill('SIGKILL');
        resolve();
      }, timeoutMs);
    });
    await Promise.race([this.ended, killed]);
    clearTimeout(timer);
    await this.ended;
  }
}

/**
 * An ARP request that passt answers as soon as it serves the link, which is how startPasst()
 * knows it does. passt answers any request but for the guest's own address or an announcement
 * (arp.c arp()); "who has 0.0.0.0, tell 0.0.0.0" is neither. The sender MAC is the broadcast
 * address because passt takes the guest's MAC from each frame it receives, and broadcast is what
 * it starts with when it listens on a path (tap.c tap_sock_unix_init): with `--fd` it would start
 * with 00:00:00:00:00:00, and traffic for a guest that has not spoken yet would go nowhere.
 */
function readinessProbe(): Uint8Array {
  const f = new Uint8Array(42);
  const v = new DataView(f.buffer);
  f.fill(0xff, 0, 12); // destination and source: broadcast
  v.setUint16(12, 0x0806); // EtherType ARP
  v.setUint16(14, 1); // hardware type Ethernet
  v.setUint16(16, 0x0800); // protocol type IPv4
  f[18] = 6;
  f[19] = 4;
  v.setUint16(20, 1); // request
  f.fill(0xff, 22, 28); // sender MAC; sender IP, target MAC and target IP stay zero
  return f;
}

function isProbeReply(frame: Uint8Array): boolean {
  const v = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  return frame.length >= 42 && frame.subarray(0, 6).every((b) => b === 0xff) && v.getUint16(12) === 0x0806 && v.getUint16(20) === 2;
}

/** Waits until passt answers the probe; rejects with passt's message if it ends, or after `timeoutMs`. */
async function waitUntilServing(link: StreamLink, p: PasstProcess, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const outcome = await new Promise<{ ready: true } | { ready: false; reason: string }>((resolve) => {
    link.onFrame = (frame) => {
      if (isProbeReply(frame)) resolve({ ready: true });
    };
    link.onDown = (reason) => resolve({ ready: false, reason });
    timer = setTimeout(() => resolve({ ready: false, reason: `did not answer on its socket within ${timeoutMs} ms` }), timeoutMs);
    link.send(readinessProbe());
  });
  clearTimeout(timer);
  link.onFrame = null;
  link.onDown = null;
  if (outcome.ready) return;
  // passt exiting is the likelier story, and its stderr the better message.
  await Promise.race([p.ended, delay(500)]);
  p.checkRunning();
  throw p.failure(outcome.reason);
}

class PasstStreamLink extends StreamLink implements PasstLink {
  readonly pid: number;

  constructor(
    stream: Duplex,
    p: PasstProcess,
    opts: PasstOptions,
  ) {
    const stopTimeoutMs = opts.stopTimeoutMs ?? 5000;
    super(stream, {
      name: PASST,
      maxTxFrameBytes: PASST_MAX_FRAME_BYTES,
      ...(opts.maxTxBacklogBytes !== undefined ? { maxTxBacklogBytes: opts.maxTxBacklogBytes } : {}),
      stop: () => p.terminate(stopTimeoutMs),
      explainEnd: () => p.explainEnd(),
    });
    this.pid = p.child.pid ?? -1;
  }
}

/**
 * Starts passt for one link and waits until it serves it. Rejects with a PasstError: op
 * "configure" for options passt must not get (nothing runs then), op "start" with passt's own
 * message when it refuses to run (a forwarded port in use, no usable host interface, a sandbox
 * the host forbids), or naming the Debian package when passt is not installed. Once started,
 * the link's onDown reports passt ending on its own, with its exit status and message.
 */
export async function startPasst(opts: PasstOptions = {}): Promise<PasstLink> {
  checkPasstOptions(opts);
  const stdio: ('ignore' | 'pipe')[] = ['ignore', 'ignore', 'pipe', 'pipe'];
  const child = spawn(PASST, passtArgs(opts, LINK_FD), { stdio });
  const p = new PasstProcess(child);
  const link = new PasstStreamLink(child.stdio[LINK_FD] as Duplex, p, opts);
  try {
    await waitUntilServing(link, p, opts.startTimeoutMs ?? 10_000);
  } catch (err) {
    await link.close();
    throw err;
  }
  // passt's exit closes the socket, which the link notices first; this covers any other order.
  void p.ended.then((how) => link.fail(`${PASST} ${p.describe(how)}`));
  return link;
}
