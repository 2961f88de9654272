/**
 * Disks through the domain manager: entries and a backend per disk at creation, hot attach and
 * detach on a running domain, teardown, and a disk that cannot be opened leaving nothing behind.
 * The guest is a tiny image without a blkfront, so the frontend's side is played through xenstore.
 */
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { MemDisk } from '../backends/blkback/_test_frontend.js';
import type { HostClock } from '../host/common/clock.js';
import { BlockDiskError } from '../host/common/block_disk.js';
import { arm64Image, WFI_LOOP } from '../hv/_test_arm64_image.js';
import { parseDiskSpec } from './config/index.js';
import type { DomainDisk, OpenDisk } from './disks.js';
import { DomainManager } from './domain_manager.js';
import type { DomainSpec } from './domain_spec.js';
import { InThreadLauncher } from './launcher.js';

const clock: HostClock = { monotonicNs: () => performance.now() * 1e6, wallClockMs: () => Date.now() };
const live: DomainManager[] = [];

afterEach(async () => {
  for (const m of live.splice(0)) for (const d of m.list()) await m.destroy(d.domid);
});

function manager(openDisk: OpenDisk): DomainManager {
  const m = new DomainManager({
    clock, launcher: new InThreadLauncher(clock), wait: () => new Promise((r) => setTimeout(r, 5)), wake: () => undefined,
    randomBytes: (n) => new Uint8Array(n), consoleLog: () => () => undefined, openDisk,
  });
  live.push(m);
  return m;
}

/** Opens every image as an in-memory disk, remembering them by path; "missing.img" fails as a missing file does. */
function memOpener(): { open: OpenDisk; disks: Map<string, MemDisk> } {
  const disks = new Map<string, MemDisk>();
  const open: OpenDisk = async (d) => {
    if (d.image.endsWith('missing.img')) throw new BlockDiskError('open', d.image, 'no such file');
    const disk = new MemDisk(1 << 20, d.readOnly);
    disks.set(d.image, disk);
    return disk;
  };
  return { open, disks };
}

const disk = (text: string, image: string): DomainDisk => ({ spec: parseDiskSpec(text, { source: 'test', key: 'disk', line: 1 }), image });

