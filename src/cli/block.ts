/**
 * xl's virtual block device commands as clients of the daemon (xl_block.c): block-attach,
 * block-list and block-detach, with xl's arguments.
 */
import * as path from 'node:path';
import type { DiskAttachRequest, DiskSummary } from '../daemon/api.js';
import { XenonError } from '../lib/errors.js';
import { formatDiskSpec, parseDiskSpec } from '../toolstack/config/index.js';
import { formatBlockList } from '../toolstack/xl_format.js';
import { connectDaemon } from './client.js';
import type { Command } from './cmdtable.js';
import { printDeviceLists } from './device_list.js';
import { domainPath, parse } from './vmcontrol.js';

const ATTACH_USAGE = 'xenon block-attach DOMAIN DISK-SPEC-COMPONENT...';
const LIST_USAGE = 'xenon block-list DOMAIN...';
const DETACH_USAGE = 'xenon block-detach [-f] DOMAIN VDEV|DEVID';

/**
 * The attach request for block-attach's components: parsed here first (a bad spec is reported
 * before the daemon is asked), and, when the image is a relative path, sent as one spec with the
 * path resolved against this process's working directory (xl's, as libxl runs inside it); the
 * daemon runs elsewhere.
 */
export function diskAttachRequest(components: readonly string[], cwd: string): DiskAttachRequest {
  const spec = parseDiskSpec(components, { source: 'command line' });
  if (spec.target === undefined || path.isAbsolute(spec.target)) return { spec: components };
  return { spec: formatDiskSpec({ ...spec, target: path.resolve(cwd, spec.target) }) };
}

export const blockAttachCommand: Command = {
  name: 'block-attach', summary: 'Attach a new virtual disk to a running domain (xl block-attach)', usage: ATTACH_USAGE,
  help: [
    '  The components form one disk specification (xl-disk-configuration(5)), e.g.',
    '  "xenon block-attach guest format=raw,vdev=xvdb,access=rw,target=disk.img" or "xenon block-attach guest disk.img raw xvdb rw";',
    '  a relative image path is taken from the current directory',
  ].join('\n'),
  handler: async (args) => {
    const p = parse('block-attach', ATTACH_USAGE, args);
    if (p.positionals.length < 2) throw new XenonError('USAGE', `block-attach takes a domain and a disk specification; usage: ${ATTACH_USAGE}`);
    const [ref, ...components] = p.positionals as [string, ...string[]];
    const body = diskAttachRequest(components, process.cwd());
    await (await connectDaemon()).request('POST', `${domainPath(ref)}/disks`, body);
    return 0;
  },
};

export const blockListCommand: Command = {
  name: 'block-list', summary: 'List a domain\'s virtual disks (xl block-list)', usage: LIST_USAGE,
  help: '  The table of every domain named; a domain that cannot be listed is reported and skipped (exit status 1)',
  handler: async (args) => {
    const p = parse('block-list', LIST_USAGE, args);
    if (p.positionals.length === 0) throw new XenonError('USAGE', `block-list takes one or more domains; usage: ${LIST_USAGE}`);
    return printDeviceLists<DiskSummary>(p.positionals, { resource: 'disks', format: formatBlockList });
  },
};

export const blockDetachCommand: Command = {
  name: 'block-detach', summary: 'Detach a virtual disk from a domain (xl block-detach)', usage: DETACH_USAGE,
  help: [
    '  VDEV: the disk\'s name in the domain\'s configuration (xvdb); DEVID: its device number, as block-list shows it (51728)',
    '  -f, --force   do not wait for the guest to let go of the disk (for a guest that does not answer)',
  ].join('\n'),
  handler: async (args) => {
    const p = parse('block-detach', DETACH_USAGE, args, { force: { type: 'boolean', short: 'f' } });
    if (p.positionals.length !== 2) throw new XenonError('USAGE', `block-detach takes a domain and a disk; usage: ${DETACH_USAGE}`);
    const [ref, disk] = p.positionals as [string, string];
    const query = p.values.force === true ? '?force=1' : '';
    await (await connectDaemon()).request('DELETE', `${domainPath(ref)}/disks/${encodeURIComponent(disk)}${query}`);
    return 0;
  },
};

export const BLOCK_COMMANDS: readonly Command[] = [blockAttachCommand, blockListCommand, blockDetachCommand];
