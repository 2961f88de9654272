import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { XsClient, Xenstored } from '../xenstore/index.js';
import { magicGfn } from '../hv/common/memory/layout.js';
import { removeDomainEntries, writeDom0Entries, writeDomainEntries, type DomainStoreInfo } from './xenstore_entries.js';
import { lsFp } from './_test_store.js';

/**
 * `xenstore-ls -fp` of the oracle's Xen 4.17 host with domU-min running (domid 1, 256 MiB, 1 vCPU),
 * verbatim from shared/xen-oracle/outputs/auto-run/min-xenstore-ls-fp.txt.
 */
const ORACLE_MIN_XENSTORE_LS_FP = `/tool = ""   (n0)
/tool/xenstored = ""   (n0)
/local = ""   (n0)
/local/domain = ""   (n0)
/local/domain/0 = ""   (n0)
/local/domain/0/control = ""   (n0)
/local/domain/0/control/feature-poweroff = "1"   (n0)
/local/domain/0/control/feature-reboot = "1"   (n0)
/local/domain/0/control/feature-suspend = "1"   (n0)
/local/domain/0/domid = "0"   (n0)
/local/domain/0/name = "Domain-0"   (n0)
/local/domain/0/backend = ""   (n0)
/local/domain/0/backend/console = ""   (n0)
/local/domain/0/backend/console/1 = ""   (n0)
/local/domain/0/backend/console/1/0 = ""   (n0,r1)
/local/domain/0/backend/console/1/0/frontend = "/local/domain/1/console"   (n0,r1)
/local/domain/0/backend/console/1/0/frontend-id = "1"   (n0,r1)
/local/domain/0/backend/console/1/0/online = "1"   (n0,r1)
/local/domain/0/backend/console/1/0/state = "1"   (n0,r1)
/local/domain/0/backend/console/1/0/protocol = "vt100"   (n0,r1)
/local/domain/0/memory = ""   (n0)
/local/domain/0/memory/target = "524288"   (n0)
/local/domain/0/memory/static-max = "524288"   (n0)
/local/domain/1 = ""   (n0,r1)
/local/domain/1/vm = "/vm/3def0a1e-72da-4384-b1b4-f05d93db618e"   (n0,r1)
/local/domain/1/name = "domU-min"   (n0,r1)
/local/domain/1/cpu = ""   (n0,r1)
/local/domain/1/cpu/0 = ""   (n0,r1)
/local/domain/1/cpu/0/availability = "online"   (n0,r1)
/local/domain/1/memory = ""   (n0,r1)
/local/domain/1/memory/static-max = "262144"   (n0,r1)
/local/domain/1/memory/target = "262144"   (n0,r1)
/local/domain/1/memory/videoram = "0"   (n0,r1)
/local/domain/1/device = ""   (n0,r1)
/local/domain/1/device/suspend = ""   (n0,r1)
/local/domain/1/device/suspend/event-channel = ""   (n1)
/local/domain/1/control = ""   (n0,r1)
/local/domain/1/control/shutdown = ""   (n1)
/local/domain/1/control/feature-poweroff = "1"   (n1)
/local/domain/1/control/feature-reboot = "1"   (n1)
/local/domain/1/control/feature-suspend = "1"   (n1)
/local/domain/1/control/sysrq = ""   (n1)
/local/domain/1/control/platform-feature-multiprocessor-suspend = "1"   (n0,r1)
/local/domain/1/control/platform-feature-xs_reset_watches = "1"   (n0,r1)
/local/domain/1/data = ""   (n1)
/local/domain/1/drivers = ""   (n1)
/local/domain/1/feature = ""   (n1)
/local/domain/1/attr = ""   (n1)
/local/domain/1/error = ""   (n1)
/local/domain/1/domid = "1"   (n0,r1)
/local/domain/1/store = ""   (n0,r1)
/local/domain/1/store/port = "1"   (n0,r1)
/local/domain/1/store/ring-ref = "233473"   (n0,r1)
/local/domain/1/console = ""   (n0,r1)
/local/domain/1/console/backend = "/local/domain/0/backend/console/1/0"   (n0,r1)
/local/domain/1/console/backend-id = "0"   (n1,r0)
/local/domain/1/console/limit = "1048576"   (n0,r1)
/local/domain/1/console/type = "xenconsoled"   (n0,r1)
/local/domain/1/console/output = "pty"   (n0,r1)
/local/domain/1/console/tty = "/dev/pts/0"   (n0,r1)
/local/domain/1/console/port = "2"   (n0,r1)
/local/domain/1/console/ring-ref = "233472"   (n0,r1)
/local/pool = ""   (n0)
/local/pool/0 = ""   (n0)
/local/pool/0/name = "Pool-0"   (n0)
/vm = ""   (n0)
/vm/3def0a1e-72da-4384-b1b4-f05d93db618e = ""   (n0,r1)
/vm/3def0a1e-72da-4384-b1b4-f05d93db618e/name = "domU-min"   (n0,r1)
/vm/3def0a1e-72da-4384-b1b4-f05d93db618e/uuid = "3def0a1e-72da-4384-b1b4-f05d93db618e"   (n0,r1)
/vm/3def0a1e-72da-4384-b1b4-f05d93db618e/start_time = "1795630701.53"   (n0,r1)
/libxl = ""   (n0)
/libxl/1 = ""   (n0)
/libxl/1/device = ""   (n0)
/libxl/1/device/console = ""   (n0)
/libxl/1/device/console/0 = ""   (n0)
/libxl/1/device/console/0/frontend = "/local/domain/1/console"   (n0)
/libxl/1/device/console/0/backend = "/local/domain/0/backend/console/1/0"   (n0)
/libxl/1/device/console/0/frontend-id = "1"   (n0)
/libxl/1/device/console/0/online = "1"   (n0)
/libxl/1/device/console/0/state = "1"   (n0)
/libxl/1/device/console/0/protocol = "vt100"   (n0)
/libxl/1/type = "pvh"   (n0)
/libxl/1/dm-version = "qemu_xen"   (n0)
`.trimEnd().split('\n');

