/**
 * Hand-built frames of a fake guest and parsers for the replies, for the passt tests: just enough
 * Ethernet, ARP (RFC 826), IPv4, UDP, TCP and DHCP (RFC 2131, options RFC 2132) to talk to passt
 * and check what it says, without a network stack.
 */

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const BROADCAST_MAC = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
/** RFC 2131 section 3: the four bytes before the options. */
const DHCP_MAGIC_COOKIE = 0x63825363;
/** op, htype, hlen, hops, xid, secs, flags, ciaddr, yiaddr, siaddr, giaddr, chaddr, sname, file. */
const BOOTP_FIXED_BYTES = 236;

export function mac(s: string): Uint8Array {
  return new Uint8Array(s.split(':').map((h) => parseInt(h, 16)));
}

export function macString(b: Uint8Array): string {
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');
}

export function ipv4(s: string): Uint8Array {
  return new Uint8Array(s.split('.').map(Number));
}

export function ipv4String(b: Uint8Array): string {
  return [...b].join('.');
}

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

function ethernet(dst: Uint8Array, src: Uint8Array, etherType: number, payload: Uint8Array): Uint8Array {
  const f = new Uint8Array(14 + payload.length);
  f.set(dst, 0);
  f.set(src, 6);
  view(f).setUint16(12, etherType);
  f.set(payload, 14);
  return f;
}

/** An ARP request from `srcMac`/`senderIp` asking for `targetIp`. */
export function arpRequest(srcMac: Uint8Array, senderIp: string, targetIp: string): Uint8Array {
  const a = new Uint8Array(28);
  const v = view(a);
  v.setUint16(0, 1); // Ethernet
  v.setUint16(2, ETHERTYPE_IPV4);
  a[4] = 6;
  a[5] = 4;
  v.setUint16(6, 1); // request
  a.set(srcMac, 8);
  a.set(ipv4(senderIp), 14);
  a.set(ipv4(targetIp), 24);
  return ethernet(BROADCAST_MAC, srcMac, ETHERTYPE_ARP, a);
}

export interface ArpReply {
  readonly dstMac: string;
  readonly senderMac: string;
  readonly senderIp: string;
  readonly targetIp: string;
}

export function parseArpReply(f: Uint8Array): ArpReply | null {
  const v = view(f);
  if (f.length < 42 || v.getUint16(12) !== ETHERTYPE_ARP || v.getUint16(20) !== 2) return null;
  return {
    dstMac: macString(f.subarray(0, 6)),
    senderMac: macString(f.subarray(22, 28)),
    senderIp: ipv4String(f.subarray(28, 32)),
    targetIp: ipv4String(f.subarray(38, 42)),
  };
}

/** The RFC 1071 checksum of an IPv4 header. */
function ipv4HeaderChecksum(h: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < h.length; i += 2) sum += (h[i]! << 8) | h[i + 1]!;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** IPv4 (no options, no padding: passt wants the total length to match the frame) + UDP, checksum 0 (none). */
function udpPacket(src: string, dst: string, srcPort: number, dstPort: number, payload: Uint8Array): Uint8Array {
  const p = new Uint8Array(20 + 8 + payload.length);
  const v = view(p);
  p[0] = 0x45;
  v.setUint16(2, p.length);
  p[8] = 64; // TTL
  p[9] = IPPROTO_UDP;
  p.set(ipv4(src), 12);
  p.set(ipv4(dst), 16);
  v.setUint16(10, ipv4HeaderChecksum(p.subarray(0, 20)));
  v.setUint16(20, srcPort);
  v.setUint16(22, dstPort);
  v.setUint16(24, 8 + payload.length);
  p.set(payload, 28);
  return p;
}

/** A DHCPDISCOVER (option 53 = 1) from a client without an address, broadcast to port 67. */
export function dhcpDiscover(clientMac: Uint8Array, xid: number): Uint8Array {
  const options = [53, 1, 1, 55, 4, 1, 3, 6, 26, 255];
  const bootp = new Uint8Array(BOOTP_FIXED_BYTES + 4 + options.length);
  const v = view(bootp);
  bootp[0] = 1; // BOOTREQUEST
  bootp[1] = 1; // Ethernet
  bootp[2] = 6;
  v.setUint32(4, xid);
  v.setUint16(10, 0x8000); // broadcast reply: the client has no address yet
  bootp.set(clientMac, 28);
  v.setUint32(BOOTP_FIXED_BYTES, DHCP_MAGIC_COOKIE);
  bootp.set(options, BOOTP_FIXED_BYTES + 4);
  return ethernet(BROADCAST_MAC, clientMac, ETHERTYPE_IPV4, udpPacket('0.0.0.0', '255.255.255.255', 68, 67, bootp));
}

