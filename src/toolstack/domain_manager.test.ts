import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EVTCHNSTAT_closed, EVTCHNSTAT_interdomain } from '../hv/common/event/index.js';
import type { DomainBuildParams } from '../hv/domain_runtime.js';
import type { HvmBuildParams } from '../hv/hvm_runtime.js';
import type { HostClock } from '../host/common/clock.js';
import { XenonError } from '../lib/errors.js';
import { XENCONS } from '../backends/console/regs.js';
import {
  A64, arm64Image, CONSOLE_HI_THEN_WFI, psciThenSpin, PSCI_CPU_OFF, PSCI_SYSTEM_OFF, PSCI_SYSTEM_RESET, WFI_LOOP,
} from '../hv/_test_arm64_image.js';
import { DomainManager, type DomainEvent } from './domain_manager.js';
import type { DomainSpec } from './domain_spec.js';
import { InThreadLauncher, type DomainEvents, type DomainLauncher, type DomainProxy, type HvmEvents, type HvmProxy } from './launcher.js';

const clock: HostClock = { monotonicNs: () => performance.now() * 1e6, wallClockMs: () => Date.now() };

/** One launch the test can look at: what was asked, the events the manager listens to, whether it was destroyed. */
interface Launch {
  readonly params: DomainBuildParams;
  readonly events: DomainEvents;
  readonly proxy: DomainProxy;
  destroyed: boolean;
}

/**
 * The real InThreadLauncher (so `built` is a real domain: shared memory, ring pages, event
 * channels), recording each launch so a test can play the domain's thread failing.
 */
class RecordingLauncher implements DomainLauncher {
  readonly launches: Launch[] = [];
  /** Makes every further launch fail, as a worker that cannot start does. */
  failLaunches = false;
  private readonly inner = new InThreadLauncher(clock);

  launchHvm(params: HvmBuildParams, events: HvmEvents): Promise<HvmProxy> {
    return this.inner.launchHvm(params, events);
  }

  async launch(params: DomainBuildParams, events: DomainEvents): Promise<DomainProxy> {
    if (this.failLaunches) throw new Error(`cannot start a thread for domain ${params.domid}`);
    const proxy = await this.inner.launch(params, events);
    const rec: Launch = { params, events, proxy, destroyed: false };
    this.launches.push(rec);
    return {
      ...proxy,
      pause: () => proxy.pause(),
      unpause: () => proxy.unpause(),
      counters: () => proxy.counters(),
      destroy: async () => {
        rec.destroyed = true;
        await proxy.destroy();
      },
    };
  }

  byDomid(domid: number): Launch {
    const l = this.launches.find((x) => x.params.domid === domid);
    assert.ok(l !== undefined, `domain ${domid} was launched`);
    return l;
  }
}

/** wait() that returns at the latest after a few ms, so run(done) looks at `done` often. */
class ShortWaiter {
  private pending: (() => void) | null = null;
  wait(ms: number): Promise<void> {
    this.wake();
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.wake(), Math.min(ms, 5));
      this.pending = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
  wake(): void {
    const p = this.pending;
    this.pending = null;
    p?.();
  }
}

interface Harness {
  readonly m: DomainManager;
  readonly launcher: RecordingLauncher;
  readonly events: DomainEvent[];
  readonly logs: Map<string, string>;
}

const live: DomainManager[] = [];

function harness(o: { nrPcpus?: number; memoryMiB?: number } = {}): Harness {
  const launcher = new RecordingLauncher();
  const waiter = new ShortWaiter();
  const logs = new Map<string, string>();
  const m = new DomainManager({
    clock, launcher, wait: (ms) => waiter.wait(ms), wake: () => waiter.wake(),
    randomBytes: (n) => new Uint8Array(n).fill(0x5a),
    consoleLog: (name) => (bytes) => logs.set(name, (logs.get(name) ?? '') + Buffer.from(bytes).toString('latin1')),
    ...o,
  });
  const events: DomainEvent[] = [];
  m.onEvent((e) => events.push(e));
  live.push(m);
  return { m, launcher, events, logs };
}

// Every domain's run loop lives on this thread: leave none behind.
afterEach(async () => {
  for (const m of live.splice(0)) {
    m.stop();
    for (const d of m.list()) await m.destroy(d.domid);
  }
});

