/**
 * One `vif = [ … ]` entry, as xl parses it (tools/xl/xl_parse.c parse_nic_config, tools/libs/util/libxlu_vif.c
 * for `rate=`), documented in xl-network-configuration(5): comma-separated `key=value` pairs and flags.
 * xl prints a message and carries on for a malformed `mac=`, `type=`, `devid=` or `mtu=`; we refuse them.
 * Unrecognised keys are ignored with a warning, as xl does.
 */
import { ConfigError, quote, type ConfigLocation } from './config_error.js';

/** A NIC as libxl_device_nic holds it, with xl's and libxl's defaults applied where they do not depend on the host. */
export interface NicSpec {
  /** Index in the `vif` list unless `devid=` says otherwise (xl_parse.c ARRAY_EXTEND_INIT). */
  readonly devid: number;
  /** Lower-case `xx:xx:xx:xx:xx:xx`; generated in Xen's OUI 00:16:3e when absent (libxl_nic.c). */
  readonly mac: string;
  /** `xenbr0` when absent (libxl__device_nic_setdefault). */
  readonly bridge: string;
  /** `type=`: `ioemu` is for HVM guests only. */
  readonly nictype?: 'vif' | 'ioemu';
  readonly model?: string;
  readonly ip?: string;
  /** `vifname=`: backend interface name (libxl `ifname`). */
  readonly vifname?: string;
  readonly script?: string;
  /** `backend=`: name of the backend domain. */
  readonly backendDomain?: string;
  readonly gatewaydev?: string;
  readonly mtu?: number;
  readonly vlan?: string;
  readonly trusted?: boolean;
  /** `rate=`: credit-based limit, as libxlu turns it into bytes per replenishment interval. */
  readonly rate?: { readonly bytesPerInterval: number; readonly intervalUsecs: number };
}

/** Source of random bytes, injected so configurations parse deterministically under test. */
export type RandomBytes = (length: number) => Uint8Array;

/** Options for {@link parseNicSpec}. */
export interface ParseNicOptions {
  /** Position in the `vif` list, the default devid. */
  readonly index: number;
  readonly at: ConfigLocation;
  readonly random: RandomBytes;
}

const STRING_KEYS = { bridge: 'bridge', ip: 'ip', script: 'script', backend: 'backendDomain', vifname: 'vifname', model: 'model', gatewaydev: 'gatewaydev', vlan: 'vlan' } as const;
/** Keys xl knows that Xenon does not act on (COLO fault tolerance, the unsupported `accel`). */
const IGNORED = /^(?:forwarddev|colo_[a-z0-9_]+|accel)=/;
const UINT32_MAX = 0xffffffffn;
const UINT64_MAX = 0xffffffffffffffffn;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Parse one vif specification. Returns the NIC and the warnings xl would print without failing. */
export function parseNicSpec(spec: string, options: ParseNicOptions): { nic: NicSpec; warnings: string[] } {
  const fail = (problem: string): never => {
    throw new ConfigError(options.at, `${problem} in vif specification ${quote(spec)}`);
  };
  const warnings: string[] = [];
  const nic: Partial<Mutable<NicSpec>> = {};
  // strtok(buf, ","): empty tokens vanish; xl then skips leading spaces only.
  for (const raw of spec.split(',')) {
    const token = raw.replace(/^ +/, '');
    if (raw === '') continue;
    const eq = token.indexOf('=');
    const key = eq < 0 ? token : token.slice(0, eq);
    const value = token.slice(eq + 1);
    if (token === 'trusted' || token === 'untrusted') nic.trusted = token === 'trusted';
    else if (eq < 0) warnings.push(`unrecognized argument ${quote(token)} ignored`);
    else if (key === 'mac') nic.mac = parseMac(value) ?? fail(`invalid MAC address ${quote(value)}`);
    else if (key === 'type') nic.nictype = value === 'vif' || value === 'ioemu' ? value : fail(`invalid type ${quote(value)} (expected "vif" or "ioemu")`);
    else if (key === 'devid' || key === 'mtu') nic[key] = parseUlong(value) ?? fail(`invalid ${key} ${quote(value)}`);
    else if (key === 'rate') nic.rate = parseVifRate(value, fail);
    else if (key === 'netdev') {
      warnings.push('the netdev parameter is deprecated, please use gatewaydev instead');
      nic.gatewaydev = value;
    } else if (key in STRING_KEYS) nic[STRING_KEYS[key as keyof typeof STRING_KEYS]] = value;
    else if (IGNORED.test(token)) warnings.push(`${quote(key)} is not supported by Xenon and is ignored`);
    else warnings.push(`unrecognized argument ${quote(token)} ignored`);
  }
  return {
    nic: { ...nic, devid: nic.devid ?? options.index, mac: nic.mac ?? generateMac(options.random), bridge: nic.bridge ?? 'xenbr0' },
    warnings: warnings.map((w) => `${options.at.source}${options.at.line === undefined ? '' : `:${options.at.line}`}: "vif": ${w}`),
  };
}

