/**
 * The xenstore entries of a domU's virtual NIC, as libxl writes them (libxl_nic.c
 * libxl__set_xenstore_nic, libxl__device_nic_setdefault; libxl_device.c libxl__device_generic_add),
 * removes them, and reads them back for `xl network-list` (libxl_device_nic_list,
 * libxl_device_nic_getinfo; xl_nic.c main_networklist). The reference is the oracle's Xen 4.17 tree
 * for domU-dev with one vif (shared/xen-oracle/outputs/auto-run/dev-xenstore-ls-fp.txt).
 *
 * Where our tree differs from that one, and why:
 * - No `script` (backend and /libxl copy): libxl names /etc/xen/scripts/vif-bridge, the hotplug
 *   script that puts the vif on its bridge; Xenon runs no script, the toolstack joins the vif to
 *   its virtual switch itself and then writes the backend's `hotplug-status` "connected", as the
 *   script does.
 * - Backend `state` is 1 here and 4 in the capture, taken after both ends connected. What the
 *   backend then writes (`feature-*`, `multi-queue-max-queues`) is netback's, and what the
 *   frontend writes (rings, channels, `request-rx-copy`, its features) is the guest's.
 */
import { XenonError } from '../lib/errors.js';
import { XenbusState } from '../backends/xenbus_state.js';
import type { NicSpec } from './config/index.js';
import { backendDomid, cStrtoulAsInt, inTransaction, listDevices, readIfPresent, removeDeviceEntries, rmIfPresent, type DeviceReader, type DeviceStore } from './xs_device.js';
import type { XlNetworkListRow } from './xl_format.js';

/** libxl__device_nic_setdefault: the MTU when the vif spec gives none. */
export const DEFAULT_MTU = 1500;

/** A NIC libxl would refuse to add, or one whose entries Xenon cannot honour. */
export class VifError extends XenonError {
  readonly reason: 'exists' | 'unsupported';
  constructor(reason: VifError['reason'], message: string) {
    super('CONFIG', message);
    this.name = 'VifError';
    this.reason = reason;
  }
}

/** libxl_device.c: the frontend, backend and libxl directories of NIC `devid`. */
export function vifPaths(domid: number, devid: number): { frontend: string; backend: string; libxl: string } {
  return {
    frontend: `/local/domain/${domid}/device/vif/${devid}`,
    backend: `/local/domain/0/backend/vif/${domid}/${devid}`,
    libxl: `/libxl/${domid}/device/vif/${devid}`,
  };
}

/** Why Xenon cannot serve `nic`, or undefined: settings whose entries would name something it does not have. */
function unsupported(nic: NicSpec): string | undefined {
  if (nic.nictype === 'ioemu') return 'type "ioemu" is an emulated NIC for HVM guests, which Xenon does not provide';
  if (nic.model !== undefined) return `model "${nic.model}" is an emulated NIC for HVM guests, which Xenon does not provide`;
  if (nic.backendDomain !== undefined && nic.backendDomain !== '0' && nic.backendDomain !== 'Domain-0') {
    return `backend domain "${nic.backendDomain}": Xenon's backends run in Domain-0 only`;
  }
  if (nic.script !== undefined) return `script "${nic.script}": Xenon runs no hotplug scripts`;
  if (nic.rate !== undefined) return 'rate limiting is not supported yet';
  if (nic.gatewaydev !== undefined) return 'gatewaydev needs the vif-route/vif-nat scripts, which Xenon does not run';
  if (nic.vlan !== undefined) return 'VLAN tagging on the switch is not supported yet';
  return undefined;
}

/** libxl__set_xenstore_nic's backend entries, in the oracle's order (after `frontend`). */
function backendEntries(domid: number, nic: NicSpec): [string, string][] {
  const entries: [string, string][] = [
    ['frontend-id', String(domid)],
    ['online', '1'],
    ['state', String(XenbusState.Initialising)],
    ['mac', nic.mac],
    ['bridge', nic.bridge],
    ['handle', String(nic.devid)],
    ['type', 'vif'],
  ];
  if (nic.ip !== undefined) entries.push(['ip', nic.ip]);
  if (nic.vifname !== undefined) entries.push(['vifname', nic.vifname]);
  entries.push(['hotplug-status', '']);
  return entries;
}