/**
 * The same host after the last domU was destroyed (dev-after-destroy-xenstore.txt, verbatim):
 * libxl's cleanup removes the emptied parents too, so not even /local/domain/0/backend remains.
 */
const ORACLE_AFTER_DESTROY = `/tool = ""   (n0)
/tool/xenstored = ""   (n0)
/local = ""   (n0)
/local/domain = ""   (n0)
/local/domain/0 = ""   (n0)
/local/domain/0/control = ""   (n0)
/local/domain/0/control/feature-poweroff = "1"   (n0)
/local/domain/0/control/feature-reboot = "1"   (n0)
/local/domain/0/control/feature-suspend = "1"   (n0)
/local/domain/0/domid = "0"   (n0)
/local/domain/0/name = "Domain-0"   (n0)
/local/domain/0/memory = ""   (n0)
/local/domain/0/memory/target = "524288"   (n0)
/local/domain/0/memory/static-max = "524288"   (n0)
/local/pool = ""   (n0)
/local/pool/0 = ""   (n0)
/local/pool/0/name = "Pool-0"   (n0)
/vm = ""   (n0)
/libxl = ""   (n0)
`.trimEnd().split('\n');

const UUID = '3def0a1e-72da-4384-b1b4-f05d93db618e';

const DOMU_MIN: DomainStoreInfo = {
  domid: 1, name: 'domU-min', uuid: UUID, vcpus: 1, memoryKiB: 262144, maxMemoryKiB: 262144,
  type: 'pvh', startTime: '1700000000.25',
  pv: { storePort: 1, storeGfn: magicGfn('XENSTORE'), consolePort: 2, consoleGfn: magicGfn('CONSOLE'), consoleTty: 'xenon:1' },
};

/** Paths whose values legitimately differ from the oracle's (a pty name, the time of creation). */
const HOST_SPECIFIC = [/\/console\/tty$/, /\/start_time$/];


function pathOf(line: string): string {
  return line.slice(0, line.indexOf(' = '));
}

