import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlockDiskError } from '../../common/block_disk.js';
import { NbdClient } from './client.js';

// A fake NBD server written from proto.md independently of protocol.ts, so that a misreading in
// one is not mirrored by the other. Numbers are spelled out here on purpose.
const NBDMAGIC = Buffer.from('NBDMAGIC');
const IHAVEOPT = Buffer.from('IHAVEOPT');
const OPT_REPLY_MAGIC = 0x3e889045565a9n;
const CMD = { READ: 0, WRITE: 1, DISC: 2, FLUSH: 3, TRIM: 4 } as const;
const FLAG = { HAS_FLAGS: 1, READ_ONLY: 2, SEND_FLUSH: 4, SEND_TRIM: 32 } as const;
const EXPORT = 'disk';

interface Request {
  readonly type: number;
  readonly cookie: Buffer;
  readonly offset: number;
  readonly length: number;
  readonly data: Buffer | null;
}

/** One client connection as the fake server sees it after the handshake. */
class Conn {
  readonly requests: Request[] = [];
  clientFlags = -1;
  constructor(readonly socket: Socket) {}
  reply(req: Request, error = 0, data: Buffer | null = null): void {
    const h = Buffer.alloc(16);
    h.writeUInt32BE(0x67446698, 0);
    h.writeUInt32BE(error, 4);
    req.cookie.copy(h, 8);
    this.socket.write(data === null ? h : Buffer.concat([h, data]));
  }
}

interface FakeOptions {
  readonly sizeBytes?: number;
  readonly flags?: number;
  /** Replaces the whole handshake: gets the raw socket. */
  readonly handshake?: (socket: Socket) => void;
  /** Handles each request; the default serves `disk` from memory at once. */
  readonly onRequest?: (req: Request, conn: Conn, fake: Fake) => void;
}

function optReply(type: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(20);
  h.writeBigUInt64BE(OPT_REPLY_MAGIC, 0);
  h.writeUInt32BE(7, 8);
  h.writeUInt32BE(type, 12);
  h.writeUInt32BE(payload.length, 16);
  return Buffer.concat([h, payload]);
}

class Fake {
  /** What NBD_INFO_EXPORT announces. */
  readonly sizeBytes: number;
  /** The backing store of serveFromMemory(), capped so a large announced size costs nothing. */
  readonly disk: Buffer;
  readonly conns: Conn[] = [];
  readonly flags: number;
  constructor(
    readonly path: string,
    readonly opts: FakeOptions,
  ) {
    this.sizeBytes = opts.sizeBytes ?? 1 << 20;
    this.disk = Buffer.alloc(Math.min(this.sizeBytes, 1 << 20));
    this.flags = opts.flags ?? FLAG.HAS_FLAGS | FLAG.SEND_FLUSH | FLAG.SEND_TRIM;
  }

  serveFromMemory(req: Request, conn: Conn): void {
    if (req.type === CMD.READ) conn.reply(req, 0, Buffer.from(this.disk.subarray(req.offset, req.offset + req.length)));
    else if (req.type === CMD.WRITE) {
      req.data!.copy(this.disk, req.offset);
      conn.reply(req);
    } else if (req.type === CMD.DISC) conn.socket.end();
    else conn.reply(req);
  }

