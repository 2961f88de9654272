/**
 * `xenon image pull` and `ensureGuestImages`: fetch Debian's stock arm64 kernel and busybox-static
 * from the configured archive, verify them along the signature → Release → Packages → .deb hash
 * chain, and cache the kernel Image, busybox and an initramfs built from it.
 */
import { existsSync } from 'node:fs';
import { access, constants, mkdir, readFile, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { chooseArchive, readAptSources, runningCodename, type ArchiveChoice } from './apt_sources.js';
import { dependencyNames, openArchive, type Archive, type PackageInfo } from './archive.js';
import {
  defaultCacheDir,
  manifestIntact,
  readManifest,
  removeLeftoverDownloads,
  sha256,
  storeFile,
  writeFileAtomic,
  writeManifest,
  type ImageManifest,
  type ManifestFile,
  type ManifestPackage,
} from './cache.js';
import { extractDeb } from './deb.js';
import { CACHED_MODULES, collectModules, DEFAULT_MODULES, ROOT_BOOT_MODULES, selectModules, type ModuleFile } from './modules.js';
import { buildRootInitramfs } from './root_init.js';
import type { TarFile, TarHeader } from './tar.js';
import { imageFetchError } from './errors.js';
import { downloadFile } from './http.js';
import { buildInitramfs, type ExtraFile } from './initramfs.js';
import { kernelImageFromVmlinuz } from './kernel.js';
import type { ProgressSink } from './progress.js';

/** The keyring apt uses for Debian when a source names none. */
export const DEBIAN_KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';
const KERNEL_META = 'linux-image-arm64';
const BUSYBOX = 'busybox-static';
const ARCH = 'arm64';
const EM_AARCH64 = 183;
/** Where the root-on-disk initramfs is cached (a fixed name, so an xl.cfg can point at it). */
const ROOT_INITRAMFS = 'images/initramfs-root.cpio';

/** Options for `pullGuestImages` and `ensureGuestImages`. */
export interface PullOptions {
  /** Archive base URL (the directory holding `dists/` and `pool/`); default: from apt's sources. */
  readonly mirror?: string;
  /** Suite; default: the running release's codename. */
  readonly suite?: string;
  /** Keyring for InRelease; default: the source's Signed-By, else Debian's archive keyring. */
  readonly keyring?: string;
  /** Accept a suite whose Release cannot be verified (a local test mirror); see ArchiveOptions. */
  readonly allowUnsigned?: boolean;
  /** Default `$XDG_CACHE_HOME/xenon`. */
  readonly cacheDir?: string;
  /** Ignore a valid cache and fetch again. */
  readonly refresh?: boolean;
  /** Where apt's configuration and os-release live (tests point these elsewhere). */
  readonly etcApt?: string;
  readonly osRelease?: string;
  /** Status lines; default: stderr. */
  readonly log?: (line: string) => void;
  /** Progress bars; default: process.stderr. */
  readonly progress?: ProgressSink;
  /** Abort a transfer that delivers no data for this long; default 60 s. */
  readonly idleTimeoutMs?: number;
}

/** What a boot needs, as absolute paths. */
export interface GuestImages {
  readonly kernelImage: string;
  readonly initramfs: string;
  /** The initramfs that boots a root filesystem on a disk (`root=` on the kernel command line). */
  readonly rootInitramfs: string;
  readonly busybox: string;
  readonly kernelVersion: string;
  readonly manifest: ImageManifest;
  /** True when nothing was downloaded. */
  readonly fromCache: boolean;
}

function pkgDir(p: PackageInfo): string {
  return `images/${p.name}_${p.version.replace(/:/g, '%3a')}`;
}

function resolveArchive(opts: PullOptions): ArchiveChoice {
  const codename = opts.suite ?? runningCodename(opts.osRelease);
  if (opts.mirror) {
    if (!codename) throw imageFetchError('Cannot tell which Debian suite to use: pass --suite NAME');
    return { mirror: opts.mirror.replace(/\/+$/, ''), suite: codename, origin: '--mirror' };
  }
  return chooseArchive(readAptSources(opts.etcApt), codename);
}

/**
 * The archive `opts` name (else apt's sources for the suite), its Release signature and package
 * index verified: what every download of this module goes through.
 */
export async function openConfiguredArchive(opts: PullOptions, log: (line: string) => void): Promise<Archive> {
  const choice = resolveArchive(opts);
  const keyring = opts.keyring ?? choice.keyring ?? DEBIAN_KEYRING;
  log(`Archive: ${choice.mirror} suite ${choice.suite} (from ${choice.origin})`);
  return openArchive({
    mirror: choice.mirror, suite: choice.suite, arch: ARCH, keyring, log,
    ...(opts.idleTimeoutMs !== undefined ? { idleTimeoutMs: opts.idleTimeoutMs } : {}),
    ...(opts.allowUnsigned === true ? { allowUnsigned: true } : {}),
  });
}

/** Download a package's .deb into the cache (verified), hand its bytes to `use`, then delete it. */
async function withDeb<T>(
  archive: Archive,
  p: PackageInfo,
  ctx: { cacheDir: string; sink: ProgressSink; idleTimeoutMs?: number },
  use: (extract: (want: (h: TarHeader) => boolean) => Promise<TarFile[]>) => Promise<T>,
): Promise<T> {
  const dir = join(ctx.cacheDir, pkgDir(p));
  await mkdir(dir, { recursive: true });
  const debPath = join(dir, basename(p.filename));
  await downloadFile(archive.url(p.filename), debPath, {
    sha256: p.sha256,
    size: p.size,
    sink: ctx.sink,
    label: `${p.name}_${p.version}`,
    ...(ctx.idleTimeoutMs !== undefined ? { idleTimeoutMs: ctx.idleTimeoutMs } : {}),
  });
  try {
    const deb = await readFile(debPath);
    return await use((want) => extractDeb(deb, want, basename(p.filename)));
  } finally {
    await rm(debPath, { force: true }); // The extracted files are what we keep; the .deb is re-fetchable.
  }
}

const isVmlinuz = (h: TarHeader): boolean => h.type === '0' && /^boot\/vmlinuz-/.test(h.path);

/** One kernel package: its vmlinuz (if any) and the cached modules with their dependencies. */
async function extractKernel(
  extract: (want: (h: TarHeader) => boolean) => Promise<TarFile[]>,
): Promise<{ vmlinuz?: TarFile; modules: ModuleFile[]; missing: string[] }> {
  let vmlinuz: TarFile | undefined;
  // The first pass also picks up vmlinuz, so the common case reads the package once.
  const withVmlinuz = async (want: (h: TarHeader) => boolean): Promise<TarFile[]> => {
    const files = await extract((h) => want(h) || (vmlinuz === undefined && isVmlinuz(h)));
    vmlinuz ??= files.find(isVmlinuz);
    return files;
  };
  const { modules, missing } = await collectModules(CACHED_MODULES, withVmlinuz);
  return { ...(vmlinuz ? { vmlinuz } : {}), modules, missing };
}

function checkBusybox(bytes: Uint8Array, what: string): void {
  const elf = bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46;
  if (!elf || bytes[4] !== 2 || bytes[18]! + (bytes[19]! << 8) !== EM_AARCH64) {
    throw imageFetchError(`"${what}" is not a 64-bit arm64 ELF executable`);
  }
}

function toManifestPackage(role: ManifestPackage['role'], p: PackageInfo): ManifestPackage {
  return { role, name: p.name, version: p.version, filename: p.filename, sha256: p.sha256, size: p.size };
}

/** The kernel metapackage's linux-image dependency, then its "-unsigned" twin, as present in the index. */
function kernelCandidates(archive: Archive, meta: PackageInfo): PackageInfo[] {
  const names = dependencyNames(meta.depends).filter((n) => n.startsWith('linux-image-'));
  const out: PackageInfo[] = [];
  for (const n of names.flatMap((d) => [d, `${d}-unsigned`])) {
    const p = archive.lookup(n);
    if (p && !out.some((q) => q.name === p.name)) out.push(p);
  }
  return out;
}

/** Fetch, verify and cache the kernel, busybox and default initramfs (a no-op on a valid cache). */
export async function pullGuestImages(opts: PullOptions = {}): Promise<GuestImages> {
  const cacheDir = opts.cacheDir ?? defaultCacheDir();
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const sink = opts.progress ?? process.stderr;
  const cached = opts.refresh ? undefined : await readManifest(cacheDir);
  if (cached && (!opts.suite || opts.suite === cached.suite) && cacheCurrent(cached) && (await manifestIntact(cacheDir, cached))) {
    log(`Cache: "${join(cacheDir, 'images')}" is valid (kernel ${cached.kernelVersion}, ${cached.suite}); nothing to fetch`);
    return toImages(cacheDir, await refreshInitramfs(cacheDir, cached, log), true);
  }

  // Before any download: an unwritable or misplaced cache fails now, not after megabytes arrive.
  await mkdir(join(cacheDir, 'images'), { recursive: true });
  await access(join(cacheDir, 'images'), constants.W_OK);
  for (const left of await removeLeftoverDownloads(cacheDir)) log(`Cache: removed "${left}", left by an interrupted pull`);
  const archive = await openConfiguredArchive(opts, log);
  const idle = opts.idleTimeoutMs !== undefined ? { idleTimeoutMs: opts.idleTimeoutMs } : {};

  const meta = archive.lookup(KERNEL_META);
  if (!meta) throw imageFetchError(`Cannot find "${KERNEL_META}" in ${archive.suite}/main/binary-${ARCH}`);
  const candidates = kernelCandidates(archive, meta);
  if (candidates.length === 0) throw imageFetchError(`Cannot resolve "${KERNEL_META}" (Depends: "${meta.depends}") to a kernel package`);

  const ctx = { cacheDir, sink, ...idle };
  let kernel: { pkg: PackageInfo; path: string; vmlinuz: Uint8Array; modules: ModuleFile[] } | undefined;
  for (const pkg of candidates) {
    log(`Kernel: ${KERNEL_META} ${meta.version} -> ${pkg.name} ${pkg.version} (${pkg.size} bytes)`);
    const got = await withDeb(archive, pkg, ctx, extractKernel);
    if (got.vmlinuz) {
      kernel = { pkg, path: got.vmlinuz.path, vmlinuz: got.vmlinuz.data, modules: got.modules };
      if (got.missing.length > 0) log(`Kernel: modules not found in ${pkg.name}: ${got.missing.join(', ')}`);
      break;
    }
    log(`Kernel: ${pkg.name} has no /boot/vmlinuz-*; trying the next candidate`);
  }
  if (!kernel) throw imageFetchError(`Cannot find /boot/vmlinuz-* in any of ${candidates.map((c) => `"${c.name}"`).join(', ')}`);
  const kernelVersion = basename(kernel.path).replace(/^vmlinuz-/, '');
  const image = kernelImageFromVmlinuz(kernel.vmlinuz, kernel.path);

  const bb = archive.lookup(BUSYBOX);
  if (!bb) throw imageFetchError(`Cannot find "${BUSYBOX}" in ${archive.suite}/main/binary-${ARCH}`);
  log(`Busybox: ${bb.name} ${bb.version} (${bb.size} bytes)`);
  const bbFiles = await withDeb(archive, bb, ctx, (extract) => extract((h) => h.type === '0' && h.path === 'bin/busybox'));
  const busybox = bbFiles[0]?.data;
  if (!busybox) throw imageFetchError(`Cannot find /bin/busybox in "${bb.name}"`);
  checkBusybox(busybox, `${bb.name}:/bin/busybox`);

  const kdir = pkgDir(kernel.pkg);
  const kernelImage = await storeFile(cacheDir, `${kdir}/Image`, image);
  const manifest: ImageManifest = {
    format: 1,
    mirror: archive.mirror,
    suite: archive.suite,
    arch: ARCH,
    releaseVerified: archive.releaseVerified,
    createdAt: new Date().toISOString(),
    kernelVersion,
    packages: [toManifestPackage('kernel-meta', meta), toManifestPackage('kernel', kernel.pkg), toManifestPackage('busybox', bb)],
    files: {
      kernelImage,
      // Signed arm64 kernels ship the Image itself as vmlinuz: keep one copy then.
      vmlinuz: image === kernel.vmlinuz ? kernelImage : await storeFile(cacheDir, `${kdir}/${basename(kernel.path)}`, kernel.vmlinuz),
      busybox: await storeFile(cacheDir, `${pkgDir(bb)}/busybox`, busybox, 0o755),
      ...(await storeInitramfs(cacheDir, buildInitramfsPair(busybox, kernel.modules))),
    },
    moduleRoots: [...CACHED_MODULES],
  };
  const modules: ManifestFile[] = [];
  for (const m of kernel.modules) modules.push(await storeFile(cacheDir, `${kdir}/${m.path}`, m.data));
  await writeManifest(cacheDir, { ...manifest, modules });
  log(
    `Cache: kernel Image ${image.length} bytes, busybox ${busybox.length} bytes, ` +
      `initramfs ${manifest.files.initramfs.size} bytes, ${modules.length} modules (${kernel.modules.map((m) => m.name).join(' ')})`,
  );
  return toImages(cacheDir, { ...manifest, modules }, false);
}

/** The default and the root-on-disk initramfs, built from busybox and the kernel's modules. */
function buildInitramfsPair(busybox: Uint8Array, modules: readonly { path: string; data: Uint8Array }[]): { initramfs: Uint8Array; root: Uint8Array } {
  return { initramfs: buildInitramfs({ busybox }), root: buildRootInitramfs(busybox, selectModules(ROOT_BOOT_MODULES, modules)) };
}

async function storeInitramfs(cacheDir: string, built: { initramfs: Uint8Array; root: Uint8Array }): Promise<{ initramfs: ManifestFile; rootInitramfs: ManifestFile }> {
  return { initramfs: await storeFile(cacheDir, 'images/initramfs.cpio', built.initramfs), rootInitramfs: await storeFile(cacheDir, ROOT_INITRAMFS, built.root) };
}

/**
 * The cached initramfs archives as this version of Xenon builds them: a valid cache made by
 * another version (an older /init) has them rebuilt from its busybox and modules, no download.
 */
async function refreshInitramfs(cacheDir: string, m: ImageManifest, log: (line: string) => void): Promise<ImageManifest> {
  const want = buildInitramfsPair(await readFile(join(cacheDir, m.files.busybox.path)), await readCachedModules(cacheDir, m));
  if (sha256(want.initramfs) === m.files.initramfs.sha256 && sha256(want.root) === m.files.rootInitramfs?.sha256) return m;
  const updated: ImageManifest = { ...m, files: { ...m.files, ...(await storeInitramfs(cacheDir, want)) } };
  await writeManifest(cacheDir, updated);
  log('Cache: rebuilt the initramfs archives for this version of Xenon');
  return updated;
}

/**
 * True when a manifest was made by a pull that kept the modules this one keeps and built the root
 * initramfs (caches from before ext4 was kept have neither, and are pulled again).
 */
function cacheCurrent(m: ImageManifest): boolean {
  const roots = m.moduleRoots ?? [];
  return m.files.rootInitramfs !== undefined && roots.length === CACHED_MODULES.length && CACHED_MODULES.every((n) => roots.includes(n));
}

function toImages(cacheDir: string, m: ImageManifest, fromCache: boolean): GuestImages {
  return {
    kernelImage: join(cacheDir, m.files.kernelImage.path),
    initramfs: join(cacheDir, m.files.initramfs.path),
    rootInitramfs: join(cacheDir, (m.files.rootInitramfs ?? m.files.initramfs).path),
    busybox: join(cacheDir, m.files.busybox.path),
    kernelVersion: m.kernelVersion,
    manifest: m,
    fromCache,
  };
}

/** The cached kernel modules at their package paths ("lib/modules/<version>/kernel/..."), in load order. */
export async function readCachedModules(cacheDir: string, m: ImageManifest): Promise<{ path: string; data: Uint8Array }[]> {
  const kdir = `${dirname(m.files.kernelImage.path)}/`;
  return Promise.all((m.modules ?? []).map(async (f) => ({ path: f.path.slice(kdir.length), data: await readFile(join(cacheDir, f.path)) })));
}

/**
 * What `npm start` calls: the cached images (pulling them first if needed). With `initScript`,
 * `withModules` and/or `extraFiles`, the initramfs is rebuilt from the cached busybox with that
 * /init, the virtio and Xen front-end modules (`DEFAULT_MODULES`, with their dependencies) and
 * those files (see `buildInitramfs`), cached as
 * `images/initramfs-<sha256 prefix>.cpio`; the hash is over the whole archive, so it covers the
 * extra files' paths, modes and contents.
 */
export async function ensureGuestImages(
  opts: PullOptions & { initScript?: string; withModules?: boolean; extraFiles?: readonly ExtraFile[] } = {},
): Promise<GuestImages> {
  const images = await pullGuestImages(opts);
  const extraFiles = opts.extraFiles ?? [];
  if (opts.initScript === undefined && !opts.withModules && extraFiles.length === 0) return images;
  const cacheDir = opts.cacheDir ?? defaultCacheDir();
  const busybox = await readFile(images.busybox);
  const modules = opts.withModules ? selectModules(DEFAULT_MODULES, await readCachedModules(cacheDir, images.manifest)) : [];
  const cpio = buildInitramfs({ busybox, modules, extraFiles, ...(opts.initScript !== undefined ? { initScript: opts.initScript } : {}) });
  const path = join(cacheDir, `images/initramfs-${sha256(cpio).slice(0, 16)}.cpio`);
  if (!existsSync(path) || sha256(await readFile(path)) !== sha256(cpio)) await writeFileAtomic(path, cpio);
  return { ...images, initramfs: path };
}
