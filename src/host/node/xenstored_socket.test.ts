import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { XsClient } from '../../xenstore/client.js';
import { xenstoredStreamService } from '../../xenstore/stream.js';
import { Xenstored } from '../../xenstore/xenstored.js';
import { defaultXenstoredSocketPath, serveXenstoredSocket, XENSTORED_ROOT_SOCKET, type XenstoredSocketServer } from './xenstored_socket.js';

const run = promisify(execFile);

test('defaultXenstoredSocketPath() picks /run for root, then XDG_RUNTIME_DIR, then the temp dir', () => {
  assert.equal(defaultXenstoredSocketPath({ uid: 0 }), XENSTORED_ROOT_SOCKET);
  assert.equal(defaultXenstoredSocketPath({ uid: 1000, xdgRuntimeDir: '/run/user/1000' }), '/run/user/1000/xenon/xenstored/socket');
  assert.equal(defaultXenstoredSocketPath({ uid: 1000, xdgRuntimeDir: undefined, tmpDir: '/tmp' }), '/tmp/xenon-1000/xenstored/socket');
});

async function withServer(fn: (srv: Xenstored, sock: XenstoredSocketServer, env: NodeJS.ProcessEnv) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'xenon-xs-'));
  const srv = new Xenstored();
  const sock = await serveXenstoredSocket(xenstoredStreamService(srv), { path: join(dir, 'sub', 'socket') });
  // libxenstore (tools/libs/store/xs.c) connects to $XENSTORED_PATH before anything else.
  const env = { ...process.env, XENSTORED_PATH: sock.path };
  try {
    await fn(srv, sock, env);
  } finally {
    await sock.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function tool(env: NodeJS.ProcessEnv, name: string, ...args: string[]): Promise<string> {
  const { stdout } = await run(name, args, { env, timeout: 5000 });
  return stdout;
}

test('Debian\'s xenstore-utils work against our socket server', async () => {
  await withServer(async (srv, _sock, env) => {
    await tool(env, 'xenstore-write', '/local/domain/1/name', 'guest', '/local/domain/1/memory/target', '262144');
    assert.equal(await tool(env, 'xenstore-read', '/local/domain/1/name'), 'guest\n');
    assert.equal(new XsClient(srv).read('/local/domain/1/memory/target'), '262144');
    assert.equal(await tool(env, 'xenstore-list', '/local/domain/1'), 'name\nmemory\n');
    await tool(env, 'xenstore-chmod', '/local/domain/1', 'n0', 'r1');
    assert.deepEqual(new XsClient(srv).getPerms('/local/domain/1'), ['n0', 'r1']);
    const ls = await tool(env, 'xenstore-ls', '-fp', '/local');
    assert.match(ls, /^\/local\/domain\/1\/name = "guest"\s+\(n0\)$/m);
    assert.match(ls, /^\/local\/domain\/1 = ""\s+\(n0,r1\)$/m);
    await tool(env, 'xenstore-exists', '/local/domain/1/name');
    await assert.rejects(tool(env, 'xenstore-exists', '/local/domain/1/nope'), (e: { code?: number }) => e.code === 1);
    await tool(env, 'xenstore-rm', '/local/domain/1/memory');
    assert.equal(await tool(env, 'xenstore-list', '/local/domain/1'), 'name\n');
    await assert.rejects(tool(env, 'xenstore-read', '/local/domain/1/memory/target'));
  });
});

test('xenstore-watch -n 2 sees the initial event and one change', async () => {
  await withServer(async (srv, _sock, env) => {
    const child = spawn('xenstore-watch', ['-n', '2', '/w'], { env, timeout: 5000 });
    let out = '';
    const firstLine = new Promise<void>((resolve) => child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve();
    }));
    const exited = new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', resolve);
    });
    await Promise.race([firstLine, exited]);
    new XsClient(srv).write('/w/x', '1');
    assert.equal(await exited, 0);
    assert.equal(out, '/w\n/w/x\n');
  });
});

test('a socket client breaking the framing is disconnected and the server keeps serving', async () => {
  await withServer(async (srv, sock) => {
    const s = createConnection(sock.path);
    await new Promise<void>((r) => s.once('connect', () => r()));
    const header = Buffer.alloc(16);
    header.writeUInt32LE(5000, 12);
    const closed = new Promise<void>((r) => s.once('close', () => r()));
    s.write(header);
    await closed;
    assert.equal(new XsClient(srv).read('/tool/xenstored'), '');
  });
});
