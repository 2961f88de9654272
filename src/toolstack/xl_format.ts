/**
 * xl's table outputs, laid out byte for byte as xl prints them (tools/xl/xl_list.c list_domains,
 * xl_misc.c print_uptime, xl_block.c main_blocklist): the oracle's captured `xl list`, `xl uptime`
 * and `xl block-list` are the reference.
 */
import { cFixed } from '../lib/c_format.js';

/** One row of `xl list`. */
export interface XlListRow {
  readonly name: string;
  readonly domid: number;
  readonly memoryMiB: number;
  readonly vcpus: number;
  /**
   * r running, b blocked, p paused, s shutdown, d dying; the fifth column is the shutdown reason's
   * letter (xl's "-rscwS": reboot r, suspend s, crash c, watchdog w, soft reset S; poweroff "-").
   */
  readonly flags: { running: boolean; blocked: boolean; paused: boolean; shutdown: boolean; shutdownCode: number | null; dying: boolean };
  readonly cpuTimeS: number;
  /** For `xl list -v`. */
  readonly uuid?: string;
}

const SHUTDOWN_REASON_LETTERS = '-rscwS';

/** The state column: one letter or "-" per flag, in xl's order "rbps?d". */
export function stateFlags(f: XlListRow['flags']): string {
  const code = f.shutdownCode ?? 0;
  const reason = code >= 0 && code < SHUTDOWN_REASON_LETTERS.length ? SHUTDOWN_REASON_LETTERS[code]! : '?';
  return [f.running ? 'r' : '-', f.blocked ? 'b' : '-', f.paused ? 'p' : '-', f.shutdown ? 's' : '-', reason, f.dying ? 'd' : '-'].join('');
}

/**
 * `xl list` (printf "%-40s %5d %5lu %5d     %s %9.1f"); with `verbose` (-v) also the UUID, the
 * shutdown reason code in hex ("-" while running) and the security label ("-": no XSM here).
 */
export function formatXlList(rows: readonly XlListRow[], o: { readonly verbose?: boolean } = {}): string {
  const out = [`Name                                        ID   Mem VCPUs\tState\tTime(s)${o.verbose === true ? '   UUID                            Reason-Code\tSecurity Label' : ''}`];
  for (const r of rows) {
    let line = `${r.name.padEnd(40)} ${String(r.domid).padStart(5)} ${String(r.memoryMiB).padStart(5)} ${String(r.vcpus).padStart(5)}     ${stateFlags(r.flags)} ${cFixed(r.cpuTimeS, 1).padStart(9)}`;
    if (o.verbose === true) {
      const code = r.flags.shutdown && r.flags.shutdownCode !== null ? r.flags.shutdownCode.toString(16) : '-';
      line += ` ${r.uuid ?? '00000000-0000-0000-0000-000000000000'} ${code.padStart(8)} ${'-'.padStart(16)}`;
    }
    out.push(line);
  }
  return `${out.join('\n')}\n`;
}

