/**
 * From parsed xl.cfg settings to a typed domain configuration, with xl's defaults (tools/xl/xl_parse.c
 * parse_config_data) and the libxl ones that do not depend on the host (libxl_create.c, libxl_arm.c).
 *
 * Where xl prints a warning and falls back to a default for a malformed value (`memory = "lots"` quietly gives
 * 32 MiB), Xenon refuses the configuration. Keys that xl ignores are ignored here too, and listed in `warnings`.
 */
import type { RandomBytes } from './nic_spec.js';
import { parseNicSpec, type NicSpec } from './nic_spec.js';
import { parseDiskSpec, type DiskSpec } from './disk_spec.js';
import { parseCpuList, type CpuList } from './cpu_list.js';
import { parseXlCfg, type ParseXlCfgOptions, type XlCfg } from './xl_cfg_parse.js';
import { getBoolean, getNumber, getString, getStringList, settingError } from './_values.js';
import { quote } from './config_error.js';
import { XL_KEYS } from './_xl_keys.js';

/** `pvh` is a Xen Arm guest; `hvm` is Xenon's emulated basic board. */
export type DomainType = 'pvh' | 'hvm';
/** What to do when the guest stops (xl.cfg(5) "Event Actions"). */
export type ShutdownAction = 'destroy' | 'restart' | 'rename-restart' | 'preserve' | 'coredump-destroy' | 'coredump-restart' | 'soft-reset';
/** `default` emulates the host's own GIC version (xl.cfg(5) gic_version). */
export type GicVersion = 'default' | 'v2' | 'v3';
/** `cpus=` as a string pins every vCPU to one CPULIST; as a list, entry i pins vCPU i. */
export type VcpuAffinity = { readonly kind: 'all-vcpus'; readonly cpus: CpuList } | { readonly kind: 'per-vcpu'; readonly cpus: readonly CpuList[] };

/** A domain configuration. Paths are as written in the file; see {@link resolveConfigPath}. */
export interface DomainConfig {
  readonly name: string;
  /** Lower-case canonical form. */
  readonly uuid: string;
  readonly type: DomainType;
  readonly memoryMiB: number;
  readonly maxMemoryMiB: number;
  readonly vcpus: number;
  readonly maxVcpus: number;
  /** Hard affinity; absent means no pinning. */
  readonly cpus?: VcpuAffinity;
  /** Soft affinity (preferred CPUs); absent means all. */
  readonly cpusSoft?: VcpuAffinity;
  /** credit2 weight (`cpu_weight`), 1..65535; absent means the scheduler's default (256). */
  readonly cpuWeight?: number;
  /** credit2 cap in percent of one CPU (`cap`); 0 or absent means none. */
  readonly cap?: number;
  readonly kernel?: string;
  readonly ramdisk?: string;
  /** From `cmdline`, or from `root` and `extra` (xl_parse.c parse_cmdline). */
  readonly cmdline?: string;
  /** Absent means libxl's default (off on Arm, libxl_arm.c). */
  readonly acpi?: boolean;
  readonly onPoweroff: ShutdownAction;
  readonly onReboot: ShutdownAction;
  readonly onWatchdog: ShutdownAction;
  readonly onCrash: ShutdownAction;
  readonly onSoftReset: ShutdownAction;
  readonly gicVersion: GicVersion;
  readonly vuart?: 'sbsa_uart';
  readonly disks: readonly DiskSpec[];
  readonly nics: readonly NicSpec[];
}

/** A configuration and the things xl would have let through with a message. */
export interface DomainConfigResult {
  readonly config: DomainConfig;
  readonly warnings: readonly string[];
}

/** Host services the conversion needs. */
export interface DomainConfigOptions {
  /** For the uuid and MAC addresses generated when absent. */
  readonly random: RandomBytes;
}

/** xen/include/public/arch-arm.h GUEST_MAX_VCPUS: the most vCPUs an Arm guest can have. */
const GUEST_MAX_VCPUS = 128;
/** libxl_create.c: memory when neither `memory` nor `maxmem` is given. */
const DEFAULT_MEMORY_MIB = 32;
const MAX_MIB = Math.floor(Number.MAX_SAFE_INTEGER / 1024);
const SHUTDOWN_ACTIONS: readonly ShutdownAction[] = ['destroy', 'restart', 'rename-restart', 'preserve', 'coredump-destroy', 'coredump-restart', 'soft-reset'];
const HANDLED = new Set(['name', 'uuid', 'type', 'builder', 'memory', 'maxmem', 'vcpus', 'maxvcpus', 'cpus', 'cpus_soft', 'cpu_weight', 'cap', 'kernel', 'ramdisk', 'cmdline', 'root', 'extra',
  'on_poweroff', 'on_reboot', 'on_watchdog', 'on_crash', 'on_soft_reset', 'gic_version', 'vuart', 'acpi', 'disk', 'vif']);

