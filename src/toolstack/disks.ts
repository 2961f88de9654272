/**
 * A Xen domU's virtual disks as the toolstack keeps them: for each, its xenstore entries (as libxl
 * writes them), the image opened through the host, and a blkback serving the guest's blkfront.
 * Attach and detach work the same at creation and on a running domain (hotplug), as under xl.
 */
import { BlkBackend } from '../backends/blkback/device.js';
import type { BlockDisk } from '../host/common/block_disk.js';
import type { Hypervisor } from '../hv/hypervisor.js';
import type { Xenstored } from '../xenstore/index.js';
import { XsClient } from '../xenstore/index.js';
import { backendEvents, backendGrants, closeWithin } from './backend_glue.js';
import type { DiskFormat, DiskSpec } from './config/index.js';
import { readVbdList, removeVbdEntries, vbdPaths, writeVbdEntries, type VbdBackendKind } from './vbd_entries.js';
import type { XlBlockListRow } from './xl_format.js';

/** A disk of a domain spec: the parsed spec and its image path resolved for this host. */
export interface DomainDisk {
  readonly spec: DiskSpec;
  /** The image, resolved (an xl.cfg's relative `target` is taken from the file's directory). */
  readonly image: string;
}

/** How the host opens images: raw natively, other formats through QEMU's block layer. */
export type OpenDisk = (d: { readonly image: string; readonly format: DiskFormat; readonly readOnly: boolean; readonly discard: boolean }) => Promise<BlockDisk>;

interface Attached {
  readonly kind: VbdBackendKind;
  readonly backend: BlkBackend;
  readonly xs: XsClient;
}

/** How long a detach waits for the guest to let go of the disk (libxl's LIBXL_DESTROY_TIMEOUT is 10 s). */
const DETACH_TIMEOUT_MS = 10_000;

/** libxl's choice: an explicit backendtype wins; raw images go to the kernel-style backend, others to qdisk. */
export function backendKindFor(spec: DiskSpec): VbdBackendKind {
  if (spec.backendType === 'phy') return 'vbd';
  if (spec.backendType === 'qdisk') return 'qdisk';
  return spec.format === 'raw' ? 'vbd' : 'qdisk';
}

export class DomainDisks {
  private readonly attached = new Map<number, Attached>();
  /** Device numbers being attached (their image is opening): a second attach of one is refused, not raced. */
  private readonly attaching = new Set<number>();

  constructor(private readonly o: {
    readonly domid: number;
    readonly hv: Hypervisor;
    readonly xenstored: Xenstored;
    readonly xs: XsClient;
    readonly openDisk: OpenDisk;
    readonly log: (line: string) => void;
  }) {}

  /** Opens the image, writes the entries and starts the backend; the guest sees a new disk. */
  async attach(d: DomainDisk): Promise<void> {
    const { domid } = this.o;
    if (d.spec.target === undefined || d.spec.format === 'empty') throw new RangeError(`Disk "${d.spec.vdev}": empty drives are not supported yet`);
    if (this.attached.has(d.spec.devid) || this.attaching.has(d.spec.devid)) {
      throw new RangeError(`Disk "${d.spec.vdev}" (device ${d.spec.devid}) is already attached to domain ${domid}`);
    }
    const kind = backendKindFor(d.spec);
    const readOnly = !d.spec.readwrite || d.spec.isCdrom;
    this.attaching.add(d.spec.devid);
    let image: BlockDisk;
    try {
      image = await this.o.openDisk({ image: d.image, format: d.spec.format, readOnly, discard: d.spec.discard ?? true });
    } finally {
      this.attaching.delete(d.spec.devid);
    }
    try {
      writeVbdEntries(this.o.xs, { domid, disk: d.spec, backendKind: kind, params: d.image });
    } catch (e) {
      await image.close();
      throw e;
    }
    const paths = vbdPaths(domid, d.spec.devid, kind);
    const xs = new XsClient(this.o.xenstored);
    const backend = new BlkBackend({
      xs, backendPath: paths.backend, frontendPath: paths.frontend, disk: image,
      grants: backendGrants(this.o.hv, domid), events: backendEvents(this.o.hv, domid), log: this.o.log, cdrom: d.spec.isCdrom,
    });
    backend.start();
    this.attached.set(d.spec.devid, { kind, backend, xs });
  }

  /**
   * Hot-detach: the guest is asked to let go (at most 10 s), then the backend and entries go.
   * `force` (xl block-detach --force, libxl_device_disk_destroy) does not ask: the backend stops
   * at once and the entries go, for a guest that will not answer.
   */
  async detach(devid: number, opts: { readonly force?: boolean } = {}): Promise<void> {
    const a = this.attached.get(devid);
    if (a === undefined) throw new RangeError(`Domain ${this.o.domid} has no disk with device number ${devid}`);
    this.attached.delete(devid);
    if (opts.force === true) await a.backend.stop();
    else await closeWithin(DETACH_TIMEOUT_MS, (deadline) => a.backend.close(deadline));
    a.xs.close();
    removeVbdEntries(this.o.xs, this.o.domid, devid, a.kind);
  }

  /** The domain is going: every backend stops at once (the entries go with the domain's). */
  async stopAll(): Promise<void> {
    const all = [...this.attached.values()];
    this.attached.clear();
    await Promise.all(all.map(async (a) => {
      try {
        await a.backend.stop();
      } finally {
        a.xs.close();
      }
    }));
  }

  /** `xl block-list`'s rows. */
  list(): XlBlockListRow[] {
    return readVbdList(this.o.xs, this.o.domid);
  }
}
