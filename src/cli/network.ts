/**
 * xl's virtual network device commands as clients of the daemon (xl_nic.c): network-attach,
 * network-list and network-detach, with xl's arguments.
 */
import type { NicAttachRequest, NicSummary } from '../daemon/api.js';
import { XenonError } from '../lib/errors.js';
import { parseNicSpec } from '../toolstack/config/index.js';
import { formatNetworkList } from '../toolstack/xl_format.js';
import { connectDaemon } from './client.js';
import type { Command } from './cmdtable.js';
import { printDeviceLists } from './device_list.js';
import { domainPath, parse } from './vmcontrol.js';

const ATTACH_USAGE = 'xenon network-attach DOMAIN [VIF-SPEC-COMPONENT...]';
const LIST_USAGE = 'xenon network-list DOMAIN...';
const DETACH_USAGE = 'xenon network-detach DOMAIN DEVID|MAC';

/**
 * The attach request for network-attach's components, parsed here first so that a bad spec is
 * reported before the daemon is asked (the devid and MAC defaults are the daemon's to pick), with
 * the warnings xl prints for keys it ignores, named after the command line.
 */
export function nicAttachRequest(components: readonly string[]): { body: NicAttachRequest; warnings: string[] } {
  const { warnings } = parseNicSpec(components.join(','), { index: 0, at: { source: 'command line' }, random: (n) => new Uint8Array(n) });
  return { body: { spec: components }, warnings };
}

export const networkAttachCommand: Command = {
  name: 'network-attach', summary: 'Attach a new virtual NIC to a running domain (xl network-attach)', usage: ATTACH_USAGE,
  help: [
    '  The components form one vif specification (xl-network-configuration(5)), e.g.',
    '  "xenon network-attach guest bridge=xenbr0 mac=00:16:3e:12:34:56"; with none, the NIC takes every default:',
    '  the next free devid, a random MAC in Xen\'s OUI 00:16:3e, bridge xenbr0',
  ].join('\n'),
  handler: async (args) => {
    const p = parse('network-attach', ATTACH_USAGE, args);
    if (p.positionals.length < 1) throw new XenonError('USAGE', `network-attach takes a domain and a vif specification; usage: ${ATTACH_USAGE}`);
    const [ref, ...components] = p.positionals as [string, ...string[]];
    const { body, warnings } = nicAttachRequest(components);
    for (const w of warnings) process.stderr.write(`xenon: warning: ${w}\n`);
    await (await connectDaemon()).request('POST', `${domainPath(ref)}/nics`, body);
    return 0;
  },
};

export const networkListCommand: Command = {
  name: 'network-list', summary: 'List a domain\'s virtual NICs (xl network-list)', usage: LIST_USAGE,
  help: '  The table of every domain named; a domain that cannot be listed is reported and skipped (exit status 1)',
  handler: async (args) => {
    const p = parse('network-list', LIST_USAGE, args);
    if (p.positionals.length === 0) throw new XenonError('USAGE', `network-list takes one or more domains; usage: ${LIST_USAGE}`);
    return printDeviceLists<NicSummary>(p.positionals, { resource: 'nics', format: formatNetworkList });
  },
};

export const networkDetachCommand: Command = {
  name: 'network-detach', summary: 'Detach a virtual NIC from a domain (xl network-detach)', usage: DETACH_USAGE,
  help: '  DEVID: the NIC\'s device number, as network-list\'s Idx column shows it (0); MAC: its address (00:16:3e:12:34:56)',
  handler: async (args) => {
    const p = parse('network-detach', DETACH_USAGE, args);
    if (p.positionals.length !== 2) throw new XenonError('USAGE', `network-detach takes a domain and a NIC; usage: ${DETACH_USAGE}`);
    const [ref, nic] = p.positionals as [string, string];
    await (await connectDaemon()).request('DELETE', `${domainPath(ref)}/nics/${encodeURIComponent(nic)}`);
    return 0;
  },
};

export const NETWORK_COMMANDS: readonly Command[] = [networkAttachCommand, networkListCommand, networkDetachCommand];
