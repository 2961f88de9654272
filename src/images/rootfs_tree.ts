/**
 * The tree of Xenon's root filesystem, laid out in memory before it becomes an ext4 image
 * (ext4_image.ts): the data of Debian's packages as their .debs hold it (owners and modes
 * included), busybox's applet links, the kernel's modules with a modules.dep, and what an
 * installation's maintainer scripts and installer would add (rootfs_etc.ts).
 */
import type { BusyboxApplet } from './busybox_applets.js';
import type { ExtraFile } from './initramfs.js';
import { moduleDepends, moduleNameOf } from './modules.js';
import * as etc from './rootfs_etc.js';
import type { TarFile } from './tar.js';

interface EntryBase {
  /** Relative to the root, no leading "/" (the root itself is not an entry). */
  readonly path: string;
  readonly uid: number;
  readonly gid: number;
}

/** One inode of the tree. `mode` holds the permission bits (with setuid, setgid, sticky), not the type. */
export type RootfsEntry =
  | (EntryBase & { readonly kind: 'dir'; readonly mode: number })
  | (EntryBase & { readonly kind: 'file'; readonly mode: number; readonly data: Uint8Array })
  | (EntryBase & { readonly kind: 'symlink'; readonly target: string })
  | (EntryBase & { readonly kind: 'chardev'; readonly mode: number; readonly major: number; readonly minor: number });

/** What `layoutRootfs` builds from. */
export interface RootfsInputs {
  /** Each package's data tree (`extractDeb` with every member wanted), in install order. */
  readonly packages: readonly { readonly name: string; readonly files: readonly TarFile[] }[];
  /** Busybox's applets (`busyboxApplets`), linked to /bin/busybox. */
  readonly applets: readonly BusyboxApplet[];
  /** Kernel modules at their package paths ("lib/modules/<version>/kernel/..."). */
  readonly modules: readonly { readonly path: string; readonly data: Uint8Array }[];
  /** Default "xenon". */
  readonly hostname?: string;
  /** The root file system's device in /etc/fstab; default "/dev/xvda". */
  readonly rootDevice?: string;
  /** Files added last (replacing any entry at their path); mode default 0644. */
  readonly extraFiles?: readonly ExtraFile[];
}

const enc = new TextEncoder();
const BUSYBOX = 'bin/busybox';

/** Parents before children; entries are added in any order and replaced by later ones. */
class Tree {
  readonly #entries = new Map<string, RootfsEntry>();

