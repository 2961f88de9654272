/**
 * xl.cfg for Xenon: the file syntax (libxlu), the typed domain configuration xl builds from it, and the libxl
 * JSON `xl list -l` prints. Pure TypeScript; reading files and resolving paths on a host is the caller's job.
 */
export { ConfigError, type ConfigLocation } from './config_error.js';
export { parseXlCfg, type ParseXlCfgOptions, type XlCfg, type XlCfgAtom, type XlCfgList, type XlCfgSetting, type XlCfgValue } from './xl_cfg_parse.js';
export {
  parseDomainConfig, toDomainConfig, validateDomainName, parseUuid, generateUuid, resolveConfigPath,
  type DomainConfig, type DomainConfigOptions, type DomainConfigResult, type DomainType, type GicVersion, type ShutdownAction, type VcpuAffinity,
} from './domain_config.js';
export { parseDiskSpec, formatDiskSpec, type DiskSpec, type DiskFormat, type DiskBackendType, type DiskSpecification } from './disk_spec.js';
export { parseNicSpec, parseMac, generateMac, type NicSpec, type ParseNicOptions, type RandomBytes } from './nic_spec.js';
export { parseCpuList, cpuListToSet, type CpuList, type CpuListTerm, type HostCpuTopology } from './cpu_list.js';
export { vdevToDevid } from './vdev.js';
export { domainConfigToLibxlJson, formatXlJson, type JsonValue, type LibxlJsonOptions, type SchedParams } from './to_json.js';
