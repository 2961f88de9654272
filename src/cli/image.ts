/** `xenon image <subcommand>`: guest images (src/images). */
import { XenonError } from '../lib/errors.js';
import { IMAGE_PULL_USAGE, imagePullCommand } from '../images/index.js';
import type { Command } from './cmdtable.js';

function image(args: readonly string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'pull') return imagePullCommand([...rest]);
  throw new XenonError('USAGE', sub === undefined ? 'Missing the subcommand; usage: xenon image pull [options]' : `Unknown image subcommand "${sub}"`);
}

export const imageCommand: Command = {
  name: 'image',
  handler: image,
  summary: "Fetch and cache guest images (Debian's arm64 kernel and busybox)",
  usage: 'xenon image pull [options]',
  help: IMAGE_PULL_USAGE.split('\n').slice(2).join('\n'),
};