/** Parse xl.cfg text and convert it: {@link parseXlCfg} then {@link toDomainConfig}. */
export function parseDomainConfig(text: string, options: ParseXlCfgOptions & DomainConfigOptions): DomainConfigResult {
  return toDomainConfig(parseXlCfg(text, options), options);
}

/** Convert parsed settings. Throws `ConfigError` for a configuration xl or Xenon refuses. */
export function toDomainConfig(cfg: XlCfg, options: DomainConfigOptions): DomainConfigResult {
  const warnings: string[] = [];
  const warn = (key: string, message: string): void => {
    warnings.push(`${cfg.source}:${cfg.settings.get(key)?.line ?? 0}: ${quote(key)}: ${message}`);
  };
  const type = domainType(cfg, warn);
  const name = getString(cfg, 'name');
  if (name === undefined) throw settingError(cfg, 'name', 'domain name must be specified');
  const nameProblem = validateDomainName(name);
  if (nameProblem !== undefined) throw settingError(cfg, 'name', `${quote(name)} ${nameProblem}`);
  const uuidText = getString(cfg, 'uuid');
  const uuid = uuidText === undefined ? generateUuid(options.random) : parseUuid(uuidText);
  if (uuid === undefined) throw settingError(cfg, 'uuid', `failed to parse UUID ${quote(uuidText!)}`);
  const memory = memorySizes(cfg);
  const vcpus = vcpuCounts(cfg);
  const cpus = vcpuAffinity(cfg, 'cpus', vcpus.maxVcpus, warn);
  const cpusSoft = vcpuAffinity(cfg, 'cpus_soft', vcpus.maxVcpus, warn);
  // xl.cfg(5) cpu_weight and cap (credit and credit2): 1..65535, and a percentage of one CPU.
  const cpuWeight = getNumber(cfg, 'cpu_weight', { min: 1, max: 65535 });
  const cap = getNumber(cfg, 'cap', { min: 0, max: 100 * GUEST_MAX_VCPUS });
  const kernel = getString(cfg, 'kernel');
  if (kernel === undefined && type === 'pvh') {
    // xl accepts a bootloader (pygrub) in place of a kernel; Xenon runs none, so say that rather than claim it is missing.
    if (getString(cfg, 'bootloader') !== undefined) throw settingError(cfg, 'bootloader', 'not supported by Xenon, and no kernel specified');
    throw settingError(cfg, 'kernel', 'neither kernel nor bootloader specified');
  }
  const ramdisk = getString(cfg, 'ramdisk');
  const cmdline = kernelCmdline(cfg, warn);
  const acpi = getBoolean(cfg, 'acpi');
  const vuart = enumSetting(cfg, 'vuart', ['sbsa_uart', 'unknown'], 'invalid value');
  const disks = diskList(cfg);
  const nics = nicList(cfg, type, options.random, warnings);
  for (const key of cfg.settings.keys()) {
    if (HANDLED.has(key)) continue;
    warn(key, XL_KEYS.has(key) ? 'not supported by Xenon, ignored' : 'unknown key, ignored (as xl does)');
  }
  const config: DomainConfig = {
    name, uuid, type, ...memory, ...vcpus,
    ...(cpus === undefined ? {} : { cpus }),
    ...(cpusSoft === undefined ? {} : { cpusSoft }),
    ...(cpuWeight === undefined ? {} : { cpuWeight }),
    ...(cap === undefined ? {} : { cap }),
    ...(kernel === undefined ? {} : { kernel }),
    ...(ramdisk === undefined ? {} : { ramdisk }),
    ...(cmdline === undefined ? {} : { cmdline }),
    ...(acpi === undefined ? {} : { acpi }),
    onPoweroff: shutdownAction(cfg, 'on_poweroff', 'destroy'),
    onReboot: shutdownAction(cfg, 'on_reboot', 'restart'),
    onWatchdog: shutdownAction(cfg, 'on_watchdog', 'destroy'),
    onCrash: shutdownAction(cfg, 'on_crash', 'destroy'),
    onSoftReset: shutdownAction(cfg, 'on_soft_reset', 'soft-reset'),
    gicVersion: (enumSetting(cfg, 'gic_version', ['default', 'v2', 'v3'], 'unknown gic_version') ?? 'default') as GicVersion,
    ...(vuart === 'sbsa_uart' ? { vuart } : {}),
    disks, nics,
  };
  return { config, warnings };
}

/**
 * xl matches `type` and `builder` by prefix (`strncmp(buf, "hvm", strlen(buf))`), so "h" is hvm and "p" is pv.
 * On Arm, libxl turns a PV guest into PVH with a warning (libxl_arm.c libxl__arch_domain_create_info_setdefault).
 */
