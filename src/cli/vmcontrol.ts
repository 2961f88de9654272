/**
 * xl's domain commands as thin clients of the daemon's API (xl_vmcontrol.c, xl_list.c, xl_misc.c,
 * xl_vcpu.c, xl_mem.c): list, console, shutdown, reboot, destroy, pause, unpause, domid, domname,
 * uptime, dmesg, vcpu-list, vcpu-set, mem-set, mem-max, sysrq, rename, info, and `debug counters`
 * (per-domain hypercall, -ENOSYS and exit counts).
 */
import { parseArgs } from 'node:util';
import type { DomainSummary, HostInfo } from '../daemon/api.js';
import { XenonError } from '../lib/errors.js';
import { formatXlInfo, formatXlList, formatXlUptime } from '../toolstack/xl_format.js';
import { connectDaemon, type DaemonClient } from './client.js';
import type { Command } from './cmdtable.js';

export function parse(name: string, usage: string, args: readonly string[], options: Record<string, { type: 'boolean'; short: string }> = {}) {
  try {
    return parseArgs({ args: [...args], options, allowPositionals: true });
  } catch (e) {
    throw new XenonError('USAGE', `Bad arguments to ${name}; usage: ${usage}`, { cause: e });
  }
}

function oneDomain(name: string, usage: string, positionals: readonly string[]): string {
  if (positionals.length !== 1) throw new XenonError('USAGE', `${name} takes one domain (a name or an id); usage: ${usage}`);
  return positionals[0]!;
}

export const domainPath = (ref: string) => `/domains/${encodeURIComponent(ref)}`;

const REASON_CODES: Record<string, number> = { poweroff: 0, reboot: 1, suspend: 2, crash: 3, watchdog: 4, soft_reset: 5 };

async function list(args: readonly string[]): Promise<number> {
  const p = parse('list', 'xenon list [-l] [-v] [DOMAIN...]', args, { long: { type: 'boolean', short: 'l' }, verbose: { type: 'boolean', short: 'v' } });
  const client = await connectDaemon();
  let domains = await client.request<DomainSummary[]>('GET', '/domains');
  if (p.positionals.length > 0) {
    domains = domains.filter((d) => p.positionals.includes(d.name) || p.positionals.includes(String(d.domid)));
    const missing = p.positionals.filter((r) => !domains.some((d) => d.name === r || String(d.domid) === r));
    if (missing.length > 0) throw new XenonError('DAEMON', `Domain "${missing[0]}" does not exist`);
  }
  if (p.values.long === true) {
    process.stdout.write(`${JSON.stringify(domains, null, 4)}\n`);
    return 0;
  }
  process.stdout.write(formatXlList(domains.map((d) => ({
    name: d.name, domid: d.domid, memoryMiB: d.memoryMiB, vcpus: d.vcpus, cpuTimeS: d.cpuTimeS, uuid: d.uuid,
    flags: {
      running: d.state === 'running' && !d.blocked, blocked: d.state === 'running' && d.blocked, paused: d.state === 'paused',
      shutdown: d.state === 'shutdown', shutdownCode: d.shutdownReason === null ? null : (REASON_CODES[d.shutdownReason] ?? null), dying: d.state === 'dying',
    },
  })), { verbose: p.values.verbose === true }));
  return 0;
}

/**
 * xl shutdown/reboot: asks the guest through xenstore; -a every domain but Domain-0, -w waits until
 * they have shut down, -F is accepted (Xenon's HVM board has no ACPI power button to fall back on,
 * and the daemon says so for such a domain).
 */