  /** Fixed newstyle server side, then a request parser. */
  accept(socket: Socket): void {
    if (this.opts.handshake) {
      this.opts.handshake(socket);
      return;
    }
    const conn = new Conn(socket);
    this.conns.push(conn);
    const greet = Buffer.alloc(18);
    NBDMAGIC.copy(greet, 0);
    IHAVEOPT.copy(greet, 8);
    greet.writeUInt16BE(3, 16); // NBD_FLAG_FIXED_NEWSTYLE | NBD_FLAG_NO_ZEROES
    socket.write(greet);
    let buf = Buffer.alloc(0);
    let phase: 'flags' | 'option' | 'transmission' = 'flags';
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        if (phase === 'flags') {
          if (buf.length < 4) return;
          conn.clientFlags = buf.readUInt32BE(0);
          buf = buf.subarray(4);
          phase = 'option';
        } else if (phase === 'option') {
          if (buf.length < 16 || buf.length < 16 + buf.readUInt32BE(12)) return;
          const len = buf.readUInt32BE(12);
          assert.ok(buf.subarray(0, 8).equals(IHAVEOPT));
          assert.equal(buf.readUInt32BE(8), 7);
          const nameLen = buf.readUInt32BE(16);
          const name = buf.subarray(20, 20 + nameLen).toString();
          buf = buf.subarray(16 + len);
          if (name !== EXPORT) {
            socket.write(optReply(0x80000006, Buffer.from('export not found\n')));
            return;
          }
          const info = Buffer.alloc(12);
          info.writeUInt16BE(0, 0);
          info.writeBigUInt64BE(BigInt(this.sizeBytes), 2);
          info.writeUInt16BE(this.flags, 10);
          socket.write(Buffer.concat([optReply(3, Buffer.from([0, 1, 0x41])), optReply(3, info), optReply(1, Buffer.alloc(0))]));
          phase = 'transmission';
        } else {
          if (buf.length < 28) return;
          assert.equal(buf.readUInt32BE(0), 0x25609513);
          const type = buf.readUInt16BE(6);
          const length = buf.readUInt32BE(24);
          const dataLen = type === CMD.WRITE ? length : 0;
          if (buf.length < 28 + dataLen) return;
          const req: Request = {
            type,
            cookie: Buffer.from(buf.subarray(8, 16)),
            offset: Number(buf.readBigUInt64BE(16)),
            length,
            data: type === CMD.WRITE ? Buffer.from(buf.subarray(28, 28 + length)) : null,
          };
          buf = buf.subarray(28 + dataLen);
          conn.requests.push(req);
          (this.opts.onRequest ?? ((r, c) => this.serveFromMemory(r, c)))(req, conn, this);
        }
      }
    });
  }

  types(): number[] {
    return this.conns.flatMap((c) => c.requests.map((r) => r.type));
  }
}

async function withFake(opts: FakeOptions, fn: (fake: Fake) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'xenon-nbd-'));
  const path = join(dir, 'nbd.sock');
  const sockets = new Set<Socket>();
  const fake = new Fake(path, opts);
  const server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => sockets.delete(s));
    fake.accept(s);
  });
  await new Promise<void>((res) => server.listen(path, res));
  try {
    await fn(fake);
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise<void>((res) => server.close(() => res()));
    rmSync(dir, { recursive: true, force: true });
  }
}

function connect(fake: Fake, extra: { readOnly?: boolean; discard?: boolean; handshakeTimeoutMs?: number } = {}): Promise<NbdClient> {
  return NbdClient.connect(fake.path, EXPORT, { image: 'test.qcow2', readOnly: false, ...extra });
}

/** Waits until `cond` holds (the fake server sees requests asynchronously). */
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; !cond(); i++) {
    if (i > 500) throw new Error('Condition not reached in 5 s');
    await new Promise((r) => setTimeout(r, 10));
  }
}

function isDiskError(op: string, message: RegExp): (e: unknown) => boolean {
  return (e) => e instanceof BlockDiskError && e.op === op && message.test(e.message);
}

test('NbdClient.connect() negotiates NBD_OPT_GO and takes size and flags from NBD_INFO_EXPORT', async () => {
  await withFake({ sizeBytes: 3 << 20 }, async (fake) => {
    const c = await connect(fake);
    assert.equal(c.sizeBytes, 3 << 20);
    assert.equal(c.readOnly, false);
    assert.equal(c.canDiscard, true);
    assert.equal(fake.conns[0]!.clientFlags, 3, 'NBD_FLAG_C_FIXED_NEWSTYLE | NBD_FLAG_C_NO_ZEROES');
    await c.close();
  });
});

test('NbdClient read() and write() round-trip, reading into a SharedArrayBuffer view', async () => {
  await withFake({}, async (fake) => {
    const c = await connect(fake);
    const guest = new Uint8Array(new SharedArrayBuffer(3 * 4096));
    guest.subarray(4096, 8192).fill(0x5a);
    await c.write(512, guest.subarray(4096, 8192));
    assert.ok(fake.disk.subarray(512, 512 + 4096).every((b) => b === 0x5a));
    await c.read(0, guest.subarray(0, 8192));
    assert.equal(guest[511], 0);
    assert.equal(guest[512], 0x5a);
    assert.equal(guest[4607], 0x5a);
    assert.equal(guest[4608], 0);
    await c.close();
  });
});

