/**
 * Pick kernel modules out of the kernel package. Debian's 6.1 kernel builds every virtio and Xen
 * front-end driver as a module (arm64-platform.md section 13), and the package ships no
 * modules.dep (depmod runs at install time), so dependencies are read from each module's own
 * `.modinfo` ELF section ("depends=a,b"), as modinfo(8) does.
 */
import type { TarFile, TarHeader } from './tar.js';

/**
 * Modules a guest needs for virtio-mmio and Xen PV devices. Dependencies are found by
 * `collectModules` anyway; listing the known ones (virtio_net needs net_failover, which needs
 * failover) lets it read the package once instead of three times.
 */
export const DEFAULT_MODULES = [
  'failover',
  'net_failover',
  'virtio_mmio',
  'virtio_blk',
  'virtio_net',
  'virtio_console',
  'virtio_rng',
  'xen_blkfront',
  'xen_netfront',
] as const;

/**
 * Modules a root filesystem on ext4 needs besides a block front end. ext4's own dependencies
 * (jbd2, mbcache, crc16) come from its .modinfo; crc32c_generic does not: ext4 and jbd2 ask the
 * crypto API for "crc32c" at mount time (metadata_csum), which finds it only once it is loaded,
 * so it is named here.
 */
export const ROOTFS_MODULES = ['crc32c_generic', 'ext4'] as const;

/** What the root-on-disk initramfs loads: the Xen block front end and ext4 (with dependencies). */
export const ROOT_BOOT_MODULES = ['xen_blkfront', ...ROOTFS_MODULES] as const;

/** Every module `xenon image pull` keeps from the kernel package. */
export const CACHED_MODULES = [...DEFAULT_MODULES, ...ROOTFS_MODULES] as const;

/** Module names compare with "-" and "_" equivalent, as in the kernel (module_name normalisation). */
export function normalizeModuleName(name: string): string {
  return name.replace(/-/g, '_');
}

/** The module name of a path such as "lib/modules/v/kernel/drivers/block/xen-blkfront.ko". */
export function moduleNameOf(path: string): string {
  return normalizeModuleName(path.slice(path.lastIndexOf('/') + 1).replace(/\.ko(\.xz|\.gz|\.zst)?$/, ''));
}

/**
 * The key=value strings of a module's `.modinfo` section (ELF64 little-endian, as arm64 modules
 * are). Returns an empty map for anything that is not such an ELF file.
 */
export function readModinfo(ko: Uint8Array): Map<string, string> {
  const out = new Map<string, string>();
  if (ko.length < 64 || ko[0] !== 0x7f || ko[1] !== 0x45 || ko[4] !== 2 || ko[5] !== 1) return out;
  const v = new DataView(ko.buffer, ko.byteOffset, ko.byteLength);
  const shoff = Number(v.getBigUint64(0x28, true));
  const shentsize = v.getUint16(0x3a, true);
  const shnum = v.getUint16(0x3c, true);
  const shstrndx = v.getUint16(0x3e, true);
  if (shentsize < 64 || shoff + shnum * shentsize > ko.length || shstrndx >= shnum) return out;
  const section = (i: number): { name: number; offset: number; size: number } => {
    const base = shoff + i * shentsize;
    return { name: v.getUint32(base, true), offset: Number(v.getBigUint64(base + 24, true)), size: Number(v.getBigUint64(base + 32, true)) };
  };
  const strtab = section(shstrndx);
  const latin1 = new TextDecoder('latin1');
  for (let i = 0; i < shnum; i++) {
    const s = section(i);
    const nameStart = strtab.offset + s.name;
    const nameEnd = ko.indexOf(0, nameStart);
    if (nameEnd < 0 || latin1.decode(ko.subarray(nameStart, nameEnd)) !== '.modinfo') continue;
    if (s.offset + s.size > ko.length) return out;
    for (const entry of latin1.decode(ko.subarray(s.offset, s.offset + s.size)).split('\0')) {
      const eq = entry.indexOf('=');
      if (eq > 0 && !out.has(entry.slice(0, eq))) out.set(entry.slice(0, eq), entry.slice(eq + 1));
    }
    break;
  }
  return out;
}