function shutdownCommand(kind: 'shutdown' | 'reboot'): Command {
  const usage = `xenon ${kind} [-a] [-w] [-F] [DOMAIN]`;
  return {
    name: kind,
    summary: kind === 'shutdown' ? 'Ask a domain to shut down (xl shutdown)' : 'Ask a domain to reboot (xl reboot)',
    usage,
    help: [
      '  -a   every domain but Domain-0',
      `  -w   wait for the domain${kind === 'shutdown' ? 's to shut down' : 's to be restarted'}`,
      '  -F   fall back to an ACPI power event for a guest without PV drivers (none on Xenon\'s HVM board: refused)',
    ].join('\n'),
    handler: async (args) => {
      const p = parse(kind, usage, args, { all: { type: 'boolean', short: 'a' }, wait: { type: 'boolean', short: 'w' }, fallback: { type: 'boolean', short: 'F' } });
      const all = p.values.all === true;
      if (all ? p.positionals.length !== 0 : p.positionals.length !== 1) {
        throw new XenonError('USAGE', all ? `-a takes no domain; usage: ${usage}` : `${kind} takes one domain (a name or an id); usage: ${usage}`);
      }
      const client = await connectDaemon();
      const targets = all
        ? (await client.request<DomainSummary[]>('GET', '/domains')).filter((d) => d.domid !== 0 && (d.state === 'running' || d.state === 'paused'))
        : [await client.request<DomainSummary>('GET', domainPath(p.positionals[0]!))];
      const action = p.values.fallback === true ? `${kind}-fallback` : kind;
      for (const d of targets) {
        process.stdout.write(`${kind === 'shutdown' ? 'Shutting down' : 'Rebooting'} domain ${d.domid}\n`);
        await client.request('PUT', `${domainPath(String(d.domid))}/actions`, { action });
      }
      if (p.values.wait !== true) return 0;
      process.stdout.write(`Waiting for ${targets.length} domains\n`);
      await Promise.all(targets.map(async (d) => {
        const reason = await waitForShutdown(client, d.domid);
        process.stdout.write(`Domain ${d.domid} has been shut down, reason code ${reason}\n`);
      }));
      return 0;
    },
  };
}

/** Polls until domain `domid` has shut down or is gone; returns the reason code xl prints. */
async function waitForShutdown(client: DaemonClient, domid: number): Promise<number> {
  let last: DomainSummary | null = null;
  for (;;) {
    const all = await client.request<DomainSummary[]>('GET', '/domains');
    const d = all.find((x) => x.domid === domid);
    if (d === undefined) return REASON_CODES[last?.shutdownReason ?? 'poweroff'] ?? 0;
    if (d.state === 'shutdown' && d.shutdownReason !== null) return REASON_CODES[d.shutdownReason] ?? 0;
    last = d;
    await new Promise((r) => setTimeout(r, 200));
  }
}

function actionCommand(action: 'destroy' | 'pause' | 'unpause', summary: string): Command {
  const usage = `xenon ${action} DOMAIN`;
  return {
    name: action, summary, usage, help: '',
    handler: async (args) => {
      const ref = oneDomain(action, usage, parse(action, usage, args).positionals);
      const client = await connectDaemon();
      await client.request('PUT', `${domainPath(ref)}/actions`, { action });
      return 0;
    },
  };
}

export const listCommand: Command = {
  name: 'list', handler: list, summary: 'List domains (xl list)', usage: 'xenon list [-l] [-v] [DOMAIN...]',
  help: '  -l   every field, as JSON\n  -v   also the UUID, the shutdown reason code and the security label',
};

export const consoleCommand: Command = {
  name: 'console', summary: 'Attach to a domain\'s console (xl console; Ctrl-] detaches)', usage: 'xenon console DOMAIN', help: '',
  handler: async (args) => {
    const ref = oneDomain('console', 'xenon console DOMAIN', parse('console', 'xenon console DOMAIN', args).positionals);
    const { attachConsole } = await import('./console_attach.js');
    await attachConsole(await connectDaemon(), ref);
    return 0;
  },
};

export const domidCommand: Command = {
  name: 'domid', summary: 'The id of a named domain (xl domid)', usage: 'xenon domid NAME', help: '',
  handler: async (args) => {
    const ref = oneDomain('domid', 'xenon domid NAME', parse('domid', 'xenon domid NAME', args).positionals);
    process.stdout.write(`${(await (await connectDaemon()).request<DomainSummary>('GET', domainPath(ref))).domid}\n`);
    return 0;
  },
};

