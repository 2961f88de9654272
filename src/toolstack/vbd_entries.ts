/**
 * The xenstore entries of a domU's virtual block device, as libxl writes them (libxl_disk.c
 * device_disk_add, libxl__device_disk_setdefault; libxl_device.c libxl__device_generic_add), removes
 * them (libxl__device_destroy, libxl_xshelp.c libxl__xs_path_cleanup) and reads them back for
 * `xl block-list` (libxl__disk_from_xenstore, libxl_device_disk_getinfo; xl_block.c main_blocklist).
 * The reference is the oracle's Xen 4.17 tree for domU-dev with one disk
 * (shared/xen-oracle/outputs/auto-run/dev-xenstore-ls-fp.txt).
 *
 * Where our tree differs from that one, and why:
 * - No `script` (backend and /libxl copy): libxl names /etc/xen/scripts/block there, the hotplug
 *   script it runs; Xenon runs no hotplug script, its backend opens the image itself, so naming
 *   one would be false. libxl__disk_from_xenstore treats a missing `script` as "none".
 * - No `node`, `physical-device`, `physical-device-path` (the block script's loop device,
 *   /dev/loop0 and 7:0) and no `hotplug-status` "connected" (the script's report to libxl): we have
 *   no loop device and nothing waits for a hotplug script.
 * - Backend `state` is 1 here and 4 in the oracle's capture: the capture was taken after the
 *   backend and frontend had connected. What the backend then writes (`feature-*`,
 *   `multi-queue-max-queues`, `max-ring-page-order`, `sectors`, `info`, `sector-size`,
 *   `physical-sector-size`, `discard-*`) is our block backend's to write, and what the frontend
 *   writes (`ring-ref`, `event-channel`, `protocol`, `feature-persistent`) the guest's.
 */
import { XenonError } from '../lib/errors.js';
import { backendDomid, cStrtoulAsInt, inTransaction, listDevices, readIfPresent, removeDeviceEntries, rmIfPresent, type DeviceReader, type DeviceStore } from './xs_device.js';
import { vdevToDevid, type DiskFormat, type DiskSpec } from './config/index.js';
import type { XlBlockListRow } from './xl_format.js';
import { XenbusState } from '../backends/xenbus_state.js';

/**
 * Where the backend lives: `vbd` for the kernel-style backend on a raw image (libxl's "phy"
 * backend kind VBD), `qdisk` for the QEMU-style one that understands image formats.
 */
export type VbdBackendKind = 'vbd' | 'qdisk';

/** The xenstore requests the entries need: an in-process client acting as Domain-0 (XsClient). */
export type VbdStore = DeviceStore;

/** What `xl block-list` reads. */
export type VbdReader = DeviceReader;

export interface VbdEntriesOptions {
  readonly domid: number;
  readonly disk: DiskSpec;
  readonly backendKind: VbdBackendKind;
  /** The image path as given (the qdisk backend's `params` gets libxl's "<format>:" prefix). */
  readonly params: string;
}

/**
 * A disk libxl would refuse to add, or one whose entries Xenon cannot honour; `reason` tells a
 * caller (`xl block-attach`) a busy device number from an unsupported disk.
 */
export class VbdError extends XenonError {
  readonly reason: 'exists' | 'unsupported';
  constructor(reason: VbdError['reason'], message: string) {
    super('CONFIG', message);
    this.name = 'VbdError';
    this.reason = reason;
  }
}


/**
 * libxl__device_disk_string_of_format: the qdisk backend's `params` prefix. Raw images (and an
 * empty drive) go through QEMU's "aio" driver.
 */
const QDISK_FORMAT: Readonly<Record<DiskFormat, string>> = {
  raw: 'aio', empty: 'aio', qcow: 'qcow', qcow2: 'qcow2', vhd: 'vhd', qed: 'qed',
  // Xenon's extensions (no libxl name): QEMU's driver names.
  vmdk: 'vmdk', vdi: 'vdi', vhdx: 'vhdx',
};

/** libxl_device.c: the frontend, backend and libxl directories of device `devid`. */
export function vbdPaths(domid: number, devid: number, kind: VbdBackendKind): { frontend: string; backend: string; libxl: string } {
  return {
    frontend: `/local/domain/${domid}/device/vbd/${devid}`,
    backend: `/local/domain/0/backend/${kind}/${domid}/${devid}`,
    libxl: `/libxl/${domid}/device/vbd/${devid}`,
  };
}