function domainType(cfg: XlCfg, warn: (key: string, message: string) => void): DomainType {
  const prefixOf = (text: string, word: string): boolean => word.startsWith(text);
  let type: 'pvh' | 'hvm' | 'pv' | undefined;
  const t = getString(cfg, 'type');
  if (t !== undefined) {
    type = prefixOf(t, 'hvm') ? 'hvm' : prefixOf(t, 'pv') ? 'pv' : prefixOf(t, 'pvh') ? 'pvh' : undefined;
    if (type === undefined) throw settingError(cfg, 'type', `invalid domain type ${quote(t)}`);
  }
  const builder = getString(cfg, 'builder');
  if (builder !== undefined) {
    const b = prefixOf(builder, 'hvm') ? 'hvm' : prefixOf(builder, 'generic') ? 'pv' : undefined;
    if (b === undefined) throw settingError(cfg, 'builder', `invalid domain type ${quote(builder)}`);
    if (type !== undefined && type !== b) throw settingError(cfg, 'builder', 'contradicting "builder" and "type" options specified');
    type = b;
  }
  if (type === 'pv') {
    warn(t === undefined ? 'builder' : 'type', 'converting PV guest to PVH: Arm guests are now PVH, please fix your configuration');
    return 'pvh';
  }
  return type ?? 'pvh';
}

/**
 * libxl puts no rule on domain names beyond uniqueness (libxl_domain.c libxl__domain_rename); any xenstore value
 * will do. Xenon also uses names in paths, log file names and commands, so it accepts only letters, digits and
 * `-_.:+@`, refuses a leading `-` (it would read as an option to xl) and an all-digit name (xl takes it for a domid,
 * libxl_utils.c libxl_domain_qualifier_to_domid). Returns what is wrong, or undefined.
 */
export function validateDomainName(name: string): string | undefined {
  if (name === '') return 'is empty';
  const bad = /[^A-Za-z0-9_.:+@-]/.exec(name);
  if (bad !== null) return `contains ${quote(bad[0])}; domain names may contain only letters, digits and "-_.:+@"`;
  if (name.startsWith('-')) return 'starts with "-"';
  if (/^[0-9]+$/.test(name)) return 'is all digits, which xl reads as a domain id';
  return undefined;
}

/** libuuid uuid_parse, as libxl_uuid_from_string uses it: 8-4-4-4-12 hex digits. Lower-cased; undefined if malformed. */
export function parseUuid(text: string): string | undefined {
  return /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(text) ? text.toLowerCase() : undefined;
}

