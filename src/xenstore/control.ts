/**
 * XS_CONTROL (C tools/xenstored/control.c), the commands `xenstore-control` sends: check, log,
 * print, quota and help. Live update, logfile and memreport concern the C daemon's process and
 * are not offered; like any unknown command they get EINVAL.
 */
import { parseDomid, type RequestState } from './requests.js';
import { QUOTA_NAMES, type XsQuotas } from './quota.js';
import { childPath } from './path.js';
import { encodeStrings, splitStrings, type XsErrno } from './wire.js';

type Command = (r: RequestState, args: readonly string[]) => Uint8Array | XsErrno;

const OK = encodeStrings(['OK']);

function text(s: string): Uint8Array {
  return encodeStrings([s]);
}

/** "check": walks the tree from "/" and confirms every listed child exists. */
function check(r: RequestState, args: readonly string[]): Uint8Array | XsErrno {
  if (args.length !== 0) return 'EINVAL';
  const store = r.srv.store;
  for (const n of store.walk()) {
    for (const c of n.children) {
      if (store.get(childPath(n.path, c)) === undefined) return text(`Store corrupt: "${n.path}" lists missing child "${c}"\n`);
    }
  }
  return OK;
}

/** "log on|off" switches per-request logging; with no argument, shows the switch. */
function log(r: RequestState, args: readonly string[]): Uint8Array | XsErrno {
  if (args.length === 0) return text(`Log switch settings:\nrequests: ${r.srv.tracing ? 'on' : 'off'}\n`);
  if (args.length !== 1 || (args[0] !== 'on' && args[0] !== 'off')) return 'EINVAL';
  r.srv.tracing = args[0] === 'on';
  return OK;
}

/** "print <string>": writes the string to the daemon's log (used to mark test logs). */
function print(r: RequestState, args: readonly string[]): Uint8Array | XsErrno {
  if (args.length !== 1) return 'EINVAL';
  r.srv.log(`control: ${args[0]}`);
  return OK;
}

function quotaLines(q: XsQuotas): string {
  return (Object.keys(QUOTA_NAMES) as (keyof XsQuotas)[]).map((k) => `${QUOTA_NAMES[k].padEnd(17)}: ${String(q[k]).padStart(8)}\n`).join('');
}

/** "quota" shows the limits, "quota set <name> <value>" changes one, "quota <domid>" shows a domain's usage. */
function quota(r: RequestState, args: readonly string[]): Uint8Array | XsErrno {
  const srv = r.srv;
  if (args.length === 0) return text(`Quota settings:\n${quotaLines(srv.quotas)}`);
  if (args[0] === 'set') {
    const key = (Object.keys(QUOTA_NAMES) as (keyof XsQuotas)[]).find((k) => QUOTA_NAMES[k] === args[1]);
    if (args.length !== 3 || key === undefined || !/^\d{1,9}$/.test(args[2]!)) return 'EINVAL';
    srv.quotas = { ...srv.quotas, [key]: Number(args[2]) };
    return OK;
  }
  const domid = parseDomid(args[0]);
  if (args.length !== 1 || domid === undefined) return 'EINVAL';
  const conn = srv.domainConnection(domid);
  if (conn === undefined) return 'ENOENT';
  const used = [
    ['nodes', srv.store.ownedCount(domid), srv.quotas.nodes],
    ['watches', conn.watches.length, srv.quotas.watches],
    ['transactions', conn.transactions.size, srv.quotas.transactions],
  ] as const;
  return text(`Domain ${domid}:\n${used.map(([n, v, m]) => `${n.padEnd(17)}: ${String(v).padStart(8)} (max ${String(m).padStart(8)})\n`).join('')}`);
}

const COMMANDS: ReadonlyMap<string, { readonly run: Command; readonly pars: string }> = new Map([
  ['check', { run: check, pars: '' }],
  ['log', { run: log, pars: '[on|off]' }],
  ['print', { run: print, pars: '<string>' }],
  ['quota', { run: quota, pars: '[set <name> <val>|<domid>]' }],
  ['help', { run: (_r: RequestState, a: readonly string[]) => (a.length !== 0 ? 'EINVAL' : text(helpText())), pars: '' }],
]);

function helpText(): string {
  return [...COMMANDS].map(([name, c]) => `${name.padEnd(15)} ${c.pars}\n`).join('');
}

/** Handles an XS_CONTROL request: "command\0arg\0…". Unknown commands get EINVAL, as in C xenstored. */
export function doControl(r: RequestState): Uint8Array | XsErrno {
  const strings = splitStrings(r.msg.payload);
  if (strings === undefined || strings[0] === '') return 'EINVAL';
  const cmd = COMMANDS.get(strings[0]!);
  return cmd === undefined ? 'EINVAL' : cmd.run(r, strings.slice(1));
}
