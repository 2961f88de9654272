/**
 * `xenon start` (what `npm start` runs): Xenon as a Xen host. Fetches Debian's arm64 kernel and a
 * busybox initramfs on first use, starts the toolstack daemon, creates a Debian domU named
 * "debian" (or finds the one already running) and puts its console on this terminal. Ctrl-]
 * detaches; the domain keeps running in the daemon.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { XenonError } from '../lib/errors.js';
import type { PullOptions } from '../images/index.js';
import type { Command } from './cmdtable.js';

const USAGE = 'xenon start [--mirror URL] [--suite NAME] [--vcpus N]';
const NAME = 'debian';

function say(line: string): void {
  process.stderr.write(`xenon: ${line}\n`);
}

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
  const vcpus = values.vcpus ?? '2';
  if (!/^[1-8]$/.test(vcpus)) throw new XenonError('USAGE', `Cannot use --vcpus "${vcpus}": give a whole number from 1 to 8`);
  const opts: PullOptions = {
    ...(values.mirror !== undefined ? { mirror: values.mirror } : {}),
    ...(values.suite !== undefined ? { suite: values.suite } : {}),
  };
  // Loaded here, not at start-up: every xenon command would otherwise pay for the images code.
  const { ensureGuestImages, defaultCacheDir, DEFAULT_INIT } = await import('../images/index.js');
  // The /init is named, so an initramfs cached by an older Xenon with another /init is not reused.
  const images = await ensureGuestImages({ ...opts, initScript: DEFAULT_INIT });
  const { connectDaemon } = await import('./client.js');
  const client = await connectDaemon();
  const running = await client.request<{ name: string }[]>('GET', '/domains');
  if (!running.some((d) => d.name === NAME)) {
    const cfg = path.join(defaultCacheDir(), `${NAME}.cfg`);
    fs.writeFileSync(cfg, [
      `# Written by xenon start: Debian's ${images.kernelVersion} kernel as a Xen domU.`,
      `name = "${NAME}"`, 'type = "pvh"', 'memory = 512', `vcpus = ${vcpus}`,
      `kernel = "${images.kernelImage}"`, `ramdisk = "${images.initramfs}"`, 'extra = "console=hvc0 rdinit=/init"',
      'on_reboot = "restart"', '',
    ].join('\n'));
    const r = await client.request<{ domid: number }>('POST', '/domains', { configFile: cfg });
    say(`Debian's ${images.kernelVersion} kernel is booting as Xen domU "${NAME}" (domain ${r.domid}); its console follows.`);
  } else {
    say(`domU "${NAME}" is already running; attaching its console.`);
  }
  say('Ctrl-] detaches (the domain keeps running); "npx xenon console debian" comes back.');
  say('From another terminal: "npx xenon list"; "npx xenon shutdown debian" powers it off.');
  const { attachConsole } = await import('./console_attach.js');
  const how = await attachConsole(client, NAME);
  if (how === 'detached') say(`detached from "${NAME}"; it keeps running ("npx xenon console ${NAME}" to come back)`);
  return 0;
}

export const startCommand: Command = {
  name: 'start',
  handler: start,
  summary: 'Run Debian\'s kernel as a Xen domU with its console here (npm start)',
  usage: USAGE,
  help: [
    "Fetches Debian's arm64 kernel and busybox-static on first use (see xenon image pull), builds a busybox",
    'initramfs, starts the toolstack daemon, creates the domU "debian" (or attaches to the running one) and',
    'puts its console on this terminal.',
    '  --mirror URL   Debian archive to fetch from instead of the one apt is configured for',
    "  --suite NAME   Debian suite (default: this system's release)",
    '  --vcpus N      virtual CPUs (default 2)',
  ].join('\n'),
};
