/**
 * Fuzz target for the xl.cfg attack surface (docs/style.md §6: one target per surface). The first byte picks
 * what the rest is fed to: a whole configuration (then converted to JSON), or one disk, vif or CPULIST spec.
 * Only `ConfigError` may escape the parsers; anything else is a bug.
 */
import { ConfigError } from './config_error.js';
import { cpuListToSet, parseCpuList } from './cpu_list.js';
import { parseDiskSpec } from './disk_spec.js';
import { parseDomainConfig } from './domain_config.js';
import { parseNicSpec } from './nic_spec.js';
import { domainConfigToLibxlJson, formatXlJson } from './to_json.js';

const AT = { source: 'fuzz.cfg', line: 1 };
const random = (n: number): Uint8Array => new Uint8Array(n).fill(0x5a);

/** Parse `bytes` as xl.cfg input of the kind its first byte selects. Throws only on a bug. */
export function fuzzXlCfg(bytes: Uint8Array): void {
  const text = new TextDecoder().decode(bytes.subarray(1));
  try {
    switch ((bytes[0] ?? 0) % 4) {
      case 0: {
        const { config } = parseDomainConfig(text, { source: 'fuzz.cfg', random });
        formatXlJson(domainConfigToLibxlJson(config, { host: { nrCpus: 4, nodeCpus: [[0, 1], [2, 3]] } }));
        break;
      }
      case 1:
        parseDiskSpec(text, { ...AT, key: 'disk' });
        break;
      case 2:
        parseNicSpec(text, { index: 0, at: { ...AT, key: 'vif' }, random });
        break;
      default: {
        const list = parseCpuList(text);
        if (typeof list !== 'string') cpuListToSet(list, { nrCpus: 8, nodeCpus: [[0, 1, 2, 3], [4, 5, 6, 7]] });
      }
    }
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
  }
}
