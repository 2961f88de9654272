/**
 * What a NIC does for a driver that handed it unfinished work: computes TCP and UDP checksums left
 * blank (CHECKSUM_PARTIAL) and cuts a TCP super-frame into MSS-sized segments (TSO). Domain-0 does
 * it where a packet leaves for a receiver that cannot take it as it is: a host link (passt, TAP)
 * or a guest whose netfront did not enable GSO. Frames come from guests, so every length is
 * checked against the bytes present; a frame that does not parse is passed on untouched (a real
 * NIC would send it as it is too) and the receiver's own checks see it.
 */
import { ETH_HEADER_BYTES, type Packet } from './packet.js';

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const ETHERTYPE_VLAN = 0x8100;
const PROTO_TCP = 6;
const PROTO_UDP = 17;
const IPV6_HEADER_BYTES = 40;
const TCP_FLAG_FIN = 0x01;
const TCP_FLAG_PSH = 0x08;
const TCP_FLAG_CWR = 0x80;

/** Where a frame's IP and transport headers are. */
interface Layout {
  readonly version: 4 | 6;
  /** Offset of the IP header. */
  readonly l3: number;
  /** Offset of the TCP/UDP header. */
  readonly l4: number;
  /** End of the IP packet (frames may carry Ethernet padding after it). */
  readonly end: number;
  readonly proto: number;
}

/** Finds the IP and TCP/UDP headers of an untagged or single-VLAN-tagged frame; undefined if it has none that parse. */
export function parseLayout(f: Uint8Array): Layout | undefined {
  if (f.length < ETH_HEADER_BYTES) return undefined;
  let l3 = ETH_HEADER_BYTES;
  let type = (f[12]! << 8) | f[13]!;
  if (type === ETHERTYPE_VLAN) {
    if (f.length < l3 + 4) return undefined;
    type = (f[16]! << 8) | f[17]!;
    l3 += 4;
  }
  if (type === ETHERTYPE_IPV4) {
    if (f.length < l3 + 20 || f[l3]! >> 4 !== 4) return undefined;
    const ihl = (f[l3]! & 0xf) * 4;
    const total = (f[l3 + 2]! << 8) | f[l3 + 3]!;
    // A fragment's transport header is not in this frame (or is, with a checksum over data elsewhere).
    const fragment = ((f[l3 + 6]! & 0x3f) << 8) | f[l3 + 7]!;
    if (ihl < 20 || total < ihl || l3 + total > f.length || fragment !== 0) return undefined;
    return { version: 4, l3, l4: l3 + ihl, end: l3 + total, proto: f[l3 + 9]! };
  }
  if (type === ETHERTYPE_IPV6) {
    if (f.length < l3 + IPV6_HEADER_BYTES || f[l3]! >> 4 !== 6) return undefined;
    const payload = (f[l3 + 4]! << 8) | f[l3 + 5]!;
    const end = l3 + IPV6_HEADER_BYTES + payload;
    // Extension headers are not walked: Linux offloads checksums only for TCP/UDP right after the fixed header.
    if (end > f.length) return undefined;
    return { version: 6, l3, l4: l3 + IPV6_HEADER_BYTES, end, proto: f[l3 + 6]! };
  }
  return undefined;
}

/** Ones'-complement sum of `f[from..to)` as 16-bit big-endian words, added to `sum` (not folded). */
function sum16(f: Uint8Array, from: number, to: number, sum = 0): number {
  let i = from;
  for (; i + 1 < to; i += 2) sum += (f[i]! << 8) | f[i + 1]!;
  if (i < to) sum += f[i]! << 8;
  return sum;
}

function fold(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return sum;
}

/** The pseudo-header's sum for an L4 segment of `length` bytes. */
function pseudoHeaderSum(f: Uint8Array, l: Layout, length: number): number {
  const addrs = l.version === 4 ? sum16(f, l.l3 + 12, l.l3 + 20) : sum16(f, l.l3 + 8, l.l3 + 40);
  return addrs + l.proto + (length & 0xffff) + Math.floor(length / 0x10000);
}

/** Computes the TCP or UDP checksum of the frame in place from scratch; false if it has none. */
export function fillTransportChecksum(f: Uint8Array, l: Layout): boolean {
  const at = l.proto === PROTO_TCP ? l.l4 + 16 : l.proto === PROTO_UDP ? l.l4 + 6 : -1;
  const minHeader = l.proto === PROTO_TCP ? 20 : 8;
  if (at < 0 || l.l4 + minHeader > l.end) return false;
  f[at] = 0;
  f[at + 1] = 0;
  const length = l.end - l.l4;
  let c = (~fold(sum16(f, l.l4, l.end, pseudoHeaderSum(f, l, length)))) & 0xffff;
  // UDP sends a computed zero as all ones: zero means "no checksum".
  if (c === 0 && l.proto === PROTO_UDP) c = 0xffff;
  f[at] = c >> 8;
  f[at + 1] = c & 0xff;
  return true;
}

