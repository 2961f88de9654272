/**
 * `xenon image pull [--mirror URL] [--suite NAME] [--keyring FILE] [--allow-unsigned] [--cache-dir DIR] [--refresh]`.
 * The command table in src/cli registers `imagePullCommand`; this file only parses and reports.
 */
import { parseArgs } from 'node:util';
import { XenonError } from '../lib/errors.js';
import { pullGuestImages, type PullOptions } from './pull.js';

export const IMAGE_PULL_USAGE = `Usage: xenon image pull [options]

Fetch Debian's arm64 kernel (linux-image-arm64) and busybox-static from the Debian archive apt is
configured for, verify them (the Release's signature, InRelease or Release.gpg, then the Packages and
.deb SHA256s) and cache the kernel Image, busybox and a busybox initramfs under $XDG_CACHE_HOME/xenon
(or ~/.cache/xenon). A suite whose signature cannot be checked is refused.

Options:
  --mirror URL      archive base URL (holding dists/ and pool/) instead of apt's sources
  --suite NAME      suite, e.g. bookworm (default: this system's release codename)
  --keyring FILE    keyring for gpgv (default: the source's Signed-By or Debian's archive keyring)
  --allow-unsigned  trust a mirror whose Release is not signed (a local test mirror; like apt's trusted=yes)
  --cache-dir DIR   cache directory
  --refresh         fetch again even when the cache is valid
  -h, --help        show this help
`;

/** Where the command writes; the process's streams by default. */
export interface CommandIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown; readonly isTTY?: boolean };
}

/** Run the command; returns the process exit status. */
export async function imagePullCommand(argv: string[], io: CommandIo = process): Promise<number> {
  let values;
  try {
    values = parseArgs({
      args: argv,
      options: {
        mirror: { type: 'string' },
        suite: { type: 'string' },
        keyring: { type: 'string' },
        'cache-dir': { type: 'string' },
        refresh: { type: 'boolean' },
        'allow-unsigned': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: false,
    }).values;
  } catch (err) {
    io.stderr.write(`xenon image pull: ${(err as Error).message}\n${IMAGE_PULL_USAGE}`);
    return new XenonError('USAGE', 'Bad arguments').exitStatus;
  }
  if (values.help) {
    io.stdout.write(IMAGE_PULL_USAGE);
    return 0;
  }
  const opts: PullOptions = {
    ...(values.mirror !== undefined ? { mirror: values.mirror } : {}),
    ...(values.suite !== undefined ? { suite: values.suite } : {}),
    ...(values.keyring !== undefined ? { keyring: values.keyring } : {}),
    ...(values['cache-dir'] !== undefined ? { cacheDir: values['cache-dir'] } : {}),
    ...(values.refresh ? { refresh: true } : {}),
    ...(values['allow-unsigned'] === true ? { allowUnsigned: true } : {}),
    log: (line) => io.stderr.write(`${line}\n`),
    progress: io.stderr,
  };
  const started = Date.now();
  try {
    const images = await pullGuestImages(opts);
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    io.stdout.write(
      `kernel     ${images.kernelVersion}  ${images.kernelImage}\n` +
        `initramfs  ${images.initramfs}\n` +
        `busybox    ${images.busybox}\n` +
        `${images.fromCache ? 'cache was valid' : 'pulled'} in ${secs} s` +
        `${images.manifest.releaseVerified ? '' : ' (Release signature NOT verified)'}\n`,
    );
    return 0;
  } catch (err) {
    if (err instanceof XenonError) {
      io.stderr.write(`xenon image pull: ${causeChain(err)}\n`);
      return err.exitStatus;
    }
    throw err;
  }
}

/** "message: cause: cause's cause" (fetch hides the useful part, e.g. ECONNREFUSED, two levels down). */
function causeChain(err: Error): string {
  const parts: string[] = [];
  for (let e: unknown = err; e instanceof Error && parts.length < 5; e = e.cause) parts.push(e.message);
  return parts.join(': ');
}
