/**
 * Domain-0's virtual networks: one learning switch per bridge name a vif spec gives (`bridge=`,
 * xenbr0 by default), made when the first vif joins it, as a Xen host's admin would have made the
 * Linux bridge. A switch may have one uplink to the host, which the host decides per bridge (passt
 * for user-mode NAT, a TAP device, or none: the switch then joins only guests).
 */
import type { EthernetLink } from '../host/common/ethernet_link.js';
import { LinkPort } from '../backends/net/link_port.js';
import type { SwitchAttachment, SwitchPort } from '../backends/net/switch.js';
import { VirtualSwitch } from '../backends/net/switch.js';

/** The host's uplink for a bridge, or null when that bridge has none. */
export type OpenUplink = (bridge: string) => Promise<EthernetLink | null>;

export interface NetworkInfo {
  readonly bridge: string;
  readonly ports: number;
  /** The uplink's name ("passt"), or null. */
  readonly uplink: string | null;
}

interface Network {
  readonly sw: VirtualSwitch;
  uplink: LinkPort | null;
  /** The uplink being opened; joins wait for it so the first guest's DHCP is not lost. */
  readonly ready: Promise<void>;
}

export class Networks {
  private readonly networks = new Map<string, Network>();

  constructor(private readonly o: {
    /** Milliseconds of a monotonic clock (the switches' address ageing). */
    readonly nowMs: () => number;
    readonly openUplink?: OpenUplink;
    readonly log: (line: string) => void;
  }) {}

  /** Attaches `port` to bridge `bridge`'s switch, making the switch (and its uplink) on first use. */
  async join(bridge: string, port: SwitchPort): Promise<SwitchAttachment> {
    let n = this.networks.get(bridge);
    if (n === undefined) {
      const sw = new VirtualSwitch(bridge, this.o.nowMs);
      const made: Network = { sw, uplink: null, ready: this.openUplink(bridge, sw).then((u) => { made.uplink = u; }) };
      n = made;
      this.networks.set(bridge, n);
    }
    await n.ready;
    return n.sw.attach(port);
  }

  list(): NetworkInfo[] {
    return [...this.networks].map(([bridge, n]) => ({ bridge, ports: n.sw.portCount, uplink: n.uplink?.name ?? null }));
  }

  /** Closes every uplink (at toolstack shutdown). */
  async closeAll(): Promise<void> {
    const all = [...this.networks.values()];
    this.networks.clear();
    await Promise.all(all.map((n) => n.uplink?.close()));
  }

  private async openUplink(bridge: string, sw: VirtualSwitch): Promise<LinkPort | null> {
    if (this.o.openUplink === undefined) return null;
    let link: EthernetLink | null;
    try {
      link = await this.o.openUplink(bridge);
    } catch (e) {
      // A guest network without its uplink still joins guests; the reason goes to the log.
      this.o.log(`network ${bridge}: no uplink: ${(e as Error).message}`);
      return null;
    }
    if (link === null) return null;
    const port = new LinkPort(link, sw);
    link.onDown = (reason) => {
      this.o.log(`network ${bridge}: uplink ${link.name} went down: ${reason}`);
      const n = this.networks.get(bridge);
      if (n !== undefined && n.uplink === port) {
        n.uplink = null;
        void port.close();
      }
    };
    this.o.log(`network ${bridge}: uplink ${link.name}`);
    return port;
  }
}