/** `xl uptime`: name, id and the time since the domain started, as H:MM:SS (days prefixed when any). */
export function formatXlUptime(rows: readonly { name: string; domid: number; uptimeS: number }[]): string {
  const out = ['Name                                ID Uptime'];
  for (const r of rows) {
    const s = Math.floor(r.uptimeS);
    const days = Math.floor(s / 86400);
    const hms = `${Math.floor((s % 86400) / 3600)}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
    out.push(`${r.name.padEnd(32)} ${String(r.domid).padStart(5)} ${days > 0 ? `${days} day${days > 1 ? 's' : ''}, ` : ''}${hms.padStart(8)}`);
  }
  return `${out.join('\n')}\n`;
}

/** One row of `xl vcpu-list`. */
export interface XlVcpuRow {
  readonly name: string;
  readonly domid: number;
  readonly vcpu: number;
  /** The host CPU it runs or last ran on (ignored when offline, shown as "-"). */
  readonly cpu: number;
  readonly state: 'running' | 'runnable' | 'blocked' | 'offline';
  readonly timeS: number;
  /** Hard and soft affinity as pCPU masks, printed against `nrCpus` host CPUs. */
  readonly hard: number;
  readonly soft: number;
}

/**
 * A CPU mask as xl prints one (xl_utils.c print_bitmap): runs of CPUs as "N" or "N-M" joined by
 * commas, "all" when every one of the `nrCpus` is set, "none" when none is.
 */
export function formatXlCpuMap(mask: number, nrCpus: number): string {
  const runs: string[] = [];
  let first = -1;
  for (let i = 0; i <= nrCpus; i++) {
    const set = i < nrCpus && (mask & (1 << i)) !== 0;
    if (set && first < 0) first = i;
    if (!set && first >= 0) {
      if (first === 0 && i === nrCpus) return 'all';
      runs.push(i - 1 > first ? `${first}-${i - 1}` : String(first));
      first = -1;
    }
  }
  return runs.length === 0 ? 'none' : runs.join(',');
}

/** `xl vcpu-list` (xl_vcpu.c print_vcpuinfo): state letters r, b, p in three columns. */
export function formatXlVcpuList(rows: readonly XlVcpuRow[], nrCpus: number): string {
  const out = ['Name                                ID  VCPU   CPU State   Time(s) Affinity (Hard / Soft)'];
  for (const r of rows) {
    // An offline vCPU has no CPU and shows "p"; an online one names the CPU it runs or last ran on.
    const state = r.state === 'offline' ? '--p' : r.state === 'blocked' ? '-b-' : r.state === 'running' ? 'r--' : '---';
    const cpu = r.state === 'offline' || r.cpu < 0 ? '-' : String(r.cpu);
    const affinity = `${formatXlCpuMap(r.hard, nrCpus)} / ${formatXlCpuMap(r.soft, nrCpus)}`;
    out.push(`${r.name.padEnd(32)} ${String(r.domid).padStart(5)} ${String(r.vcpu).padStart(5)} ${cpu.padStart(4)}   ${state} ${cFixed(r.timeS, 1).padStart(9)}  ${affinity}`);
  }
  return `${out.join('\n')}\n`;
}

/** One domain's line of `xl sched-credit2`. */
export interface XlCredit2Row {
  readonly name: string;
  readonly domid: number;
  readonly weight: number;
  readonly cap: number;
}

/** `xl sched-credit2` (xl_sched.c sched_credit2_domain_output): the pool's line (when given), then a table. */
export function formatXlSchedCredit2(rows: readonly XlCredit2Row[], pool?: { readonly name: string; readonly ratelimitUs: number }): string {
  const out = pool === undefined ? [] : [`Cpupool ${pool.name}: ratelimit=${pool.ratelimitUs}us`];
  out.push(`${'Name'.padEnd(33)} ${'ID'.padStart(4)} ${'Weight'.padStart(6)} ${'Cap'.padStart(4)}`);
  for (const r of rows) out.push(`${r.name.padEnd(33)} ${String(r.domid).padStart(4)} ${String(r.weight).padStart(6)} ${String(r.cap).padStart(4)}`);
  return `${out.join('\n')}\n`;
}

/** `xl info`: "key : value" lines, the key padded to 23 columns. */
export function formatXlInfo(fields: readonly (readonly [string, string | number])[]): string {
  return fields.map(([k, v]) => `${k.padEnd(23)}: ${v}\n`).join('');
}

/** One row of `xl block-list`: libxl_diskinfo, as libxl_device_disk_getinfo fills it. */
export interface XlBlockListRow {
  /** The Vdev column: the vbd's device number (51712 for xvda). */
  readonly devid: number;
  readonly backendId: number;
  /** The "handle" column, which libxl fills with the frontend's domid. */
  readonly frontendId: number;
  /** The frontend's XenbusState, event channel and ring reference; -1 where the key is missing. */
  readonly state: number;
  readonly eventChannel: number;
  readonly ringRef: number;
  readonly backendPath: string;
}

/** xl_block.c main_blocklist's columns: printf "%-5d %-3d %-6d %-5d %-6d %-8d %-30s", header included. */
const BLOCK_LIST_WIDTHS = [5, 3, 6, 5, 6, 8, 30] as const;

/** `xl block-list`: the header, then one row per disk (the header's last column keeps its padding, as xl's does). */
export function formatBlockList(rows: readonly XlBlockListRow[]): string {
  const line = (cells: readonly (string | number)[]) => cells.map((c, i) => String(c).padEnd(BLOCK_LIST_WIDTHS[i]!)).join(' ');
  const out = [line(['Vdev', 'BE', 'handle', 'state', 'evt-ch', 'ring-ref', 'BE-path'])];
  for (const r of rows) out.push(line([r.devid, r.backendId, r.frontendId, r.state, r.eventChannel, r.ringRef, r.backendPath]));
  return `${out.join('\n')}\n`;
}

/** One row of `xl network-list` (libxl_device_nic and libxl_nicinfo). */
export interface XlNetworkListRow {
  /** The Idx column: the NIC's devid. */
  readonly devid: number;
  readonly backendId: number;
  readonly mac: string;
  /** The "handle" column: libxl_nicinfo's devid. */
  readonly handle: number;
  /** The frontend's XenbusState, event channel and ring references; -1 where the key is missing. */
  readonly state: number;
  readonly eventChannel: number;
  readonly txRingRef: number;
  readonly rxRingRef: number;
  readonly backendPath: string;
}

/**
 * `xl network-list`: xl_nic.c main_networklist's header ("%-3s %-2s %-17s %-6s %-5s %-6s %5s/%-5s
 * %-30s") and rows ("%-3d %-2d " MAC "%6d %5d %6d %5d/%-11d %-30s").
 */
export function formatNetworkList(rows: readonly XlNetworkListRow[]): string {
  const l = (v: string | number, w: number) => String(v).padEnd(w);
  const r = (v: string | number, w: number) => String(v).padStart(w);
  const out = [`${l('Idx', 3)} ${l('BE', 2)} ${l('Mac Addr.', 17)} ${l('handle', 6)} ${l('state', 5)} ${l('evt-ch', 6)} ${r('tx-', 5)}/${l('rx-ring-ref', 5)} ${l('BE-path', 30)}`];
  for (const x of rows) {
    out.push(`${l(x.devid, 3)} ${l(x.backendId, 2)} ${x.mac}${r(x.handle, 6)} ${r(x.state, 5)} ${r(x.eventChannel, 6)} ${r(x.txRingRef, 5)}/${l(x.rxRingRef, 11)} ${l(x.backendPath, 30)}`);
  }
  return `${out.join('\n')}\n`;
}
