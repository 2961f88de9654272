/**
 * `xenon create [-c] [-p] [-n] CONFIG [KEY=VALUE...]`: xl create. Reads the xl.cfg, builds the
 * domain and runs it. With -c the domain's console is on the terminal (Ctrl-] detaches, as in xl);
 * -p leaves it paused, -n only prints the parsed configuration as JSON. Until the toolstack daemon
 * exists, the domain lives in this process: the command returns when the domain is gone (after
 * its on_poweroff/on_reboot/on_crash actions), with xl's exit status. While it runs, xenstored
 * answers Debian's xenstore-utils on its socket.
 */
import { parseArgs } from 'node:util';
import { XenonError } from '../lib/errors.js';
import type { Command } from './cmdtable.js';

const USAGE = 'xenon create [-c] [-p] [-n] CONFIG [KEY=VALUE...]';

async function create(args: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      options: { console: { type: 'boolean', short: 'c' }, paused: { type: 'boolean', short: 'p' }, dryrun: { type: 'boolean', short: 'n' } },
      allowPositionals: true,
    });
  } catch (e) {
    throw new XenonError('USAGE', `Bad arguments; usage: ${USAGE}`, { cause: e });
  }
  const [file, ...overrides] = parsed.positionals;
  if (file === undefined) throw new XenonError('USAGE', `Missing the configuration file; usage: ${USAGE}`);
  const { loadDomainConfig, domainSpecFrom } = await import('./create_config.js');
  const loaded = loadDomainConfig(file, overrides);
  for (const w of loaded.warnings) process.stderr.write(`xenon: warning: ${w}\n`);
  if (parsed.values.dryrun === true) {
    process.stdout.write(`${JSON.stringify(loaded.json, null, 4)}\n`);
    return 0;
  }
  const spec = domainSpecFrom(loaded);
  const { runDomainInForeground } = await import('../main/foreground.js');
  return runDomainInForeground(spec, { console: parsed.values.console === true, paused: parsed.values.paused === true });
}

export const createCommand: Command = {
  name: 'create',
  handler: create,
  summary: 'Create a domain from an xl.cfg file (xl create)',
  usage: USAGE,
  help: [
    '  -c   attach the domain\'s console (Ctrl-] detaches; the domain keeps running until it shuts down)',
    '  -p   leave the domain paused after creating it',
    '  -n   dry run: print the parsed configuration as JSON and create nothing',
    '  KEY=VALUE after the file overrides a setting, as an extra line of the file would',
  ].join('\n'),
};
