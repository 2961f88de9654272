/**
 * xenond's HTTP server on a Unix socket: parses each request into one domain-manager action and
 * answers JSON (Firecracker's API server is the model). The socket is its owner's alone (0600); a
 * second daemon on the same socket is refused; a client that disconnects mid-request leaves the
 * daemon and every domain as they were.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import { dirname } from 'node:path';
import type { Duplex } from 'node:stream';
import { XEN_MAJOR, XEN_MINOR } from '../abi/xen_version.js';
import { BlockDiskError } from '../host/common/block_disk.js';
import { XenonError } from '../lib/errors.js';
import type { DomainManager } from '../toolstack/domain_manager.js';
import { XEN_CAPABILITIES, XEN_EXTRAVERSION } from '../hv/common/hypercall/xen_version.js';
import { RATELIMIT_NS, allPcpus } from '../hv/common/sched/credit2.js';
import { parseCpuList } from '../toolstack/config/index.js';
import {
  CONSOLE_UPGRADE, DOMAIN_ACTIONS, type CreateRequest, type CreateResponse, type DomainAction, type DomainSummary,
  type HostInfo, type SchedParamsBody, type SchedulerSummary, type VcpuSummary,
} from './api.js';
import { ApiError } from './api_error.js';
import { diskResource, nicResource, routeDevice, type DaemonLog, type DeviceResource } from './device_routes.js';
import { domainSpecFrom, loadDomainConfig } from './domain_config_files.js';

/** Largest request body taken (an xl.cfg path and overrides). */
const MAX_BODY_BYTES = 64 * 1024;
/** Domain-0's memory and vCPUs as `xl list` shows them. */
const DOM0 = { memoryMiB: 512, vcpus: 2 };
/** Domain-0's credit2 weight as `xl sched-credit2` shows it (the default). */
const DOM0_WEIGHT = 256;
const XENON_VERSION = '0.1.0';
/** Console output buffered for one client, as the `console/limit` libxl writes (1 MiB). */
const CONSOLE_BUFFER_LIMIT = 1024 * 1024;

export interface DaemonServerOptions {
  readonly manager: DomainManager;
  readonly socketPath: string;
  readonly log: DaemonLog;
  readonly startedAtMs: number;
  readonly cpuTimeS: () => number;
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.byteLength;
      if (size > MAX_BODY_BYTES) reject(new ApiError(413, `Request body over ${MAX_BODY_BYTES} bytes`));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseJson<T>(text: string): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new ApiError(400, 'The request body is not valid JSON');
  }
}

export class DaemonServer {
  private readonly server: http.Server;
  private readonly m: DomainManager;
  /** The devices of `/domains/{ref}/{resource}`: disks (xl block-*) and NICs (xl network-*). */
  private readonly devices: readonly DeviceResource[];

  constructor(private readonly o: DaemonServerOptions) {
    this.m = o.manager;
    this.devices = [diskResource(o.manager, o.log), nicResource(o.manager, o.log)];
    this.server = http.createServer((req, res) => void this.handle(req, res));
    this.server.on('upgrade', (req, socket) => this.console(req, socket));
    this.server.on('clientError', (_e, socket) => socket.destroy());
  }

