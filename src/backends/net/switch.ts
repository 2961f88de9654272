/**
 * A virtual switch in Domain-0 (what `bridge=xenbr0` names in a vif spec; Linux's bridge in a real
 * Xen host): a learning switch joining guests' vifs and, optionally, one host link. A unicast frame
 * goes to the port its destination MAC was last seen on; broadcast, multicast and unknown
 * destinations are flooded to every other port. Learned addresses age out (the bridge's 300 s) and
 * the table is bounded, so a guest sending from random MACs cannot grow Domain-0's memory.
 */
import { destinationMac, ETH_HEADER_BYTES, isGroupMac, sourceMac, type Packet } from './packet.js';

/** Something attached to a switch port: a netback vif, or a host link. */
export interface SwitchPort {
  /** For logs: "vif3.0", "passt". */
  readonly name: string;
  /** Takes a packet from the switch. The port may keep it; the frame is never written to afterwards by the switch. */
  deliver(p: Packet): void;
}

/** A port's handle on the switch. */
export interface SwitchAttachment {
  /** A packet the port received (from its guest or its link). */
  input(p: Packet): void;
  /** Leaves the switch; its learned addresses are forgotten. */
  detach(): void;
}

export class SwitchMetrics {
  forwarded = 0;
  flooded = 0;
  /** Frames dropped: too short, from a group source address, or to the port they came from. */
  dropped = 0;
  /** Learned addresses evicted because the table was full. */
  evictions = 0;
}

/** The bridge's default ageing time. */
export const MAC_AGEING_MS = 300_000;
/** Learned addresses kept at most (Linux's bridge has no hard limit; one is ours, against floods of fake sources). */
export const MAX_LEARNED = 4096;

interface Learned {
  port: SwitchPort;
  seenAt: number;
}

export class VirtualSwitch {
  readonly metrics = new SwitchMetrics();
  private readonly ports = new Set<SwitchPort>();
  /** MAC → where it was last seen; a Map keeps insertion order, so the first entry is the oldest learned. */
  private readonly fdb = new Map<number, Learned>();

  /** @param now milliseconds of some monotonic clock (for ageing) */
  constructor(readonly name: string, private readonly now: () => number) {}

  get portCount(): number {
    return this.ports.size;
  }

  attach(port: SwitchPort): SwitchAttachment {
    this.ports.add(port);
    return {
      input: (p) => {
        if (this.ports.has(port)) this.forward(port, p);
      },
      detach: () => {
        this.ports.delete(port);
        for (const [mac, l] of this.fdb) if (l.port === port) this.fdb.delete(mac);
      },
    };
  }

  /** Where `mac` was learned, if it is known and fresh (for tests and `xenon` diagnostics). */
  lookup(mac: number): SwitchPort | undefined {
    const l = this.fdb.get(mac);
    if (l === undefined || this.now() - l.seenAt > MAC_AGEING_MS) return undefined;
    return l.port;
  }

  private forward(from: SwitchPort, p: Packet): void {
    if (p.frame.length < ETH_HEADER_BYTES) {
      this.metrics.dropped++;
      return;
    }
    const src = sourceMac(p.frame);
    // A group address is never a frame's source (IEEE 802.1D drops these).
    if (isGroupMac(src)) {
      this.metrics.dropped++;
      return;
    }
    this.learn(src, from);
    const dst = destinationMac(p.frame);
    const to = isGroupMac(dst) ? undefined : this.lookup(dst);
    if (to === from) {
      this.metrics.dropped++;
      return;
    }
    if (to !== undefined) {
      this.metrics.forwarded++;
      to.deliver(p);
      return;
    }
    this.metrics.flooded++;
    const others = [...this.ports].filter((q) => q !== from);
    // Each receiver may keep or finish (rewrite) its packet: all but the last get their own copy.
    others.forEach((q, i) => q.deliver(i === others.length - 1 ? p : { ...p, frame: p.frame.slice() }));
  }

  private learn(mac: number, port: SwitchPort): void {
    const now = this.now();
    const known = this.fdb.get(mac);
    if (known !== undefined) {
      // Re-inserting moves it to the young end of the Map, keeping the eviction order by last sight.
      this.fdb.delete(mac);
    } else if (this.fdb.size >= MAX_LEARNED) {
      const oldest = this.fdb.keys().next().value as number;
      this.fdb.delete(oldest);
      this.metrics.evictions++;
    }
    this.fdb.set(mac, { port, seenAt: now });
  }
}