/**
 * Why `kind` cannot serve `disk`, or undefined. The first two are libxl's own rules
 * (disk_try_backend: phy takes raw images only; an explicit backendtype is obeyed); the others
 * are settings whose entries would name something Xenon does not have.
 */
function unsupported(disk: DiskSpec, kind: VbdBackendKind): string | undefined {
  if (kind === 'vbd' && disk.format !== 'raw') return `the phy backend takes raw images only, not "${disk.format}"`;
  if (disk.backendType !== undefined && disk.backendType !== (kind === 'vbd' ? 'phy' : 'qdisk')) {
    return `backendtype "${disk.backendType}" is not the ${kind === 'vbd' ? 'phy' : 'qdisk'} backend chosen`;
  }
  if (disk.specification === 'virtio') return 'specification "virtio" needs a virtio-mmio disk, which Xenon does not provide';
  if (disk.backendDomain !== undefined && disk.backendDomain !== '0' && disk.backendDomain !== 'Domain-0') {
    return `backend domain "${disk.backendDomain}": Xenon's backends run in Domain-0 only`;
  }
  if (disk.script !== undefined) return `script "${disk.script}": Xenon runs no hotplug scripts`;
  if (disk.colo === true) return 'COLO replication is not supported';
  return undefined;
}

/** device_disk_add's backend entries, in its order (after `frontend`, which generic_add writes first). */
function backendEntries(o: VbdEntriesOptions): [string, string][] {
  const { disk } = o;
  const entries: [string, string][] = [
    ['params', o.backendKind === 'qdisk' ? `${QDISK_FORMAT[disk.format]}:${o.params}` : o.params],
    ['frontend-id', String(o.domid)],
    ['online', '1'],
    ['removable', disk.removable ? '1' : '0'],
    ['bootable', '1'],
    ['state', String(XenbusState.Initialising)],
    ['dev', disk.vdev],
    ['type', o.backendKind === 'qdisk' ? 'qdisk' : 'phy'],
    ['mode', disk.readwrite ? 'w' : 'r'],
    ['device-type', disk.isCdrom ? 'cdrom' : 'disk'],
  ];
  if (disk.directIoSafe) entries.push(['direct-io-safe', '1']);
  // libxl__device_disk_setdefault: discard defaults to on for a writable disk, trusted to on.
  entries.push(['discard-enable', (disk.discard ?? disk.readwrite) ? '1' : '0'], ['specification', 'xen']);
  return entries;
}

/** device_disk_add's frontend entries (after `backend`). No `protocol`: libxl writes it for PV guests only. */
function frontendEntries(disk: DiskSpec): [string, string][] {
  return [
    ['backend-id', '0'],
    ['state', String(XenbusState.Initialising)],
    ['virtual-device', String(disk.devid)],
    // Linux's blkfront on HVM-like guests (arm) refuses a device without device-type.
    ['device-type', disk.isCdrom ? 'cdrom' : 'disk'],
    ['trusted', (disk.trusted ?? true) ? '1' : '0'],
  ];
}

/**
 * Writes the frontend directory `/local/domain/<domid>/device/vbd/<devid>` (owned by the domU,
 * readable by Domain-0), the backend directory `/local/domain/0/backend/<kind>/<domid>/<devid>`
 * (owned by Domain-0, readable by the domU) and libxl's copy under `/libxl/<domid>/device/vbd`,
 * both ends in state 1. Throws VbdError when the device number is taken or the disk cannot be
 * served by `backendKind`.
 */
