/**
 * The daemon's host configuration: its configuration file when there is one (a missing file is no
 * configuration, as for xl.conf), then `--net` specs from its command line.
 */
import * as fs from 'node:fs';
import { parseDaemonConfig, parseNetworkSpec, uplinksByBridge, type Uplink } from '../daemon/network_config.js';
import { readBoundedFile } from '../host/node/bounded_file.js';

/** A configuration file larger than this is a mistake, not a configuration. */
const MAX_CONFIG_BYTES = 1 << 20;

export function readDaemonUplinks(configPath: string, netArgs: readonly string[]): ReadonlyMap<string, Uplink> {
  const fromFile = fs.existsSync(configPath)
    ? parseDaemonConfig(new TextDecoder().decode(readBoundedFile(configPath, 'daemon configuration', MAX_CONFIG_BYTES)), configPath)
    : [];
  const fromArgs = netArgs.map((spec, i) => parseNetworkSpec(spec, { source: '--net', line: i + 1 }));
  return uplinksByBridge([...fromFile, ...fromArgs]);
}
