/**
 * What a passt link is configured with, checked, and turned into passt's command line. The
 * options are those of Debian 12's passt (0.0~git20230309, passt(1)); only checked values reach
 * the command line, so no value can add an option of its own.
 */
import { isIP, isIPv4 } from 'node:net';

/** A failed passt operation, with what was being done and passt's own message where it gave one. */
export class PasstError extends Error {
  constructor(
    /** "configure" (the options were refused before anything ran) or "start". */
    readonly op: 'configure' | 'start',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`Cannot ${op} passt: ${message}`, options);
    this.name = 'PasstError';
  }
}

/** A host port passt listens on and forwards to a port of the guest. */
export interface PasstPortForward {
  readonly proto: 'tcp' | 'udp';
  /** The host address to listen on (IPv4 or IPv6 literal); every address when omitted. */
  readonly hostAddress?: string;
  readonly hostPort: number;
  readonly guestPort: number;
}

/** Options of startPasst(). Everything but the forwards defaults to passt's own choice. */
export interface PasstOptions {
  readonly forwards?: readonly PasstPortForward[];
  /** IPv4 address offered to the guest by DHCP; passt's default is the host's own address. */
  readonly guestAddress?: string;
  /** Prefix length of the guest's IPv4 network (DHCP option 1). */
  readonly prefixLength?: number;
  /** The guest's IPv4 gateway (DHCP option 3); passt's default is the host's gateway. */
  readonly gateway?: string;
  /**
   * DNS servers offered to the guest; none when empty; the host's resolv.conf when omitted, less
   * any loopback resolver (systemd-resolved's 127.0.0.53), which passt offers only with
   * mapGatewayToHost (conf.c add_dns4).
   */
  readonly dns?: readonly string[];
  /** MTU offered by DHCP (option 26); passt offers 65520 when omitted. */
  readonly mtu?: number;
  /**
   * Let the guest reach the host's loopback services through the gateway address (passt's
   * default). Off unless set: a guest should not see what the host keeps to itself.
   */
  readonly mapGatewayToHost?: boolean;
  /** How long passt may take to start serving the link; 10 s when omitted. */
  readonly startTimeoutMs?: number;
  /** How long close() waits after SIGTERM before SIGKILL; 5 s when omitted. */
  readonly stopTimeoutMs?: number;
  /** Unwritten bytes the link may hold before it drops frames; 1 MiB when omitted. */
  readonly maxTxBacklogBytes?: number;
}

/** The MTU range accepted: IPv4's minimum up to passt's own default, whose frames passt also reads back. */
export const PASST_MIN_MTU = 68;
export const PASST_MAX_MTU = 65520;

function configError(message: string): PasstError {
  return new PasstError('configure', message);
}

function checkPort(value: number, what: string): void {
  if (!Number.isInteger(value) || value < 1 || value > 65535) throw configError(`${what} "${value}" is not a port (1-65535)`);
}

function checkIpv4(value: string | undefined, what: string): void {
  if (value !== undefined && !isIPv4(value)) throw configError(`${what} "${value}" is not an IPv4 address`);
}

function checkForwards(forwards: readonly PasstPortForward[]): void {
  const seen = new Set<string>();
  for (const f of forwards) {
    if (f.proto !== 'tcp' && f.proto !== 'udp') throw configError(`forward protocol "${String(f.proto)}" is not "tcp" or "udp"`);
    checkPort(f.hostPort, `${f.proto} host port`);
    checkPort(f.guestPort, `${f.proto} guest port`);
    if (f.hostAddress !== undefined && isIP(f.hostAddress) === 0) {
      throw configError(`forward host address "${f.hostAddress}" is not an IP address`);
    }
    // passt keeps one target per host port and protocol, whatever the address (conf.c conf_ports).
    const key = `${f.proto}/${f.hostPort}`;
    if (seen.has(key)) throw configError(`${f.proto} host port "${f.hostPort}" is forwarded twice`);
    seen.add(key);
  }
}

/** Throws a PasstError (op "configure") naming the first value passt must not be given. */
export function checkPasstOptions(o: PasstOptions): void {
  checkForwards(o.forwards ?? []);
  checkIpv4(o.guestAddress, 'guest address');
  checkIpv4(o.gateway, 'gateway');
  if (o.prefixLength !== undefined && (!Number.isInteger(o.prefixLength) || o.prefixLength < 1 || o.prefixLength > 32)) {
    throw configError(`prefix length "${o.prefixLength}" is not 1-32`);
  }
  for (const d of o.dns ?? []) {
    if (isIP(d) === 0) throw configError(`DNS server "${d}" is not an IP address`);
  }
  if (o.mtu !== undefined && (!Number.isInteger(o.mtu) || o.mtu < PASST_MIN_MTU || o.mtu > PASST_MAX_MTU)) {
    throw configError(`MTU "${o.mtu}" is not ${PASST_MIN_MTU}-${PASST_MAX_MTU}`);
  }
}

/** passt's port spec for one forward: "[address/]hostPort:guestPort". */
function portSpec(f: PasstPortForward): string {
  return `${f.hostAddress === undefined ? '' : `${f.hostAddress}/`}${f.hostPort}:${f.guestPort}`;
}

/** Port options for one protocol; "none" when there are none, so no version forwards ports of its own. */
function portArgs(forwards: readonly PasstPortForward[], proto: 'tcp' | 'udp'): string[] {
  const option = proto === 'tcp' ? '--tcp-ports' : '--udp-ports';
  const mine = forwards.filter((f) => f.proto === proto);
  if (mine.length === 0) return [option, 'none'];
  return mine.flatMap((f) => [option, portSpec(f)]);
}

/**
 * passt's command line (without the binary) for options already checked, serving the guest on
 * the connected socket `fd` it inherits:
 * - `--foreground`: passt stays our child, so its exit status is ours to read and signal.
 * - `--stderr --quiet`: errors go to stderr (containers have no syslog), and only errors.
 * - `--fd`: no socket file. As root, passt switches to "nobody" before it binds `--socket`, so
 *   the bind fails in a root-only run directory (and this version still logs the socket as bound,
 *   then exits or idles). An inherited socket needs no path, and passt exits when our end
 *   closes, even if we die without cleaning up, so no passt outlives its link.
 * - `--no-map-gw` unless asked: otherwise TCP to the gateway address reaches the host's loopback
 *   (tcp.c tcp_conn_from_tap).
 */
export function passtArgs(o: PasstOptions, fd: number): string[] {
  const args = ['--foreground', '--stderr', '--quiet', '--fd', String(fd)];
  if (o.mapGatewayToHost !== true) args.push('--no-map-gw');
  if (o.guestAddress !== undefined) args.push('--address', o.guestAddress);
  if (o.prefixLength !== undefined) args.push('--netmask', String(o.prefixLength));
  if (o.gateway !== undefined) args.push('--gateway', o.gateway);
  if (o.dns !== undefined) {
    if (o.dns.length === 0) args.push('--dns', 'none');
    for (const d of o.dns) args.push('--dns', d);
  }
  if (o.mtu !== undefined) args.push('--mtu', String(o.mtu));
  const forwards = o.forwards ?? [];
  args.push(...portArgs(forwards, 'tcp'), ...portArgs(forwards, 'udp'));
  return args;
}