export const domnameCommand: Command = {
  name: 'domname', summary: 'The name of a domain id (xl domname)', usage: 'xenon domname ID', help: '',
  handler: async (args) => {
    const ref = oneDomain('domname', 'xenon domname ID', parse('domname', 'xenon domname ID', args).positionals);
    if (!/^\d+$/.test(ref)) throw new XenonError('USAGE', `"${ref}" is not a domain id`);
    process.stdout.write(`${(await (await connectDaemon()).request<DomainSummary>('GET', domainPath(ref))).name}\n`);
    return 0;
  },
};

export const uptimeCommand: Command = {
  name: 'uptime', summary: 'How long each domain has run (xl uptime)', usage: 'xenon uptime', help: '',
  handler: async () => {
    const domains = await (await connectDaemon()).request<DomainSummary[]>('GET', '/domains');
    process.stdout.write(formatXlUptime(domains.map((d) => ({ name: d.name, domid: d.domid, uptimeS: d.uptimeS }))));
    return 0;
  },
};

export const dmesgCommand: Command = {
  name: 'dmesg', summary: 'The hypervisor\'s log (xl dmesg)', usage: 'xenon dmesg [-c]', help: '  -c   clear the log after printing it',
  handler: async (args) => {
    const p = parse('dmesg', 'xenon dmesg [-c]', args, { clear: { type: 'boolean', short: 'c' } });
    process.stdout.write(await (await connectDaemon()).request<string>('GET', `/dmesg${p.values.clear === true ? '?clear=1' : ''}`));
    return 0;
  },
};

export const debugCommand: Command = {
  name: 'debug', summary: 'A domain\'s debug counters: hypercalls, -ENOSYS answers, exits', usage: 'xenon debug counters DOMAIN', help: '',
  handler: async (args) => {
    const p = parse('debug', 'xenon debug counters DOMAIN', args);
    if (p.positionals[0] !== 'counters' || p.positionals.length !== 2) throw new XenonError('USAGE', 'Usage: xenon debug counters DOMAIN');
    const c = await (await connectDaemon()).request<unknown>('GET', `${domainPath(p.positionals[1]!)}/counters`);
    process.stdout.write(`${JSON.stringify(c, null, 2)}\n`);
    return 0;
  },
};

export const daemonCommand: Command = {
  name: 'daemon', summary: 'Run the toolstack daemon in the foreground (other commands start it on demand)', usage: 'xenon daemon [--net SPEC]...',
  help: `Networks: each bridge a vif names is a virtual switch joining the guests on it. A bridge can
also have an uplink to the host: passt (user-mode NAT, DHCP, DNS, port forwards), or as root a
TAP device for the host's own bridging or routing (made through socat). Uplinks are set in
the daemon's configuration file ($XENON_CONFIG, /etc/xenon/xenond.conf as root, else
~/.config/xenon/xenond.conf) as  network = [ "bridge=xenbr0, uplink=passt, tcp=8080:80" ]
or with --net SPEC (replacing the file's entry for that bridge). SPEC items: bridge=NAME,
uplink=passt|tap|none, tap=DEVICE (default xenon-BRIDGE), and for passt tcp=[ADDR/]HOSTPORT:GUESTPORT
and udp=... (repeatable), address=, prefix=, gateway=, dns= (repeatable, or none),
map-gateway-to-host=0|1.
`,
  handler: async (args) => {
    let net: string[];
    try {
      const p = parseArgs({ args: [...args], options: { net: { type: 'string', multiple: true } }, allowPositionals: false });
      net = p.values.net ?? [];
    } catch (e) {
      throw new XenonError('USAGE', 'Bad arguments to daemon; usage: xenon daemon [--net SPEC]...', { cause: e });
    }
    const { startDaemon } = await import('../main/daemon.js');
    const { defaultDaemonConfigPath, defaultDaemonLogPath, defaultDaemonSocketPath } = await import('../main/paths.js');
    const { readDaemonUplinks } = await import('../main/daemon_config.js');
    const uplinks = readDaemonUplinks(defaultDaemonConfigPath(), net);
    const d = await startDaemon({ socketPath: defaultDaemonSocketPath(), logPath: defaultDaemonLogPath(), uplinks });
    const stop = () => void d.stop();
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    await d.stopped;
    return 0;
  },
};

