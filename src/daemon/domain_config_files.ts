/**
 * From an xl.cfg on disk to a DomainSpec: parse it with xl's syntax and rules, resolve the kernel
 * and ramdisk relative to the file (as xl does), read them, and refuse what this Xenon cannot run
 * yet with a message naming the setting.
 */
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { readBoundedFile } from '../host/node/bounded_file.js';
import {
  ConfigError, domainConfigToLibxlJson, parseXlCfg, resolveConfigPath, toDomainConfig, type DomainConfig, type JsonValue,
} from '../toolstack/config/index.js';
import type { DomainSpec } from '../toolstack/domain_spec.js';

/** vCPUs one domain may have here (the vGIC's limit). */
const MAX_VCPUS = 8;

export interface LoadedConfig {
  readonly file: string;
  readonly config: DomainConfig;
  readonly warnings: readonly string[];
  /** What `xl create -n` prints. */
  readonly json: JsonValue;
  /** Line of each setting, for messages. */
  readonly lines: ReadonlyMap<string, number>;
}

/** An xl.cfg larger than this is not a configuration file. */
const MAX_CONFIG_BYTES = 1024 * 1024;

/**
 * Reads a regular file of at most `maxBytes`, checked before anything is read: a device such as
 * /dev/zero, or a file larger than the domain could hold, is refused with a message.
 */
export function loadDomainConfig(file: string, overrides: readonly string[]): LoadedConfig {
  const text = Buffer.from(readBoundedFile(file, 'configuration file', MAX_CONFIG_BYTES, 'it may have')).toString('utf8');
  const cfg = parseXlCfg(text, { source: file, overrides });
  const { config, warnings } = toDomainConfig(cfg, { random: (n) => new Uint8Array(randomBytes(n)) });
  const lines = new Map([...cfg.settings].map(([k, v]) => [k, v.line]));
  return { file, config, warnings, json: domainConfigToLibxlJson(config), lines };
}

function refuse(l: LoadedConfig, key: string, why: string): never {
  throw new ConfigError({ source: l.file, line: l.lines.get(key) ?? 0, key }, why);
}

/** Checks what this Xenon runs and reads the kernel and ramdisk. */
export function domainSpecFrom(l: LoadedConfig): DomainSpec {
  const c = l.config;
  const dir = path.dirname(l.file);
  if (c.type !== 'pvh' && c.type !== 'hvm') refuse(l, 'type', `"${c.type}" domains do not exist on arm64; use "pvh" (a Xen guest) or "hvm" (the emulated virt board)`);
  if (c.disks.length > 0 && c.type === 'hvm') refuse(l, 'disk', 'HVM domains cannot have disks yet (the virt board has no virtio-blk device)');
  for (const d of c.disks) {
    if (d.target === undefined || d.format === 'empty') refuse(l, 'disk', `"${d.vdev}": empty drives are not supported yet`);
  }
  if (c.nics.length > 0 && c.type === 'hvm') refuse(l, 'vif', 'HVM domains cannot have NICs yet (the virt board has no virtio-net device)');
  if (c.vcpus > MAX_VCPUS) refuse(l, 'vcpus', `at most ${MAX_VCPUS} vCPUs are supported, not ${c.vcpus}`);
  if (c.kernel === undefined) refuse(l, 'kernel', 'a kernel is required');
  const soft = (a: DomainConfig['onCrash']) => (a === 'soft-reset' ? 'restart' : a);
  // Neither can be larger than the memory it is loaded into.
  const ramBytes = c.memoryMiB * 1024 * 1024;
  const kernel = readBoundedFile(resolveConfigPath(dir, c.kernel), 'kernel', ramBytes, 'it may have');
  const ramdisk = c.ramdisk === undefined ? undefined : readBoundedFile(resolveConfigPath(dir, c.ramdisk), 'ramdisk', ramBytes, 'it may have');
  return {
    type: c.type, name: c.name, uuid: c.uuid, vcpus: c.vcpus, memoryMiB: c.memoryMiB, maxMemoryMiB: c.maxMemoryMiB,
    gicVersion: c.gicVersion === 'v2' ? 2 : 3, kernel,
    ...(ramdisk === undefined ? {} : { ramdisk }), ...(c.cmdline === undefined ? {} : { cmdline: c.cmdline }),
    onPoweroff: soft(c.onPoweroff), onReboot: soft(c.onReboot), onCrash: soft(c.onCrash), onWatchdog: soft(c.onWatchdog),
    ...(c.cpuWeight === undefined ? {} : { weight: c.cpuWeight }), ...(c.cap === undefined ? {} : { cap: c.cap }),
    ...(c.cpus === undefined ? {} : { cpus: c.cpus }), ...(c.cpusSoft === undefined ? {} : { cpusSoft: c.cpusSoft }),
    // Image paths relative to the file, as the kernel's are (xl would take them from its working directory).
    ...(c.disks.length === 0 ? {} : { disks: c.disks.map((spec) => ({ spec, image: resolveConfigPath(dir, spec.target!) })) }),
    ...(c.nics.length === 0 ? {} : { nics: c.nics }),
  };
}
