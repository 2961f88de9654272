/**
 * xl's vCPU and scheduler commands as clients of the daemon (xl_vcpu.c, xl_sched.c): vcpu-list,
 * vcpu-pin and sched-credit2.
 */
import type { DomainSummary, SchedParamsBody, SchedulerSummary, VcpuSummary } from '../daemon/api.js';
import { XenonError } from '../lib/errors.js';
import { formatXlSchedCredit2, formatXlVcpuList } from '../toolstack/xl_format.js';
import { connectDaemon } from './client.js';
import type { Command } from './cmdtable.js';
import { domainPath, parse, wholeNumber } from './vmcontrol.js';

const mask = (cpus: readonly number[]) => cpus.reduce((m, c) => m | (1 << c), 0);

/** The domains named on the command line (all when none is), each looked up by name or id. */
async function namedDomains(refs: readonly string[]): Promise<DomainSummary[]> {
  const client = await connectDaemon();
  if (refs.length === 0) return client.request<DomainSummary[]>('GET', '/domains');
  return Promise.all(refs.map((r) => client.request<DomainSummary>('GET', domainPath(r))));
}

export const vcpuListCommand: Command = {
  name: 'vcpu-list', summary: 'The vCPUs of every domain, or of those named (xl vcpu-list)', usage: 'xenon vcpu-list [DOMAIN...]', help: '',
  handler: async (args) => {
    const p = parse('vcpu-list', 'xenon vcpu-list [DOMAIN...]', args);
    const client = await connectDaemon();
    const { nrPcpus } = await client.request<SchedulerSummary>('GET', '/sched');
    const rows = [];
    for (const d of await namedDomains(p.positionals)) {
      const vcpus = await client.request<VcpuSummary[]>('GET', `${domainPath(String(d.domid))}/vcpus`);
      rows.push(...vcpus.map((v) => ({
        name: d.name, domid: d.domid, vcpu: v.vcpu, cpu: v.cpu, state: v.state, timeS: v.timeS, hard: mask(v.hardAffinity), soft: mask(v.softAffinity),
      })));
    }
    process.stdout.write(formatXlVcpuList(rows, nrPcpus));
    return 0;
  },
};

const PIN_USAGE = 'xenon vcpu-pin [-f] DOMAIN VCPU|all CPUS|all|- [CPUS|all|-]';

export const vcpuPinCommand: Command = {
  name: 'vcpu-pin', summary: 'Set the vCPUs\' hard (and soft) CPU affinity (xl vcpu-pin)', usage: PIN_USAGE,
  help: '  -f   accepted for xl\'s syntax (a vCPU\'s affinity always takes effect here)\n  CPUS: a CPULIST such as 0, 0-1, ^1, all; "-" leaves that affinity as it is',
  handler: async (args) => {
    const p = parse('vcpu-pin', PIN_USAGE, args, { force: { type: 'boolean', short: 'f' } });
    if (p.positionals.length < 3 || p.positionals.length > 4) throw new XenonError('USAGE', `Usage: ${PIN_USAGE}`);
    const [ref, vcpu, hard, soft] = p.positionals as [string, string, string, string | undefined];
    if (vcpu !== 'all' && !/^\d+$/.test(vcpu)) throw new XenonError('USAGE', `Invalid argument ${vcpu} as VCPU`);
    if (vcpu === 'all' && p.values.force === true) throw new XenonError('USAGE', '--force and \'all\' as VCPU not allowed');
    const body = { ...(hard === '-' ? {} : { hard }), ...(soft === undefined || soft === '-' ? {} : { soft }) };
    await (await connectDaemon()).request('PUT', `${domainPath(ref)}/vcpus/${vcpu}/affinity`, body);
    return 0;
  },
};

const SCHED_USAGE = 'xenon sched-credit2 [-d DOMAIN [-w WEIGHT] [-c CAP]] [-s]';

export const schedCredit2Command: Command = {
  name: 'sched-credit2', summary: 'Get or set credit2 weights and caps (xl sched-credit2)', usage: SCHED_USAGE,
  help: [
    '  -d DOMAIN   the domain to show or change (every domain when absent)',
    '  -w WEIGHT   its weight, 1 to 65535 (default 256): twice the weight, twice the CPU under contention',
    '  -c CAP      its cap, in percent of one CPU (0: none)',
    '  -s          the scheduler\'s own parameters',
  ].join('\n'),
  handler: async (args) => {
    let p;
    try {
      const { parseArgs } = await import('node:util');
      p = parseArgs({
        args: [...args], allowPositionals: false,
        options: { domain: { type: 'string', short: 'd' }, weight: { type: 'string', short: 'w' }, cap: { type: 'string', short: 'c' }, schedparam: { type: 'boolean', short: 's' } },
      });
    } catch (e) {
      throw new XenonError('USAGE', `Bad arguments to sched-credit2; usage: ${SCHED_USAGE}`, { cause: e });
    }
    const { domain, weight, cap, schedparam } = p.values;
    if ((weight !== undefined || cap !== undefined) && domain === undefined) throw new XenonError('USAGE', 'Must specify a domain.');
    if (schedparam === true && domain !== undefined) throw new XenonError('USAGE', 'Specifying a domain is not allowed with -s.');
    const client = await connectDaemon();
    const sched = await client.request<SchedulerSummary>('GET', '/sched');
    const pool = { name: sched.pool, ratelimitUs: sched.ratelimitUs };
    if (schedparam === true) {
      process.stdout.write(`Cpupool ${pool.name}: ratelimit=${pool.ratelimitUs}us\n`);
      return 0;
    }
    if (domain !== undefined && (weight !== undefined || cap !== undefined)) {
      const body = {
        ...(weight === undefined ? {} : { weight: wholeNumber('The weight', weight) }),
        ...(cap === undefined ? {} : { cap: wholeNumber('The cap', cap) }),
      };
      await client.request('PUT', `${domainPath(domain)}/sched`, body);
      return 0;
    }
    const rows = [];
    for (const d of await namedDomains(domain === undefined ? [] : [domain])) {
      const s = await client.request<SchedParamsBody>('GET', `${domainPath(String(d.domid))}/sched`);
      rows.push({ name: d.name, domid: d.domid, weight: s.weight, cap: s.cap });
    }
    // With -d, xl prints the table alone; without, the pool's line first.
    process.stdout.write(formatXlSchedCredit2(rows, domain === undefined ? pool : undefined));
    return 0;
  },
};

export const SCHED_COMMANDS: readonly Command[] = [vcpuListCommand, vcpuPinCommand, schedCredit2Command];
