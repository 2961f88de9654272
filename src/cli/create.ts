/**
 * `xenon create [-c] [-p] [-n] CONFIG [KEY=VALUE...]`: xl create. The daemon (started on demand)
 * reads the xl.cfg and builds the domain; -c then attaches its console (Ctrl-] detaches, the domain
 * keeps running), -p leaves it paused, -n only prints the parsed configuration as JSON.
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { XenonError } from '../lib/errors.js';
import type { CreateResponse } from '../daemon/api.js';
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
  process.stderr.write(`Parsing config from ${file}\n`);
  if (parsed.values.dryrun === true) {
    const { loadDomainConfig } = await import('../daemon/domain_config_files.js');
    const loaded = loadDomainConfig(file, overrides);
    for (const w of loaded.warnings) process.stderr.write(`xenon: warning: ${w}\n`);
    process.stdout.write(`${JSON.stringify(loaded.json, null, 4)}\n`);
    return 0;
  }
  const { connectDaemon } = await import('./client.js');
  const client = await connectDaemon();
  const r = await client.request<CreateResponse>('POST', '/domains', { configFile: path.resolve(file), overrides, paused: parsed.values.paused === true });
  for (const w of r.warnings) process.stderr.write(`xenon: warning: ${w}\n`);
  if (parsed.values.console !== true) return 0;
  const { attachConsole } = await import('./console_attach.js');
  await attachConsole(client, String(r.domid));
  return 0;
}

export const createCommand: Command = {
  name: 'create',
  handler: create,
  summary: 'Create a domain from an xl.cfg file (xl create)',
  usage: USAGE,
  help: [
    '  -c   attach the domain\'s console (Ctrl-] detaches; the domain keeps running)',
    '  -p   leave the domain paused after creating it',
    '  -n   dry run: print the parsed configuration as JSON and create nothing',
    '  KEY=VALUE after the file overrides a setting, as an extra line of the file would',
  ].join('\n'),
};
