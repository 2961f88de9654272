/**
 * `xenon start` (what `npm start` runs): fetches the guest images on first use, then runs Debian's
 * arm64 busybox shell on our CPU. The Debian kernel it also fetches will boot here once the
 * emulated board lands; until then the shell runs under the Linux user-mode runner.
 */
import { parseArgs } from 'node:util';
import { XenonError } from '../lib/errors.js';
import type { PullOptions } from '../images/index.js';
import { runStaticElf } from '../linux_user/run.js';
import type { Command } from './cmdtable.js';

const USAGE = 'xenon start [--mirror URL] [--suite NAME]';

async function start(args: readonly string[]): Promise<number> {
  let values;
  try {
    values = parseArgs({ args: [...args], options: { mirror: { type: 'string' }, suite: { type: 'string' } }, allowPositionals: false }).values;
  } catch (e) {
    throw new XenonError('USAGE', `Bad arguments; usage: ${USAGE}`, { cause: e });
  }
  const opts: PullOptions = {
    ...(values.mirror !== undefined ? { mirror: values.mirror } : {}),
    ...(values.suite !== undefined ? { suite: values.suite } : {}),
  };
  const { ensureGuestImages } = await import('../images/index.js');
  const images = await ensureGuestImages(opts);
  const bb = images.manifest.packages.find((p) => p.role === 'busybox');
  process.stderr.write(
    `xenon: running Debian's busybox-static ${bb?.version ?? ''} shell on the Xenon AArch64 CPU (exit or Ctrl-D to leave)\n` +
      `xenon: kernel ${images.kernelVersion} is cached at ${images.kernelImage} for the emulated board\n`,
  );
  const envp = ['PATH=/bin:/usr/bin', 'PS1=xenon$ ', `HOME=${process.env.HOME ?? '/'}`, `TERM=${process.env.TERM ?? 'dumb'}`];
  return runStaticElf({ exe: images.busybox, argv: ['sh'], envp, memoryBytes: 256 << 20, trace: false });
}

export const startCommand: Command = {
  name: 'start',
  handler: start,
  summary: 'Fetch the guest images if needed and run a guest (npm start)',
  usage: USAGE,
  help: [
    "Fetches Debian's arm64 kernel and busybox-static on first use (see xenon image pull), then runs the",
    'busybox shell on the Xenon CPU with the Linux user-mode runner.',
    '  --mirror URL   Debian archive to fetch from instead of the one apt is configured for',
    '  --suite NAME   Debian suite (default: this system\'s release)',
  ].join('\n'),
};
