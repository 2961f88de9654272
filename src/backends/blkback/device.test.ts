/**
 * blkback against a scripted frontend: the handshake as Linux's blkfront sees it, data through
 * direct and indirect segments, flush ordering, read-only and cdrom disks, failed I/O, and hostile
 * requests (bad grants, sectors outside a page or past the disk, unknown operations, a ring
 * producer far ahead) that get errors without harming anything else.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BLKIF_OP, BLKIF_REQUEST_BYTES, BLKIF_RSP, REQ, VDISK } from './regs.js';
import { BE, FE, MemDisk, TestFrontend, rwRequest, settle } from './_test_frontend.js';

const MiB = 1 << 20;
const PAGE = 4096;

/** Grants pages 1..n as refs 100.. (writable). */
function grantData(f: TestFrontend, n: number, first = 1): void {
  for (let i = 0; i < n; i++) f.grants.set(100 + i, { page: first + i, writable: true });
}

test('handshake: InitWait with features, then Connected with the disk published as Xen blkback does', async () => {
  const f = new TestFrontend(new MemDisk(MiB));
  f.backend.start();
  await settle();
  assert.equal(f.read(`${BE}/state`), '2');
  assert.equal(f.read(`${BE}/feature-max-indirect-segments`), '256');
  assert.equal(f.read(`${BE}/multi-queue-max-queues`), '4');
  await f.connect();
  assert.equal(f.read(`${BE}/state`), '4');
  assert.equal(f.read(`${BE}/sectors`), String(MiB / 512));
  assert.equal(f.read(`${BE}/info`), '0');
  assert.equal(f.read(`${BE}/sector-size`), '512');
  assert.equal(f.read(`${BE}/physical-sector-size`), '512');
  assert.equal(f.read(`${BE}/feature-flush-cache`), '1');
  assert.equal(f.read(`${BE}/feature-persistent`), '1');
  assert.equal(f.read(`${BE}/feature-discard`), '0');
  assert.equal(f.mapped, 1, 'only the ring stays mapped');
});

test('a write then a read through two segments move the data, and a flush makes it stable', async () => {
  const disk = new MemDisk(MiB);
  const f = new TestFrontend(disk);
  await f.connect();
  grantData(f, 4);
  f.mem.fill(0x11, 1 * PAGE, 2 * PAGE);
  f.mem.fill(0x22, 2 * PAGE, 3 * PAGE);
  // Sectors 2..7 of page 1 and 0..3 of page 2: 10 sectors from sector 40.
  f.put(rwRequest(BLKIF_OP.WRITE, 1, 40, [[100, 2, 7], [101, 0, 3]]));
  await f.push();
  assert.deepEqual(f.responses(), [{ id: 1n, op: BLKIF_OP.WRITE, status: BLKIF_RSP.OKAY }]);
  assert.equal(disk.bytes[40 * 512], 0x11);
  assert.equal(disk.bytes[46 * 512 - 1], 0x11);
  assert.equal(disk.bytes[46 * 512], 0x22);
  assert.equal(disk.bytes[50 * 512], 0);
  assert.equal(disk.stable[40 * 512], 0, 'not stable before a flush');
  f.put(rwRequest(BLKIF_OP.FLUSH_DISKCACHE, 2, 0, []));
  await f.push();
  assert.deepEqual(f.responses(), [{ id: 2n, op: BLKIF_OP.FLUSH_DISKCACHE, status: BLKIF_RSP.OKAY }]);
  assert.equal(disk.stable[40 * 512], 0x11);
  f.put(rwRequest(BLKIF_OP.READ, 3, 44, [[102, 0, 3]]));
  await f.push();
  assert.deepEqual(f.responses(), [{ id: 3n, op: BLKIF_OP.READ, status: BLKIF_RSP.OKAY }]);
  assert.deepEqual([...f.mem.subarray(3 * PAGE, 3 * PAGE + 2048)].filter((b, i) => b !== (i < 1024 ? 0x11 : 0x22)), []);
  assert.ok(f.notifications >= 3);
  assert.equal(f.mapped, 1, 'data grants are released after each request');
  assert.equal(f.backend.metrics.bytesWritten, 10 * 512);
});