/** The IPv4 packet in a frame: protocol, addresses and the transport header's offset into the frame. */
interface Ipv4View {
  readonly protocol: number;
  readonly src: string;
  readonly dst: string;
  readonly l4: number;
}

function parseIpv4(f: Uint8Array): Ipv4View | null {
  if (f.length < 34 || view(f).getUint16(12) !== ETHERTYPE_IPV4 || f[14]! >> 4 !== 4) return null;
  const l4 = 14 + (f[14]! & 0xf) * 4;
  if (f.length < l4) return null;
  return { protocol: f[23]!, src: ipv4String(f.subarray(26, 30)), dst: ipv4String(f.subarray(30, 34)), l4 };
}

export interface UdpDatagram {
  readonly src: string;
  readonly dst: string;
  readonly srcPort: number;
  readonly dstPort: number;
  readonly payload: Uint8Array;
}

export function parseUdp(f: Uint8Array): UdpDatagram | null {
  const ip = parseIpv4(f);
  if (ip === null || ip.protocol !== IPPROTO_UDP || f.length < ip.l4 + 8) return null;
  const v = view(f);
  const end = Math.min(f.length, ip.l4 + v.getUint16(ip.l4 + 4));
  return { src: ip.src, dst: ip.dst, srcPort: v.getUint16(ip.l4), dstPort: v.getUint16(ip.l4 + 2), payload: f.subarray(ip.l4 + 8, end) };
}

export interface TcpSegment {
  readonly dstMac: string;
  readonly src: string;
  readonly dst: string;
  readonly srcPort: number;
  readonly dstPort: number;
  /** The flags byte: FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10. */
  readonly flags: number;
}

export const TCP_SYN = 0x02;
export const TCP_ACK = 0x10;

export function parseTcp(f: Uint8Array): TcpSegment | null {
  const ip = parseIpv4(f);
  if (ip === null || ip.protocol !== IPPROTO_TCP || f.length < ip.l4 + 20) return null;
  const v = view(f);
  return {
    dstMac: macString(f.subarray(0, 6)),
    src: ip.src,
    dst: ip.dst,
    srcPort: v.getUint16(ip.l4),
    dstPort: v.getUint16(ip.l4 + 2),
    flags: f[ip.l4 + 13]!,
  };
}

export interface DhcpReply {
  readonly dstMac: string;
  readonly xid: number;
  readonly yiaddr: string;
  /** Options by code (53 message type, 1 subnet mask, 3 router, 6 DNS, 26 MTU…). */
  readonly options: ReadonlyMap<number, Uint8Array>;
}

/** Options after the magic cookie: code, length, value; 0 pads, 255 ends. */
function parseDhcpOptions(o: Uint8Array): Map<number, Uint8Array> | null {
  const options = new Map<number, Uint8Array>();
  let i = 0;
  while (i < o.length) {
    const code = o[i]!;
    if (code === 255) return options;
    if (code === 0) {
      i++;
      continue;
    }
    if (i + 2 > o.length || i + 2 + o[i + 1]! > o.length) return null;
    options.set(code, o.subarray(i + 2, i + 2 + o[i + 1]!));
    i += 2 + o[i + 1]!;
  }
  return null;
}

/** A BOOTREPLY from port 67 to 68, or null for any other frame. */
export function parseDhcpReply(f: Uint8Array): DhcpReply | null {
  const udp = parseUdp(f);
  if (udp === null || udp.srcPort !== 67 || udp.dstPort !== 68) return null;
  const b = udp.payload;
  const v = view(b);
  if (b.length < BOOTP_FIXED_BYTES + 4 || b[0] !== 2 || v.getUint32(BOOTP_FIXED_BYTES) !== DHCP_MAGIC_COOKIE) return null;
  const options = parseDhcpOptions(b.subarray(BOOTP_FIXED_BYTES + 4));
  if (options === null) return null;
  return { dstMac: macString(f.subarray(0, 6)), xid: v.getUint32(4), yiaddr: ipv4String(b.subarray(16, 20)), options };
}
