/**
 * Where Xenon's host-side files live: the daemon's socket and log, and the console logs, as root
 * (system paths, like Xen's /var/log/xen and /run/xen) and as an ordinary user (XDG directories).
 */
import * as os from 'node:os';
import * as path from 'node:path';

const isRoot = (): boolean => process.getuid?.() === 0;

/** The daemon's socket: $XENON_SOCKET, else /run/xenon/xenond.sock as root, else under the user's runtime directory. */
export function defaultDaemonSocketPath(): string {
  const env = process.env['XENON_SOCKET'];
  if (env !== undefined && env !== '') return env;
  if (isRoot()) return '/run/xenon/xenond.sock';
  const runtime = process.env['XDG_RUNTIME_DIR'];
  if (runtime !== undefined && runtime !== '') return path.join(runtime, 'xenon', 'xenond.sock');
  return path.join(os.tmpdir(), `xenon-${process.getuid?.() ?? 'user'}`, 'xenond.sock');
}

/**
 * Where console logs go: $XENON_LOG_DIR/console, else /var/log/xenon/console as root (xenconsoled:
 * /var/log/xen/console), else under the user's state directory.
 */
export function defaultConsoleLogDir(): string {
  const env = process.env['XENON_LOG_DIR'];
  if (env !== undefined && env !== '') return path.join(env, 'console');
  if (isRoot()) return '/var/log/xenon/console';
  const state = process.env['XDG_STATE_HOME'] ?? path.join(os.homedir(), '.local', 'state');
  return path.join(state, 'xenon', 'console');
}

/** The daemon's structured log, beside the console logs (xenond.log). */
export function defaultDaemonLogPath(): string {
  return path.join(path.dirname(defaultConsoleLogDir()), 'xenond.log');
}

/** Runtime files beside the daemon's socket (the storage daemons' NBD sockets): short paths, as Unix sockets need. */
export function defaultRunDir(): string {
  return path.dirname(defaultDaemonSocketPath());
}

/** The daemon's configuration file: $XENON_CONFIG, else /etc/xenon/xenond.conf as root, else under the user's config directory. */
export function defaultDaemonConfigPath(): string {
  const env = process.env['XENON_CONFIG'];
  if (env !== undefined && env !== '') return env;
  if (isRoot()) return '/etc/xenon/xenond.conf';
  const config = process.env['XDG_CONFIG_HOME'] ?? path.join(os.homedir(), '.config');
  return path.join(config, 'xenon', 'xenond.conf');
}
