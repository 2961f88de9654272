/**
 * A host link (passt, TAP) on a virtual switch. Frames leaving through it are finished first
 * (checksums computed, GSO super-frames cut to the link's MTU) since nothing past the link knows
 * Xen's offload flags; frames arriving from it are plain.
 */
import type { EthernetLink } from '../../host/common/ethernet_link.js';
import { finishOffloads } from './offload.js';
import { plainPacket, type Packet } from './packet.js';
import type { SwitchAttachment, SwitchPort, VirtualSwitch } from './switch.js';

/** The IP MTU of host links: the guests' (netfront's default, the MTU Xenon has passt offer by DHCP, a TAP device's). */
export const LINK_MTU = 1500;

export class LinkPort implements SwitchPort {
  readonly name: string;
  private readonly attachment: SwitchAttachment;

  constructor(private readonly link: EthernetLink, sw: VirtualSwitch, private readonly mtu = LINK_MTU) {
    this.name = link.name;
    this.attachment = sw.attach(this);
    link.onFrame = (frame) => this.attachment.input(plainPacket(frame));
  }

  deliver(p: Packet): void {
    for (const frame of finishOffloads(p, this.mtu)) this.link.send(frame);
  }

  /** Leaves the switch and closes the link. */
  async close(): Promise<void> {
    this.attachment.detach();
    this.link.onFrame = null;
    await this.link.close();
  }
}
