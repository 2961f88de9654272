/**
 * A frame on its way through Domain-0's network (netback, the virtual switch, a host link), with the
 * offload state Linux attaches to it (struct sk_buff's ip_summed and gso fields), so a guest's
 * large TCP segments and unfinished checksums can pass between guests untouched, and are finished
 * (offload.ts) only where the receiver cannot take them as they are.
 */

/** An Ethernet header: destination and source MACs and the EtherType. */
export const ETH_HEADER_BYTES = 14;

export type GsoType = 'tcpv4' | 'tcpv6';

export interface Packet {
  /** The Ethernet frame, destination MAC first, no FCS. Owned by whoever holds the packet. */
  readonly frame: Uint8Array;
  /**
   * The TCP or UDP checksum field holds only the pseudo-header sum (Linux's CHECKSUM_PARTIAL, netif's
   * csum_blank): the receiver, or whatever sends it out of the host, computes the rest.
   */
  readonly checksumPartial: boolean;
  /** The sender vouches for the checksums (netif's data_validated: CHECKSUM_UNNECESSARY). */
  readonly checksumValidated: boolean;
  /** A TCP super-frame to be cut into segments of `mss` payload bytes (GSO), or null. */
  readonly gso: { readonly type: GsoType; readonly mss: number } | null;
}

/** A plain frame: full checksums, no segmentation owed (what arrives from a host link). */
export function plainPacket(frame: Uint8Array): Packet {
  return { frame, checksumPartial: false, checksumValidated: false, gso: null };
}

/** The frame's destination MAC as a 48-bit number. */
export function destinationMac(frame: Uint8Array): number {
  return macAt(frame, 0);
}

/** The frame's source MAC as a 48-bit number. */
export function sourceMac(frame: Uint8Array): number {
  return macAt(frame, 6);
}

function macAt(frame: Uint8Array, at: number): number {
  return (frame[at]! * 2 ** 40) + (frame[at + 1]! * 2 ** 32) + ((frame[at + 2]! << 24) >>> 0) + (frame[at + 3]! << 16) + (frame[at + 4]! << 8) + frame[at + 5]!;
}

/** True for broadcast and multicast addresses (the I/G bit, the first octet's lowest bit). */
export function isGroupMac(mac: number): boolean {
  return Math.floor(mac / 2 ** 40) % 2 === 1;
}

/** `xx:xx:xx:xx:xx:xx`, lower case. */
export function formatMac(mac: number): string {
  const out: string[] = [];
  for (let i = 5; i >= 0; i--) out.push((Math.floor(mac / 2 ** (8 * i)) % 256).toString(16).padStart(2, '0'));
  return out.join(':');
}

/** Parses `xx:xx:xx:xx:xx:xx` (as NicSpec holds it) into a 48-bit number, or undefined. */
export function parseMacNumber(text: string): number | undefined {
  if (!/^[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){5}$/.test(text)) return undefined;
  return parseInt(text.replace(/:/g, ''), 16);
}
