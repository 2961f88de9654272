/**
 * The image cache: `$XDG_CACHE_HOME/xenon` (or `~/.cache/xenon`), with everything under `images/`
 * and a manifest recording where each file came from and its SHA256, so that a later run can prove
 * the cache intact without the network.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** A file in the cache, relative to the cache directory. */
export interface ManifestFile {
  readonly path: string;
  readonly sha256: string;
  readonly size: number;
}

/** A package that was downloaded, as listed in Packages. */
export interface ManifestPackage {
  readonly role: 'kernel-meta' | 'kernel' | 'busybox';
  readonly name: string;
  readonly version: string;
  readonly filename: string;
  readonly sha256: string;
  readonly size: number;
}

/** `images/manifest.json`. */
export interface ImageManifest {
  readonly format: 1;
  readonly mirror: string;
  readonly suite: string;
  readonly arch: string;
  readonly releaseVerified: boolean;
  readonly createdAt: string;
  readonly kernelVersion: string;
  readonly packages: readonly ManifestPackage[];
  readonly files: {
    readonly kernelImage: ManifestFile;
    readonly vmlinuz: ManifestFile;
    readonly busybox: ManifestFile;
    readonly initramfs: ManifestFile;
    /** The initramfs that mounts a root filesystem from a disk (`ROOT_INIT`), with its modules. */
    readonly rootInitramfs?: ManifestFile;
  };
  /** Kernel modules kept from the kernel package (virtio and Xen front ends, ext4), in load order. */
  readonly modules?: readonly ManifestFile[];
  /** The module names the pull asked for (dependencies come with them); a cache made for other names is pulled again. */
  readonly moduleRoots?: readonly string[];
}

export const MANIFEST = 'images/manifest.json';

/** `$XDG_CACHE_HOME/xenon`, else `~/.cache/xenon`. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env['XDG_CACHE_HOME'];
  return join(xdg && xdg.startsWith('/') ? xdg : join(homedir(), '.cache'), 'xenon');
}

/** SHA256 of a file, streamed. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** SHA256 of bytes. */
export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Write via a temporary name and rename, so a crash never leaves a half-written file. */
export async function writeFileAtomic(path: string, data: Uint8Array | string, mode = 0o644): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, data, { mode });
  await rename(tmp, path);
}

/** Store `data` at `rel` under `cacheDir` and describe it. */
export async function storeFile(cacheDir: string, rel: string, data: Uint8Array, mode = 0o644): Promise<ManifestFile> {
  await writeFileAtomic(join(cacheDir, rel), data, mode);
  return { path: rel, sha256: sha256(data), size: data.length };
}

/** The manifest, or undefined when absent or unreadable (then the cache is simply rebuilt). */
export async function readManifest(cacheDir: string): Promise<ImageManifest | undefined> {
  const path = join(cacheDir, MANIFEST);
  if (!existsSync(path)) return undefined;
  try {
    const m = JSON.parse(await readFile(path, 'utf8')) as ImageManifest;
    return m.format === 1 && m.files?.kernelImage && m.files.busybox && m.files.initramfs && m.files.vmlinuz ? m : undefined;
  } catch {
    return undefined; // A corrupt manifest means "no valid cache": the caller pulls again.
  }
}

/** True when every file of the manifest exists with its recorded size and SHA256. */
export async function manifestIntact(cacheDir: string, m: ImageManifest): Promise<boolean> {
  for (const f of [...Object.values(m.files), ...(m.modules ?? [])]) {
    const path = join(cacheDir, f.path);
    if (!existsSync(path) || (await sha256File(path)) !== f.sha256) return false;
  }
  return true;
}

export async function writeManifest(cacheDir: string, m: ImageManifest): Promise<void> {
  await writeFileAtomic(join(cacheDir, MANIFEST), `${JSON.stringify(m, null, 2)}\n`);
}

/**
 * Deletes the downloads an interrupted pull left behind: `.deb` files (kept only while their
 * contents are extracted) and `.part` files (kept only while they arrive), in the package folders
 * under `images/`. A pull killed by a signal runs no cleanup of its own, so the next one does it.
 * Returns the paths removed, relative to the cache directory.
 */
export async function removeLeftoverDownloads(cacheDir: string): Promise<string[]> {
  const images = join(cacheDir, 'images');
  const removed: string[] = [];
  const dirs = await readdir(images, { withFileTypes: true }).catch(() => []);
  for (const d of dirs) {
    if (!d.isDirectory()) continue;
    for (const f of await readdir(join(images, d.name), { withFileTypes: true })) {
      if (!f.isFile() || !(f.name.endsWith('.deb') || f.name.endsWith('.deb.part'))) continue;
      await rm(join(images, d.name, f.name), { force: true });
      removed.push(join('images', d.name, f.name));
    }
  }
  return removed;
}