test('an indirect request carries 16 segments', async () => {
  const disk = new MemDisk(MiB);
  const f = new TestFrontend(disk);
  await f.connect();
  grantData(f, 16, 10);
  f.grants.set(50, { page: 40, writable: false });
  const ind = new DataView(f.mem.buffer, 40 * PAGE, PAGE);
  for (let i = 0; i < 16; i++) {
    f.mem.fill(i + 1, (10 + i) * PAGE, (11 + i) * PAGE);
    ind.setUint32(i * 8, 100 + i, true);
    ind.setUint8(i * 8 + 4, 0);
    ind.setUint8(i * 8 + 5, 7);
  }
  const req = new Uint8Array(BLKIF_REQUEST_BYTES);
  const dv = new DataView(req.buffer);
  dv.setUint8(REQ.OPERATION, BLKIF_OP.INDIRECT);
  dv.setUint8(REQ.INDIRECT_OP, BLKIF_OP.WRITE);
  dv.setUint16(REQ.INDIRECT_NR_SEGMENTS, 16, true);
  dv.setBigUint64(REQ.ID, 9n, true);
  dv.setBigUint64(REQ.SECTOR_NUMBER, 8n, true);
  dv.setUint32(REQ.INDIRECT_GREFS, 50, true);
  f.put(req);
  await f.push();
  assert.deepEqual(f.responses(), [{ id: 9n, op: BLKIF_OP.WRITE, status: BLKIF_RSP.OKAY }], 'the response names the inner operation');
  for (let i = 0; i < 16; i++) assert.equal(disk.bytes[(8 + i * 8) * 512], i + 1);
});

test('two queues: each ring is mapped, bound and answered on its own', async () => {
  const disk = new MemDisk(MiB);
  const f = new TestFrontend(disk);
  const ring1 = 30;
  f.grants.set(9, { page: ring1, writable: true });
  const idx1 = new Int32Array(f.mem.buffer, ring1 * PAGE, 4);
  idx1[1] = 1;
  idx1[3] = 1;
  f.backend.start();
  await settle();
  for (const [k, v] of [['multi-queue-num-queues', '2'], ['queue-0/ring-ref', '8'], ['queue-0/event-channel', '7'], ['queue-1/ring-ref', '9'], ['queue-1/event-channel', '8']]) {
    f.xs.write(`${FE}/${k}`, v!);
  }
  f.xs.write(`${FE}/state`, '3');
  await settle();
  assert.equal(f.read(`${BE}/state`), '4');
  assert.equal(f.mapped, 2, 'both rings are mapped');
  grantData(f, 1);
  f.mem.fill(0x44, PAGE, 2 * PAGE);
  f.mem.set(rwRequest(BLKIF_OP.WRITE, 77, 16, [[100, 0, 7]]), ring1 * PAGE + 64);
  Atomics.store(idx1, 0, 1);
  f.handlers.get(8)!();
  await settle();
  assert.equal(Atomics.load(idx1, 2), 1, 'the answer is on the second ring');
  assert.equal(new DataView(f.mem.buffer, ring1 * PAGE + 64).getBigUint64(0, true), 77n);
  assert.equal(disk.bytes[16 * 512], 0x44);
  assert.equal(f.responses().length, 0, 'nothing on the first ring');
});

test('a read-only disk and a cdrom refuse writes; info says so', async () => {
  for (const [disk, cdrom, info] of [[new MemDisk(MiB, true), false, VDISK.READONLY], [new MemDisk(MiB), true, VDISK.READONLY | VDISK.CDROM]] as const) {
    const f = new TestFrontend(disk, { cdrom });
    await f.connect();
    assert.equal(f.read(`${BE}/info`), String(info));
    grantData(f, 1);
    f.mem.fill(0x33, PAGE, 2 * PAGE);
    f.put(rwRequest(BLKIF_OP.WRITE, 1, 0, [[100, 0, 7]]));
    f.put(rwRequest(BLKIF_OP.READ, 2, 0, [[100, 0, 7]]));
    await f.push();
    assert.deepEqual(f.responses().map((r) => r.status), [BLKIF_RSP.ERROR, BLKIF_RSP.OKAY]);
    assert.equal(disk.bytes[0], 0);
  }
});

test('a failed disk write is an ERROR response, never a lost one', async () => {
  const disk = new MemDisk(MiB);
  const f = new TestFrontend(disk);
  await f.connect();
  grantData(f, 1);
  disk.failWrites = true;
  f.put(rwRequest(BLKIF_OP.WRITE, 5, 0, [[100, 0, 7]]));
  await f.push();
  assert.deepEqual(f.responses(), [{ id: 5n, op: BLKIF_OP.WRITE, status: BLKIF_RSP.ERROR }]);
  assert.ok(f.log.some((l) => /no space left/.test(l)));
});