test('NbdClient matches pipelined requests to out-of-order replies by cookie', async () => {
  const held: [Request, Conn][] = [];
  await withFake({ onRequest: (req, conn) => held.push([req, conn]) }, async (fake) => {
    for (let i = 0; i < 8; i++) fake.disk.fill(i + 1, i * 4096, (i + 1) * 4096);
    const c = await connect(fake);
    const bufs = Array.from({ length: 8 }, () => new Uint8Array(4096));
    const reads = bufs.map((b, i) => c.read(i * 4096, b));
    await until(() => held.length === 8);
    for (const [req, conn] of held.reverse()) fake.serveFromMemory(req, conn);
    await Promise.all(reads);
    bufs.forEach((b, i) => assert.ok(b.every((x) => x === i + 1), `read ${i} got the data of its own offset`));
    assert.equal(new Set(fake.conns[0]!.requests.map((r) => r.cookie.toString('hex'))).size, 8, 'distinct cookies');
  });
});

test('NbdClient rejects only the request whose reply carries an error, naming op and errno', async () => {
  const onRequest = (req: Request, conn: Conn, fake: Fake): void => {
    if (req.type === CMD.WRITE) conn.reply(req, 28);
    else if (req.type === CMD.READ && req.offset === 0) conn.reply(req, 5);
    else if (req.type === CMD.TRIM) conn.reply(req, 99);
    else fake.serveFromMemory(req, conn);
  };
  await withFake({ onRequest }, async (fake) => {
    const c = await connect(fake);
    const results = await Promise.allSettled([
      c.write(0, new Uint8Array(512)),
      c.read(0, new Uint8Array(512)),
      c.read(512, new Uint8Array(512)),
      c.discard(0, 512),
    ]);
    assert.ok(results[0].status === 'rejected' && isDiskError('write', /ENOSPC/)(results[0].reason));
    assert.ok(results[1].status === 'rejected' && isDiskError('read', /EIO/)(results[1].reason));
    assert.equal(results[2].status, 'fulfilled', 'a failed READ carries no payload, so the stream stays in step');
    assert.ok(results[3].status === 'rejected' && isDiskError('discard', /EINVAL \(unknown error 99\)/)(results[3].reason));
    await c.read(1024, new Uint8Array(512));
    await c.close();
  });
});

test('NbdClient rejects every outstanding and later request when the server closes mid-request', async () => {
  let seen = 0;
  const onRequest = (req: Request, conn: Conn): void => {
    if (++seen < 3) return;
    // Half of a READ's payload, then gone.
    const h = Buffer.alloc(16);
    h.writeUInt32BE(0x67446698, 0);
    req.cookie.copy(h, 8);
    conn.socket.end(Buffer.concat([h, Buffer.alloc(req.length / 2)]));
  };
  await withFake({ onRequest }, async (fake) => {
    const c = await connect(fake);
    const results = await Promise.allSettled([c.write(0, new Uint8Array(512)), c.flush(), c.read(0, new Uint8Array(4096))]);
    assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected', 'rejected']);
    const ops = ['write', 'flush', 'read'];
    results.forEach((r, i) => assert.ok(r.status === 'rejected' && isDiskError(ops[i]!, /closed the connection/)(r.reason)));
    await assert.rejects(c.read(0, new Uint8Array(512)), isDiskError('read', /closed the connection/));
    assert.equal(fake.types().length, 3);
    await c.close();
  });
});

test('NbdClient.connect() refuses an option reply length over 64 KiB without reading it', async () => {
  const handshake = (s: Socket): void => {
    const greet = Buffer.alloc(18);
    NBDMAGIC.copy(greet, 0);
    IHAVEOPT.copy(greet, 8);
    greet.writeUInt16BE(1, 16);
    const h = Buffer.alloc(20);
    h.writeBigUInt64BE(OPT_REPLY_MAGIC, 0);
    h.writeUInt32BE(7, 8);
    h.writeUInt32BE(3, 12);
    h.writeUInt32BE(0xffffffff, 16);
    s.write(Buffer.concat([greet, h]));
  };
  await withFake({ handshake }, async (fake) => {
    await assert.rejects(connect(fake), isDiskError('open', /option reply of 4294967295 bytes is over the 64 KiB limit/));
  });
});

