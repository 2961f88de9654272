/**
 * The host side of Xenon's networks, as a Xen host's admin sets up bridges outside xl: which
 * bridges get an uplink to the host and how it is configured. Read from the daemon's configuration
 * file (xl.cfg syntax: `network = [ "bridge=xenbr0, uplink=passt, tcp=8080:80" ]`) and from
 * `xenon daemon --net SPEC` (the same spec, replacing the file's entry for that bridge).
 *
 * A spec is `key=value` items separated by commas:
 *   bridge=NAME            the bridge (xl.cfg's vif `bridge=`); required
 *   uplink=passt|tap|none  user-mode NAT, DHCP and DNS through passt; a TAP device (root only,
 *                          for the host's own bridge or routing); or no uplink (the default)
 *   tap=NAME               the TAP device's name (default xenon-BRIDGE, cut to 15 characters)
 *   tcp=[ADDR/]HOST:GUEST  forward a host TCP port to the guest (repeatable); udp= likewise
 *   address=A, prefix=N, gateway=G   the IPv4 address, prefix and router passt offers by DHCP
 *   dns=A                  a DNS server offered (repeatable); dns=none offers none
 *   map-gateway-to-host=1  let guests reach the host's loopback through the gateway address
 */
import { ConfigError, parseXlCfg, type ConfigLocation } from '../toolstack/config/index.js';
import type { PasstOptions, PasstPortForward } from '../host/node/passt/index.js';

/** How a bridge reaches the host: passt's user-mode network, or a TAP device (as root). */
export type Uplink = { readonly kind: 'passt'; readonly passt: PasstOptions } | { readonly kind: 'tap'; readonly device: string };

/** One bridge's uplink as configured. */
export interface BridgeUplink {
  readonly bridge: string;
  /** Null: the bridge joins guests only. */
  readonly uplink: Uplink | null;
}

/** Bridge names as Linux allows network interface names (IFNAMSIZ 16, no slash or space). */
const BRIDGE_NAME = /^[A-Za-z0-9_.-]{1,15}$/;
const FORWARD = /^(?:([0-9a-fA-F.:]+)\/)?(\d{1,5}):(\d{1,5})$/;

/** A value from the configuration in a message: JSON string syntax keeps control characters visible. */
const quote = (v: string): string => JSON.stringify(v);

/** Parses one network spec. Throws ConfigError naming the item. */
export function parseNetworkSpec(spec: string, at: ConfigLocation): BridgeUplink {
  const fail = (problem: string): never => {
    throw new ConfigError(at, `${problem} in network specification ${quote(spec)}`);
  };
  let bridge: string | undefined;
  let uplink: 'passt' | 'tap' | 'none' = 'none';
  let tap: string | undefined;
  const forwards: PasstPortForward[] = [];
  const dns: string[] = [];
  let noDns = false;
  const o: { -readonly [K in keyof PasstOptions]: PasstOptions[K] } = {};
  for (const raw of spec.split(',')) {
    const item = raw.trim();
    if (item === '') continue;
    const eq = item.indexOf('=');
    if (eq < 0) fail(`${quote(item)} is not key=value`);
    const key = item.slice(0, eq).trim();
    const value = item.slice(eq + 1).trim();
    switch (key) {
      case 'bridge':
        if (!BRIDGE_NAME.test(value)) fail(`invalid bridge name ${quote(value)}`);
        bridge = value;
        break;
      case 'uplink':
        if (value !== 'passt' && value !== 'tap' && value !== 'none') fail(`uplink ${quote(value)} is not "passt", "tap" or "none"`);
        uplink = value as 'passt' | 'tap' | 'none';
        break;
      case 'tap':
        if (!BRIDGE_NAME.test(value)) fail(`invalid TAP device name ${quote(value)}`);
        tap = value;
        break;
      case 'tcp':
      case 'udp': {
        const m = FORWARD.exec(value) ?? fail(`invalid ${key} forward ${quote(value)} (expected [ADDRESS/]HOSTPORT:GUESTPORT)`);
        forwards.push({ proto: key, hostPort: Number(m[2]), guestPort: Number(m[3]), ...(m[1] === undefined ? {} : { hostAddress: m[1] }) });
        break;
      }
      case 'address':
        o.guestAddress = value;
        break;
      case 'prefix':
        if (!/^\d{1,2}$/.test(value)) fail(`invalid prefix ${quote(value)}`);
        o.prefixLength = Number(value);
        break;
      case 'gateway':
        o.gateway = value;
        break;
      case 'dns':
        if (value === 'none') noDns = true;
        else dns.push(value);
        break;
      case 'map-gateway-to-host':
        if (value !== '0' && value !== '1') fail(`map-gateway-to-host must be 0 or 1, not ${quote(value)}`);
        o.mapGatewayToHost = value === '1';
        break;
      default:
        fail(`unknown key ${quote(key)}`);
    }
  }
  if (bridge === undefined) return fail('no bridge=');
  if (uplink !== 'passt' && (forwards.length > 0 || dns.length > 0 || noDns || Object.keys(o).length > 0)) fail('port forwards and addresses need uplink=passt');
  if (uplink !== 'tap' && tap !== undefined) fail('tap= needs uplink=tap');
  if (uplink === 'none') return { bridge, uplink: null };
  if (uplink === 'tap') return { bridge, uplink: { kind: 'tap', device: tap ?? `xenon-${bridge}`.slice(0, 15) } };
  if (noDns && dns.length > 0) fail('dns=none with other dns= servers');
  return { bridge, uplink: { kind: 'passt', passt: { ...o, forwards, ...(noDns ? { dns: [] } : dns.length > 0 ? { dns } : {}) } } };
}

/** The daemon's configuration file (xl.cfg syntax); only `network` is read today. Unknown keys are errors. */
export function parseDaemonConfig(text: string, source: string): BridgeUplink[] {
  const cfg = parseXlCfg(text, { source });
  const out: BridgeUplink[] = [];
  for (const [key, s] of cfg.settings) {
    if (key !== 'network') throw new ConfigError({ source, line: s.line, key }, 'unknown setting (the daemon reads only "network")');
    const items = s.value.kind === 'list' ? s.value.items : [s.value];
    for (const item of items) {
      if (item.kind !== 'atom') throw new ConfigError({ source, line: item.line, key }, 'each network is a string');
      out.push(parseNetworkSpec(item.text, { source, line: item.line, key }));
    }
  }
  return out;
}

/** The uplinks by bridge: the file's, then the command line's (a later spec for a bridge replaces an earlier one). */
export function uplinksByBridge(specs: readonly BridgeUplink[]): Map<string, Uplink> {
  const by = new Map<string, Uplink>();
  for (const s of specs) {
    if (s.uplink === null) by.delete(s.bridge);
    else by.set(s.bridge, s.uplink);
  }
  return by;
}