/** The normalised names a module depends on. */
export function moduleDepends(ko: Uint8Array): string[] {
  const deps = readModinfo(ko).get('depends') ?? '';
  return deps.split(',').filter((d) => d !== '').map(normalizeModuleName);
}

/** A module file kept from the package. */
export interface ModuleFile {
  readonly name: string;
  readonly path: string;
  readonly data: Uint8Array;
  readonly depends: readonly string[];
}

/**
 * Resolve `roots` and their dependencies, in load order (dependencies first). `extract` runs one
 * pass over the package's data.tar with a filter; a pass is repeated only when a dependency was
 * not in an earlier pass's set. Names that exist neither as files nor in modules.builtin are
 * reported in `missing`.
 */
export async function collectModules(
  roots: readonly string[],
  extract: (want: (h: TarHeader) => boolean) => Promise<TarFile[]>,
): Promise<{ modules: ModuleFile[]; builtin: Set<string>; missing: string[] }> {
  const wanted = new Set(roots.map(normalizeModuleName));
  const found = new Map<string, ModuleFile>();
  let builtin: Set<string> | undefined;
  for (let pass = 0; pass < 8; pass++) {
    const files = await extract(
      (h) =>
        h.type === '0' &&
        ((/^lib\/modules\/[^/]+\/kernel\/.*\.ko$/.test(h.path) && wanted.has(moduleNameOf(h.path)) && !found.has(moduleNameOf(h.path))) ||
          (builtin === undefined && /^lib\/modules\/[^/]+\/modules\.builtin$/.test(h.path))),
    );
    for (const f of files) {
      if (f.path.endsWith('modules.builtin')) {
        builtin = new Set(new TextDecoder().decode(f.data).split('\n').filter((l) => l !== '').map(moduleNameOf));
        continue;
      }
      if (!f.path.endsWith('.ko')) continue; // The caller's own files from the same pass.
      found.set(moduleNameOf(f.path), { name: moduleNameOf(f.path), path: f.path, data: f.data, depends: moduleDepends(f.data) });
    }
    builtin ??= new Set();
    const next = [...found.values()].flatMap((m) => m.depends).filter((d) => !found.has(d) && !builtin!.has(d) && !wanted.has(d));
    if (next.length === 0) break;
    next.forEach((d) => wanted.add(d));
  }
  const missing = [...wanted].filter((n) => !found.has(n) && !builtin?.has(n));
  return { modules: loadOrder(found), builtin: builtin ?? new Set(), missing };
}

/**
 * The modules of `roots` and their dependencies (read from each file's .modinfo) out of
 * `available`, in load order. Names found in neither are left out (builtins).
 */
export function selectModules<T extends { readonly path: string; readonly data: Uint8Array }>(
  roots: readonly string[],
  available: readonly T[],
): T[] {
  const byName = new Map(available.map((m) => [moduleNameOf(m.path), m]));
  const found = new Map<string, ModuleFile>();
  const pending = roots.map(normalizeModuleName);
  for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
    const m = byName.get(name);
    if (m === undefined || found.has(name)) continue;
    const depends = moduleDepends(m.data);
    found.set(name, { name, path: m.path, data: m.data, depends });
    pending.push(...depends);
  }
  return loadOrder(found).map((m) => byName.get(m.name)!);
}

/** Topological order: every module after the modules it depends on. */
function loadOrder(found: Map<string, ModuleFile>): ModuleFile[] {
  const out: ModuleFile[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string): void => {
    const m = found.get(name);
    if (!m || state.get(name)) return; // Unknown (builtin) or already placed; a cycle is cut here.
    state.set(name, 'visiting');
    m.depends.forEach(visit);
    state.set(name, 'done');
    out.push(m);
  };
  [...found.keys()].sort().forEach(visit);
  return out;
}