test('NbdClient.connect() refuses a server that is not NBD, and one that stays silent', async () => {
  await withFake({ handshake: (s) => s.write('SSH-2.0-OpenSSH_9.2\r\n') }, async (fake) => {
    await assert.rejects(connect(fake), isDiskError('open', /not an NBD server/));
  });
  await withFake({ handshake: () => undefined }, async (fake) => {
    await assert.rejects(connect(fake, { handshakeTimeoutMs: 50 }), isDiskError('open', /did not complete it within 50 ms/));
  });
  await withFake({ handshake: (s) => s.end(NBDMAGIC) }, async (fake) => {
    await assert.rejects(connect(fake), isDiskError('open', /closed the connection/));
  });
});

test('NbdClient.connect() reports NBD_REP_ERR_UNKNOWN with the server\'s text', async () => {
  await withFake({}, async (fake) => {
    await assert.rejects(
      NbdClient.connect(fake.path, 'other', { image: 'x.vmdk', readOnly: false }),
      isDiskError('open', /server refused export "other": no such export \(NBD_REP_ERR_UNKNOWN\): "export not found"/),
    );
  });
});

test('NbdClient.connect() gives the system error when the socket is not there', async () => {
  await assert.rejects(
    NbdClient.connect('/nonexistent/nbd.sock', EXPORT, { image: 'x', readOnly: false }),
    (e: unknown) => isDiskError('open', /ENOENT/)(e) && (e as Error).cause !== undefined,
  );
});

test('NbdClient refuses requests beyond the export\'s size locally', async () => {
  await withFake({ sizeBytes: 8192 }, async (fake) => {
    const c = await connect(fake);
    await assert.rejects(c.read(4096, new Uint8Array(8192)), isDiskError('read', /outside the disk \(8192 bytes\)/));
    await assert.rejects(c.write(8192, new Uint8Array(1)), isDiskError('write', /outside the disk/));
    await assert.rejects(c.discard(-512, 512), isDiskError('discard', /outside the disk/));
    await c.read(4096, new Uint8Array(4096));
    await c.read(8192, new Uint8Array(0));
    assert.deepEqual(fake.types(), [CMD.READ], 'only the valid, non-empty request reached the server');
    await c.close();
  });
});

test('NbdClient is read-only from NBD_FLAG_READ_ONLY or the caller, and discards only with NBD_FLAG_SEND_TRIM', async () => {
  await withFake({ flags: FLAG.HAS_FLAGS | FLAG.READ_ONLY | FLAG.SEND_TRIM }, async (fake) => {
    const c = await connect(fake);
    assert.equal(c.readOnly, true);
    assert.equal(c.canDiscard, false);
    await assert.rejects(c.write(0, new Uint8Array(512)), isDiskError('write', /read-only/));
    await assert.rejects(c.discard(0, 512), isDiskError('discard', /read-only/));
    await c.close();
  });
  await withFake({ flags: FLAG.HAS_FLAGS | FLAG.SEND_FLUSH }, async (fake) => {
    const ro = await connect(fake, { readOnly: true });
    assert.equal(ro.readOnly, true);
    await assert.rejects(ro.write(0, new Uint8Array(512)), isDiskError('write', /read-only/));
    const rw = await connect(fake);
    assert.equal(rw.canDiscard, false);
    await assert.rejects(rw.discard(0, 512), isDiskError('discard', /NBD_FLAG_SEND_TRIM/));
    assert.deepEqual(fake.types(), [], 'nothing was sent');
    await Promise.all([ro.close(), rw.close()]);
  });
  await withFake({}, async (fake) => {
    const c = await connect(fake, { discard: false });
    assert.equal(c.canDiscard, false, 'the caller can turn discard off');
    await c.close();
  });
});

test('NbdClient discard() splits long ranges into 1 GiB NBD_CMD_TRIMs', async () => {
  await withFake({ sizeBytes: 4 * 2 ** 30 }, async (fake) => {
    const c = await connect(fake);
    await c.discard(2 ** 30 - 4096, 2 * 2 ** 30 + 8192);
    const trims = fake.conns[0]!.requests.map((r) => [r.type, r.offset, r.length]);
    assert.deepEqual(trims, [
      [CMD.TRIM, 2 ** 30 - 4096, 2 ** 30],
      [CMD.TRIM, 2 * 2 ** 30 - 4096, 2 ** 30],
      [CMD.TRIM, 3 * 2 ** 30 - 4096, 8192],
    ]);
    await c.close();
  });
});