const UUID = '3def0a1e-72da-4384-b1b4-f05d93db618e';

function spec(over: Partial<DomainSpec> = {}): DomainSpec {
  return {
    type: 'pvh', name: 'domU-min', uuid: UUID, vcpus: 1, memoryMiB: 16, maxMemoryMiB: 16, gicVersion: 3, kernel: arm64Image(WFI_LOOP),
    onPoweroff: 'destroy', onReboot: 'restart', onCrash: 'destroy', onWatchdog: 'destroy', ...over,
  };
}

/** Runs the manager's loop until `cond` holds (at most 5 s). */
async function runUntil(h: Harness, what: string, cond: () => boolean): Promise<void> {
  const t0 = Date.now();
  await h.m.run(() => cond() || Date.now() - t0 > 5000);
  assert.ok(cond(), `timed out waiting for ${what}`);
}

/** Domain-0's ports bound to domain `domid`, as [dom0 port, remote port]. */
function dom0PortsOf(m: DomainManager, domid: number): [number, number][] {
  const out: [number, number][] = [];
  for (let p = 1; p < 64; p++) {
    const s = m.hv.dom0Evtchn.status(p);
    if (typeof s !== 'number' && s.status === EVTCHNSTAT_interdomain && s.dom === domid) out.push([p, s.port]);
  }
  return out;
}

function exists(m: DomainManager, path: string): boolean {
  try {
    m.xs.read(path);
    return true;
  } catch {
    return false;
  }
}

function homePaths(domid: number, uuid = UUID): string[] {
  return [`/local/domain/${domid}`, `/vm/${uuid}`, `/libxl/${domid}`, `/local/domain/0/backend/console/${domid}`];
}