/** Lines with host-specific values replaced by a marker. */
function normalized(lines: readonly string[]): string[] {
  return lines.map((l) => (HOST_SPECIFIC.some((re) => re.test(pathOf(l))) ? l.replace(/ = "[^"]*"/, ' = <host-specific>') : l));
}

/** The domU's part of a listing: its home, its console backend, /vm/<uuid> and /libxl/<domid>. */
function domUPart(lines: readonly string[], domid: number, uuid: string): string[] {
  const roots = [`/local/domain/${domid}`, `/local/domain/0/backend/console/${domid}`, `/vm/${uuid}`, `/libxl/${domid}`];
  return lines.filter((l) => roots.some((r) => pathOf(l) === r || pathOf(l).startsWith(`${r}/`)));
}

function store(): XsClient {
  const xs = new XsClient(new Xenstored());
  writeDom0Entries(xs, 524288);
  return xs;
}

describe('writeDomainEntries() against the oracle\'s xenstore tree', () => {
  test('writeDomainEntries() for domid 1 "domU-min" gives libxl\'s nodes, values, permissions and order', () => {
    const xs = store();
    writeDomainEntries(xs, DOMU_MIN);
    const ours = lsFp(xs);
    assert.deepEqual(normalized(domUPart(ours, 1, UUID)), normalized(domUPart(ORACLE_MIN_XENSTORE_LS_FP, 1, UUID)));
    // Only the host-specific values differ.
    assert.equal(xs.read('/local/domain/1/console/tty'), 'xenon:1');
    assert.equal(xs.read(`/vm/${UUID}/start_time`), '1700000000.25');
  });

  test('writeDomainEntries() puts the rings at the magic pages the oracle\'s Xen used (GFN 0x39000 console, 0x39001 store)', () => {
    assert.equal(DOMU_MIN.pv?.consoleGfn, 233472);
    assert.equal(DOMU_MIN.pv?.storeGfn, 233473);
  });

  test('writeDom0Entries() and writeDomainEntries() together give every node of the oracle\'s tree', () => {
    const xs = store();
    writeDomainEntries(xs, DOMU_MIN);
    // Domain-0's own children are listed in another order on Xen (xenstore-ls shows creation order,
    // and xl writes Domain-0's memory nodes lazily); as sets the trees are the same.
    assert.deepEqual(normalized(lsFp(xs)).sort(), normalized(ORACLE_MIN_XENSTORE_LS_FP).sort());
  });

  test('writeDomainEntries() for domid 7 with 2 vCPUs gives the guest read access under its own id and a cpu/1 node', () => {
    const xs = store();
    const uuid = '00000000-0000-4000-8000-000000000007';
    writeDomainEntries(xs, { ...DOMU_MIN, domid: 7, uuid, vcpus: 2, memoryKiB: 131072, maxMemoryKiB: 196608 });
    const lines = lsFp(xs);
    // The same shape as domid 1's with the ids, cpus and sizes substituted.
    const expected = domUPart(ORACLE_MIN_XENSTORE_LS_FP, 1, UUID)
      .map((l) => l.replaceAll('/local/domain/1', '/local/domain/7').replaceAll('/console/1', '/console/7').replaceAll('/libxl/1', '/libxl/7')
        .replaceAll(UUID, uuid).replace(/\(n0,r1\)/, '(n0,r7)').replace(/\(n1\)$/, '(n7)').replace(/\(n1,r0\)$/, '(n7,r0)')
        .replace(/(frontend-id|domid) = "1"/, '$1 = "7"').replace(/static-max = "262144"/, 'static-max = "196608"')
        .replace(/target = "262144"/, 'target = "131072"'));
    // cpu/1 and its availability follow cpu/0's subtree.
    const cpu0 = expected.findIndex((l) => l.startsWith('/local/domain/7/cpu/0/availability'));
    expected.splice(cpu0 + 1, 0, '/local/domain/7/cpu/1 = ""   (n0,r7)', '/local/domain/7/cpu/1/availability = "online"   (n0,r7)');
    assert.deepEqual(normalized(domUPart(lines, 7, uuid)), normalized(expected));
  });

  test('writeDomainEntries() of a second domain leaves the first one\'s nodes alone', () => {
    const xs = store();
    writeDomainEntries(xs, DOMU_MIN);
    const before = domUPart(lsFp(xs), 1, UUID);
    writeDomainEntries(xs, { ...DOMU_MIN, domid: 2, name: 'other', uuid: '00000000-0000-4000-8000-000000000002' });
    assert.deepEqual(domUPart(lsFp(xs), 1, UUID), before);
    assert.deepEqual(xs.directory('/local/domain'), ['0', '1', '2']);
  });
});

describe('removeDomainEntries()', () => {
  test('removeDomainEntries() removes the domain\'s home, console backend, /vm/<uuid> and /libxl/<domid>', () => {
    const xs = store();
    const before = lsFp(xs);
    writeDomainEntries(xs, DOMU_MIN);
    writeDomainEntries(xs, { ...DOMU_MIN, domid: 2, name: 'other', uuid: '00000000-0000-4000-8000-000000000002' });
    const other = domUPart(lsFp(xs), 2, '00000000-0000-4000-8000-000000000002');
    removeDomainEntries(xs, 1, UUID);
    const after = lsFp(xs);
    assert.deepEqual(domUPart(after, 1, UUID), []);
    assert.deepEqual(domUPart(after, 2, '00000000-0000-4000-8000-000000000002'), other, 'the other domain keeps its nodes');
    removeDomainEntries(xs, 2, '00000000-0000-4000-8000-000000000002');
    const left = lsFp(xs);
    for (const line of before) assert.ok(left.includes(line), `Domain-0's ${line} survives`);
  });

  test('removeDomainEntries() leaves the store as the oracle\'s after the last domU is destroyed', () => {
    const xs = store();
    writeDomainEntries(xs, DOMU_MIN);
    removeDomainEntries(xs, 1, UUID);
    assert.deepEqual(lsFp(xs).sort(), [...ORACLE_AFTER_DESTROY].sort());
  });
});