  /** Listens on the socket; refuses when another daemon answers there, and replaces a stale socket file. */
  async listen(): Promise<void> {
    const path = this.o.socketPath;
    if (fs.existsSync(path)) {
      const alive = await new Promise<boolean>((resolve) => {
        const c = net.connect(path);
        c.once('connect', () => {
          c.destroy();
          resolve(true);
        });
        c.once('error', () => resolve(false));
      });
      if (alive) throw new XenonError('DAEMON', `Another xenon daemon is already listening on "${path}"`);
      fs.unlinkSync(path);
    }
    fs.mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(path, () => resolve());
    });
    fs.chmodSync(path, 0o600);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    try {
      const { status, body } = await this.route(req);
      if (res.destroyed) return;
      if (typeof body === 'string') {
        res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(body);
      } else if (body === undefined) {
        res.writeHead(status).end();
      } else {
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      }
    } catch (e) {
      // A disk image that cannot be opened is the request's fault (it names the image), as a bad config file is.
      const status = e instanceof ApiError ? e.status : e instanceof XenonError || e instanceof BlockDiskError ? 400 : e instanceof RangeError ? 409 : 500;
      const message = e instanceof Error ? e.message : String(e);
      if (status === 500) this.o.log('error', 'request failed', { method: req.method, url: req.url, error: e instanceof Error ? e.stack : message });
      if (!res.destroyed) res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: message }));
    }
  }

  private domid(ref: string): number {
    let name: string;
    try {
      name = decodeURIComponent(ref);
    } catch {
      throw new ApiError(400, `Malformed domain "${ref}" in the path (bad percent-encoding)`);
    }
    const id = /^\d+$/.test(ref) ? Number(ref) : this.m.domid(name);
    if (id === undefined || (id !== 0 && this.m.info(id) === undefined)) throw new ApiError(404, `Domain "${name}" does not exist`);
    return id;
  }

  private async summary(domid: number): Promise<DomainSummary> {
    const now = Date.now();
    if (domid === 0) {
      return {
        domid: 0, name: 'Domain-0', uuid: '00000000-0000-0000-0000-000000000000', state: 'running', shutdownReason: null, blocked: false,
        memoryMiB: DOM0.memoryMiB, maxMemoryMiB: DOM0.memoryMiB, vcpus: DOM0.vcpus, cpuTimeS: this.o.cpuTimeS(), uptimeS: (now - this.o.startedAtMs) / 1000,
      };
    }
    const i = this.m.info(domid);
    if (i === undefined) throw new ApiError(404, `Domain ${domid} does not exist`);
    const c = await this.m.counters(domid).catch(() => null);
    return {
      domid, name: i.name, uuid: i.spec.uuid, state: i.state, shutdownReason: i.shutdownReason, blocked: c?.blocked ?? false,
      memoryMiB: i.spec.memoryMiB, maxMemoryMiB: i.spec.maxMemoryMiB, vcpus: i.spec.vcpus, cpuTimeS: (c?.cpuTimeNs ?? 0) / 1e9, uptimeS: (now - i.createdAtMs) / 1000,
    };
  }

  private async route(req: http.IncomingMessage): Promise<{ status: number; body?: unknown }> {
    const url = new URL(req.url ?? '/', 'http://xenond');
    const parts = url.pathname.split('/').filter((p) => p !== '');
    const method = req.method ?? 'GET';
    if (parts[0] === 'version' && parts.length === 1 && method === 'GET') {
      return { status: 200, body: { xenon: XENON_VERSION, xen: `${XEN_MAJOR}.${XEN_MINOR}` } };
    }
    if (parts[0] === 'info' && parts.length === 1 && method === 'GET') return { status: 200, body: hostInfo(this.m.sched.nrPcpus, this.m.freeMemoryMiB()) };
    if (parts[0] === 'sched' && parts.length === 1 && method === 'GET') {
      const body: SchedulerSummary = { scheduler: 'credit2', pool: 'Pool-0', ratelimitUs: RATELIMIT_NS / 1000, nrPcpus: this.m.sched.nrPcpus };
      return { status: 200, body };
    }
    if (parts[0] === 'dmesg' && parts.length === 1 && method === 'GET') {
      return { status: 200, body: this.m.hv.log.read(url.searchParams.get('clear') === '1') };
    }
    if (parts[0] !== 'domains') throw new ApiError(404, `No such resource "${url.pathname}"`);
    if (parts.length === 1 && method === 'GET') {
      const domUs = await Promise.all(this.m.list().map((d) => this.summary(d.domid)));
      // The daemon's CPU time counts the domUs' worker threads too; Domain-0's is the rest.
      const dom0 = await this.summary(0);
      const cpuTimeS = Math.max(0, dom0.cpuTimeS - domUs.reduce((t, d) => t + d.cpuTimeS, 0));
      return { status: 200, body: [{ ...dom0, cpuTimeS }, ...domUs] };
    }
    if (parts.length === 1 && method === 'POST') return { status: 201, body: await this.create(parseJson<CreateRequest>(await readBody(req))) };
    const domid = this.domid(parts[1]!);
    if (parts.length === 2 && method === 'GET') return { status: 200, body: await this.summary(domid) };
    if (parts.length === 3 && parts[2] === 'counters' && method === 'GET') {
      if (domid === 0) throw new ApiError(400, 'Domain-0 runs no guest code; it has no counters');
      return { status: 200, body: await this.m.counters(domid) };
    }
    if (parts.length === 3 && parts[2] === 'actions' && method === 'PUT') {
      const { action } = parseJson<{ action?: unknown }>(await readBody(req));
      if (typeof action !== 'string' || !DOMAIN_ACTIONS.includes(action as DomainAction)) {
        throw new ApiError(400, `Unknown action "${String(action)}"; give one of ${DOMAIN_ACTIONS.join(', ')}`);
      }
      if (domid === 0) throw new ApiError(400, `Cannot ${action} Domain-0`);
      await this.act(domid, action as DomainAction);
      return { status: 204 };
    }
    const device = this.devices.find((r) => r.resource === parts[2]);
    if (device !== undefined) return routeDevice(device, { method, domid, parts, query: url.searchParams, body: async () => parseJson<unknown>(await readBody(req)) });
    if (parts.length === 3 && parts[2] === 'console') throw new ApiError(426, 'The console needs an HTTP upgrade to "xenon-console"');
    if (parts.length === 3 && parts[2] === 'vcpus' && method === 'GET') return { status: 200, body: await this.vcpus(domid) };
    if (parts.length === 5 && parts[2] === 'vcpus' && parts[4] === 'affinity' && method === 'PUT') {
      if (domid === 0) throw new ApiError(400, 'Domain-0\'s vCPUs are this process\'s threads, not pinned by Xenon\'s scheduler');
      const vcpu = parts[3] === 'all' ? 'all' : /^\d+$/.test(parts[3]!) ? Number(parts[3]) : null;
      if (vcpu === null) throw new ApiError(400, `Invalid argument ${parts[3]} as VCPU`);
      const body = parseJson<Record<string, unknown>>(await readBody(req));
      const list = (key: string) => {
        if (body[key] === undefined) return undefined;
        const l = parseCpuList(stringField(body, key));
        if (typeof l === 'string') throw new ApiError(400, l);
        return l;
      };
      this.o.log('info', 'domain vcpu-pin', { domid, vcpu, ...body });
      this.m.pinVcpu(domid, vcpu, list('hard'), list('soft'));
      return { status: 204 };
    }
    if (parts.length === 3 && parts[2] === 'sched' && method === 'GET') {
      const body: SchedParamsBody = domid === 0 ? { weight: DOM0_WEIGHT, cap: 0 } : this.m.schedParams(domid);
      return { status: 200, body };
    }
    if (parts.length === 3 && parts[2] === 'sched' && method === 'PUT') {
      if (domid === 0) throw new ApiError(400, 'Domain-0 is this process and runs outside Xenon\'s scheduler; its weight and cap cannot be set');
      const body = parseJson<Record<string, unknown>>(await readBody(req));
      this.o.log('info', 'domain sched-credit2', { domid, ...body });
      this.m.setSchedParams(domid, {
        ...(body['weight'] === undefined ? {} : { weight: numberField(body, 'weight') }),
        ...(body['cap'] === undefined ? {} : { cap: numberField(body, 'cap') }),
      });
      return { status: 204 };
    }
    if (parts.length === 3 && method === 'PUT' && ['vcpus', 'memory', 'sysrq', 'name'].includes(parts[2]!)) {
      if (domid === 0) throw new ApiError(400, `Cannot change the ${parts[2]} of Domain-0`);
      const body = parseJson<Record<string, unknown>>(await readBody(req));
      this.o.log('info', `domain ${parts[2]}`, { domid, ...body });
      switch (parts[2]) {
        case 'vcpus': this.m.setVcpus(domid, numberField(body, 'online')); break;
        case 'memory': this.m.setMemory(domid, {
          ...(body['targetKiB'] === undefined ? {} : { targetKiB: numberField(body, 'targetKiB') }),
          ...(body['maxKiB'] === undefined ? {} : { maxKiB: numberField(body, 'maxKiB') }),
        }); break;
        case 'sysrq': this.m.sysrq(domid, stringField(body, 'key')); break;
        case 'name': this.m.rename(domid, stringField(body, 'name')); break;
      }
      return { status: 204 };
    }
    throw new ApiError(404, `No such resource "${method} ${url.pathname}"`);
  }

  private async vcpus(domid: number): Promise<VcpuSummary[]> {
    const cpus = (mask: number) => Array.from({ length: this.m.sched.nrPcpus }, (_, i) => i).filter((i) => (mask & (1 << i)) !== 0);
    if (domid === 0) {
      // Domain-0 is this process; its CPU time is reported whole, on its first vCPU.
      const { cpuTimeS } = await this.summary(0);
      const all = cpus(allPcpus(this.m.sched.nrPcpus));
      return Array.from({ length: DOM0.vcpus }, (_, vcpu) => ({ vcpu, state: 'running', timeS: vcpu === 0 ? cpuTimeS : 0, cpu: -1, hardAffinity: all, softAffinity: all }));
    }
    const c = await this.m.counters(domid);
    const p = this.m.vcpuPlacement(domid);
    return c.vcpus.map((v, vcpu) => ({
      vcpu, timeS: v.runNs / 1e9, cpu: p.pcpu, hardAffinity: cpus(p.hard[vcpu] ?? 0), softAffinity: cpus(p.soft[vcpu] ?? 0),
      // A vCPU with work runs only while its domain holds a pCPU.
      state: v.state === 'running' && p.state !== 'running' ? 'runnable' : v.state,
    }));
  }

  private async create(r: CreateRequest): Promise<CreateResponse> {
    if (typeof r.configFile !== 'string' || !r.configFile.startsWith('/')) throw new ApiError(400, 'configFile must be an absolute path');
    const overrides = r.overrides ?? [];
    if (!Array.isArray(overrides) || overrides.some((x) => typeof x !== 'string')) throw new ApiError(400, 'overrides must be a list of strings');
    const loaded = loadDomainConfig(r.configFile, overrides);
    if (this.m.domid(loaded.config.name) !== undefined) throw new ApiError(409, `A domain named "${loaded.config.name}" already exists`);
    const domid = await this.m.create(domainSpecFrom(loaded), { paused: r.paused === true });
    this.o.log('info', 'domain created', { domid, name: loaded.config.name, config: r.configFile });
    return { domid, name: loaded.config.name, warnings: loaded.warnings };
  }

  private async act(domid: number, action: DomainAction): Promise<void> {
    this.o.log('info', `domain ${action}`, { domid });
    switch (action) {
      case 'shutdown': this.m.requestShutdown(domid, 'poweroff'); return;
      case 'reboot': this.m.requestShutdown(domid, 'reboot'); return;
      case 'shutdown-fallback': this.m.requestShutdown(domid, 'poweroff', { fallback: true }); return;
      case 'reboot-fallback': this.m.requestShutdown(domid, 'reboot', { fallback: true }); return;
      case 'pause': this.m.pause(domid); return;
      case 'unpause': this.m.unpause(domid); return;
      case 'destroy': await this.m.destroy(domid); return;
    }
  }

  /** GET /domains/{ref}/console with Upgrade: xenon-console — raw bytes both ways until either side closes. */
  private console(req: http.IncomingMessage, socket: Duplex): void {
    const parts = new URL(req.url ?? '/', 'http://xenond').pathname.split('/').filter((p) => p !== '');
    const refuse = (status: number, message: string) => {
      const body = JSON.stringify({ error: message });
      socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
    };
    if (parts.length !== 3 || parts[0] !== 'domains' || parts[2] !== 'console' || req.headers.upgrade !== CONSOLE_UPGRADE) {
      refuse(404, 'Only /domains/{ref}/console upgrades, to "xenon-console"');
      return;
    }
    let domid: number;
    try {
      domid = this.domid(parts[1]!);
    } catch (e) {
      refuse(404, e instanceof Error ? e.message : String(e));
      return;
    }
    if (domid === 0) {
      refuse(400, 'Domain-0 has no console here');
      return;
    }
    const name = this.m.info(domid)!.name;
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nupgrade: ${CONSOLE_UPGRADE}\r\nconnection: Upgrade\r\n\r\n`);
    let current = domid;
    // A client that stops reading loses output past a bound (xenconsoled's console/limit), rather
    // than the daemon buffering whatever a guest prints.
    const write = (b: Uint8Array) => {
      if (socket.writableLength < CONSOLE_BUFFER_LIMIT) socket.write(b);
    };
    let detach = this.m.attachConsole(current, write);
    // Follows the domain across a restart (on_reboot = "restart" gives it a new domid), as xl console does.
    const off = this.m.onEvent((e) => {
      if (e.kind === 'created' && e.name === name) {
        current = e.domid;
        detach = this.m.attachConsole(current, write);
      } else if (e.kind === 'destroyed' && e.domid === current) {
        setTimeout(() => {
          if (this.m.domid(name) === undefined) socket.end();
        }, 0);
      }
    });
    socket.on('data', (b: Buffer) => {
      if (this.m.info(current) !== undefined) this.m.consoleInput(current, new Uint8Array(b));
    });
    const done = () => {
      detach();
      off();
    };
    // A client that half-closes has detached: close our side too.
    socket.on('end', () => socket.end());
    socket.on('close', done);
    socket.on('error', done);
  }
}

function numberField(body: Record<string, unknown>, key: string): number {
  const v = body[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ApiError(400, `"${key}" must be a number`);
  return v;
}

function stringField(body: Record<string, unknown>, key: string): string {
  const v = body[key];
  if (typeof v !== 'string') throw new ApiError(400, `"${key}" must be a string`);
  return v;
}

/** What `xl info` shows of this host: its kernel, CPUs and memory, and the Xen we present. */
function hostInfo(nrPcpus: number, freeMemoryMiB: number): HostInfo {
  const cpus = os.cpus();
  return {
    host: os.hostname(), release: os.release(), version: os.version(), machine: os.machine(), nrCpus: nrPcpus,
    cpuMhz: cpus[0]?.speed ?? 0, totalMemoryMiB: Math.floor(os.totalmem() / 2 ** 20), freeMemoryMiB: Math.floor(freeMemoryMiB),
    xenMajor: XEN_MAJOR, xenMinor: XEN_MINOR, xenExtra: XEN_EXTRAVERSION, xenCaps: XEN_CAPABILITIES, xenScheduler: 'credit2',
    xenPagesize: 4096, xenCommandline: '',
  };
}