describe('DomainManager.create()', () => {
  test('create() writes the domain\'s xenstore home, introduces it to xenstored and binds its two ports in Domain-0', async () => {
    const h = harness();
    const domid = await h.m.create(spec({ memoryMiB: 24, maxMemoryMiB: 32 }));
    assert.equal(domid, 1);
    const b = h.launcher.byDomid(1).proxy.built;
    const home = '/local/domain/1';
    assert.equal(h.m.xs.read(`${home}/name`), 'domU-min');
    assert.equal(h.m.xs.read(`${home}/domid`), '1');
    assert.equal(h.m.xs.read(`${home}/vm`), `/vm/${UUID}`);
    assert.equal(h.m.xs.read(`${home}/memory/target`), String(24 * 1024));
    assert.equal(h.m.xs.read(`${home}/memory/static-max`), String(32 * 1024));
    // The oracle's numbers: store port 1 at GFN 0x39001, console port 2 at GFN 0x39000.
    assert.equal(h.m.xs.read(`${home}/store/port`), '1');
    assert.equal(h.m.xs.read(`${home}/store/ring-ref`), '233473');
    assert.equal(h.m.xs.read(`${home}/console/port`), '2');
    assert.equal(h.m.xs.read(`${home}/console/ring-ref`), '233472');
    assert.equal(h.m.xs.read(`${home}/console/tty`), 'xenon:1');
    assert.deepEqual(h.m.xs.getPerms(home), ['n0', 'r1']);
    assert.equal(h.m.xs.read(`/vm/${UUID}/uuid`), UUID);
    assert.equal(h.m.xs.read('/libxl/1/type'), 'pvh');
    assert.ok(h.m.xenstored.isDomainIntroduced(1));
    assert.deepEqual(dom0PortsOf(h.m, 1).map(([, remote]) => remote).sort(), [b.storePort, b.consolePort].sort());
    assert.ok(h.m.hv.evtchnDirectory.lookup(1) !== undefined, 'Domain-0 reaches the domain\'s event channels');
    assert.deepEqual(h.events, [{ kind: 'created', domid: 1, name: 'domU-min' }]);
    assert.deepEqual(h.m.list().map((d) => [d.domid, d.name, d.state]), [[1, 'domU-min', 'running']]);
    assert.equal(h.m.domid('domU-min'), 1);
  });

  test('create() hands the launcher the spec\'s sizes, images and Domain-0 as peer', async () => {
    const h = harness();
    const ramdisk = new Uint8Array(8192).fill(3);
    await h.m.create(spec({ vcpus: 2, gicVersion: 2, ramdisk, cmdline: 'console=hvc0' }));
    const p = h.launcher.byDomid(1).params;
    assert.equal(p.memoryBytes, 16 * 1024 * 1024);
    assert.equal(p.vcpus, 2);
    assert.equal(p.gicVersion, 2);
    assert.equal(p.cmdline, 'console=hvc0');
    assert.equal(p.initrd, ramdisk);
    assert.equal(p.rngSeed.byteLength, 128);
    assert.deepEqual([...p.uuid], [0x3d, 0xef, 0x0a, 0x1e, 0x72, 0xda, 0x43, 0x84, 0xb1, 0xb4, 0xf0, 0x5d, 0x93, 0xdb, 0x61, 0x8e]);
    assert.deepEqual(p.peers.map((d) => d.domid), [0]);
  });

  test('create() refuses a second domain with the same name and changes nothing', async () => {
    const h = harness();
    await h.m.create(spec());
    await assert.rejects(h.m.create(spec({ uuid: '00000000-0000-4000-8000-000000000002' })), /already exists/);
    assert.equal(h.m.list().length, 1);
    assert.equal(h.launcher.launches.length, 1);
    assert.deepEqual(h.m.xs.directory('/local/domain'), ['0', '1']);
  });

  test('create() with paused leaves the domain paused until unpause()', async () => {
    const h = harness();
    const domid = await h.m.create(spec({ kernel: arm64Image(psciThenSpin(PSCI_SYSTEM_OFF)) }), { paused: true });
    assert.equal(h.m.info(domid)!.state, 'paused');
    await new Promise((r) => setTimeout(r, 20));
    assert.equal((await h.m.counters(domid)).instructions, 0, 'no instruction ran while paused');
    h.m.unpause(domid);
    await runUntil(h, 'the poweroff', () => h.m.list().length === 0);
  });

  test('create() of a kernel that is not an arm64 Image rejects and leaves nothing behind', async () => {
    const h = harness();
    await assert.rejects(h.m.create(spec({ kernel: new Uint8Array(4096) })), (e) => e instanceof XenonError && e.code === 'BAD_EXECUTABLE');
    assert.deepEqual(h.m.list(), []);
    assert.deepEqual(h.m.xs.directory('/local/domain'), ['0']);
    assert.equal(h.m.hv.evtchnDirectory.lookup(1), undefined);
    assert.deepEqual(dom0PortsOf(h.m, 1), []);
  });
});

