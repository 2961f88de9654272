/**
 * A domain configuration as the libxl_domain_config JSON that `xl list -l` prints: libxl's field names and
 * order (tools/libs/light/libxl_types.idl), values in libxl's JSON forms (defbools as "True"/"False", enums as
 * lower-case IDL names), and fields left out while at their IDL default (gentypes.py get_default_expr), laid out
 * by {@link formatXlJson} as yajl's beautifier does. It is the configuration libxl stored at creation, with the
 * few fields libxl fills in when the domain exists (domid, scheduler parameters, video memory, nictype).
 */
import { cpuListToSet, type HostCpuTopology } from './cpu_list.js';
import type { DomainConfig, ShutdownAction } from './domain_config.js';
import type { DiskSpec } from './disk_spec.js';
import type { NicSpec } from './nic_spec.js';

/** A JSON value. */
export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };
type JsonObject = { [key: string]: JsonValue };

/** The scheduler's view of the domain, which libxl reads back from Xen for `xl list -l`. */
export interface SchedParams {
  readonly sched: string;
  readonly weight: number;
  readonly cap: number;
}

/** Runtime facts for {@link domainConfigToLibxlJson}. */
export interface LibxlJsonOptions {
  /** `c_info.domid`: xl stores its domid policy there (xl_vmcontrol.c), INVALID_DOMID as a uint32 unless xl.conf sets one. */
  readonly domid?: number;
  /** Xen on Arm defaults to credit2 with weight 256 and no cap, which is what the oracle shows. */
  readonly sched?: SchedParams;
  /** Needed to turn `cpus=` into vcpu_hard_affinity bitmaps; without it the affinity is left out. */
  readonly host?: HostCpuTopology;
}

const XL_DOMID_POLICY = 4294967295;
const DEFAULT_SCHED: SchedParams = { sched: 'credit2', weight: 256, cap: 0 };

const defbool = (b: boolean): string => (b ? 'True' : 'False');
/** libxl_action_on_shutdown_to_string: the IDL value names, lower-cased (RESTART_RENAME is "restart_rename"). */
const ACTION_JSON: Readonly<Record<ShutdownAction, string>> = {
  destroy: 'destroy', restart: 'restart', 'rename-restart': 'restart_rename', preserve: 'preserve',
  'coredump-destroy': 'coredump_destroy', 'coredump-restart': 'coredump_restart', 'soft-reset': 'soft_reset',
};

/** Copy the entries whose value is defined, in order: the IDL default check, for optional fields. */
function defined(entries: readonly [string, JsonValue | undefined][]): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of entries) if (v !== undefined) out[k] = v;
  return out;
}

/** The libxl_domain_config object for `config`, as `xl list -l` shows it under "config". */
export function domainConfigToLibxlJson(config: DomainConfig, options: LibxlJsonOptions = {}): JsonObject {
  const sched = options.sched ?? DEFAULT_SCHED;
  const c_info = defined([
    ['type', config.type],
    ['name', config.name],
    ['domid', options.domid ?? XL_DOMID_POLICY],
    ['uuid', config.uuid],
    // xl.conf run_hotplug_scripts, default 1.
    ['run_hotplug_scripts', defbool(true)],
  ]);
  const b_info = defined([
    ['max_vcpus', config.maxVcpus],
    ['avail_vcpus', Array.from({ length: config.vcpus }, (_, i) => i)],
    ['vcpu_hard_affinity', hardAffinity(config, options.host)],
    // xl_parse.c parse_vcpu_affinity: a per-vCPU list turns automatic NUMA placement off.
    ['numa_placement', config.cpus?.kind === 'per-vcpu' ? defbool(false) : undefined],
    ['max_memkb', config.maxMemoryMiB * 1024],
    ['target_memkb', config.memoryMiB * 1024],
    // libxl__domain_build_info_setdefault: no video memory without a device model.
    ['video_memkb', 0],
    ['sched_params', { sched: sched.sched, weight: sched.weight, cap: sched.cap }],
    // xl.conf claim_mode, default 1.
    ['claim_mode', defbool(true)],
    ['kernel', config.kernel],
    ['cmdline', config.cmdline],
    ['ramdisk', config.ramdisk],
    ['acpi', config.acpi === undefined ? undefined : defbool(config.acpi)],
    [`type.${config.type}`, {}],
    ['arch_arm', defined([['gic_version', config.gicVersion === 'default' ? undefined : config.gicVersion], ['vuart', config.vuart]])],
    ['arch_x86', {}],
  ]);
  return defined([
    ['c_info', c_info],
    ['b_info', b_info],
    ['disks', config.disks.length === 0 ? undefined : config.disks.map(diskJson)],
    ['nics', config.nics.length === 0 ? undefined : config.nics.map(nicJson)],
    ...(['on_poweroff', 'on_reboot', 'on_watchdog', 'on_crash', 'on_soft_reset'] as const).map((key): [string, JsonValue | undefined] => {
      const action = config[actionField(key)];
      // LIBXL_ACTION_ON_SHUTDOWN_DESTROY is the IDL init_val, so it is never printed.
      return [key, action === 'destroy' ? undefined : ACTION_JSON[action]];
    }),
  ]);
}

