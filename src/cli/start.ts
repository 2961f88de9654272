/**
 * `xenon start` (what `npm start` runs): fetches Debian's arm64 kernel and a busybox initramfs on
 * first use, then boots that kernel on the emulated `virt` board with the UART on the terminal.
 */
import { parseArgs } from 'node:util';
import { XenonError } from '../lib/errors.js';
import type { PullOptions } from '../images/index.js';
import type { Command } from './cmdtable.js';

const USAGE = 'xenon start [--mirror URL] [--suite NAME] [--vcpus N]';

async function start(args: readonly string[]): Promise<number> {
  let values;
  try {
    values = parseArgs({
      args: [...args],
      options: { mirror: { type: 'string' }, suite: { type: 'string' }, vcpus: { type: 'string' } },
      allowPositionals: false,
    }).values;
  } catch (e) {
    throw new XenonError('USAGE', `Bad arguments; usage: ${USAGE}`, { cause: e });
  }
  const opts: PullOptions = {
    ...(values.mirror !== undefined ? { mirror: values.mirror } : {}),
    ...(values.suite !== undefined ? { suite: values.suite } : {}),
  };
  // Loaded here, not at start-up: every xenon command would otherwise pay for the images and board code.
  const { ensureGuestImages } = await import('../images/index.js');
  const images = await ensureGuestImages(opts);
  process.stderr.write(
    `xenon: booting Debian's ${images.kernelVersion} kernel on the Xenon CPU (virt board; Ctrl-] then q quits, poweroff -f powers off)\n`,
  );
  const { bootCommand } = await import('./boot.js');
  return bootCommand.handler(['--kernel', images.kernelImage, '--initrd', images.initramfs, '--vcpus', values.vcpus ?? '2']);
}

export const startCommand: Command = {
  name: 'start',
  handler: start,
  summary: 'Fetch the guest images if needed and boot Debian\'s kernel to a shell (npm start)',
  usage: USAGE,
  help: [
    "Fetches Debian's arm64 kernel and busybox-static on first use (see xenon image pull), builds a busybox",
    'initramfs, and boots the kernel on the virt board (xenon boot) with the console on this terminal.',
    '  --mirror URL   Debian archive to fetch from instead of the one apt is configured for',
    "  --suite NAME   Debian suite (default: this system's release)",
    '  --vcpus N      virtual CPUs (default 2)',
  ].join('\n'),
};