describe('DomainManager shutdown handling', () => {
  test('requestShutdown() writes the request to control/shutdown', async () => {
    const h = harness();
    const domid = await h.m.create(spec());
    assert.equal(h.m.xs.read(`/local/domain/${domid}/control/shutdown`), '');
    h.m.requestShutdown(domid, 'poweroff');
    assert.equal(h.m.xs.read(`/local/domain/${domid}/control/shutdown`), 'poweroff');
    h.m.requestShutdown(domid, 'reboot');
    assert.equal(h.m.xs.read(`/local/domain/${domid}/control/shutdown`), 'reboot');
    assert.throws(() => h.m.requestShutdown(99, 'poweroff'), RangeError);
  });

  test('a domain whose thread fails is crashed, and on_crash destroy removes it from the list and xenstore', async () => {
    const h = harness();
    const domid = await h.m.create(spec({ onCrash: 'destroy' }));
    h.launcher.byDomid(domid).events.failed('Error: boom');
    await runUntil(h, 'the crash handling', () => h.m.list().length === 0);
    assert.ok(h.launcher.byDomid(domid).destroyed, 'the domain\'s thread was released');
    assert.deepEqual(h.events.slice(1), [
      { kind: 'shutdown', domid, name: 'domU-min', reason: 'crash' },
      { kind: 'destroyed', domid, name: 'domU-min' },
    ]);
    for (const p of homePaths(domid)) assert.ok(!exists(h.m, p), `${p} is gone`);
    assert.ok(h.m.hv.log.read().includes('its thread failed: Error: boom'));
  });

  test('a domain whose thread fails is restarted under the same name with a new domid when on_crash is restart', async () => {
    const h = harness();
    const first = await h.m.create(spec({ onCrash: 'restart' }));
    h.launcher.byDomid(first).events.failed('Error: boom');
    await runUntil(h, 'the restart', () => h.m.list().some((d) => d.domid !== first));
    const [d] = h.m.list();
    assert.equal(h.m.list().length, 1);
    assert.equal(d!.name, 'domU-min');
    assert.notEqual(d!.domid, first);
    assert.equal(d!.state, 'running');
    assert.equal(h.m.xs.read(`/local/domain/${d!.domid}/name`), 'domU-min');
    assert.ok(!exists(h.m, `/local/domain/${first}`));
    assert.equal(h.m.xs.read(`/vm/${UUID}/name`), 'domU-min', 'the new domain has its /vm entry again');
  });

  test('a guest that powers off (PSCI SYSTEM_OFF) is destroyed when on_poweroff is destroy', async () => {
    const h = harness();
    const domid = await h.m.create(spec({ kernel: arm64Image(psciThenSpin(PSCI_SYSTEM_OFF)), onPoweroff: 'destroy' }));
    await runUntil(h, 'the poweroff', () => h.m.list().length === 0);
    assert.ok(h.events.some((e) => e.kind === 'shutdown' && e.domid === domid && e.reason === 'poweroff'));
    for (const p of homePaths(domid)) assert.ok(!exists(h.m, p), `${p} is gone`);
  });

  test('a guest whose every vCPU is off is crashed and on_crash preserve keeps it listed in shutdown state', async () => {
    const h = harness();
    const domid = await h.m.create(spec({ kernel: arm64Image(psciThenSpin(PSCI_CPU_OFF)), onCrash: 'preserve' }));
    await runUntil(h, 'the crash', () => h.events.some((e) => e.kind === 'shutdown'));
    // A few more passes of the loop must not act on it again.
    const t0 = Date.now();
    await h.m.run(() => Date.now() - t0 > 30);
    assert.deepEqual(h.m.info(domid) && [h.m.info(domid)!.state, h.m.info(domid)!.shutdownReason], ['shutdown', 'crash']);
    assert.equal(h.events.filter((e) => e.kind === 'shutdown').length, 1);
    assert.ok(exists(h.m, `/local/domain/${domid}/name`), 'its xenstore home stays');
    await h.m.destroy(domid);
    assert.deepEqual(h.m.list(), []);
  });

  test('on_reboot preserve keeps a rebooting guest (PSCI SYSTEM_RESET) listed as shut down for reboot', async () => {
    const h = harness();
    const domid = await h.m.create(spec({ kernel: arm64Image(psciThenSpin(PSCI_SYSTEM_RESET)), onReboot: 'preserve' }));
    await runUntil(h, 'the reboot', () => h.m.info(domid)?.state === 'shutdown');
    assert.equal(h.m.info(domid)!.shutdownReason, 'reboot');
  });

  test('on_reboot restart gives each reboot a new domid and never two domains of the name at once', async () => {
    const h = harness();
    await h.m.create(spec({ kernel: arm64Image(psciThenSpin(PSCI_SYSTEM_RESET)), onReboot: 'restart' }));
    const created = () => h.events.filter((e) => e.kind === 'created').map((e) => e.domid);
    await runUntil(h, 'three reboots', () => {
      assert.ok(h.m.list().length <= 1, 'one domain at a time');
      return created().length >= 3;
    });
    h.m.stop();
    const ids = created();
    assert.deepEqual(ids, [...ids].sort((a, b) => a - b), 'domids move forward');
    assert.equal(new Set(ids).size, ids.length);
    for (const id of ids.slice(0, -1)) {
      assert.ok(h.events.some((e) => e.kind === 'shutdown' && e.domid === id && e.reason === 'reboot'), `domain ${id} rebooted`);
      assert.ok(h.events.some((e) => e.kind === 'destroyed' && e.domid === id), `domain ${id} was destroyed`);
      assert.ok(!exists(h.m, `/local/domain/${id}`), `the home of rebooted domain ${id} is gone`);
    }
  });

  test('a restart whose launch fails does not stop the manager\'s loop', async () => {
    const h = harness();
    const other = await h.m.create(spec({ name: 'other', uuid: '00000000-0000-4000-8000-00000000000b' }));
    const first = await h.m.create(spec({ onCrash: 'restart' }));
    h.launcher.failLaunches = true;
    h.launcher.byDomid(first).events.failed('Error: boom');
    const t0 = Date.now();
    await h.m.run(() => h.m.info(first) === undefined && Date.now() - t0 > 50);
    assert.deepEqual(h.m.list().map((d) => d.domid), [other]);
  });
});