function spec(over: Partial<DomainSpec> = {}): DomainSpec {
  return {
    type: 'pvh', name: 'disks', uuid: '3def0a1e-72da-4384-b1b4-f05d93db6101', vcpus: 1, memoryMiB: 16, maxMemoryMiB: 16, gicVersion: 3,
    kernel: arm64Image(WFI_LOOP), onPoweroff: 'destroy', onReboot: 'destroy', onCrash: 'destroy', onWatchdog: 'destroy', ...over,
  };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

test('a disk of the spec gets its entries and a backend waiting for the frontend; destroy closes it and removes them', async () => {
  const o = memOpener();
  const m = manager(o.open);
  const domid = await m.create(spec({ disks: [disk('/img/a.img,raw,xvda,rw', '/img/a.img')] }), { paused: true });
  await settle();
  const be = `/local/domain/0/backend/vbd/${domid}/51712`;
  assert.equal(m.xs.read(`${be}/state`), '2', 'the backend is in InitWait');
  assert.equal(m.xs.read(`${be}/params`), '/img/a.img');
  assert.deepEqual(m.blockList(domid).map((r) => [r.devid, r.state, r.backendPath]), [[51712, 1, be]]);
  await m.destroy(domid);
  assert.ok(o.disks.get('/img/a.img')!.closed);
  assert.throws(() => m.xs.read(`/local/domain/0/backend/vbd/${domid}`));
  assert.throws(() => m.xs.read('/local/domain/0/backend'), 'empty backend directories are pruned');
});

test('block-attach on a running domain adds a disk kept for restarts; block-detach waits for the frontend to close', async () => {
  const o = memOpener();
  const m = manager(o.open);
  const domid = await m.create(spec(), { paused: true });
  await m.blockAttach(domid, disk('/img/b.img,raw,xvdb,ro', '/img/b.img'));
  await settle();
  const be = `/local/domain/0/backend/vbd/${domid}/51728`;
  assert.equal(m.xs.read(`${be}/mode`), 'r');
  assert.ok(o.disks.get('/img/b.img')!.readOnly, 'a read-only disk is opened read-only');
  assert.deepEqual(m.list()[0]!.spec.disks?.map((d) => d.spec.vdev), ['xvdb']);
  await assert.rejects(m.blockAttach(domid, disk('/img/c.img,raw,xvdb,rw', '/img/c.img')), /already attached/);

  const detached = m.blockDetach(domid, 51728);
  await settle();
  assert.equal(m.xs.read(`${be}/state`), '5', 'the backend asks the frontend to close');
  assert.equal(m.xs.read(`${be}/online`), '0');
  m.xs.write(`/local/domain/${domid}/device/vbd/51728/state`, '6');
  await detached;
  assert.ok(o.disks.get('/img/b.img')!.closed);
  assert.throws(() => m.xs.read(`/local/domain/${domid}/device/vbd/51728`));
  assert.throws(() => m.xs.read(be));
  assert.deepEqual(m.list()[0]!.spec.disks, []);
  await assert.rejects(m.blockDetach(domid, 51728), /has no disk with device number 51728/);
});

test('a disk that cannot be opened fails the creation and leaves no domain, entries or open disks', async () => {
  const o = memOpener();
  const m = manager(o.open);
  await assert.rejects(
    m.create(spec({ disks: [disk('/img/a.img,raw,xvda,rw', '/img/a.img'), disk('/img/missing.img,raw,xvdb,rw', '/img/missing.img')] })),
    /open on "\/img\/missing\.img" failed: no such file/,
  );
  assert.deepEqual(m.list(), []);
  assert.ok(o.disks.get('/img/a.img')!.closed, 'the disk opened before the failure is closed again');
  assert.deepEqual(m.xs.directory('/local/domain'), ['0']);
  assert.throws(() => m.xs.read('/local/domain/0/backend'));
});

test('an HVM domain with a disk is refused', async () => {
  const m = manager(memOpener().open);
  await assert.rejects(m.create(spec({ type: 'hvm', disks: [disk('/img/a.img,raw,xvda,rw', '/img/a.img')] })), /HVM domains cannot have disks yet/);
  assert.deepEqual(m.list(), []);
});

test('block-detach with force removes the disk at once, without waiting for a frontend that never answers', async () => {
  const o = memOpener();
  const m = manager(o.open);
  const domid = await m.create(spec(), { paused: true });
  await m.blockAttach(domid, disk('/img/b.img,raw,xvdb,rw', '/img/b.img'));
  await settle();
  // No frontend closes here: without force this would wait out the 10 s timeout.
  await m.blockDetach(domid, 51728, { force: true });
  assert.ok(o.disks.get('/img/b.img')!.closed);
  assert.throws(() => m.xs.read(`/local/domain/0/backend/vbd/${domid}/51728`));
  assert.throws(() => m.xs.read(`/local/domain/${domid}/device/vbd/51728`));
  assert.deepEqual(m.blockList(domid), []);
});

test('two attaches of one vdev at once: the second is refused while the first image is still opening', async () => {
  let release!: () => void;
  const opened: MemDisk[] = [];
  const m = manager(async (d) => {
    await new Promise<void>((r) => (release = r));
    const disk = new MemDisk(1 << 20, d.readOnly);
    opened.push(disk);
    return disk;
  });
  const domid = await m.create(spec(), { paused: true });
  const first = m.blockAttach(domid, disk('/img/b.img,raw,xvdb,rw', '/img/b.img'));
  await assert.rejects(m.blockAttach(domid, disk('/img/c.img,raw,xvdb,rw', '/img/c.img')), /already attached/);
  release();
  await first;
  assert.equal(opened.length, 1, 'only the first image was opened');
  assert.deepEqual(m.blockList(domid).map((r) => r.devid), [51728]);
});
