/**
 * The daemon over its real Unix socket, with tiny hand-made guests (no kernel boot): the API's
 * routes and errors, the console stream, the socket's mode, one daemon per socket, a client
 * killed mid-request, a clean stop, and the OpenAPI document against the route table.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DaemonClient } from '../cli/client.js';
import { arm64Image, CONSOLE_HI_THEN_WFI, WFI_LOOP } from '../hv/_test_arm64_image.js';
import { startDaemon, type RunningDaemon } from '../main/daemon.js';
import { ROUTES, type CreateResponse, type DomainSummary } from './api.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
let dir: string;
let daemon: RunningDaemon;
let client: DaemonClient;

function cfg(name: string, code: readonly number[], extra = ''): string {
  const kernel = path.join(dir, `${name}.img`);
  fs.writeFileSync(kernel, arm64Image(code));
  const file = path.join(dir, `${name}.cfg`);
  fs.writeFileSync(file, `name = "${name}"\ntype = "pvh"\nmemory = 16\nvcpus = 1\nkernel = "${name}.img"\n${extra}`);
  return file;
}

async function rejects(p: Promise<unknown>, re: RegExp): Promise<void> {
  await assert.rejects(p, (e: Error) => re.test(e.message));
}

describe('xenond API', () => {
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xenond-test-'));
    daemon = await startDaemon({
      socketPath: path.join(dir, 'run', 'xenond.sock'), logPath: path.join(dir, 'xenond.log'), consoleLogDir: path.join(dir, 'console'), xenstoredSocket: false,
    });
    client = new DaemonClient(path.join(dir, 'run', 'xenond.sock'));
  });
  after(async () => {
    await daemon.stop(200);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the socket is its owner\'s alone (mode 0600) and a second daemon on it is refused', async () => {
    assert.equal(fs.statSync(client.socketPath).mode & 0o777, 0o600);
    await rejects(startDaemon({ socketPath: client.socketPath, logPath: path.join(dir, 'other.log'), xenstoredSocket: false }), /already listening/);
  });

  test('create, list, pause, unpause and destroy a domain through the API', async () => {
    const r = await client.request<CreateResponse>('POST', '/domains', { configFile: cfg('api1', WFI_LOOP) });
    assert.equal(r.name, 'api1');
    const all = await client.request<DomainSummary[]>('GET', '/domains');
    assert.deepEqual(all.map((d) => [d.domid, d.name]), [[0, 'Domain-0'], [r.domid, 'api1']]);
    assert.equal(all[1]!.memoryMiB, 16);
    await client.request('PUT', `/domains/api1/actions`, { action: 'pause' });
    assert.equal((await client.request<DomainSummary>('GET', `/domains/${r.domid}`)).state, 'paused');
    await client.request('PUT', `/domains/api1/actions`, { action: 'unpause' });
    assert.equal((await client.request<DomainSummary>('GET', '/domains/api1')).state, 'running');
    const counters = await client.request<{ exits: [string, number][] }>('GET', '/domains/api1/counters');
    assert.ok(Array.isArray(counters.exits));
    await client.request('PUT', `/domains/api1/actions`, { action: 'destroy' });
    await rejects(client.request('GET', '/domains/api1'), /does not exist/);
    assert.match(await client.request<string>('GET', '/dmesg'), /d\d+: created "api1"/);
  });

  test('bad requests get JSON errors naming what was wrong, and change nothing', async () => {
    await rejects(client.request('POST', '/domains', { configFile: 'relative.cfg' }), /absolute path/);
    const bad = path.join(dir, 'bad.cfg');
    fs.writeFileSync(bad, 'name = "bad"\nmemory = "lots"\n');
    await rejects(client.request('POST', '/domains', { configFile: bad }), /bad\.cfg:2: "memory"/);
    await rejects(client.request('POST', '/domains', { configFile: path.join(dir, 'missing.cfg') }), /no such file/);
    await client.request('POST', '/domains', { configFile: cfg('dup', WFI_LOOP) });
    await rejects(client.request('POST', '/domains', { configFile: cfg('dup', WFI_LOOP) }), /already exists/);
    await rejects(client.request('PUT', '/domains/dup/actions', { action: 'explode' }), /Unknown action "explode"/);
    await rejects(client.request('PUT', '/domains/0/actions', { action: 'destroy' }), /Domain-0/);
    await rejects(client.request('GET', '/domains/nosuch'), /does not exist/);
    await rejects(client.request('GET', '/nothing'), /No such resource/);
    const names = (await client.request<DomainSummary[]>('GET', '/domains')).map((d) => d.name);
    assert.deepEqual(names, ['Domain-0', 'dup']);
    await client.request('PUT', '/domains/dup/actions', { action: 'destroy' });
  });

  test('the console stream carries what the guest writes to its PV console', async () => {
    const r = await client.request<CreateResponse>('POST', '/domains', { configFile: cfg('con', CONSOLE_HI_THEN_WFI), paused: true });
    const stream = await client.console(String(r.domid));
    let got = '';
    const seen = new Promise<void>((resolve) => stream.on('data', (b: Buffer) => {
      got += b.toString();
      if (got.includes('hi')) resolve();
    }));
    await client.request('PUT', '/domains/con/actions', { action: 'unpause' });
    await seen;
    // A client that half-closes has detached: the daemon closes its side, and the domain runs on.
    const closed = new Promise<void>((resolve) => stream.on('close', () => resolve()));
    stream.end();
    await closed;
    assert.equal((await client.request<{ state: string }>('GET', '/domains/con')).state, 'running');
    await client.request('PUT', '/domains/con/actions', { action: 'destroy' });
    assert.equal(got, 'hi');
  });

  test('vcpu-set, mem-set, mem-max, sysrq and rename write what xl writes to xenstore; vcpu-list and info answer', async () => {
    const r = await client.request<CreateResponse>('POST', '/domains', { configFile: cfg('knobs', WFI_LOOP, 'vcpus = 2\n') });
    const xs = daemon.manager.xs;
    const home = `/local/domain/${r.domid}`;
    await client.request('PUT', '/domains/knobs/vcpus', { online: 1 });
    assert.deepEqual([xs.read(`${home}/cpu/0/availability`), xs.read(`${home}/cpu/1/availability`)], ['online', 'offline']);
    await client.request('PUT', '/domains/knobs/memory', { maxKiB: 12 * 1024 });
    await client.request('PUT', '/domains/knobs/memory', { targetKiB: 8 * 1024 });
    assert.deepEqual([xs.read(`${home}/memory/static-max`), xs.read(`${home}/memory/target`)], ['12288', '8192']);
    await rejects(client.request('PUT', '/domains/knobs/memory', { targetKiB: 13 * 1024 }), /maximum of 12288 KiB/);
    await client.request('PUT', '/domains/knobs/sysrq', { key: 'h' });
    assert.equal(xs.read(`${home}/control/sysrq`), 'h');
    await client.request('PUT', '/domains/knobs/name', { name: 'renamed' });
    assert.equal(xs.read(`${home}/name`), 'renamed');
    await rejects(client.request('PUT', '/domains/renamed/name', { name: 'bad/name' }), /Cannot rename/);
    const vcpus = await client.request<{ vcpu: number; state: string }[]>('GET', '/domains/renamed/vcpus');
    assert.deepEqual(vcpus.map((v) => v.vcpu), [0, 1]);
    assert.equal((await client.request<{ xenMajor: number }>('GET', '/info')).xenMajor, 4);
    await client.request('PUT', '/domains/renamed/actions', { action: 'destroy' });
  });

  test('a client killed mid-request leaves the daemon serving, and a new client finds the domains still there', async () => {
    const r = await client.request<CreateResponse>('POST', '/domains', { configFile: cfg('survivor', WFI_LOOP) });
    await new Promise<void>((resolve) => {
      const s = net.connect(client.socketPath, () => {
        s.write('POST /domains HTTP/1.1\r\nhost: x\r\ncontent-length: 1000\r\n\r\n{"configFile":');
        setTimeout(() => {
          s.destroy();
          resolve();
        }, 50);
      });
    });
    assert.equal((await client.request<{ xen: string }>('GET', '/version')).xen, '4.17');
    const again = new DaemonClient(client.socketPath);
    const d = await again.request<DomainSummary>('GET', '/domains/survivor');
    assert.deepEqual([d.domid, d.state], [r.domid, 'running']);
    await again.request('PUT', '/domains/survivor/actions', { action: 'destroy' });
  });

  test('the OpenAPI document describes exactly the routes the server answers', async () => {
    const doc = JSON.parse(fs.readFileSync(path.join(REPO, 'src/daemon/openapi.json'), 'utf8')) as { paths: Record<string, Record<string, unknown>> };
    const documented = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`)).sort();
    assert.deepEqual(documented, ROUTES.map((r) => `${r.method} ${r.path}`).sort());
    // Every documented route reaches a handler (never the router's "No such resource"); an
    // undocumented one does not.
    await client.request('POST', '/domains', { configFile: cfg('routes', WFI_LOOP), paused: true });
    for (const r of ROUTES) {
      const url = r.path.replace('{ref}', 'routes').replace('{vcpu}', '0');
      const body = r.method === 'PUT' ? { action: 'pause' } : r.method === 'POST' ? {} : undefined;
      await client.request(r.method, url, body).catch((e: Error) => assert.doesNotMatch(e.message, /No such resource/, `${r.method} ${r.path}`));
    }
    await rejects(client.request('DELETE', '/domains/routes'), /No such resource/);
    await client.request('PUT', '/domains/routes/actions', { action: 'destroy' });
  });
});
