/**
 * `xenon image pull [--mirror URL] [--suite NAME] [--keyring FILE] [--allow-unsigned] [--cache-dir DIR] [--refresh]`.
 * The command table in src/cli registers `imagePullCommand`; this file only parses and reports.
 */
import { parseArgs } from 'node:util';
import { XenonError } from '../lib/errors.js';
import { pullGuestImages, type PullOptions } from './pull.js';

/** The help lines of `PULL_ARG_OPTIONS`. */
export const PULL_OPTIONS_HELP = `  --mirror URL      archive base URL (holding dists/ and pool/) instead of apt's sources
  --suite NAME      suite, e.g. bookworm (default: this system's release codename)
  --keyring FILE    keyring for gpgv (default: the source's Signed-By or Debian's archive keyring)
  --allow-unsigned  trust a mirror whose Release is not signed (a local test mirror; like apt's trusted=yes)
  --cache-dir DIR   cache directory
  --refresh         fetch again even when the cache is valid
  -h, --help        show this help
`;

export const IMAGE_PULL_USAGE = `Usage: xenon image pull [options]

Fetch Debian's arm64 kernel (linux-image-arm64) and busybox-static from the Debian archive apt is
configured for, verify them (the Release's signature, InRelease or Release.gpg, then the Packages and
.deb SHA256s) and cache the kernel Image, busybox, a busybox initramfs and the initramfs that boots a
root filesystem on a disk (initramfs-root.cpio: xen-blkfront, ext4, root= on the kernel command line)
under $XDG_CACHE_HOME/xenon (or ~/.cache/xenon). A suite whose signature cannot be checked is refused.

Options:
${PULL_OPTIONS_HELP}`;

/** Where the command writes; the process's streams by default. */
export interface CommandIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown; readonly isTTY?: boolean };
}

/** The options `pull` and `rootfs` share: where packages come from and the cache (parseArgs's form). */
export const PULL_ARG_OPTIONS = {
  mirror: { type: 'string' },
  suite: { type: 'string' },
  keyring: { type: 'string' },
  'cache-dir': { type: 'string' },
  refresh: { type: 'boolean' },
  'allow-unsigned': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** `PullOptions` from the parsed shared options, logging and progress to the command's stderr. */
export function pullOptionsFrom(
  values: { mirror?: string; suite?: string; keyring?: string; 'cache-dir'?: string; refresh?: boolean; 'allow-unsigned'?: boolean },
  io: CommandIo,
): PullOptions {
  return {
    ...(values.mirror !== undefined ? { mirror: values.mirror } : {}),
    ...(values.suite !== undefined ? { suite: values.suite } : {}),
    ...(values.keyring !== undefined ? { keyring: values.keyring } : {}),
    ...(values['cache-dir'] !== undefined ? { cacheDir: values['cache-dir'] } : {}),
    ...(values.refresh === true ? { refresh: true } : {}),
    ...(values['allow-unsigned'] === true ? { allowUnsigned: true } : {}),
    log: (line) => io.stderr.write(`${line}\n`),
    progress: io.stderr,
  };
}

/** Run the command; returns the process exit status. */
export async function imagePullCommand(argv: string[], io: CommandIo = process): Promise<number> {
  let values;
  try {
    values = parseArgs({ args: argv, options: PULL_ARG_OPTIONS, allowPositionals: false }).values;
  } catch (err) {
    io.stderr.write(`xenon image pull: ${(err as Error).message}\n${IMAGE_PULL_USAGE}`);
    return new XenonError('USAGE', 'Bad arguments').exitStatus;
  }
  if (values.help) {
    io.stdout.write(IMAGE_PULL_USAGE);
    return 0;
  }
  const opts = pullOptionsFrom(values, io);
  const started = Date.now();
  try {
    const images = await pullGuestImages(opts);
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    io.stdout.write(
      `kernel     ${images.kernelVersion}  ${images.kernelImage}\n` +
        `initramfs  ${images.initramfs}\n` +
        `root boot  ${images.rootInitramfs}\n` +
        `busybox    ${images.busybox}\n` +
        `${images.fromCache ? 'cache was valid' : 'pulled'} in ${secs} s` +
        `${images.manifest.releaseVerified ? '' : ' (Release signature NOT verified)'}\n`,
    );
    return 0;
  } catch (err) {
    return reportFailure(err, { command: 'xenon image pull', io });
  }
}

/** A XenonError's message and causes on stderr, its exit status returned; anything else is a bug and rethrown. */
export function reportFailure(err: unknown, o: { readonly command: string; readonly io: CommandIo }): number {
  if (!(err instanceof XenonError)) throw err;
  o.io.stderr.write(`${o.command}: ${causeChain(err)}\n`);
  return err.exitStatus;
}

/** "message: cause: cause's cause" (fetch hides the useful part, e.g. ECONNREFUSED, two levels down). */
function causeChain(err: Error): string {
  const parts: string[] = [];
  for (let e: unknown = err; e instanceof Error && parts.length < 5; e = e.cause) parts.push(e.message);
  return parts.join(': ');
}
