/**
 * Debian's unmodified arm64 kernel as a Xen domU under Xenon's hypervisor, through the domain
 * manager (what `xenon create` drives): the kernel must find Xen, pick the FIFO event-channel ABI,
 * set up its grant table and hvc0, reach a busybox /init, and see the domain's UUID in
 * /sys/hypervisor; writing `poweroff` or `reboot` to control/shutdown must shut it down cleanly
 * with that reason (a reboot restarts it under the same name with a new domid); two domUs run at
 * once; a 2-vCPU domU sees 2 CPUs. Every console log is checked for Oops, BUG, WARNING, RCU stalls.
 */
import { availableParallelism } from 'node:os';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ensureGuestImages, type GuestImages } from '../../src/images/index.js';
import { nodeHostClock } from '../../src/host/node/clock.js';
import { NodeIdleWaiter } from '../../src/host/node/console.js';
import { WorkerLauncher } from '../../src/main/worker_launcher.js';
import { DomainManager, type DomainEvent } from '../../src/toolstack/domain_manager.js';
import type { DomainSpec } from '../../src/toolstack/domain_spec.js';
import { DOMU_INIT_PROLOGUE } from '../harness/guest_init.js';
import { assertCleanGuestLog } from '../harness/guest_log.js';
import { skipUnlessAvailable } from '../harness/prereq.js';
import { missingGuestImages } from '../harness/tools.js';

const INIT = `${DOMU_INIT_PROLOGUE}echo "cpus=$(grep -c ^processor /proc/cpuinfo)"
echo "hypervisor-type=$(cat /sys/hypervisor/type)"
echo "hypervisor-uuid=$(cat /sys/hypervisor/uuid)"
echo "hypervisor-version=$(cat /sys/hypervisor/version/major).$(cat /sys/hypervisor/version/minor)"
echo XENON-DOMU-READY
while true; do sleep 1; done
`;
const CMDLINE = 'console=hvc0 rdinit=/init cryptomgr.notests';
const TIMEOUT_MS = 300_000;

const bootOpts = skipUnlessAvailable(missingGuestImages());
let prepared: Promise<GuestImages> | null = null;
function images(): Promise<GuestImages> {
  prepared ??= ensureGuestImages({ initScript: INIT, log: () => undefined });
  return prepared;
}

function spec(img: GuestImages, over: Partial<DomainSpec>): DomainSpec {
  return {
    type: 'pvh', name: 'domu', uuid: '3def0a1e-72da-4384-b1b4-f05d93db618e', vcpus: 1, memoryMiB: 192, maxMemoryMiB: 192, gicVersion: 3,
    kernel: readFileSync(img.kernelImage), ramdisk: readFileSync(img.initramfs), cmdline: CMDLINE,
    onPoweroff: 'destroy', onReboot: 'restart', onCrash: 'destroy', onWatchdog: 'destroy',
    ...over,
  };
}

/** A manager whose console output is collected per domain name. */
function harness(): { m: DomainManager; logs: Map<string, string>; events: DomainEvent[] } {
  const waiter = new NodeIdleWaiter();
  const logs = new Map<string, string>();
  const m = new DomainManager({
    clock: nodeHostClock, launcher: new WorkerLauncher(), wait: (ms) => waiter.wait(ms), wake: () => waiter.wake(),
    randomBytes: (n) => new Uint8Array(n).map((_, i) => (i * 37) & 0xff),
    // The host's cores as the scheduler's pCPUs, as the daemon has them.
    nrPcpus: availableParallelism(),
    consoleLog: (name) => (bytes) => logs.set(name, (logs.get(name) ?? '') + Buffer.from(bytes).toString('latin1')),
  });
  const events: DomainEvent[] = [];
  m.onEvent((e) => events.push(e));
  return { m, logs, events };
}

/** Runs the manager until `cond` holds; fails with the console logs when it times out. */
async function runUntil(h: ReturnType<typeof harness>, what: string, cond: () => boolean): Promise<void> {
  const t0 = Date.now();
  await h.m.run(() => cond() || Date.now() - t0 > TIMEOUT_MS);
  assert.ok(cond(), `Timed out waiting for ${what}; consoles:\n${[...h.logs].map(([n, l]) => `--- ${n}\n${l.slice(-3000)}`).join('\n')}`);
}

function count(s: string | undefined, needle: string): number {
  return (s ?? '').split(needle).length - 1;
}

