/**
 * A Xen domU's virtual NICs as the toolstack keeps them: for each, its xenstore entries (as libxl
 * writes them), a netback serving the guest's netfront, and the vif's port on its bridge's switch.
 * Attach and detach work the same at creation and on a running domain (hotplug), as under xl.
 */
import { NetBackend } from '../backends/netback/device.js';
import type { SwitchAttachment } from '../backends/net/switch.js';
import type { Hypervisor } from '../hv/hypervisor.js';
import type { Xenstored } from '../xenstore/index.js';
import { XsClient } from '../xenstore/index.js';
import { backendEvents, backendGrants, closeWithin } from './backend_glue.js';
import type { NicSpec } from './config/index.js';
import type { Networks } from './networks.js';
import { readVifList, removeVifEntries, vifPaths, writeVifEntries } from './vif_entries.js';
import type { XlNetworkListRow } from './xl_format.js';

interface Attached {
  readonly backend: NetBackend;
  readonly port: SwitchAttachment;
  readonly xs: XsClient;
}

/** How long a detach waits for the guest to let go of the NIC (libxl's LIBXL_DESTROY_TIMEOUT). */
const DETACH_TIMEOUT_MS = 10_000;

export class DomainNics {
  private readonly attached = new Map<number, Attached>();
  private readonly attaching = new Set<number>();

  constructor(private readonly o: {
    readonly domid: number;
    readonly hv: Hypervisor;
    readonly xenstored: Xenstored;
    readonly xs: XsClient;
    readonly networks: Networks;
    readonly log: (line: string) => void;
  }) {}

  /** Writes the entries, starts netback and joins the vif to its switch; the guest sees a new NIC. */
  async attach(nic: NicSpec): Promise<void> {
    const { domid } = this.o;
    if (this.attached.has(nic.devid) || this.attaching.has(nic.devid)) {
      throw new RangeError(`vif ${nic.devid} is already attached to domain ${domid}`);
    }
    this.attaching.add(nic.devid);
    try {
      writeVifEntries(this.o.xs, domid, nic);
      const paths = vifPaths(domid, nic.devid);
      const xs = new XsClient(this.o.xenstored);
      const backend = new NetBackend({
        xs, backendPath: paths.backend, frontendPath: paths.frontend, name: nic.vifname ?? `vif${domid}.${nic.devid}`,
        grants: backendGrants(this.o.hv, domid), events: backendEvents(this.o.hv, domid), log: this.o.log,
      });
      let port: SwitchAttachment;
      try {
        port = await this.o.networks.join(nic.bridge, backend);
      } catch (e) {
        xs.close();
        removeVifEntries(this.o.xs, domid, nic.devid);
        throw e;
      }
      backend.onTransmit = (p) => port.input(p);
      backend.start();
      // What vif-bridge reports once the vif is on its bridge.
      xs.write(`${paths.backend}/hotplug-status`, 'connected');
      this.attached.set(nic.devid, { backend, port, xs });
    } finally {
      this.attaching.delete(nic.devid);
    }
  }

  /** Hot-detach: the guest is asked to let go (at most 10 s), then the vif leaves its switch and the entries go. */
  async detach(devid: number): Promise<void> {
    const a = this.attached.get(devid);
    if (a === undefined) throw new RangeError(`Domain ${this.o.domid} has no vif with device number ${devid}`);
    this.attached.delete(devid);
    a.port.detach();
    await closeWithin(DETACH_TIMEOUT_MS, (deadline) => a.backend.close(deadline));
    a.xs.close();
    removeVifEntries(this.o.xs, this.o.domid, devid);
  }

  /** The domain is going: every vif stops at once. */
  stopAll(): void {
    for (const a of this.attached.values()) {
      a.port.detach();
      a.backend.stop();
      a.xs.close();
    }
    this.attached.clear();
  }

  /** `xl network-list`'s rows. */
  list(): XlNetworkListRow[] {
    return readVifList(this.o.xs, this.o.domid);
  }

  /** The devid of the vif with MAC `mac` (xl network-detach accepts either). */
  devidOfMac(mac: string): number | undefined {
    return this.list().find((r) => r.mac === mac.toLowerCase())?.devid;
  }
}