function actionField(key: 'on_poweroff' | 'on_reboot' | 'on_watchdog' | 'on_crash' | 'on_soft_reset'): 'onPoweroff' | 'onReboot' | 'onWatchdog' | 'onCrash' | 'onSoftReset' {
  const fields = { on_poweroff: 'onPoweroff', on_reboot: 'onReboot', on_watchdog: 'onWatchdog', on_crash: 'onCrash', on_soft_reset: 'onSoftReset' } as const;
  return fields[key];
}

/** libxl_bitmap JSON is the list of set bits; xl copies a single CPULIST to every vCPU up to max_vcpus. */
function hardAffinity(config: DomainConfig, host: HostCpuTopology | undefined): JsonValue | undefined {
  const cpus = config.cpus;
  if (cpus === undefined || host === undefined) return undefined;
  const lists = cpus.kind === 'per-vcpu' ? cpus.cpus : Array.from({ length: config.maxVcpus }, () => cpus.cpus);
  return lists.map((list) => [...cpuListToSet(list, host)].sort((a, b) => a - b));
}

/** libxl_device_disk fields in IDL order; colo_restore_enable is what libxl reads back for every disk. */
function diskJson(d: DiskSpec): JsonObject {
  const opt = (b: boolean | undefined): string | undefined => (b === undefined ? undefined : defbool(b));
  return defined([
    ['backend_domname', d.backendDomain],
    ['pdev_path', d.target],
    ['vdev', d.vdev],
    ['backend', d.backendType],
    ['format', d.format],
    ['script', d.script],
    ['removable', d.removable ? 1 : undefined],
    ['readwrite', d.readwrite ? 1 : undefined],
    ['is_cdrom', d.isCdrom ? 1 : undefined],
    ['direct_io_safe', d.directIoSafe ? true : undefined],
    ['discard_enable', opt(d.discard)],
    ['specification', d.specification],
    ['colo_enable', opt(d.colo)],
    ['colo_restore_enable', defbool(false)],
    ['colo_host', d.coloHost],
    ['colo_port', d.coloPort],
    ['colo_export', d.coloExport],
    ['active_disk', d.activeDisk],
    ['hidden_disk', d.hiddenDisk],
    ['trusted', opt(d.trusted)],
    ['grant_usage', opt(d.grantUsage)],
  ]);
}

/** libxl_device_nic fields in IDL order; nictype is "vif" for PVH once libxl has set defaults. */
function nicJson(n: NicSpec): JsonObject {
  return defined([
    ['backend_domname', n.backendDomain],
    ['devid', n.devid],
    ['mtu', n.mtu],
    ['vlan', n.vlan],
    ['model', n.model],
    ['mac', n.mac],
    ['ip', n.ip],
    ['bridge', n.bridge],
    ['ifname', n.vifname],
    ['script', n.script],
    ['nictype', n.nictype === 'ioemu' ? 'vif_ioemu' : 'vif'],
    ['rate_bytes_per_interval', n.rate?.bytesPerInterval],
    ['rate_interval_usecs', n.rate?.intervalUsecs],
    ['gatewaydev', n.gatewaydev],
    ['trusted', n.trusted === undefined ? undefined : defbool(n.trusted)],
  ]);
}

/** yajl_gen's string escaping: quote, backslash and control characters; `/` and non-ASCII are left alone. */
function yajlString(s: string): string {
  const named: Readonly<Record<string, string>> = { '"': '\\"', '\\': '\\\\', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t' };
  return `"${s.replace(/["\\\x00-\x1f]/g, (c) => named[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}"`;
}

/**
 * Lay out JSON as yajl_gen with yajl_gen_beautify and a 4-space indent, which is how xl prints it: one member
 * per line, `"key": value`, and an empty object or array as an opening bracket, a blank line and the closing one.
 */
export function formatXlJson(value: JsonValue): string {
  const out = (v: JsonValue, indent: string): string => {
    if (v === null || typeof v !== 'object') return typeof v === 'string' ? yajlString(v) : String(v);
    const inner = `${indent}    `;
    const items = Array.isArray(v)
      ? (v as readonly JsonValue[]).map((x) => inner + out(x, inner))
      : Object.entries(v).map(([k, x]) => `${inner}${yajlString(k)}: ${out(x, inner)}`);
    const [open, close] = Array.isArray(v) ? ['[', ']'] : ['{', '}'];
    return `${open}\n${items.join(',\n')}\n${indent}${close}`;
  };
  return `${out(value, '')}\n`;
}