/** xl's memory sizes: a number with an optional unit b, k, m, g or t; kiB when there is none. */
export function parseMemoryKiB(text: string): number {
  const m = /^(\d+)([bkmgt]?)$/i.exec(text.trim());
  if (m === null) throw new XenonError('USAGE', `Invalid memory size "${text}": give a number with an optional unit b, k, m, g or t`);
  const shift = { b: -10, k: 0, m: 10, g: 20, t: 30, '': 0 }[m[2]!.toLowerCase() as 'b' | 'k' | 'm' | 'g' | 't' | '']!;
  return Math.floor(Number(m[1]) * 2 ** shift);
}

/** A command `xenon NAME DOMAIN VALUE` that PUTs one resource of the domain. */
function putCommand(name: string, summary: string, usage: string, resource: string, body: (value: string) => unknown): Command {
  return {
    name, summary, usage, help: '',
    handler: async (args) => {
      const p = parse(name, usage, args);
      if (p.positionals.length !== 2) throw new XenonError('USAGE', `Usage: ${usage}`);
      await (await connectDaemon()).request('PUT', `${domainPath(p.positionals[0]!)}/${resource}`, body(p.positionals[1]!));
      return 0;
    },
  };
}

export const wholeNumber = (what: string, v: string): number => {
  if (!/^\d+$/.test(v)) throw new XenonError('USAGE', `${what} must be a whole number, not "${v}"`);
  return Number(v);
};

export const infoCommand: Command = {
  name: 'info', summary: 'The host and the Xen it presents (xl info)', usage: 'xenon info', help: '',
  handler: async () => {
    const i = await (await connectDaemon()).request<HostInfo>('GET', '/info');
    process.stdout.write(formatXlInfo([
      ['host', i.host], ['release', i.release], ['version', i.version], ['machine', i.machine], ['nr_cpus', i.nrCpus],
      ['cpu_mhz', i.cpuMhz.toFixed(3)], ['total_memory', i.totalMemoryMiB], ['free_memory', i.freeMemoryMiB],
      ['xen_major', i.xenMajor], ['xen_minor', i.xenMinor], ['xen_extra', i.xenExtra], ['xen_version', `${i.xenMajor}.${i.xenMinor}${i.xenExtra}`],
      ['xen_caps', i.xenCaps], ['xen_scheduler', i.xenScheduler], ['xen_pagesize', i.xenPagesize], ['xen_commandline', i.xenCommandline],
    ]));
    return 0;
  },
};

export const VMCONTROL_COMMANDS: readonly Command[] = [
  listCommand, consoleCommand, shutdownCommand('shutdown'), shutdownCommand('reboot'),
  actionCommand('destroy', 'Destroy a domain at once (xl destroy)'), actionCommand('pause', 'Pause a domain (xl pause)'),
  actionCommand('unpause', 'Unpause a domain (xl unpause)'), domidCommand, domnameCommand, uptimeCommand, dmesgCommand, debugCommand, daemonCommand,
  infoCommand,
  putCommand('vcpu-set', 'Set how many vCPUs are online (xl vcpu-set)', 'xenon vcpu-set DOMAIN N', 'vcpus', (v) => ({ online: wholeNumber('The vCPU count', v) })),
  putCommand('mem-set', 'Set the balloon target (xl mem-set; default unit kiB)', 'xenon mem-set DOMAIN MEM', 'memory', (v) => ({ targetKiB: parseMemoryKiB(v) })),
  putCommand('mem-max', 'Set the maximum memory (xl mem-max; default unit kiB)', 'xenon mem-max DOMAIN MEM', 'memory', (v) => ({ maxKiB: parseMemoryKiB(v) })),
  putCommand('sysrq', 'Send a magic SysRq key to the guest (xl sysrq)', 'xenon sysrq DOMAIN KEY', 'sysrq', (v) => ({ key: v })),
  putCommand('rename', 'Rename a domain (xl rename)', 'xenon rename DOMAIN NEW-NAME', 'name', (v) => ({ name: v })),
];