test('NbdClient flush() sends NBD_CMD_FLUSH, or without NBD_FLAG_SEND_FLUSH waits for writes in flight', async () => {
  await withFake({}, async (fake) => {
    const c = await connect(fake);
    await c.write(0, new Uint8Array(512));
    await c.flush();
    assert.deepEqual(fake.types(), [CMD.WRITE, CMD.FLUSH]);
    await c.close();
  });
  const held: [Request, Conn][] = [];
  await withFake({ flags: FLAG.HAS_FLAGS, onRequest: (req, conn, fake) => (req.type === CMD.WRITE ? held.push([req, conn]) : fake.serveFromMemory(req, conn)) }, async (fake) => {
    const c = await connect(fake);
    const write = c.write(0, new Uint8Array(512).fill(7));
    let flushed = false;
    const flush = c.flush().then(() => {
      flushed = true;
    });
    await until(() => held.length === 1);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(flushed, false, 'flush waits for the write in flight');
    fake.serveFromMemory(...held[0]!);
    await Promise.all([write, flush]);
    assert.deepEqual(fake.types(), [CMD.WRITE], 'no NBD_CMD_FLUSH without NBD_FLAG_SEND_FLUSH');
    await c.close();
  });
});

test('NbdClient close() waits for outstanding requests, flushes, then sends NBD_CMD_DISC', async () => {
  const held: [Request, Conn][] = [];
  await withFake({ onRequest: (req, conn, fake) => (req.type === CMD.READ ? held.push([req, conn]) : fake.serveFromMemory(req, conn)) }, async (fake) => {
    const c = await connect(fake);
    const read = c.read(0, new Uint8Array(512));
    await until(() => held.length === 1);
    const closing = c.close();
    await assert.rejects(c.write(0, new Uint8Array(512)), isDiskError('write', /closed/));
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(fake.types(), [CMD.READ], 'nothing more is sent while a request is outstanding');
    fake.serveFromMemory(...held[0]!);
    await Promise.all([read, closing]);
    assert.deepEqual(fake.types(), [CMD.READ, CMD.FLUSH, CMD.DISC]);
    assert.equal(c.close(), closing, 'close() is idempotent');
  });
});

test('NbdClient drops the connection on a reply with a bad magic or an unknown cookie', async () => {
  const cases: [string, (req: Request, conn: Conn) => void, RegExp][] = [
    ['bad magic', (_req, conn) => conn.socket.write(Buffer.alloc(16, 0xee)), /bad reply magic 0xeeeeeeee/],
    ['unknown cookie', (req, conn) => conn.reply({ ...req, cookie: Buffer.alloc(8, 0x7f) }), /unknown cookie/],
    ['structured reply', (_req, conn) => conn.socket.write(Buffer.from('668e33ef' + '00'.repeat(12), 'hex')), /structured reply/],
  ];
  for (const [what, onRequest, message] of cases) {
    await withFake({ onRequest }, async (fake) => {
      const c = await connect(fake);
      const results = await Promise.allSettled([c.read(0, new Uint8Array(512)), c.read(512, new Uint8Array(512))]);
      for (const r of results) assert.ok(r.status === 'rejected' && isDiskError('read', message)(r.reason), what);
      await assert.rejects(c.flush(), isDiskError('flush', message));
      await c.close();
    });
  }
});

test('NbdClient stops issuing requests after NBD_ESHUTDOWN and disconnects once idle', async () => {
  const onRequest = (req: Request, conn: Conn, fake: Fake): void => {
    if (req.type === CMD.READ && req.offset === 0) conn.reply(req, 108);
    else fake.serveFromMemory(req, conn);
  };
  await withFake({ onRequest }, async (fake) => {
    const c = await connect(fake);
    await assert.rejects(c.read(0, new Uint8Array(512)), isDiskError('read', /ESHUTDOWN/));
    await assert.rejects(c.read(512, new Uint8Array(512)), isDiskError('read', /shutting down/));
    await until(() => fake.types().includes(CMD.DISC));
    await c.close();
  });
});