/** Six groups of one or two hex digits separated by colons (xl-network-configuration(5)); lower-cased. */
export function parseMac(text: string): string | undefined {
  if (!/^[0-9a-fA-F]{1,2}(?::[0-9a-fA-F]{1,2}){5}$/.test(text)) return undefined;
  return text
    .split(':')
    .map((g) => g.toLowerCase().padStart(2, '0'))
    .join(':');
}

/** libxl_nic.c: Xen's OUI, then three random bytes with the top bit of the first cleared. */
export function generateMac(random: RandomBytes): string {
  const r = random(3);
  const bytes = [0x00, 0x16, 0x3e, r[0]! & 0x7f, r[1]!, r[2]!];
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}

/** xl_parse.c parse_ulong reads decimal with strtoul; we also refuse trailing junk. */
function parseUlong(text: string): number | undefined {
  return /^[0-9]{1,9}$/.test(text) ? Number(text) : undefined;
}

/** strtoull(s, &p, 0) over a digit run: a leading 0 makes it octal, so it may stop early. Returns [value, end]. */
function strtoullDigits(s: string): [bigint, number] {
  const m = /^0[0-7]*/.exec(s);
  if (m !== null) return [BigInt(`0o${m[0]}`), m[0].length];
  const d = /^[0-9]+/.exec(s)!;
  return [BigInt(d[0]), d[0].length];
}

/** libxlu_vif.c xlu_vif_parse_rate: `RATE/s[@INTERVAL]`, RATE in [GMK][Bb], INTERVAL in s (default), ms or us. */
export function parseVifRate(rate: string, fail: (problem: string) => never): NonNullable<NicSpec['rate']> {
  const at = rate.indexOf('@');
  const bytes = at < 0 ? rate : rate.slice(0, at);
  if (bytes === '') fail('no rate specified');
  if (!/^[0-9]+[GMK]?[Bb]\/s$/.test(bytes)) fail(`invalid rate ${quote(bytes)}`);
  const [digits, p] = strtoullDigits(bytes);
  if (digits === 0n || digits > UINT32_MAX) fail(`rate overflow ${quote(rate)}`);
  const scale: Readonly<Record<string, bigint>> = { G: 1000000000n, M: 1000000n, K: 1000n };
  let bytesPerSec = digits * (scale[bytes[p]!] ?? 1n);
  if (bytes[p] === 'b' || bytes[p + 1] === 'b') bytesPerSec /= 8n;
  let intervalUsecs = 50000n;
  if (at >= 0) {
    const interval = rate.slice(at + 1);
    if (!/^[0-9]+[mu]?s?$/.test(interval)) fail(`invalid replenishment interval ${quote(interval)}`);
    const [n, q] = strtoullDigits(interval);
    if (n === 0n || n > UINT32_MAX) fail(`replenishment interval overflow ${quote(interval)}`);
    const unit = interval[q];
    intervalUsecs = unit === 's' || unit === undefined ? n * 1000000n : unit === 'm' ? n * 1000n : n;
    if (intervalUsecs > UINT32_MAX) fail(`replenishment interval overflow ${quote(interval)}`);
  }
  if (bytesPerSec > UINT64_MAX / intervalUsecs) fail(`rate overflow ${quote(rate)}`);
  return { bytesPerInterval: Number((bytesPerSec * intervalUsecs) / 1000000n), intervalUsecs: Number(intervalUsecs) };
}