/** A random (version 4) uuid, as libuuid uuid_generate makes for xl when the configuration has none. */
export function generateUuid(random: RandomBytes): string {
  const b = Array.from(random(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = b.map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** xl: maxmem defaults to memory; libxl: 32 MiB when neither is set, memory defaults to maxmem. */
function memorySizes(cfg: XlCfg): { memoryMiB: number; maxMemoryMiB: number } {
  const memory = getNumber(cfg, 'memory', { min: 1, max: MAX_MIB });
  const maxmem = getNumber(cfg, 'maxmem', { min: 1, max: MAX_MIB });
  const maxMemoryMiB = maxmem ?? memory ?? DEFAULT_MEMORY_MIB;
  const memoryMiB = memory ?? maxMemoryMiB;
  // xl.cfg(5): "The value of maxmem= must be equal to or greater than that of memory=".
  if (maxMemoryMiB < memoryMiB) throw settingError(cfg, 'maxmem', `${maxMemoryMiB} is less than memory (${memoryMiB})`);
  return { memoryMiB, maxMemoryMiB };
}

/** xl: fewer than 1 vCPU means 1; maxvcpus 0 or absent means vcpus; maxvcpus below vcpus is refused. */
function vcpuCounts(cfg: XlCfg): { vcpus: number; maxVcpus: number } {
  const bounds = { min: Number.MIN_SAFE_INTEGER, max: GUEST_MAX_VCPUS };
  const vcpus = Math.max(1, getNumber(cfg, 'vcpus', bounds) ?? 1);
  const max = getNumber(cfg, 'maxvcpus', { min: 0, max: GUEST_MAX_VCPUS }) ?? 0;
  const maxVcpus = max === 0 ? vcpus : max;
  if (maxVcpus < vcpus) throw settingError(cfg, 'maxvcpus', `maxvcpus (${maxVcpus}) < vcpus (${vcpus})`);
  return { vcpus, maxVcpus };
}

/** xl_parse.c parse_vcpu_affinity: list entries beyond the last vCPU are silently dropped by xl; we warn. */
function vcpuAffinity(cfg: XlCfg, key: 'cpus' | 'cpus_soft', maxVcpus: number, warn: (key: string, message: string) => void): VcpuAffinity | undefined {
  const setting = cfg.settings.get(key);
  if (setting === undefined) return undefined;
  const parse = (text: string): CpuList => {
    const list = parseCpuList(text);
    if (typeof list === 'string') throw settingError(cfg, key, list);
    return list;
  };
  if (setting.value.kind === 'atom') return { kind: 'all-vcpus', cpus: parse(setting.value.text) };
  const items = getStringList(cfg, key)!;
  if (items.length > maxVcpus) warn(key, `${items.length} entries for ${maxVcpus} vCPUs; the extra ones are ignored`);
  return { kind: 'per-vcpu', cpus: items.slice(0, maxVcpus).map(parse) };
}

/** xl_parse.c parse_cmdline: `cmdline` wins; otherwise "root=ROOT EXTRA", "root=ROOT" or "EXTRA". */
function kernelCmdline(cfg: XlCfg, warn: (key: string, message: string) => void): string | undefined {
  const cmdline = getString(cfg, 'cmdline');
  const root = getString(cfg, 'root');
  const extra = getString(cfg, 'extra');
  if (cmdline !== undefined) {
    if (root !== undefined || extra !== undefined) warn('cmdline', 'ignoring root= and extra= in favour of cmdline=');
    return cmdline;
  }
  if (root !== undefined) return extra === undefined ? `root=${root}` : `root=${root} ${extra}`;
  return extra;
}

/** xl_parse.c parse_action_on_shutdown: exact names; xl's message on failure. */
function shutdownAction(cfg: XlCfg, key: string, fallback: ShutdownAction): ShutdownAction {
  const text = getString(cfg, key);
  if (text === undefined) return fallback;
  const action = SHUTDOWN_ACTIONS.find((a) => a === text);
  if (action === undefined) throw settingError(cfg, key, `unknown ${key} action ${quote(text)} specified`);
  return action;
}

/** libxl's `*_from_string` for IDL enums compares without case (libxl_utils.c libxl__enum_from_string). */
function enumSetting(cfg: XlCfg, key: string, names: readonly string[], problem: string): string | undefined {
  const text = getString(cfg, key);
  if (text === undefined) return undefined;
  const name = names.find((n) => n === text.toLowerCase());
  if (name === undefined) throw settingError(cfg, key, `${problem} ${quote(text)} (expected ${names.map(quote).join(', ')})`);
  return name;
}

/** Each disk spec, then a check libxl makes when adding them: two disks cannot share a device number. */
function diskList(cfg: XlCfg): DiskSpec[] {
  const at = { source: cfg.source, key: 'disk', line: cfg.settings.get('disk')?.line ?? 0 };
  const disks = (getStringList(cfg, 'disk') ?? []).map((spec) => parseDiskSpec(spec, at));
  const seen = new Map<number, string>();
  for (const d of disks) {
    const other = seen.get(d.devid);
    if (other !== undefined) throw settingError(cfg, 'disk', `vdev ${quote(d.vdev)} is the same device as ${quote(other)}`);
    seen.set(d.devid, d.vdev);
  }
  return disks;
}

/** Each vif spec; libxl refuses emulated NICs on PVH guests and two NICs cannot share a devid. */
function nicList(cfg: XlCfg, type: DomainType, random: RandomBytes, warnings: string[]): NicSpec[] {
  const at = { source: cfg.source, key: 'vif', line: cfg.settings.get('vif')?.line ?? 0 };
  const nics = (getStringList(cfg, 'vif') ?? []).map((spec, index) => {
    const r = parseNicSpec(spec, { index, at, random });
    warnings.push(...r.warnings);
    return r.nic;
  });
  const devids = new Set<number>();
  for (const nic of nics) {
    if (nic.nictype === 'ioemu' && type === 'pvh') throw settingError(cfg, 'vif', 'trying to create PV or PVH guest with an emulated interface');
    if (devids.has(nic.devid)) throw settingError(cfg, 'vif', `devid ${nic.devid} is used twice`);
    devids.add(nic.devid);
  }
  return nics;
}

/**
 * Resolve a path from the configuration (kernel, ramdisk, disk target) against the directory of the file it came
 * from, with `/` separators and `.`/`..` folded. Absolute paths are returned unchanged (but folded).
 */
export function resolveConfigPath(configDir: string, path: string): string {
  const joined = path.startsWith('/') ? path : `${configDir}/${path}`;
  const absolute = joined.startsWith('/');
  const parts: string[] = [];
  for (const part of joined.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..' && parts.length > 0 && parts[parts.length - 1] !== '..') parts.pop();
    else if (part !== '..' || !absolute) parts.push(part);
  }
  const body = parts.join('/');
  return absolute ? `/${body}` : body === '' ? '.' : body;
}
