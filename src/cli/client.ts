/**
 * The CLI's side of the daemon's API: JSON requests over its Unix socket, the console stream, and
 * starting the daemon on demand (xl needs no daemon because libxl is a library; ours is a process,
 * started the first time a command needs it).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Duplex } from 'node:stream';
import { CONSOLE_UPGRADE } from '../daemon/api.js';
import { XenonError } from '../lib/errors.js';
import { defaultDaemonLogPath, defaultDaemonSocketPath } from '../main/paths.js';

const MAIN = path.join(path.dirname(fileURLToPath(import.meta.url)), 'main.js');
const START_TIMEOUT_MS = 15_000;

/** The daemon's error body is `{ "error": message }`; anything else is shown as it came. */
function errorMessage(body: string): string {
  try {
    return (JSON.parse(body) as { error?: string }).error ?? body;
  } catch {
    return body;
  }
}

export class DaemonClient {
  constructor(readonly socketPath: string) {}

  request<T>(method: string, urlPath: string, body?: unknown): Promise<T> {
    return new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = http.request({
        socketPath: this.socketPath, path: urlPath, method,
        headers: payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const json = (res.headers['content-type'] ?? '').startsWith('application/json');
          if ((res.statusCode ?? 500) >= 400) {
            reject(new XenonError('DAEMON', errorMessage(text)));
            return;
          }
          resolve((json ? JSON.parse(text) : text) as T);
        });
      });
      req.on('error', (e) => reject(new XenonError('DAEMON', `Cannot reach the xenon daemon at "${this.socketPath}": ${e.message}`, { cause: e })));
      req.end(payload);
    });
  }

  /** Opens the console stream of domain `ref`. */
  console(ref: string): Promise<Duplex> {
    return new Promise((resolve, reject) => {
      const req = http.request({
        socketPath: this.socketPath, path: `/domains/${encodeURIComponent(ref)}/console`, method: 'GET',
        headers: { connection: 'Upgrade', upgrade: CONSOLE_UPGRADE },
      });
      req.on('upgrade', (_res, socket) => resolve(socket));
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => reject(new XenonError('DAEMON', errorMessage(Buffer.concat(chunks).toString('utf8')))));
      });
      req.on('error', (e) => reject(new XenonError('DAEMON', `Cannot reach the xenon daemon at "${this.socketPath}": ${e.message}`, { cause: e })));
      req.end();
    });
  }

  async alive(): Promise<boolean> {
    try {
      await this.request('GET', '/version');
      return true;
    } catch {
      return false;
    }
  }
}

/** A client of the running daemon, starting one in the background first when none answers. */
export async function connectDaemon(opts: { start: boolean } = { start: true }): Promise<DaemonClient> {
  const client = new DaemonClient(defaultDaemonSocketPath());
  if (await client.alive()) return client;
  if (!opts.start) throw new XenonError('DAEMON', `No xenon daemon is running at "${client.socketPath}"`);
  const logPath = defaultDaemonLogPath();
  fs.mkdirSync(path.dirname(logPath), { recursive: true });
  const out = fs.openSync(logPath, 'a');
  const child = spawn(process.execPath, [MAIN, 'daemon'], { detached: true, stdio: ['ignore', out, out], env: process.env });
  child.unref();
  fs.closeSync(out);
  const t0 = Date.now();
  while (Date.now() - t0 < START_TIMEOUT_MS) {
    if (await client.alive()) return client;
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new XenonError('DAEMON', `The xenon daemon did not start; see "${logPath}"`);
}