  add(e: RootfsEntry): void {
    this.#ensureParents(e.path);
    const old = this.#entries.get(e.path);
    if (old?.kind === 'dir' && e.kind !== 'dir') {
      for (const p of [...this.#entries.keys()]) if (p.startsWith(`${e.path}/`)) this.#entries.delete(p);
    }
    this.#entries.set(e.path, e);
  }

  file(path: string, text: string | Uint8Array, mode = 0o644, gid = 0): void {
    this.add({ kind: 'file', path, mode, uid: 0, gid, data: typeof text === 'string' ? enc.encode(text) : text });
  }

  get(path: string): RootfsEntry | undefined {
    return this.#entries.get(path);
  }

  entries(): RootfsEntry[] {
    return [...this.#entries.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  #ensureParents(path: string): void {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      const at = this.#entries.get(dir);
      if (at === undefined || at.kind !== 'dir') this.#entries.set(dir, { kind: 'dir', path: dir, mode: 0o755, uid: 0, gid: 0 });
    }
  }
}

/** A relative symlink target from `from`'s directory to `to` (both relative to the root). */
export function relativeLink(from: string, to: string): string {
  const dir = from.split('/').slice(0, -1);
  const target = to.split('/');
  let common = 0;
  while (common < dir.length && common < target.length - 1 && dir[common] === target[common]) common++;
  return `${'../'.repeat(dir.length - common)}${target.slice(common).join('/')}`;
}

function addPackage(tree: Tree, files: readonly TarFile[]): void {
  for (const f of files) {
    if (f.path === '') continue; // The package's "./": the root keeps mke2fs's root_owner and 0755.
    const owner = { path: f.path, uid: f.uid, gid: f.gid };
    if (f.type === '5') tree.add({ kind: 'dir', mode: f.mode, ...owner });
    else if (f.type === '0' || f.type === '7') tree.add({ kind: 'file', mode: f.mode, data: f.data, ...owner });
    else if (f.type === '2') tree.add({ kind: 'symlink', target: f.linkName, ...owner });
    else if (f.type === '1') {
      // A hard link: a copy of the file it names (ext4 could share the inode; nothing here needs that).
      const to = tree.get(f.linkName.replace(/^(\.\/)+|^\/+/, ''));
      if (to?.kind === 'file') tree.add({ ...to, path: f.path });
    }
  }
}

/**
 * depmod's modules.dep for `modules`: "kernel/a.ko: kernel/b.ko kernel/c.ko", every transitive
 * dependency listed, the first to be loaded last (modprobe loads the list from its end).
 */
export function modulesDep(modules: readonly { readonly path: string; readonly data: Uint8Array }[], version: string): string {
  const prefix = `lib/modules/${version}/`;
  const byName = new Map(modules.map((m) => [moduleNameOf(m.path), { rel: m.path.slice(prefix.length), deps: moduleDepends(m.data) }]));
  const lines: string[] = [];
  for (const [name, m] of byName) {
    const order: string[] = [];
    const seen = new Set<string>([name]);
    const visit = (n: string): void => {
      for (const d of byName.get(n)?.deps ?? []) {
        if (seen.has(d) || !byName.has(d)) continue;
        seen.add(d);
        visit(d);
        order.push(byName.get(d)!.rel);
      }
    };
    visit(name);
    lines.push(`${m.rel}:${order.reverse().map((p) => ` ${p}`).join('')}\n`);
  }
  return lines.sort().join('');
}

function addBusyboxLinks(tree: Tree, applets: readonly BusyboxApplet[]): void {
  for (const a of applets) {
    if (a.dir === '') continue; // linuxrc, for initrds that run /linuxrc: not a root filesystem's business.
    const path = `${a.dir}/${a.name}`;
    if (tree.get(path) === undefined) tree.add({ kind: 'symlink', path, target: relativeLink(path, BUSYBOX), uid: 0, gid: 0 });
  }
}

/**
 * Lay out the tree. The packages come first (later ones replace earlier entries at the same
 * path), then what their maintainer scripts would have made of base-files' templates, busybox's
 * links (never over a package's file), the modules, the configuration, and `extraFiles`.
 */
export function layoutRootfs(inp: RootfsInputs): RootfsEntry[] {
  const tree = new Tree();
  for (const p of inp.packages) addPackage(tree, p.files);
  // base-files' postinst copies its templates into place on a first installation.
  const templates: [string, string, number][] = [
    ['usr/share/base-files/profile', 'etc/profile', 0o644],
    ['usr/share/base-files/dot.profile', 'root/.profile', 0o644],
    ['usr/share/base-files/dot.bashrc', 'root/.bashrc', 0o644],
    ['usr/share/base-files/motd', 'etc/motd', 0o644],
  ];
  for (const [from, to, mode] of templates) {
    const t = tree.get(from);
    if (t?.kind === 'file') tree.file(to, t.data, mode);
  }
  // Debian keeps these in /run (tmpfs), as its installer leaves them.
  tree.add({ kind: 'symlink', path: 'var/run', target: '../run', uid: 0, gid: 0 });
  tree.add({ kind: 'symlink', path: 'var/lock', target: '../run/lock', uid: 0, gid: 0 });
  addBusyboxLinks(tree, inp.applets);
  tree.add({ kind: 'symlink', path: 'sbin/init', target: relativeLink('sbin/init', BUSYBOX), uid: 0, gid: 0 });

  const versions = new Set(inp.modules.map((m) => /^lib\/modules\/([^/]+)\//.exec(m.path)?.[1]).filter((v) => v !== undefined));
  for (const m of inp.modules) tree.file(m.path, m.data);
  for (const v of versions) {
    const mine = inp.modules.filter((m) => m.path.startsWith(`lib/modules/${v}/`));
    tree.file(`lib/modules/${v}/modules.dep`, modulesDep(mine, v));
  }

  const hostname = inp.hostname ?? 'xenon';
  tree.file('etc/inittab', etc.INITTAB);
  tree.file('etc/init.d/rcS', etc.RC_S, 0o755);
  tree.file('etc/init.d/rcK', etc.RC_K, 0o755);
  tree.file('etc/fstab', etc.fstab(inp.rootDevice ?? '/dev/xvda'));
  tree.file('etc/hostname', `${hostname}\n`);
  tree.file('etc/hosts', etc.hosts(hostname));
  tree.file('etc/passwd', etc.PASSWD);
  tree.file('etc/group', etc.GROUP);
  tree.file('etc/shadow', etc.SHADOW, 0o640, etc.SHADOW_GID);
  tree.file('etc/modules', etc.MODULES);
  // The console the kernel opens for init before anything has mounted devtmpfs on /dev.
  tree.add({ kind: 'chardev', path: 'dev/console', mode: 0o600, uid: 0, gid: 0, major: 5, minor: 1 });
  for (const f of inp.extraFiles ?? []) tree.file(f.path.replace(/^\/+/, ''), f.data, f.mode ?? 0o644);
  return tree.entries();
}