describe('Debian kernel as a Xen domU', bootOpts, () => {
  test('boots on hvc0 with FIFO events and grants, reads /sys/hypervisor, reboots and powers off through control/shutdown', async () => {
    const img = await images();
    const h = harness();
    const s = spec(img, { name: 'life', vcpus: 2 });
    const first = await h.m.create(s);
    await runUntil(h, 'the first boot', () => count(h.logs.get('life'), 'XENON-DOMU-READY') >= 1);
    const log = h.logs.get('life')!;
    assert.match(log, /Xen 4\.17 support found/);
    assert.match(log, /xen:events: Using FIFO-based ABI/);
    assert.match(log, /Grant table initialized/);
    assert.match(log, /printk: console \[hvc0\] enabled/);
    assert.match(log, /cpus=2\r?\n/);
    assert.match(log, /hypervisor-type=xen\r?\n/);
    assert.match(log, new RegExp(`hypervisor-uuid=${s.uuid}\\r?\\n`));
    assert.match(log, /hypervisor-version=4\.17\r?\n/);
    assert.equal(h.m.xs.read(`/local/domain/${first}/control/feature-poweroff`), '1', 'the guest announced poweroff support');

    h.m.requestShutdown(first, 'reboot');
    await runUntil(h, 'the reboot', () => count(h.logs.get('life'), 'XENON-DOMU-READY') >= 2);
    const second = h.m.domid('life');
    assert.ok(second !== undefined && second !== first, `a rebooted domain gets a new domid (was ${first}, now ${second})`);
    assert.ok(h.events.some((e) => e.kind === 'shutdown' && e.domid === first && e.reason === 'reboot'));
    assert.throws(() => h.m.xs.read(`/local/domain/${first}/name`), 'the old domain\'s xenstore home is gone');

    h.m.requestShutdown(second, 'poweroff');
    await runUntil(h, 'the poweroff', () => h.m.list().length === 0);
    assert.ok(h.events.some((e) => e.kind === 'shutdown' && e.domid === second && e.reason === 'poweroff'));
    assert.deepEqual(h.m.xs.directory('/local/domain'), ['0'], 'only Domain-0 is left in xenstore');
    assertCleanGuestLog(h.logs.get('life')!, 'domU console');
  });

  test('two domUs run at once, each on its own thread, with its own console and its own dirty log', async () => {
    const img = await images();
    const h = harness();
    const a = await h.m.create(spec(img, { name: 'alpha', uuid: '00000000-0000-4000-8000-00000000000a' }));
    const b = await h.m.create(spec(img, { name: 'beta', uuid: '00000000-0000-4000-8000-00000000000b' }));
    await runUntil(h, 'both boots', () => count(h.logs.get('alpha'), 'XENON-DOMU-READY') >= 1 && count(h.logs.get('beta'), 'XENON-DOMU-READY') >= 1);
    assert.match(h.logs.get('alpha')!, /hypervisor-uuid=00000000-0000-4000-8000-00000000000a/);
    assert.match(h.logs.get('beta')!, /hypervisor-uuid=00000000-0000-4000-8000-00000000000b/);

    // Log-dirty mode through the worker: a running guest dirties pages beyond the special ones
    // (reported in every round); paused, it dirties none. The other domain's log stays off.
    const special = (await h.m.dirtyLog(a, 'enable'))!.dirtyCount;
    assert.ok(special > 0, 'the special pages are in every round');
    const t0 = Date.now();
    await runUntil(h, 'a second of alpha running', () => Date.now() - t0 > 1000);
    const running = (await h.m.dirtyLog(a, 'clean'))!;
    assert.ok(running.dirtyCount > special, `a running Linux writes memory (${running.dirtyCount} pages dirty, ${special} special)`);
    h.m.pause(a);
    await h.m.dirtyLog(a, 'clean');
    const t1 = Date.now();
    await runUntil(h, 'a second of alpha paused', () => Date.now() - t1 > 1000);
    assert.equal((await h.m.dirtyLog(a, 'clean'))!.dirtyCount, special, 'a paused domain dirties nothing');
    assert.equal(await h.m.dirtyLog(b, 'peek'), null, "beta's log was never enabled");
    assert.equal(await h.m.dirtyLog(a, 'off'), null);
    h.m.unpause(a);
    h.m.requestShutdown(a, 'poweroff');
    h.m.requestShutdown(b, 'poweroff');
    await runUntil(h, 'both poweroffs', () => h.m.list().length === 0);
    for (const n of ['alpha', 'beta']) assertCleanGuestLog(h.logs.get(n)!, `${n} console`);
  });
});