describe('DomainManager.destroy()', () => {
  test('destroy() closes Domain-0\'s ports and removes the domain from xenstored, xenstore and the directory', async () => {
    const h = harness();
    const keep = await h.m.create(spec({ name: 'keep', uuid: '00000000-0000-4000-8000-00000000000a' }));
    const domid = await h.m.create(spec());
    const ports = dom0PortsOf(h.m, domid);
    assert.equal(ports.length, 2);
    const keepPorts = dom0PortsOf(h.m, keep);
    await h.m.destroy(domid);
    for (const [p] of ports) {
      const s = h.m.hv.dom0Evtchn.status(p);
      assert.ok(typeof s !== 'number' && s.status === EVTCHNSTAT_closed, `Domain-0 port ${p} is closed`);
    }
    for (const p of homePaths(domid)) assert.ok(!exists(h.m, p), `${p} is gone`);
    assert.ok(!h.m.xenstored.isDomainIntroduced(domid));
    assert.equal(h.m.hv.evtchnDirectory.lookup(domid), undefined);
    assert.ok(h.launcher.byDomid(domid).destroyed);
    assert.deepEqual(h.events.at(-1), { kind: 'destroyed', domid, name: 'domU-min' });
    // The other domain keeps everything.
    assert.deepEqual(dom0PortsOf(h.m, keep), keepPorts);
    assert.ok(h.m.xenstored.isDomainIntroduced(keep));
    assert.deepEqual(h.m.list().map((d) => d.name), ['keep']);
    await assert.rejects(h.m.destroy(domid), RangeError);
  });

  test('destroy() frees the name: a domain of the same name can be created again', async () => {
    const h = harness();
    const a = await h.m.create(spec());
    await h.m.destroy(a);
    const b = await h.m.create(spec());
    assert.notEqual(b, a, 'domids move forward');
    assert.equal(h.m.xs.read(`/local/domain/${b}/name`), 'domU-min');
  });
});

describe('DomainManager console', () => {
  test('the console backend logs what the guest writes to its ring and feeds input into it', async () => {
    const h = harness();
    const domid = await h.m.create(spec({ kernel: arm64Image(CONSOLE_HI_THEN_WFI) }));
    const b = h.launcher.byDomid(domid).proxy.built;
    assert.equal(b.consolePort, 2, 'the guest code sends on port 2');
    const attached: string[] = [];
    h.m.attachConsole(domid, (bytes) => attached.push(Buffer.from(bytes).toString('latin1')));
    await runUntil(h, 'the guest\'s output', () => h.logs.get('domU-min') === 'hi');
    assert.deepEqual(attached, ['hi']);
    const ring = new DataView(b.buffer, b.consoleRingOffset, 4096);
    assert.equal(ring.getUint32(XENCONS.OUT_CONS, true), 2, 'the backend consumed the output');
    h.m.consoleInput(domid, new TextEncoder().encode('ok'));
    assert.equal(ring.getUint32(XENCONS.IN_PROD, true), 2);
    assert.equal(String.fromCharCode(ring.getUint8(XENCONS.IN), ring.getUint8(XENCONS.IN + 1)), 'ok');
  });
});

