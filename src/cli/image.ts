/** `xenon image <subcommand>`: guest images (src/images). */
import { XenonError } from '../lib/errors.js';
import type { Command } from './cmdtable.js';

const USAGE = 'xenon image pull [options] | xenon image rootfs OUTPUT [options]';

/** The images code (and its xz decoder) loads only when an image command runs: every xenon start-up pays for what it imports. */
async function image(args: readonly string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'pull') return (await import('../images/index.js')).imagePullCommand([...rest]);
  if (sub === 'rootfs') return (await import('../images/index.js')).imageRootfsCommand([...rest]);
  throw new XenonError('USAGE', sub === undefined ? `Missing the subcommand; usage: ${USAGE}` : `Unknown image subcommand "${sub}"; usage: ${USAGE}`);
}

export const imageCommand: Command = {
  name: 'image',
  handler: image,
  summary: "Fetch and cache guest images (Debian's arm64 kernel and busybox); build a root filesystem disk image",
  usage: USAGE,
  help: 'Run "xenon image pull --help" or "xenon image rootfs --help" for the options.',
};