/**
 * Writes the frontend directory (owned by the domU), the backend directory (owned by Domain-0) and
 * libxl's copy, both ends in state 1; the frontend's `mtu` is Domain-0's, read-only for the guest.
 * Throws VifError when the device number is taken or the NIC cannot be served.
 */
export function writeVifEntries(xs: DeviceStore, domid: number, nic: NicSpec): void {
  const problem = unsupported(nic);
  if (problem !== undefined) throw new VifError('unsupported', `Cannot attach vif ${nic.devid} to domain ${domid}: ${problem}`);
  const p = vifPaths(domid, nic.devid);
  const frontPerms = [`n${domid}`, 'r0'];
  const backPerms = ['n0', `r${domid}`];
  const back = backendEntries(domid, nic);
  inTransaction(xs, (opts) => {
    if (readIfPresent(xs, p.libxl, opts) !== undefined) {
      throw new VifError('exists', `Cannot attach vif ${nic.devid} to domain ${domid}: device ${nic.devid} already exists`);
    }
    xs.write(`${p.libxl}/frontend`, p.frontend, opts);
    xs.write(`${p.libxl}/backend`, p.backend, opts);

    rmIfPresent(xs, p.frontend, opts);
    xs.mkdir(p.frontend, opts);
    xs.setPerms(p.frontend, frontPerms, opts);
    const front: [string, string][] = [
      ['backend', p.backend], ['backend-id', '0'], ['state', String(XenbusState.Initialising)],
      ['handle', String(nic.devid)], ['mac', nic.mac], ['trusted', (nic.trusted ?? true) ? '1' : '0'],
    ];
    for (const [k, v] of front) {
      xs.write(`${p.frontend}/${k}`, v, opts);
      xs.setPerms(`${p.frontend}/${k}`, frontPerms, opts);
    }
    xs.write(`${p.frontend}/mtu`, String(nic.mtu ?? DEFAULT_MTU), opts);
    xs.setPerms(`${p.frontend}/mtu`, backPerms, opts);

    rmIfPresent(xs, p.backend, opts);
    xs.mkdir(p.backend, opts);
    xs.setPerms(p.backend, backPerms, opts);
    xs.write(`${p.backend}/frontend`, p.frontend, opts);
    for (const [k, v] of back) xs.write(`${p.backend}/${k}`, v, opts);
    for (const [k, v] of back) xs.write(`${p.libxl}/${k}`, v, opts);
  });
}

/** Removes NIC `devid` of `domid` as libxl__device_destroy does, pruning parents left empty. */
export function removeVifEntries(xs: DeviceStore, domid: number, devid: number): void {
  removeDeviceEntries(xs, vifPaths(domid, devid));
}

/**
 * `xl network-list <domid>`'s rows as libxl reads them: the NICs under `/libxl/<domid>/device/vif`
 * in order, each with its MAC from the libxl copy and the frontend's `state`, `event-channel`,
 * `tx-ring-ref` and `rx-ring-ref` (-1 where missing: a split-channel or multi-queue frontend
 * writes no top-level `event-channel`, so xl shows -1, as in the oracle's capture).
 */
export function readVifList(xs: DeviceReader, domid: number): XlNetworkListRow[] {
  const dir = `/libxl/${domid}/device/vif`;
  const ids = listDevices(xs, dir);
  const rows: XlNetworkListRow[] = [];
  for (const id of ids) {
    if (!/^\d+$/.test(id)) continue;
    const devid = Number(id);
    const backendPath = readIfPresent(xs, `${dir}/${id}/backend`);
    const backendId = backendPath === undefined ? undefined : backendDomid(backendPath);
    const mac = readIfPresent(xs, `${dir}/${id}/mac`);
    if (backendPath === undefined || backendId === undefined || mac === undefined) continue;
    const fe = vifPaths(domid, devid).frontend;
    const frontendInt = (key: string): number => {
      const v = readIfPresent(xs, `${fe}/${key}`);
      return v === undefined ? -1 : cStrtoulAsInt(v);
    };
    rows.push({
      devid, backendId, mac, handle: devid, state: frontendInt('state'), eventChannel: frontendInt('event-channel'),
      txRingRef: frontendInt('tx-ring-ref'), rxRingRef: frontendInt('rx-ring-ref'), backendPath,
    });
  }
  return rows.sort((a, b) => a.devid - b.devid);
}
