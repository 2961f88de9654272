/**
 * `xenon image rootfs`: a small Debian arm64 root filesystem as an ext4 disk image, from Debian's
 * own packages (busybox-static, base-files, netbase) and the pulled kernel's modules. The
 * packages come through the same verified archive client as `xenon image pull` (signature →
 * Release → Packages → .deb SHA256) and are kept under `<cache>/rootfs/` with a manifest of
 * their names, versions and hashes, so later builds are offline and use the same bytes.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { XenonError } from '../lib/errors.js';
import type { Archive } from './archive.js';
import { busyboxApplets } from './busybox_applets.js';
import { defaultCacheDir, sha256File, writeFileAtomic } from './cache.js';
import { extractDeb } from './deb.js';
import { imageBuildError, imageFetchError } from './errors.js';
import { writeExt4Image, type DiskFormat } from './ext4_image.js';
import { downloadFile } from './http.js';
import type { ExtraFile } from './initramfs.js';
import { openConfiguredArchive, pullGuestImages, readCachedModules, type GuestImages, type PullOptions } from './pull.js';
import { layoutRootfs } from './rootfs_tree.js';

/** The packages of the root filesystem, in install order; busybox-static is the one `pull` pinned. */
export const ROOTFS_PACKAGES = ['base-files', 'netbase', 'busybox-static'] as const;
/** The image size when none is given: the system takes about 25 MiB of it (journal and inode tables included). */
export const DEFAULT_ROOTFS_BYTES = 256 * 1024 * 1024;
const MANIFEST = 'rootfs/manifest.json';

/** A cached package: what the verified index said, and where its .deb is. */
export interface RootfsPackage {
  readonly name: string;
  readonly version: string;
  readonly filename: string;
  readonly sha256: string;
  readonly size: number;
  /** Relative to the cache directory. */
  readonly path: string;
}

interface RootfsManifest {
  readonly format: 1;
  readonly suite: string;
  readonly packages: readonly RootfsPackage[];
}

/** Options for `buildRootfsImage`: where the packages come from (as for `pull`), and the image. */
export interface RootfsOptions extends PullOptions {
  readonly output: string;
  /** Default `DEFAULT_ROOTFS_BYTES`. */
  readonly sizeBytes?: number;
  /** Default raw. */
  readonly format?: DiskFormat;
  readonly hostname?: string;
  /** Replace an existing `output`. */
  readonly force?: boolean;
  /** Files added to the tree last (a test's workload, a user's configuration). */
  readonly extraFiles?: readonly ExtraFile[];
}

/** What was built, and what boots it. */
export interface RootfsResult {
  readonly output: string;
  readonly format: DiskFormat;
  readonly sizeBytes: number;
  readonly packages: readonly RootfsPackage[];
  /** True when no package was downloaded. */
  readonly fromCache: boolean;
  readonly images: GuestImages;
}

async function readRootfsManifest(cacheDir: string): Promise<RootfsManifest | undefined> {
  const path = join(cacheDir, MANIFEST);
  if (!existsSync(path)) return undefined;
  try {
    const m = JSON.parse(await readFile(path, 'utf8')) as RootfsManifest;
    return m.format === 1 && Array.isArray(m.packages) ? m : undefined;
  } catch {
    return undefined; // Unreadable means "no cache": the packages are fetched again.
  }
}

/** The cached packages when they are the wanted ones for `suite`, with busybox the pulled one, and intact. */
async function cachedPackages(cacheDir: string, suite: string, images: GuestImages): Promise<RootfsPackage[] | undefined> {
  const m = await readRootfsManifest(cacheDir);
  if (m === undefined || m.suite !== suite) return undefined;
  const pinnedBusybox = images.manifest.packages.find((p) => p.role === 'busybox');
  const out: RootfsPackage[] = [];
  for (const name of ROOTFS_PACKAGES) {
    const p = m.packages.find((q) => q.name === name);
    if (p === undefined || (name === 'busybox-static' && p.sha256 !== pinnedBusybox?.sha256)) return undefined;
    const file = join(cacheDir, p.path);
    if (!existsSync(file) || (await sha256File(file)) !== p.sha256) return undefined;
    out.push(p);
  }
  return out;
}

