/**
 * The requests of the disk routes (xl block-attach and block-detach), parsed and checked before
 * the domain manager sees them: the body's disk specification in xl's syntax, the disk named in
 * the path, and the detach's `force`.
 */
import { parseDiskSpec, vdevToDevid } from '../toolstack/config/index.js';
import type { DomainDisk } from '../toolstack/disks.js';
import { ApiError } from './api_error.js';
import { deviceName, specComponents } from './device_requests.js';

/**
 * `POST /domains/{ref}/disks`: `{ "spec": S }`, where S is a disk specification as an xl.cfg
 * `disk` entry holds it, or the list of components `xl block-attach` takes (each scanned on its
 * own, as xlu_disk_parse does). The image must be an absolute path: the daemon's working
 * directory is not the client's, so the client resolves a relative one first.
 */
export function parseDiskAttach(body: unknown): DomainDisk {
  const strings = specComponents(body, { what: 'a disk specification', minComponents: 1 });
  const spec = parseDiskSpec(strings, { source: 'spec' });
  if (spec.target === undefined || spec.format === 'empty') throw new ApiError(400, `Cannot attach disk "${spec.vdev}": empty drives are not supported yet`);
  if (!spec.target.startsWith('/')) {
    throw new ApiError(400, `Cannot attach disk "${spec.vdev}": its target ${JSON.stringify(spec.target)} must be an absolute path`);
  }
  return { spec, image: spec.target };
}

/**
 * `DELETE /domains/{ref}/disks/{disk}[?force=1]`: the disk as xl block-detach names it, a vdev
 * (`xvdb`, `hdc`, `d0p1`) or a device number (`51728`), and whether to force the detach.
 */
export function parseDiskDetach(segment: string, query: URLSearchParams): { devid: number; vdev: string; force: boolean } {
  const vdev = deviceName(segment, 'disk');
  const devid = vdevToDevid(vdev);
  if (devid === undefined) throw new ApiError(400, `Invalid or unsupported virtual disk identifier ${JSON.stringify(vdev)}`);
  const force = query.get('force');
  if (force !== null && force !== '0' && force !== '1') throw new ApiError(400, `"force" must be 0 or 1, not ${JSON.stringify(force)}`);
  return { devid, vdev, force: force === '1' };
}
