/**
 * `xenon daemon` (xenond): owns every domain, xenstored and the backends, and serves the API on a
 * Unix socket. It writes a structured log (JSON lines), keeps the hypervisor's log in its ring,
 * and on SIGTERM or SIGINT asks every domU to power off, destroys those still running after a
 * grace period, and exits.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DaemonServer } from '../daemon/server.js';
import { defaultXenstoredSocketPath, serveXenstoredSocket } from '../host/node/xenstored_socket.js';
import { DomainManager } from '../toolstack/domain_manager.js';
import { xenstoredStreamService } from '../xenstore/index.js';
import { nodeDomainHost } from './node_domain_host.js';
import type { Uplink } from '../daemon/network_config.js';

/** How long domUs get to power off when the daemon stops, before they are destroyed. */
const SHUTDOWN_GRACE_MS = 30_000;

/** Where the tools look: $XENSTORED_PATH when set (libxenstore reads it too), else the default. */
function xenstoredSocketPath(): string {
  const env = process.env['XENSTORED_PATH'];
  return env !== undefined && env !== '' ? env : defaultXenstoredSocketPath();
}

export interface DaemonOptions {
  readonly socketPath: string;
  readonly logPath: string;
  readonly consoleLogDir?: string;
  /** Serve xenstored's socket too (at its default path, or this one). */
  readonly xenstoredSocket?: string | false;
  /** Bridges given an uplink to the host (`xenon daemon --net bridge=B,uplink=passt|tap,...`). */
  readonly uplinks?: ReadonlyMap<string, Uplink>;
}

export interface RunningDaemon {
  readonly manager: DomainManager;
  /** Powers the domUs off (destroying them after the grace period) and stops serving. */
  stop(graceMs?: number): Promise<void>;
  /** Resolves when the daemon has stopped. */
  readonly stopped: Promise<void>;
}

export async function startDaemon(o: DaemonOptions): Promise<RunningDaemon> {
  fs.mkdirSync(path.dirname(o.logPath), { recursive: true });
  const logFd = fs.openSync(o.logPath, 'a');
  const log = (level: 'info' | 'warn' | 'error', msg: string, fields: Record<string, unknown> = {}) => {
    fs.writeSync(logFd, `${JSON.stringify({ ts: new Date().toISOString(), level, msg, ...fields })}\n`);
  };
  const manager = new DomainManager(nodeDomainHost({
    ...(o.consoleLogDir === undefined ? {} : { consoleLogDir: o.consoleLogDir }),
    ...(o.uplinks === undefined ? {} : { uplinks: o.uplinks }),
  }));
  manager.hv.log.sink = (line) => log('info', line, { subsystem: 'xen' });
  manager.onEvent((e) => log('info', `domain ${e.kind}`, { ...e }));
  const startedAtMs = Date.now();
  const cpu0 = process.cpuUsage();
  const server = new DaemonServer({
    manager, socketPath: o.socketPath, log, startedAtMs,
    cpuTimeS: () => {
      const u = process.cpuUsage(cpu0);
      return (u.user + u.system) / 1e6;
    },
  });
  await server.listen();
  const xs = o.xenstoredSocket === false ? null
    : await serveXenstoredSocket(xenstoredStreamService(manager.xenstored), { path: o.xenstoredSocket ?? xenstoredSocketPath() })
      .catch((e: unknown) => {
        log('warn', 'xenstored socket not served', { error: e instanceof Error ? e.message : String(e) });
        return null;
      });
  log('info', 'daemon started', { socket: o.socketPath, xenstored: xs?.path ?? null, pid: process.pid });
  let finish!: () => void;
  const stopped = new Promise<void>((resolve) => (finish = resolve));
  let stopping = false;
  const loop = manager.run(() => stopping);
  const stop = async (graceMs = SHUTDOWN_GRACE_MS) => {
    if (stopping) return stopped;
    log('info', 'daemon stopping', { domains: manager.list().length });
    for (const d of manager.list()) {
      if (d.state !== 'running') continue;
      try {
        manager.requestShutdown(d.domid, 'poweroff');
      } catch (e) {
        // An HVM domain cannot be asked; it is destroyed with the others that outlast the grace period.
        log('warn', 'domain cannot be asked to power off', { domid: d.domid, name: d.name, error: e instanceof Error ? e.message : String(e) });
      }
    }
    const t0 = Date.now();
    while (manager.list().length > 0 && Date.now() - t0 < graceMs) await new Promise((r) => setTimeout(r, 100));
    for (const d of manager.list()) {
      log('warn', 'domain did not power off in time: destroying it', { domid: d.domid, name: d.name });
      await manager.destroy(d.domid);
    }
    await manager.networks.closeAll();
    stopping = true;
    manager.stop();
    await loop;
    await server.close();
    await xs?.close();
    log('info', 'daemon stopped');
    fs.closeSync(logFd);
    finish();
    return stopped;
  };
  return { manager, stop, stopped };
}