/** Downloads the packages (busybox-static exactly as `pull` pinned it) into the cache and records them. */
async function fetchPackages(archive: Archive, images: GuestImages, cacheDir: string, opts: PullOptions): Promise<RootfsPackage[]> {
  const out: RootfsPackage[] = [];
  await mkdir(join(cacheDir, 'rootfs'), { recursive: true });
  for (const name of ROOTFS_PACKAGES) {
    const p = name === 'busybox-static' ? images.manifest.packages.find((q) => q.role === 'busybox') : archive.lookup(name);
    if (p === undefined) throw imageFetchError(`Cannot find "${name}" in ${archive.suite}/main/binary-arm64`);
    const path = join('rootfs', basename(p.filename));
    await downloadFile(archive.url(p.filename), join(cacheDir, path), {
      sha256: p.sha256, size: p.size, sink: opts.progress ?? process.stderr, label: `${p.name}_${p.version}`,
      ...(opts.idleTimeoutMs !== undefined ? { idleTimeoutMs: opts.idleTimeoutMs } : {}),
    });
    out.push({ name: p.name, version: p.version, filename: p.filename, sha256: p.sha256, size: p.size, path });
  }
  await writeFileAtomic(join(cacheDir, MANIFEST), `${JSON.stringify({ format: 1, suite: archive.suite, packages: out }, null, 2)}\n`);
  return out;
}

/** The root filesystem's packages, from the cache when valid, else fetched. */
export async function rootfsPackages(images: GuestImages, opts: PullOptions): Promise<{ packages: RootfsPackage[]; fromCache: boolean }> {
  const cacheDir = opts.cacheDir ?? defaultCacheDir();
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const suite = opts.suite ?? images.manifest.suite;
  const cached = opts.refresh ? undefined : await cachedPackages(cacheDir, suite, images);
  if (cached !== undefined) return { packages: cached, fromCache: true };
  const archive = await openConfiguredArchive({ ...opts, suite }, log);
  return { packages: await fetchPackages(archive, images, cacheDir, opts), fromCache: false };
}

/** Refuses a host name that /etc/hostname and /etc/hosts cannot hold (RFC 1123 labels). */
export function checkHostname(name: string): string {
  if (!/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(name)) {
    throw new XenonError('USAGE', `Cannot use the host name "${name}": letters, digits and inner hyphens only, at most 63`);
  }
  return name;
}

/** Fetch what is missing, lay out the tree and write the image. */
export async function buildRootfsImage(opts: RootfsOptions): Promise<RootfsResult> {
  if (opts.hostname !== undefined) checkHostname(opts.hostname);
  if (existsSync(opts.output) && opts.force !== true) {
    throw imageBuildError(`Cannot write "${opts.output}": it exists (pass --force to replace it)`);
  }
  const cacheDir = opts.cacheDir ?? defaultCacheDir();
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const images = await pullGuestImages(opts);
  const { packages, fromCache } = await rootfsPackages(images, opts);
  const trees = [];
  for (const p of packages) {
    const files = await extractDeb(await readFile(join(cacheDir, p.path)), () => true, basename(p.path));
    trees.push({ name: p.name, files });
  }
  const busybox = trees.find((t) => t.name === 'busybox-static')?.files.find((f) => f.path === 'bin/busybox' && f.type === '0');
  if (busybox === undefined) throw imageBuildError('Cannot find /bin/busybox in "busybox-static"');
  const entries = layoutRootfs({
    packages: trees,
    applets: busyboxApplets(busybox.data, 'busybox-static:/bin/busybox'),
    modules: await readCachedModules(cacheDir, images.manifest),
    ...(opts.hostname !== undefined ? { hostname: opts.hostname } : {}),
    ...(opts.extraFiles !== undefined ? { extraFiles: opts.extraFiles } : {}),
  });
  const sizeBytes = opts.sizeBytes ?? DEFAULT_ROOTFS_BYTES;
  const format = opts.format ?? 'raw';
  log(`Rootfs: ${entries.length} entries from ${packages.map((p) => `${p.name} ${p.version}`).join(', ')} and kernel ${images.kernelVersion}'s modules`);
  await writeExt4Image(entries, opts.output, { sizeBytes, format });
  return { output: opts.output, format, sizeBytes, packages, fromCache, images };
}