describe('DomainManager: credit2 weights, caps and affinity', () => {
  const SPIN = arm64Image([A64.B_SELF]);
  const cpuS = async (m: DomainManager, domid: number) => (await m.counters(domid)).cpuTimeNs / 1e9;

  test('two busy domains on one pCPU get CPU time in the ratio of their weights (256:512)', async () => {
    const h = harness({ nrPcpus: 1 });
    const a = await h.m.create(spec({ name: 'light', kernel: SPIN, weight: 256 }));
    const b = await h.m.create(spec({ name: 'heavy', kernel: SPIN, weight: 512, uuid: '3def0a1e-72da-4384-b1b4-f05d93db6190' }));
    await new Promise((r) => setTimeout(r, 1500));
    const [ta, tb] = [await cpuS(h.m, a), await cpuS(h.m, b)];
    assert.ok(ta + tb > 0.5, `the two ran ${ta + tb} s in 1.5 s`);
    assert.ok(tb / ta > 1.6 && tb / ta < 2.5, `weights 1:2 gave ${ta.toFixed(3)} s : ${tb.toFixed(3)} s`);
    assert.deepEqual(h.m.schedParams(b), { weight: 512, cap: 0 });
  });

  test('a cap of 20 holds a busy domain near 20% of one CPU, and lifting it lets the domain run freely', async () => {
    const h = harness({ nrPcpus: 1 });
    const a = await h.m.create(spec({ kernel: SPIN, cap: 20 }));
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, 1000));
    const share = (await cpuS(h.m, a)) / ((performance.now() - t0) / 1000);
    assert.ok(share > 0.1 && share < 0.3, `cap 20 gave ${(share * 100).toFixed(1)}%`);
    h.m.setSchedParams(a, { cap: 0 });
    const before = await cpuS(h.m, a);
    await new Promise((r) => setTimeout(r, 500));
    assert.ok((await cpuS(h.m, a)) - before > 0.3, 'uncapped, it runs most of the time');
  });

  test('vcpu-pin moves a domain to the pCPUs its vCPUs may use; bad weights, caps, vCPUs and CPU lists are refused', async () => {
    const h = harness({ nrPcpus: 2 });
    const a = await h.m.create(spec({ kernel: SPIN, vcpus: 2 }));
    assert.deepEqual(h.m.vcpuPlacement(a).hard, [0b11, 0b11]);
    h.m.pinVcpu(a, 'all', [{ op: 'add', unit: 'cpu', first: 1, last: 1 }], undefined);
    await new Promise((r) => setTimeout(r, 100));
    const p = h.m.vcpuPlacement(a);
    assert.deepEqual([p.hard, p.soft, p.pcpu], [[0b10, 0b10], [0b11, 0b11], 1]);
    h.m.pinVcpu(a, 0, undefined, [{ op: 'add', unit: 'cpu', first: 0, last: 0 }]);
    assert.deepEqual(h.m.vcpuPlacement(a).soft, [0b01, 0b11]);
    assert.throws(() => h.m.pinVcpu(a, 2, [{ op: 'add', unit: 'cpu', all: true }], undefined), /vCPUs 0 to 1, not 2/);
    assert.throws(() => h.m.pinVcpu(a, 0, [{ op: 'add', unit: 'cpu', first: 5, last: 7 }], undefined), /names none of this host's CPUs/);
    assert.throws(() => h.m.setSchedParams(a, { weight: 0 }), /weight is from 1 to 65535/);
    assert.throws(() => h.m.setSchedParams(a, { cap: -5 }), /cap/);
    assert.deepEqual(h.m.schedParams(a), { weight: 256, cap: 0 });
  });

  test('a domain that needs more memory than the host has left is refused, and nothing else is disturbed', async () => {
    const h = harness({ memoryMiB: 512 + 40 });
    const a = await h.m.create(spec({ memoryMiB: 32, maxMemoryMiB: 32 }));
    assert.equal(h.m.freeMemoryMiB(), 8);
    await assert.rejects(h.m.create(spec({ name: 'big', memoryMiB: 16, maxMemoryMiB: 16 })), /"big": it needs 16 MiB, and the host has 8 MiB left for domains/);
    assert.deepEqual(h.m.list().map((d) => d.domid), [a]);
    assert.equal(h.launcher.launches.length, 1, 'no thread was started for the refused domain');
    await h.m.destroy(a);
    assert.equal(h.m.freeMemoryMiB(), 40);
  });

  test('xl.cfg cpus pins each vCPU at creation', async () => {
    const h = harness({ nrPcpus: 2 });
    const a = await h.m.create(spec({ vcpus: 2, cpus: { kind: 'per-vcpu', cpus: [[{ op: 'add', unit: 'cpu', first: 1, last: 1 }]] } }));
    assert.deepEqual(h.m.vcpuPlacement(a).hard, [0b10, 0b11]);
  });
});
