/**
 * An ext4 image from a `RootfsEntry` tree, built without root: the tree is staged in a temporary
 * directory, `mke2fs -d` copies it into a new file system (e2fsprogs), and `debugfs -w` then sets
 * every inode's owner and mode from the tree, since mke2fs copies the staging files' owner (the
 * user running the build) and -E root_owner covers only the root directory, and makes the device
 * nodes a user cannot mknod. `e2fsck -fn` checks the result; `qemu-img convert` makes a qcow2.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, open, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { imageBuildError } from './errors.js';
import type { RootfsEntry } from './rootfs_tree.js';

/** Disk image formats `xenon image rootfs` writes. */
export type DiskFormat = 'raw' | 'qcow2';

/** Options for `writeExt4Image`. */
export interface Ext4ImageOptions {
  /** The file system's (and the raw image's) size. */
  readonly sizeBytes: number;
  readonly format: DiskFormat;
  /** Volume label (at most 16 bytes); default "xenon-root". */
  readonly label?: string;
  /** Where the staging tree and temporary images go; default the OS's temporary directory. */
  readonly tmpDir?: string;
}

/** The smallest file system accepted: a journal and Debian's few megabytes need about this. */
export const MIN_IMAGE_BYTES = 16 * 1024 * 1024;

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFCHR = 0o020000;
/** What a path may hold to be written into debugfs's command file unquoted and unambiguous. */
const SAFE_PATH = /^[A-Za-z0-9._+@:,=~%-]+(?:\/[A-Za-z0-9._+@:,=~%[\]-]+)*$/;

/** Runs a host tool; its failure (or absence) becomes an IMAGE_BUILD error naming `what`. */
function run(tool: string, args: readonly string[], what: string): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(tool, args, { maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err === null) return resolve({ stdout, stderr });
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        const pkg = tool === 'qemu-img' ? 'qemu-utils' : 'e2fsprogs';
        return reject(imageBuildError(`Cannot ${what}: ${tool} is not installed (Debian package ${pkg})`, err));
      }
      // The tool's own last words are the cause; execFile's message would repeat the command line.
      const said = (stderr || stdout).trim().split('\n').slice(-5).join(' / ');
      reject(imageBuildError(`Cannot ${what}: ${tool} exited with status ${String(err.code)}`, new Error(said || 'no message')));
    });
  });
}

/** Writes the tree under `root` with modes that let mke2fs read it; owners and final modes come later. */
async function stage(entries: readonly RootfsEntry[], root: string): Promise<void> {
  for (const e of entries) {
    if (!SAFE_PATH.test(e.path)) throw imageBuildError(`Cannot put "${e.path}" in the image: the name has characters debugfs cannot be given`);
    const at = join(root, e.path);
    if (e.kind === 'dir') await mkdir(at, { recursive: true, mode: 0o755 });
    else if (e.kind === 'file') await writeFile(at, e.data, { mode: 0o644 });
    else if (e.kind === 'symlink') await symlink(e.target, at);
    // Device nodes are made by debugfs (mknod needs root on the host).
  }
}

/** debugfs commands that give every inode the tree's owner and mode, and make the device nodes. */
export function debugfsCommands(entries: readonly RootfsEntry[]): string {
  const out: string[] = [];
  for (const e of entries) {
    const p = `/${e.path}`;
    if (e.kind === 'chardev') {
      // debugfs links the new node into its working directory under the name as given.
      const slash = p.lastIndexOf('/');
      out.push(`cd ${p.slice(0, slash) || '/'}`, `mknod ${p.slice(slash + 1)} c ${e.major} ${e.minor}`, 'cd /');
    }
    out.push(`sif ${p} uid ${e.uid}`, `sif ${p} gid ${e.gid}`);
    const type = e.kind === 'dir' ? S_IFDIR : e.kind === 'file' ? S_IFREG : e.kind === 'chardev' ? S_IFCHR : undefined;
    // A symlink's mode is always 0777; there is nothing to set.
    if (type !== undefined && e.kind !== 'symlink') out.push(`sif ${p} mode 0${(type | (e.mode & 0o7777)).toString(8)}`);
  }
  return `${out.join('\n')}\n`;
}

/** Runs debugfs's command file; debugfs exits 0 whatever its commands do, so its error lines are what fails. */
async function applyDebugfs(image: string, commands: string, dir: string): Promise<void> {
  const file = join(dir, 'debugfs.cmds');
  await writeFile(file, commands);
  const { stderr } = await run('debugfs', ['-w', '-f', file, image], 'set owners and modes in the image');
  const errors = stderr.split('\n').filter((l) => l.trim() !== '' && !/^debugfs \d/.test(l));
  if (errors.length > 0) throw imageBuildError(`Cannot set owners and modes in the image: debugfs said "${errors.slice(0, 3).join(' / ')}"`);
}

/**
 * Build the image at `output` (replaced atomically: the image appears complete or not at all).
 * The file system is ext4 with mke2fs's defaults for its "default" usage type (4 KiB blocks, one
 * inode per 16 KiB), whatever the size; `-T small`'s 1 KiB blocks would otherwise apply below 512 MiB.
 */
export async function writeExt4Image(entries: readonly RootfsEntry[], output: string, opts: Ext4ImageOptions): Promise<void> {
  if (!Number.isSafeInteger(opts.sizeBytes) || opts.sizeBytes < MIN_IMAGE_BYTES || opts.sizeBytes % 1024 !== 0) {
    throw imageBuildError(`Cannot make a ${opts.sizeBytes}-byte file system: give a whole number of KiB, at least ${MIN_IMAGE_BYTES >> 20} MiB`);
  }
  const work = await mkdtemp(join(opts.tmpDir ?? tmpdir(), 'xenon-rootfs-'));
  const raw = opts.format === 'raw' ? `${output}.tmp-${process.pid}` : join(work, 'root.raw');
  try {
    const tree = join(work, 'tree');
    await mkdir(tree);
    await stage(entries, tree);
    await mkdir(dirname(output), { recursive: true });
    const fh = await open(raw, 'w');
    await fh.truncate(opts.sizeBytes);
    await fh.close();
    await run('mke2fs', [
      '-q', '-F', '-t', 'ext4', '-T', 'default', '-L', opts.label ?? 'xenon-root', '-E', 'root_owner=0:0', '-d', tree, raw, `${opts.sizeBytes / 1024}k`,
    ], 'make the ext4 file system');
    await applyDebugfs(raw, debugfsCommands(entries), work);
    await run('e2fsck', ['-fn', raw], 'check the new file system');
    if (opts.format === 'qcow2') {
      await run('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', raw, `${output}.tmp-${process.pid}`], 'convert the image to qcow2');
    }
    await rename(`${output}.tmp-${process.pid}`, output);
  } finally {
    await rm(`${output}.tmp-${process.pid}`, { force: true });
    await rm(work, { recursive: true, force: true });
  }
}
