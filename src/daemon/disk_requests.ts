/**
 * The requests of the disk routes (xl block-attach and block-detach), parsed and checked before
 * the domain manager sees them: the body's disk specification in xl's syntax, the disk named in
 * the path, and the detach's `force`.
 */
import { parseDiskSpec, vdevToDevid } from '../toolstack/config/index.js';
import type { DomainDisk } from '../toolstack/disks.js';
import { ApiError } from './api_error.js';

/** Components one attach may have (xl takes them from its command line, one per argument). */
export const MAX_SPEC_COMPONENTS = 64;
/**
 * Characters a whole spec may have: a PATH_MAX target and every keyword fit in half of it. The
 * bound also keeps the scanner's work small: emulating flex's trailing context costs up to the
 * rest of the spec at each token (`raw:raw:…` is quadratic), on the daemon's only thread.
 */
export const MAX_SPEC_CHARS = 8 * 1024;

/**
 * `POST /domains/{ref}/disks`: `{ "spec": S }`, where S is a disk specification as an xl.cfg
 * `disk` entry holds it, or the list of components `xl block-attach` takes (each scanned on its
 * own, as xlu_disk_parse does). The image must be an absolute path: the daemon's working
 * directory is not the client's, so the client resolves a relative one first.
 */
export function parseDiskAttach(body: unknown): DomainDisk {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ApiError(400, 'The request body must be a JSON object');
  const raw = (body as Record<string, unknown>)['spec'];
  const components: unknown = typeof raw === 'string' ? [raw] : raw;
  if (!Array.isArray(components) || components.length === 0 || components.length > MAX_SPEC_COMPONENTS || !components.every((c) => typeof c === 'string')) {
    throw new ApiError(400, `"spec" must be a disk specification or a list of 1 to ${MAX_SPEC_COMPONENTS} of its components`);
  }
  const strings = components as string[];
  if (strings.reduce((n, c) => n + c.length, 0) > MAX_SPEC_CHARS) throw new ApiError(413, `"spec" is over ${MAX_SPEC_CHARS} characters`);
  if (strings.some((c) => c.includes('\0'))) throw new ApiError(400, '"spec" must not contain NUL characters');
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
  let vdev: string;
  try {
    vdev = decodeURIComponent(segment);
  } catch {
    throw new ApiError(400, `Malformed disk name "${segment}" in the path (bad percent-encoding)`);
  }
  const devid = vdevToDevid(vdev);
  if (devid === undefined) throw new ApiError(400, `Invalid or unsupported virtual disk identifier ${JSON.stringify(vdev)}`);
  const force = query.get('force');
  if (force !== null && force !== '0' && force !== '1') throw new ApiError(400, `"force" must be 0 or 1, not ${JSON.stringify(force)}`);
  return { devid, vdev, force: force === '1' };
}
