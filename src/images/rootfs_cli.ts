/**
 * `xenon image rootfs OUTPUT [--size SIZE] [--format raw|qcow2] [--hostname NAME] [--force]` and
 * the pull options. The command table in src/cli registers `imageRootfsCommand`; this file only
 * parses and reports.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { XenonError } from '../lib/errors.js';
import { PULL_ARG_OPTIONS, PULL_OPTIONS_HELP, pullOptionsFrom, reportFailure, type CommandIo } from './cli.js';
import { MIN_IMAGE_BYTES, type DiskFormat } from './ext4_image.js';
import { buildRootfsImage, checkHostname, DEFAULT_ROOTFS_BYTES, type RootfsResult } from './rootfs.js';

/** `xenon image rootfs --help`. */
export const IMAGE_ROOTFS_USAGE = `Usage: xenon image rootfs OUTPUT [options]

Build a small Debian arm64 root filesystem as an ext4 disk image at OUTPUT: busybox-static (init,
a shell and its applets), base-files, netbase and the pulled kernel's modules, with a busybox
/etc/inittab (a root shell on the Xen console hvc0) and /etc/fstab (/ on /dev/xvda). The packages
come from the Debian archive as for "xenon image pull" (verified, then cached). No root needed.
It boots with the kernel and initramfs-root.cpio that "xenon image pull" caches; the command
prints an xl.cfg for it.

Options:
  --size SIZE       file system size, e.g. 256M or 1G (K, M, G: powers of 1024; default ${DEFAULT_ROOTFS_BYTES >> 20}M)
  --format FORMAT   raw (default) or qcow2 (converted with qemu-img)
  --hostname NAME   the guest's host name (default xenon)
  --force           replace OUTPUT if it exists
${PULL_OPTIONS_HELP}`;

/** "256M" → bytes: a whole number with an optional K, M or G (binary) suffix. */
export function parseSize(text: string): number {
  const m = /^([0-9]+)([KMG]?)(i?B)?$/i.exec(text.trim());
  const shift = { '': 0, K: 10, M: 20, G: 30 }[(m?.[2] ?? '').toUpperCase() as '' | 'K' | 'M' | 'G'];
  const bytes = m === null ? NaN : Number(m[1]) * 2 ** shift;
  if (!Number.isSafeInteger(bytes) || bytes < MIN_IMAGE_BYTES || bytes % 1024 !== 0) {
    throw new XenonError('USAGE', `Cannot use the size "${text}": give a whole number of KiB of at least ${MIN_IMAGE_BYTES >> 20}M, e.g. 256M`);
  }
  return bytes;
}

function report(r: RootfsResult, secs: string): string {
  const disk = `format=${r.format}, vdev=xvda, access=rw, target=${resolve(r.output)}`;
  return (
    `rootfs     ${r.output} (${r.format}, ext4 of ${r.sizeBytes >> 20} MiB, / on /dev/xvda)\n` +
    `packages   ${r.packages.map((p) => `${p.name} ${p.version}`).join(', ')}\n` +
    `kernel     ${r.images.kernelVersion}  ${r.images.kernelImage}\n` +
    `ramdisk    ${r.images.rootInitramfs}\n` +
    `built in ${secs} s${r.fromCache ? ' (packages from the cache)' : ''}\n\n` +
    `An xl.cfg that boots it (xenon create -c FILE):\n` +
    `  name = "rootfs"\n  type = "pvh"\n  memory = 256\n` +
    `  kernel = "${r.images.kernelImage}"\n  ramdisk = "${r.images.rootInitramfs}"\n` +
    `  extra = "console=hvc0 root=/dev/xvda"\n  disk = ['${disk}']\n`
  );
}

/** Run the command; returns the process exit status. */
export async function imageRootfsCommand(argv: string[], io: CommandIo = process): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        ...PULL_ARG_OPTIONS, size: { type: 'string' }, format: { type: 'string' }, hostname: { type: 'string' }, force: { type: 'boolean' },
      },
      allowPositionals: true,
    });
  } catch (err) {
    io.stderr.write(`xenon image rootfs: ${(err as Error).message}\n${IMAGE_ROOTFS_USAGE}`);
    return new XenonError('USAGE', 'Bad arguments').exitStatus;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout.write(IMAGE_ROOTFS_USAGE);
    return 0;
  }
  const started = Date.now();
  try {
    if (positionals.length !== 1) throw new XenonError('USAGE', `Give one OUTPUT file, not ${positionals.length}; usage: xenon image rootfs OUTPUT [options]`);
    const format = values.format ?? 'raw';
    if (format !== 'raw' && format !== 'qcow2') throw new XenonError('USAGE', `Cannot write the format "${format}": use raw or qcow2`);
    const result = await buildRootfsImage({
      ...pullOptionsFrom(values, io),
      output: positionals[0]!,
      format: format as DiskFormat,
      ...(values.size !== undefined ? { sizeBytes: parseSize(values.size) } : {}),
      ...(values.hostname !== undefined ? { hostname: checkHostname(values.hostname) } : {}),
      ...(values.force === true ? { force: true } : {}),
    });
    io.stdout.write(report(result, ((Date.now() - started) / 1000).toFixed(1)));
    return 0;
  } catch (err) {
    return reportFailure(err, { command: 'xenon image rootfs', io });
  }
}
