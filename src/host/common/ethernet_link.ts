/**
 * A link from a virtual switch to the world outside the domains: passt's user-mode network, a TAP
 * device, or a test's scripted peer. Frames are whole Ethernet frames (destination MAC first, no
 * FCS). The switch treats a link as one more port; core code depends only on this interface, so it
 * runs wherever some host provides a link.
 */

/** Largest frame a link carries: a 65535-byte IP packet (GSO) plus its 14-byte Ethernet header. */
export const MAX_LINK_FRAME_BYTES = 65535 + 14;

export interface EthernetLink {
  /** What the link is, for logs and `xl network-list` ("passt", "tap:xenon0"). */
  readonly name: string;
  /**
   * Sends one frame out of the link. The link copies what it keeps; a frame it cannot take now is
   * dropped and counted, as a real NIC would drop it, never queued without bound.
   */
  send(frame: Uint8Array): void;
  /** Where received frames go (set by the switch before any arrives). The callee may keep `frame`. */
  onFrame: ((frame: Uint8Array) => void) | null;
  /** Called once if the link goes down on its own (the helper process died, say), with why. */
  onDown: ((reason: string) => void) | null;
  /** Tears the link down (stops its helper process); no send may follow. */
  close(): Promise<void>;
}
