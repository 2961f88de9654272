/** `xenon image <subcommand>`: guest images (src/images). */
import { XenonError } from '../lib/errors.js';
import type { Command } from './cmdtable.js';

/** The images code (and its xz decoder) loads only when an image command runs: every xenon start-up pays for what it imports. */
async function image(args: readonly string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'pull') return (await import('../images/index.js')).imagePullCommand([...rest]);
  throw new XenonError('USAGE', sub === undefined ? 'Missing the subcommand; usage: xenon image pull [options]' : `Unknown image subcommand "${sub}"`);
}

export const imageCommand: Command = {
  name: 'image',
  handler: image,
  summary: "Fetch and cache guest images (Debian's arm64 kernel and busybox)",
  usage: 'xenon image pull [options]',
  help: 'Run "xenon image pull --help" for the options.',
};
