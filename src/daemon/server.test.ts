/**
 * The daemon over its real Unix socket, with tiny hand-made guests (no kernel boot): the API's
 * routes and errors, the console stream, the socket's mode, one daemon per socket, a client
 * killed mid-request, a clean stop, and the OpenAPI document against the route table.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DaemonClient } from '../cli/client.js';
import { arm64Image, CONSOLE_HI_THEN_WFI, WFI_LOOP } from '../hv/_test_arm64_image.js';
import { startDaemon, type RunningDaemon } from '../main/daemon.js';
import { ROUTES, type CreateResponse, type DiskAttachResponse, type DiskSummary, type DomainSummary, type NicAttachResponse, type NicSummary } from './api.js';

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

/** The HTTP status and JSON error of a request (the client keeps only the message). */
function statusOf(method: string, urlPath: string, body?: unknown): Promise<{ status: number; error?: string }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request({ socketPath: client.socketPath, path: urlPath, method }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, ...((res.statusCode ?? 0) >= 400 ? { error: (JSON.parse(text) as { error: string }).error } : {}) });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** A request the daemon must refuse: method, path, body, the HTTP status and the error's pattern. */
type Refusal = [string, string, unknown, number, RegExp];

async function assertRefusals(refusals: readonly Refusal[]): Promise<void> {
  for (const [method, url, body, status, re] of refusals) {
    const got = await statusOf(method, url, body);
    assert.equal(got.status, status, `${method} ${url}: ${got.error}`);
    assert.match(got.error ?? '', re, `${method} ${url}`);
  }
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

  test('block-attach, block-list and block-detach through the API, with JSON errors for bad requests that change nothing', async () => {
    const r = await client.request<CreateResponse>('POST', '/domains', { configFile: cfg('dsk', WFI_LOOP), paused: true });
    const image = path.join(dir, 'dsk-b.img');
    fs.writeFileSync(image, new Uint8Array(1 << 20));
    const added = await client.request<DiskAttachResponse>('POST', '/domains/dsk/disks', { spec: ['format=raw', 'vdev=xvdb', `target=${image}`] });
    assert.deepEqual(added, { vdev: 'xvdb', devid: 51728 });
    const be = `/local/domain/0/backend/vbd/${r.domid}/51728`;
    const rows = await client.request<DiskSummary[]>('GET', '/domains/dsk/disks');
    assert.deepEqual(rows.map((d) => [d.devid, d.frontendId, d.state, d.backendPath]), [[51728, r.domid, 1, be]]);
    assert.equal(daemon.manager.xs.read(`${be}/params`), image);

    const refusals: Refusal[] = [
      ['POST', '/domains/dsk/disks', { spec: `${image},raw,xvdb,rw` }, 409, /Disk "xvdb" \(device 51728\) is already attached/],
      ['POST', '/domains/dsk/disks', { spec: 'dsk-c.img,raw,xvdc' }, 400, /target "dsk-c\.img" must be an absolute path/],
      ['POST', '/domains/dsk/disks', { spec: `${path.join(dir, 'missing.img')},raw,xvdc` }, 400, /open on ".*missing\.img" failed/],
      ['POST', '/domains/dsk/disks', { spec: `${image},vpc,xvdc` }, 400, /unknown value for format near "vpc"/],
      ['POST', '/domains/dsk/disks', { spec: `${image},raw` }, 400, /no vdev specified/],
      ['POST', '/domains/dsk/disks', { spec: 42 }, 400, /"spec" must be/],
      ['POST', '/domains/dsk/disks', 'not json', 400, /"spec" must be|request body must be a JSON object/],
      ['POST', '/domains/dsk/disks', { spec: `target=/${'x'.repeat(9000)},vdev=xvdc` }, 413, /"spec" is over 8192 characters/],
      ['POST', '/domains/dsk/disks', { spec: `target=/${'x'.repeat(70 * 1024)}` }, 413, /Request body over 65536 bytes/],
      ['POST', '/domains/nosuch/disks', { spec: `${image},raw,xvdc` }, 404, /Domain "nosuch" does not exist/],
      ['POST', '/domains/0/disks', { spec: `${image},raw,xvdc` }, 400, /Cannot attach a disk to Domain-0/],
      ['DELETE', '/domains/dsk/disks/xvdq', undefined, 404, /Domain \d+ has no disk "xvdq"/],
      ['DELETE', '/domains/dsk/disks/notadisk', undefined, 400, /Invalid or unsupported virtual disk identifier "notadisk"/],
      ['DELETE', '/domains/dsk/disks/xvdb?force=yes', undefined, 400, /"force" must be 0 or 1/],
      ['DELETE', '/domains/dsk/disks/%zz', undefined, 400, /Malformed disk name/],
      ['DELETE', '/domains/0/disks/xvdb', undefined, 400, /Domain-0/],
      ['GET', '/domains/%zz/disks', undefined, 400, /Malformed domain/],
      ['GET', '/domains/9999/disks', undefined, 404, /does not exist/],
      ['PUT', '/domains/dsk/disks/xvdb', undefined, 404, /No such resource/],
      ['GET', '/domains/dsk/disks/xvdb', undefined, 404, /No such resource/],
    ];
    await assertRefusals(refusals);
    assert.deepEqual((await client.request<DiskSummary[]>('GET', '/domains/dsk/disks')).map((d) => d.devid), [51728], 'the refused requests changed nothing');
    assert.deepEqual(await client.request('GET', '/domains/0/disks'), [], 'Domain-0 lists no disks, as xl block-list 0');

    // A detach waits for the guest's frontend to close (played here through xenstore), then the entries go.
    const detached = client.request('DELETE', '/domains/dsk/disks/51728');
    for (let i = 0; i < 100 && daemon.manager.xs.read(`${be}/state`) !== '5'; i++) await new Promise((res) => setTimeout(res, 10));
    daemon.manager.xs.write(`/local/domain/${r.domid}/device/vbd/51728/state`, '6');
    await detached;
    assert.deepEqual(await client.request('GET', '/domains/dsk/disks'), []);
    // --force does not wait for a guest that never answers.
    await client.request('POST', '/domains/dsk/disks', { spec: `${image},raw,xvdb,ro` });
    await client.request('DELETE', '/domains/dsk/disks/xvdb?force=1');
    assert.deepEqual(await client.request('GET', '/domains/dsk/disks'), []);
    assert.throws(() => daemon.manager.xs.read(be));
    await client.request('PUT', '/domains/dsk/actions', { action: 'destroy' });
  });

  test('network-attach, network-list and network-detach through the API, with JSON errors for bad requests that change nothing', async () => {
    const r = await client.request<CreateResponse>('POST', '/domains', { configFile: cfg('net', WFI_LOOP), paused: true });
    const xs = daemon.manager.xs;
    const first = await client.request<NicAttachResponse>('POST', '/domains/net/nics', { spec: ['bridge=xenbr0', 'mac=00:16:3E:00:00:AA'] });
    assert.deepEqual(first, { devid: 0, mac: '00:16:3e:00:00:aa', warnings: [] });
    // No devid: the next one after the highest (libxl__device_nextid); no MAC: a random one in Xen's OUI.
    await client.request('POST', '/domains/net/nics', { spec: 'devid=5,mac=00:16:3e:00:00:bb' });
    const next = await client.request<NicAttachResponse>('POST', '/domains/net/nics', { spec: ['loose'] });
    assert.equal(next.devid, 6);
    assert.match(next.mac, /^00:16:3e:[0-7][0-9a-f]:[0-9a-f]{2}:[0-9a-f]{2}$/);
    assert.deepEqual(next.warnings, ['spec: "vif": unrecognized argument "loose" ignored']);
    const be = `/local/domain/0/backend/vif/${r.domid}/0`;
    assert.equal(xs.read(`${be}/mac`), '00:16:3e:00:00:aa');
    assert.equal(xs.read(`${be}/hotplug-status`), 'connected');
    const rows = await client.request<NicSummary[]>('GET', '/domains/net/nics');
    assert.deepEqual(rows.map((n) => [n.devid, n.mac, n.handle, n.state, n.backendPath]), [
      [0, '00:16:3e:00:00:aa', 0, 1, be], [5, '00:16:3e:00:00:bb', 5, 1, `/local/domain/0/backend/vif/${r.domid}/5`], [6, next.mac, 6, 1, `/local/domain/0/backend/vif/${r.domid}/6`],
    ]);

    const refusals: Refusal[] = [
      ['POST', '/domains/net/nics', { spec: 'devid=0' }, 409, /vif 0 is already attached/],
      ['POST', '/domains/net/nics', { spec: 'mac=00:16:3e:00:00' }, 400, /^spec: invalid MAC address "00:16:3e:00:00" in vif specification/],
      ['POST', '/domains/net/nics', { spec: ['devid=-1'] }, 400, /invalid devid "-1"/],
      ['POST', '/domains/net/nics', { spec: 'type=ioemu' }, 400, /Cannot attach vif 7 to domain \d+: type "ioemu" is an emulated NIC/],
      ['POST', '/domains/net/nics', { spec: 'model=e1000' }, 400, /emulated NIC for HVM guests/],
      ['POST', '/domains/net/nics', { spec: 'script=vif-nat' }, 400, /Xenon runs no hotplug scripts/],
      ['POST', '/domains/net/nics', { spec: 'backend=driverdom' }, 400, /backends run in Domain-0 only/],
      ['POST', '/domains/net/nics', { spec: 'rate=10Mb/s' }, 400, /rate limiting is not supported/],
      ['POST', '/domains/net/nics', { spec: 42 }, 400, /"spec" must be a vif specification/],
      ['POST', '/domains/net/nics', {}, 400, /"spec" must be a vif specification/],
      ['POST', '/domains/net/nics', 'not json', 400, /request body must be a JSON object/],
      ['POST', '/domains/net/nics', { spec: `vifname=${'x'.repeat(9000)}` }, 413, /"spec" is over 8192 characters/],
      ['POST', '/domains/net/nics', { spec: `bridge=${'x'.repeat(70 * 1024)}` }, 413, /Request body over 65536 bytes/],
      ['POST', '/domains/nosuch/nics', { spec: [] }, 404, /Domain "nosuch" does not exist/],
      ['POST', '/domains/0/nics', { spec: [] }, 400, /Cannot attach a NIC to Domain-0/],
      ['DELETE', '/domains/net/nics/3', undefined, 404, /Domain \d+ has no NIC "3"/],
      ['DELETE', '/domains/net/nics/00:16:3e:00:00:cc', undefined, 404, /has no NIC "00:16:3e:00:00:cc"/],
      ['DELETE', '/domains/net/nics/00:16:3e:00:00:zz', undefined, 400, /Invalid MAC address "00:16:3e:00:00:zz"/],
      ['DELETE', '/domains/net/nics/eth0', undefined, 400, /Invalid NIC "eth0"/],
      ['DELETE', '/domains/net/nics/%zz', undefined, 400, /Malformed NIC name/],
      ['DELETE', '/domains/0/nics/0', undefined, 400, /Cannot detach a NIC from Domain-0/],
      ['GET', '/domains/9999/nics', undefined, 404, /does not exist/],
      ['PUT', '/domains/net/nics/0', undefined, 404, /No such resource/],
      ['GET', '/domains/net/nics/0', undefined, 404, /No such resource/],
    ];
    await assertRefusals(refusals);
    assert.deepEqual((await client.request<NicSummary[]>('GET', '/domains/net/nics')).map((n) => n.devid), [0, 5, 6], 'the refused requests changed nothing');
    assert.deepEqual(await client.request('GET', '/domains/0/nics'), [], 'Domain-0 lists no NICs, as xl network-list 0');

    // A detach (here by MAC, percent-encoded as a client sends it) waits for the guest's frontend to close, played through xenstore.
    const detached = client.request('DELETE', `/domains/net/nics/${encodeURIComponent('00:16:3E:00:00:AA')}`);
    for (let i = 0; i < 100 && xs.read(`${be}/state`) !== '5'; i++) await new Promise((res) => setTimeout(res, 10));
    xs.write(`/local/domain/${r.domid}/device/vif/0/state`, '6');
    await detached;
    assert.throws(() => xs.read(be));
    const gone = client.request('DELETE', '/domains/net/nics/5');
    for (let i = 0; i < 100 && xs.read(`/local/domain/0/backend/vif/${r.domid}/5/state`) !== '5'; i++) await new Promise((res) => setTimeout(res, 10));
    xs.write(`/local/domain/${r.domid}/device/vif/5/state`, '6');
    await gone;
    assert.deepEqual((await client.request<NicSummary[]>('GET', '/domains/net/nics')).map((n) => n.devid), [6]);
    await client.request('PUT', '/domains/net/actions', { action: 'destroy' });
  });

  test('an HVM domain has no Xen virtual disks or NICs to list, attach or detach', async () => {
    await client.request('POST', '/domains', { configFile: cfg('board', WFI_LOOP, 'type = "hvm"\n'), paused: true });
    assert.equal(daemon.manager.info(daemon.manager.domid('board')!)?.spec.type, 'hvm');
    const image = path.join(dir, 'board.img');
    fs.writeFileSync(image, new Uint8Array(4096));
    for (const [method, url, body] of [['GET', '/domains/board/disks'], ['POST', '/domains/board/disks', { spec: `${image},raw,xvdb` }], ['DELETE', '/domains/board/disks/xvdb']] as const) {
      const got = await statusOf(method, url, body);
      assert.equal(got.status, 409, `${method} ${url}`);
      assert.match(got.error ?? '', /is an HVM domain: it has no Xen virtual disks/);
    }
    for (const [method, url, body] of [['GET', '/domains/board/nics'], ['POST', '/domains/board/nics', { spec: ['bridge=xenbr0'] }], ['DELETE', '/domains/board/nics/0']] as const) {
      const got = await statusOf(method, url, body);
      assert.equal(got.status, 409, `${method} ${url}`);
      assert.match(got.error ?? '', /is an HVM domain: it has no Xen virtual NICs/);
    }
    await client.request('PUT', '/domains/board/actions', { action: 'destroy' });
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
      const url = r.path.replace('{ref}', 'routes').replace('{vcpu}', '0').replace('{disk}', 'xvdb').replace('{nic}', '0');
      const body = r.method === 'PUT' ? { action: 'pause' } : r.method === 'POST' ? {} : undefined;
      await client.request(r.method, url, body).catch((e: Error) => assert.doesNotMatch(e.message, /No such resource/, `${r.method} ${r.path}`));
    }
    await rejects(client.request('DELETE', '/domains/routes'), /No such resource/);
    await client.request('PUT', '/domains/routes/actions', { action: 'destroy' });
  });
});