export function writeVbdEntries(xs: VbdStore, o: VbdEntriesOptions): void {
  const { domid, disk } = o;
  const problem = unsupported(disk, o.backendKind);
  if (problem !== undefined) throw new VbdError('unsupported', `Cannot attach disk "${disk.vdev}" to domain ${domid}: ${problem}`);
  const p = vbdPaths(domid, disk.devid, o.backendKind);
  const frontPerms = [`n${domid}`, 'r0'];
  const backPerms = ['n0', `r${domid}`];
  const back = backendEntries(o);
  inTransaction(xs, (opts) => {
    // libxl__device_exists: the libxl copy, which only Domain-0 can write, says whether the number is in use.
    if (readIfPresent(xs, p.libxl, opts) !== undefined) {
      throw new VbdError('exists', `Cannot attach disk "${disk.vdev}" to domain ${domid}: device ${disk.devid} already exists`);
    }
    xs.write(`${p.libxl}/frontend`, p.frontend, opts);
    xs.write(`${p.libxl}/backend`, p.backend, opts);

    // Stale ends of an earlier device with this number are replaced, not merged.
    rmIfPresent(xs, p.frontend, opts);
    xs.mkdir(p.frontend, opts);
    xs.setPerms(p.frontend, frontPerms, opts);
    xs.write(`${p.frontend}/backend`, p.backend, opts);
    for (const [k, v] of frontendEntries(disk)) {
      xs.write(`${p.frontend}/${k}`, v, opts);
      xs.setPerms(`${p.frontend}/${k}`, frontPerms, opts);
    }

    rmIfPresent(xs, p.backend, opts);
    xs.mkdir(p.backend, opts);
    xs.setPerms(p.backend, backPerms, opts);
    // The backend's keys inherit the directory's permissions (libxl__xs_writev sets none).
    xs.write(`${p.backend}/frontend`, p.frontend, opts);
    for (const [k, v] of back) xs.write(`${p.backend}/${k}`, v, opts);
    for (const [k, v] of back) xs.write(`${p.libxl}/${k}`, v, opts);
  });
}

/**
 * Removes device `devid` of `domid` (hot-detach, or one device at domain teardown) as
 * libxl__device_destroy does from Domain-0: its frontend, libxl and backend directories, and any
 * parent each leaves empty (`/local/domain/0/backend/vbd` goes with the last vbd). Parts already
 * gone are fine.
 */
export function removeVbdEntries(xs: VbdStore, domid: number, devid: number, kind: VbdBackendKind): void {
  removeDeviceEntries(xs, vbdPaths(domid, devid, kind));
}

/** The keys libxl__disk_from_xenstore cannot do without; `params` may be absent (an empty drive). */
const REQUIRED_KEYS = ['type', 'dev', 'removable', 'mode', 'device-type'] as const;

/**
 * `xl block-list <domid>`'s rows, read back from xenstore as libxl does: the disks listed under
 * `/libxl/<domid>/device/vbd` (libxl_device_disk_list), then for each the device number of its
 * `dev`, the backend path and its domain from the libxl copy, and the frontend's `state`,
 * `event-channel` and `ring-ref` (-1 when missing). The "handle" column is the frontend's domid,
 * which is what libxl_device_disk_getinfo puts there.
 *
 * As in libxl, one malformed entry fails the whole list (xl then prints no rows for the domain),
 * and a disk whose device number or backend path cannot be read is left out.
 */
export function readVbdList(xs: VbdReader, domid: number): XlBlockListRow[] {
  const dir = `/libxl/${domid}/device/vbd`;
  const ids = listDevices(xs, dir);
  const vdevs: string[] = [];
  for (const id of ids) {
    const backend = readIfPresent(xs, `${dir}/${id}/backend`);
    if (backend === undefined || backendDomid(backend) === undefined) return [];
    if (REQUIRED_KEYS.some((k) => readIfPresent(xs, `${dir}/${id}/${k}`) === undefined)) return [];
    vdevs.push(xs.read(`${dir}/${id}/dev`));
  }
  return vdevs.flatMap((vdev) => diskInfo(xs, domid, vdev));
}

/** libxl_device_disk_getinfo for the disk named `vdev`: its row, or none when getinfo fails. */
function diskInfo(xs: VbdReader, domid: number, vdev: string): XlBlockListRow[] {
  const devid = vdevToDevid(vdev);
  if (devid === undefined) return [];
  // The backend kind names only the backend directory; the frontend and libxl paths are the same for both.
  const p = vbdPaths(domid, devid, 'vbd');
  const backendPath = readIfPresent(xs, `${p.libxl}/backend`);
  const backendId = backendPath === undefined ? undefined : backendDomid(backendPath);
  if (backendPath === undefined || backendId === undefined) return [];
  const frontendInt = (key: string): number => {
    const v = readIfPresent(xs, `${p.frontend}/${key}`);
    return v === undefined ? -1 : cStrtoulAsInt(v);
  };
  return [{
    devid, backendId, frontendId: domid,
    state: frontendInt('state'), eventChannel: frontendInt('event-channel'), ringRef: frontendInt('ring-ref'),
    backendPath,
  }];
}