function fillIpv4HeaderChecksum(f: Uint8Array, l: Layout): void {
  f[l.l3 + 10] = 0;
  f[l.l3 + 11] = 0;
  const c = (~fold(sum16(f, l.l3, l.l4))) & 0xffff;
  f[l.l3 + 10] = c >> 8;
  f[l.l3 + 11] = c & 0xff;
}

/**
 * The frames a packet becomes on a wire: its TCP segments if it is a GSO super-frame, with every
 * checksum computed; otherwise the frame itself, its checksum computed if it was left partial.
 * `mtu` bounds the IP packet of each segment too (a guest's MSS can exceed the receiver's MTU).
 */
export function finishOffloads(p: Packet, mtu: number): Uint8Array[] {
  if (p.gso === null) {
    if (!p.checksumPartial) return [p.frame];
    const l = parseLayout(p.frame);
    if (l !== undefined) fillTransportChecksum(p.frame, l);
    return [p.frame];
  }
  return segmentTcp(p.frame, p.gso.mss, mtu);
}

/** TSO: cuts a TCP super-frame into segments of at most `mss` payload bytes, each a complete frame. */
export function segmentTcp(f: Uint8Array, mss: number, mtu: number): Uint8Array[] {
  const l = parseLayout(f);
  if (l === undefined || l.proto !== PROTO_TCP || l.l4 + 20 > l.end) return [f];
  const tcpHeader = (f[l.l4 + 12]! >> 4) * 4;
  const payloadAt = l.l4 + tcpHeader;
  if (tcpHeader < 20 || payloadAt > l.end) return [f];
  const headerBytes = payloadAt;
  const ipHeaderBytes = l.l4 - l.l3;
  const room = mtu - ipHeaderBytes - tcpHeader;
  const step = Math.max(1, Math.min(mss, room > 0 ? room : mss));
  const payload = l.end - payloadAt;
  const seq0 = ((f[l.l4 + 4]! << 24) | (f[l.l4 + 5]! << 16) | (f[l.l4 + 6]! << 8) | f[l.l4 + 7]!) >>> 0;
  const flags = f[l.l4 + 13]!;
  const id0 = l.version === 4 ? (f[l.l3 + 4]! << 8) | f[l.l3 + 5]! : 0;
  const out: Uint8Array[] = [];
  for (let off = 0, i = 0; off < payload || (payload === 0 && i === 0); off += step, i++) {
    const len = Math.min(step, payload - off);
    const seg = new Uint8Array(headerBytes + len);
    seg.set(f.subarray(0, headerBytes));
    seg.set(f.subarray(payloadAt + off, payloadAt + off + len), headerBytes);
    const last = off + step >= payload;
    const seq = (seq0 + off) >>> 0;
    seg[l.l4 + 4] = seq >>> 24;
    seg[l.l4 + 5] = (seq >>> 16) & 0xff;
    seg[l.l4 + 6] = (seq >>> 8) & 0xff;
    seg[l.l4 + 7] = seq & 0xff;
    // FIN and PSH belong to the last segment, CWR to the first (as Linux's tcp_gso_segment).
    let segFlags = flags;
    if (!last) segFlags &= ~(TCP_FLAG_FIN | TCP_FLAG_PSH);
    if (i > 0) segFlags &= ~TCP_FLAG_CWR;
    seg[l.l4 + 13] = segFlags;
    const segLayout: Layout = { ...l, end: seg.length };
    if (l.version === 4) {
      const total = seg.length - l.l3;
      seg[l.l3 + 2] = total >> 8;
      seg[l.l3 + 3] = total & 0xff;
      const id = (id0 + i) & 0xffff;
      seg[l.l3 + 4] = id >> 8;
      seg[l.l3 + 5] = id & 0xff;
      fillIpv4HeaderChecksum(seg, segLayout);
    } else {
      const plen = seg.length - l.l3 - IPV6_HEADER_BYTES;
      seg[l.l3 + 4] = plen >> 8;
      seg[l.l3 + 5] = plen & 0xff;
    }
    fillTransportChecksum(seg, segLayout);
    out.push(seg);
    if (last) break;
  }
  return out;
}
