/**
 * Ethernet frames for network tests, built field by field, and an independent check of their
 * checksums (summing the whole header or segment must give 0xffff), so the code under test is
 * never its own judge.
 */

export const MAC_A = 0x00163e000001;
export const MAC_B = 0x00163e000002;
export const MAC_C = 0x00163e000003;
export const BROADCAST = 0xffffffffffff;

function putMac(f: Uint8Array, at: number, mac: number): void {
  for (let i = 0; i < 6; i++) f[at + i] = Math.floor(mac / 2 ** (8 * (5 - i))) % 256;
}

/** A frame with an arbitrary payload after the Ethernet header (ethertype 0x88b5, local experimental). */
export function rawFrame(dst: number, src: number, payloadBytes: number, fill = 0x5a): Uint8Array {
  const f = new Uint8Array(14 + payloadBytes).fill(fill);
  putMac(f, 0, dst);
  putMac(f, 6, src);
  f[12] = 0x88;
  f[13] = 0xb5;
  return f;
}

export interface TcpFrameOptions {
  dst?: number;
  src?: number;
  seq?: number;
  flags?: number;
  payload: Uint8Array;
  /** Leave the TCP checksum as Linux's CHECKSUM_PARTIAL does: the pseudo-header sum only. */
  partial?: boolean;
  ipId?: number;
}

/** An IPv4/TCP frame 10.0.0.1:1234 → 10.0.0.2:80 with a 20-byte TCP header. */
export function tcpFrame(o: TcpFrameOptions): Uint8Array {
  const f = new Uint8Array(14 + 20 + 20 + o.payload.length);
  putMac(f, 0, o.dst ?? MAC_B);
  putMac(f, 6, o.src ?? MAC_A);
  f[12] = 0x08;
  f[13] = 0x00;
  const ip = 14;
  const dv = new DataView(f.buffer);
  f[ip] = 0x45;
  dv.setUint16(ip + 2, 20 + 20 + o.payload.length);
  dv.setUint16(ip + 4, o.ipId ?? 7);
  f[ip + 8] = 64;
  f[ip + 9] = 6;
  f.set([10, 0, 0, 1, 10, 0, 0, 2], ip + 12);
  dv.setUint16(ip + 10, ~onesSum(f, ip, ip + 20) & 0xffff);
  const tcp = ip + 20;
  dv.setUint16(tcp, 1234);
  dv.setUint16(tcp + 2, 80);
  dv.setUint32(tcp + 4, o.seq ?? 1000);
  f[tcp + 12] = 5 << 4;
  f[tcp + 13] = o.flags ?? 0x18;
  dv.setUint16(tcp + 14, 65535);
  f.set(o.payload, tcp + 20);
  const pseudo = onesSum(f, ip + 12, ip + 20) + 6 + (f.length - tcp);
  if (o.partial === true) dv.setUint16(tcp + 16, fold(pseudo));
  else dv.setUint16(tcp + 16, ~fold(onesSum(f, tcp, f.length) + pseudo) & 0xffff);
  return f;
}

function onesSum(f: Uint8Array, from: number, to: number): number {
  let s = 0;
  for (let i = from; i < to; i += 2) s += (f[i]! << 8) | (i + 1 < to ? f[i + 1]! : 0);
  return s;
}

function fold(s: number): number {
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

/** True when the IPv4 header checksum and the TCP checksum of an IPv4/TCP frame are both right. */
export function checksumsValid(f: Uint8Array): boolean {
  const ip = 14;
  const ihl = (f[ip]! & 0xf) * 4;
  const total = (f[ip + 2]! << 8) | f[ip + 3]!;
  if (fold(onesSum(f, ip, ip + ihl)) !== 0xffff) return false;
  const tcp = ip + ihl;
  const pseudo = onesSum(f, ip + 12, ip + 20) + 6 + (total - ihl);
  return fold(onesSum(f, tcp, ip + total) + pseudo) === 0xffff;
}

export function payloadOf(f: Uint8Array): Uint8Array {
  const ihl = (f[14]! & 0xf) * 4;
  const tcp = 14 + ihl;
  return f.subarray(tcp + (f[tcp + 12]! >> 4) * 4, 14 + ((f[16]! << 8) | f[17]!));
}

export function patterned(n: number, seed = 1): Uint8Array {
  const b = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}