test('hostile requests get errors, and the device goes on serving good ones', async () => {
  const disk = new MemDisk(MiB);
  const f = new TestFrontend(disk);
  await f.connect();
  grantData(f, 1);
  f.grants.set(60, { page: 5, writable: false });
  const bad = [
    rwRequest(BLKIF_OP.READ, 1, 0, [[999, 0, 7]]), // a gref never granted
    rwRequest(BLKIF_OP.READ, 2, 0, [[100, 3, 9]]), // sectors outside the page
    rwRequest(BLKIF_OP.READ, 3, 0, [[100, 5, 2]]), // first after last
    rwRequest(BLKIF_OP.READ, 4, MiB / 512 - 4, [[100, 0, 7]]), // past the end of the disk
    rwRequest(BLKIF_OP.READ, 5, 0, []), // a read with no segments
    rwRequest(BLKIF_OP.READ, 6, 0, [[60, 0, 7]]), // a read into a read-only grant
    rwRequest(200, 7, 0, []), // an unknown operation
    rwRequest(BLKIF_OP.DISCARD, 8, 0, []), // discard on a disk that cannot
  ];
  const twelve = rwRequest(BLKIF_OP.WRITE, 9, 0, [[100, 0, 7]]);
  twelve[REQ.NR_SEGMENTS] = 12; // more direct segments than a request holds
  for (const r of [...bad, twelve]) f.put(r);
  await f.push();
  // Answers come in completion order; the ids tie them to requests.
  const st = f.responses().map((r) => [Number(r.id), r.status]).sort((a, b) => a[0]! - b[0]!);
  assert.deepEqual(st, [[1, -1], [2, -1], [3, -1], [4, -1], [5, -1], [6, -1], [7, -2], [8, -2], [9, -1]]);
  f.put(rwRequest(BLKIF_OP.WRITE, 10, 0, [[100, 0, 7]]));
  await f.push();
  assert.deepEqual(f.responses().map((r) => r.status), [BLKIF_RSP.OKAY]);
  assert.equal(f.mapped, 1);
});

test('a producer index far ahead of the ring closes the device with an error, touching no disk', async () => {
  const disk = new MemDisk(MiB);
  const f = new TestFrontend(disk);
  await f.connect();
  await f.push(1000);
  assert.equal(f.read(`${BE}/state`), '5');
  assert.match(f.read('/local/domain/0/error/backend/vbd/3/51712/error'), /ring is broken.*more than 32 requests ahead/);
  assert.equal(f.responses().length, 0);
  assert.equal(f.backend.metrics.brokenRings, 1);
});

test('bad handshake keys close the device with a reason: missing ring-ref, a foreign protocol, too many queues', async () => {
  for (const [extra, why] of [
    [{ 'ring-ref': 'x' }, /No valid .*ring-ref/],
    [{ protocol: 'x86_32-abi' }, /Unsupported protocol "x86_32-abi"/],
    [{ 'multi-queue-num-queues': '9' }, /asked for 9 queues/],
    [{ 'ring-ref': '4095' }, /Cannot map ring-ref 4095: bad gref/],
    [{ 'event-channel': '99' }, /Cannot bind event-channel 99/],
  ] as const) {
    const f = new TestFrontend(new MemDisk(MiB));
    await f.connect(extra);
    assert.equal(f.read(`${BE}/state`), '5', JSON.stringify(extra));
    assert.match(f.read('/local/domain/0/error/backend/vbd/3/51712/error'), why);
    assert.equal(f.mapped, 0, 'nothing stays mapped after a refused connect');
  }
});

test('the frontend closing and coming back reconnects; close() detaches once the frontend closed', async () => {
  const f = new TestFrontend(new MemDisk(MiB));
  await f.connect();
  f.xs.write(`${FE}/state`, '5');
  await settle();
  assert.equal(f.read(`${BE}/state`), '5');
  f.xs.write(`${FE}/state`, '6');
  await settle();
  assert.equal(f.read(`${BE}/state`), '6');
  assert.equal(f.mapped, 0);
  f.xs.write(`${FE}/state`, '1');
  await settle();
  assert.equal(f.read(`${BE}/state`), '2');
  f.xs.write(`${FE}/state`, '3');
  await settle();
  assert.equal(f.read(`${BE}/state`), '4');
  const closing = f.backend.close(new Promise<void>(() => undefined));
  await settle();
  assert.equal(f.read(`${BE}/online`), '0');
  assert.equal(f.read(`${BE}/state`), '5');
  f.xs.write(`${FE}/state`, '6');
  await closing;
  assert.equal(f.read(`${BE}/state`), '6');
  assert.equal(f.mapped, 0);
});
