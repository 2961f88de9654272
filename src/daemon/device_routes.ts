/**
 * The device routes, `/domains/{ref}/{disks|nics}[/{device}]` (xl block-* and network-*): one
 * plumbing for list (GET), attach (POST) and detach (DELETE), and what each kind of device does
 * in them. Domain-0's devices are the host's own: it lists none and takes no attach or detach, as
 * under xl.
 */
import { randomBytes } from 'node:crypto';
import type { DomainManager } from '../toolstack/domain_manager.js';
import { VifError } from '../toolstack/vif_entries.js';
import type { DiskAttachResponse, DiskSummary, NicAttachResponse, NicSummary } from './api.js';
import { ApiError } from './api_error.js';
import { parseDiskAttach, parseDiskDetach } from './disk_requests.js';
import { parseNicAttach, parseNicDetach } from './nic_requests.js';

/** The daemon's log, as the server has it. */
export type DaemonLog = (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;

/** One kind of device a domU has, as its routes need it. */
export interface DeviceResource {
  /** The path's resource ("disks") and the device's noun in messages ("disk"). */
  readonly resource: string;
  readonly noun: string;
  list(domid: number): readonly unknown[];
  /** Attaches what `body` asks for; resolves to the 201's body. */
  attach(domid: number, body: unknown): Promise<unknown>;
  /** Detaches the device the path's last segment names (still percent-encoded). */
  detach(domid: number, segment: string, query: URLSearchParams): Promise<void>;
}

/** A device request: the domain (already resolved), the path's segments, and the body, read on demand. */
export interface DeviceRequest {
  readonly method: string;
  readonly domid: number;
  readonly parts: readonly string[];
  readonly query: URLSearchParams;
  readonly body: () => Promise<unknown>;
}

/** Answers `/domains/{ref}/{resource}` (GET, POST) and `/domains/{ref}/{resource}/{device}` (DELETE). */
export async function routeDevice(r: DeviceResource, req: DeviceRequest): Promise<{ status: number; body?: unknown }> {
  const { method, domid, parts } = req;
  if (parts.length === 3 && method === 'GET') return { status: 200, body: domid === 0 ? [] : r.list(domid) };
  if (parts.length === 3 && method === 'POST') {
    if (domid === 0) throw new ApiError(400, `Cannot attach a ${r.noun} to Domain-0: its ${r.noun}s are the host's`);
    return { status: 201, body: await r.attach(domid, await req.body()) };
  }
  if (parts.length === 4 && method === 'DELETE') {
    if (domid === 0) throw new ApiError(400, `Cannot detach a ${r.noun} from Domain-0: its ${r.noun}s are the host's`);
    await r.detach(domid, parts[3]!, req.query);
    return { status: 204 };
  }
  throw new ApiError(404, `No such resource "${method} /${parts.join('/')}"`);
}

/** xl block-list, block-attach and block-detach. */
export function diskResource(m: DomainManager, log: DaemonLog): DeviceResource {
  return {
    resource: 'disks', noun: 'disk',
    list: (domid): DiskSummary[] => m.blockList(domid),
    attach: async (domid, body) => {
      const disk = parseDiskAttach(body);
      log('info', 'domain block-attach', { domid, vdev: disk.spec.vdev, image: disk.image });
      await m.blockAttach(domid, disk);
      const answer: DiskAttachResponse = { vdev: disk.spec.vdev, devid: disk.spec.devid };
      return answer;
    },
    detach: async (domid, segment, query) => {
      const { devid, vdev, force } = parseDiskDetach(segment, query);
      if (!m.blockList(domid).some((d) => d.devid === devid)) throw new ApiError(404, `Domain ${domid} has no disk "${vdev}" (device ${devid})`);
      log('info', 'domain block-detach', { domid, devid, force });
      await m.blockDetach(domid, devid, { force });
    },
  };
}

/** xl network-list, network-attach and network-detach. */
export function nicResource(m: DomainManager, log: DaemonLog): DeviceResource {
  return {
    resource: 'nics', noun: 'NIC',
    list: (domid): NicSummary[] => m.networkList(domid),
    attach: async (domid, body) => {
      // The list and the attach run with no await between them, so a second attach sees this one's devid.
      const nextDevid = m.networkList(domid).reduce((n, r) => Math.max(n, r.devid + 1), 0);
      const { nic, warnings } = parseNicAttach(body, { nextDevid, random: (n) => new Uint8Array(randomBytes(n)) });
      log('info', 'domain network-attach', { domid, devid: nic.devid, mac: nic.mac, bridge: nic.bridge, warnings });
      try {
        await m.networkAttach(domid, nic);
      } catch (e) {
        // libxl's "device already exists" is the caller's conflict, not a bad request.
        if (e instanceof VifError && e.reason === 'exists') throw new ApiError(409, e.message);
        throw e;
      }
      const answer: NicAttachResponse = { devid: nic.devid, mac: nic.mac, warnings };
      return answer;
    },
    detach: async (domid, segment) => {
      const ref = parseNicDetach(segment);
      const row = m.networkList(domid).find((r) => ('mac' in ref ? r.mac === ref.mac : r.devid === ref.devid));
      if (row === undefined) throw new ApiError(404, `Domain ${domid} has no NIC "${ref.name}"`);
      log('info', 'domain network-detach', { domid, devid: row.devid, mac: row.mac });
      await m.networkDetach(domid, row.devid);
    },
  };
}
