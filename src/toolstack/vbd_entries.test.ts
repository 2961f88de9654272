import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { skipUnlessAvailable } from '../../tests/harness/prereq.js';
import { missingOracle, ORACLE_DIR } from '../../tests/harness/tools.js';
import { XsClient, Xenstored } from '../xenstore/index.js';
import { magicGfn } from '../hv/common/memory/layout.js';
import { parseDiskSpec, type DiskSpec } from './config/index.js';
import { readVbdList, removeVbdEntries, VbdError, writeVbdEntries, type VbdStore } from './vbd_entries.js';
import { removeDomainEntries, writeDom0Entries, writeDomainEntries, type DomainStoreInfo } from './xenstore_entries.js';
import { formatBlockList } from './xl_format.js';
import { lsFp } from './_test_store.js';

const ORACLE = path.join(ORACLE_DIR, 'outputs', 'auto-run');

/**
 * The vbd parts of `xenstore-ls -fp` on the oracle's Xen 4.17 host with domU-dev running (domid 2,
 * disk 'format=raw, vdev=xvda, access=rw, target=/var/lib/xen/disk.img'), verbatim from
 * shared/xen-oracle/outputs/auto-run/dev-xenstore-ls-fp.txt.
 */
const ORACLE_VBD = `/local/domain/0/backend/vbd = ""   (n0)
/local/domain/0/backend/vbd/2 = ""   (n0)
/local/domain/0/backend/vbd/2/51712 = ""   (n0,r2)
/local/domain/0/backend/vbd/2/51712/frontend = "/local/domain/2/device/vbd/51712"   (n0,r2)
/local/domain/0/backend/vbd/2/51712/params = "/var/lib/xen/disk.img"   (n0,r2)
/local/domain/0/backend/vbd/2/51712/script = "/etc/xen/scripts/block"   (n0,r2)
/local/domain/0/backend/vbd/2/51712/frontend-id = "2"   (n0,r2)
/local/domain/0/backend/vbd/2/51712/online = "1"   (n0,r2)
/local/domain/0/backend/vbd/2/51712/removable = "0"   (n0,r2)
/local/domain/0/backend/vbd/2/51712/bootable = "1"   (n0,r2)
/local/domain/0/backend/vbd/2/51712/state = "4"   (n0,r2)
/local/domain/0/backend/vbd/2/51712/dev = "xvda"   (n0,r2)
/local/domain/0/backend/vbd/2/51712/type = "phy"   (n0,r2)
/local/domain/0/backend/vbd/2/51712/mode = "w"   (n0,r2)
/local/domain/0/backend/vbd/2/51712/device-type = "disk"   (n0,r2)
/local/domain/0/backend/vbd/2/51712/discard-enable = "1"   (n0,r2)
/local/domain/0/backend/vbd/2/51712/specification = "xen"   (n0,r2)
/local/domain/0/backend/vbd/2/51712/feature-max-indirect-segments = "256"   (n0,r2)
/local/domain/0/backend/vbd/2/51712/multi-queue-max-queues = "2"   (n0,r2)
/local/domain/0/backend/vbd/2/51712/max-ring-page-order = "4"   (n0,r2)
/local/domain/0/backend/vbd/2/51712/node = "/dev/loop0"   (n0,r2)
/local/domain/0/backend/vbd/2/51712/physical-device = "7:0"   (n0,r2)
/local/domain/0/backend/vbd/2/51712/physical-device-path = "/dev/loop0"   (n0,r2)
/local/domain/0/backend/vbd/2/51712/hotplug-status = "connected"   (n0,r2)
/local/domain/0/backend/vbd/2/51712/feature-flush-cache = "1"   (n0,r2)
/local/domain/0/backend/vbd/2/51712/discard-granularity = "4096"   (n0,r2)
/local/domain/0/backend/vbd/2/51712/discard-alignment = "0"   (n0,r2)
/local/domain/0/backend/vbd/2/51712/discard-secure = "0"   (n0,r2)
/local/domain/0/backend/vbd/2/51712/feature-discard = "1"   (n0,r2)
/local/domain/0/backend/vbd/2/51712/feature-barrier = "1"   (n0,r2)
/local/domain/0/backend/vbd/2/51712/feature-persistent = "1"   (n0,r2)
/local/domain/0/backend/vbd/2/51712/sectors = "32768"   (n0,r2)
/local/domain/0/backend/vbd/2/51712/info = "0"   (n0,r2)
/local/domain/0/backend/vbd/2/51712/sector-size = "512"   (n0,r2)
/local/domain/0/backend/vbd/2/51712/physical-sector-size = "512"   (n0,r2)
/local/domain/2/device/vbd = ""   (n0,r2)
/local/domain/2/device/vbd/51712 = ""   (n2,r0)
/local/domain/2/device/vbd/51712/backend = "/local/domain/0/backend/vbd/2/51712"   (n2,r0)
/local/domain/2/device/vbd/51712/backend-id = "0"   (n2,r0)
/local/domain/2/device/vbd/51712/state = "4"   (n2,r0)
/local/domain/2/device/vbd/51712/virtual-device = "51712"   (n2,r0)
/local/domain/2/device/vbd/51712/device-type = "disk"   (n2,r0)
/local/domain/2/device/vbd/51712/trusted = "1"   (n2,r0)
/local/domain/2/device/vbd/51712/ring-ref = "8"   (n2,r0)
/local/domain/2/device/vbd/51712/event-channel = "3"   (n2,r0)
/local/domain/2/device/vbd/51712/protocol = "arm-abi"   (n2,r0)
/local/domain/2/device/vbd/51712/feature-persistent = "1"   (n2,r0)
/libxl/2/device/vbd = ""   (n0)
/libxl/2/device/vbd/51712 = ""   (n0)
/libxl/2/device/vbd/51712/frontend = "/local/domain/2/device/vbd/51712"   (n0)
/libxl/2/device/vbd/51712/backend = "/local/domain/0/backend/vbd/2/51712"   (n0)
/libxl/2/device/vbd/51712/params = "/var/lib/xen/disk.img"   (n0)
/libxl/2/device/vbd/51712/script = "/etc/xen/scripts/block"   (n0)
/libxl/2/device/vbd/51712/frontend-id = "2"   (n0)
/libxl/2/device/vbd/51712/online = "1"   (n0)
/libxl/2/device/vbd/51712/removable = "0"   (n0)
/libxl/2/device/vbd/51712/bootable = "1"   (n0)
/libxl/2/device/vbd/51712/state = "1"   (n0)
/libxl/2/device/vbd/51712/dev = "xvda"   (n0)
/libxl/2/device/vbd/51712/type = "phy"   (n0)
/libxl/2/device/vbd/51712/mode = "w"   (n0)
/libxl/2/device/vbd/51712/device-type = "disk"   (n0)
/libxl/2/device/vbd/51712/discard-enable = "1"   (n0)
/libxl/2/device/vbd/51712/specification = "xen"   (n0)
`.trimEnd().split('\n');

/** The oracle's `xl block-list 2` (dev-xl-block-list.txt), verbatim: note the header's trailing blanks. */
const ORACLE_BLOCK_LIST = 'Vdev  BE  handle state evt-ch ring-ref BE-path                       \n'
  + '51712 0   2      4     3      8        /local/domain/0/backend/vbd/2/51712\n';

/** Keys of the real tree that the block hotplug script wrote (vbd_entries.ts explains why we have none). */
const HOTPLUG_KEYS = ['script', 'node', 'physical-device', 'physical-device-path', 'hotplug-status'];
/** Keys Linux's blkback wrote on its way to Connected: our block backend's job, not the toolstack's. */
const BACKEND_KEYS = ['feature-max-indirect-segments', 'multi-queue-max-queues', 'max-ring-page-order', 'feature-flush-cache',
  'discard-granularity', 'discard-alignment', 'discard-secure', 'feature-discard', 'feature-barrier', 'feature-persistent',
  'sectors', 'info', 'sector-size', 'physical-sector-size'];
/** Keys Linux's blkfront wrote in the guest. */
const FRONTEND_KEYS = ['ring-ref', 'event-channel', 'protocol', 'feature-persistent'];

function pathOf(line: string): string {
  return line.slice(0, line.indexOf(' = '));
}

/**
 * What the toolstack alone writes, derived from the oracle's lines: the keys others wrote removed,
 * and both ends back in state 1 (Initialising), where libxl left them before the handshake.
 */
function toolstackPart(lines: readonly string[]): string[] {
  const others = new Set([...HOTPLUG_KEYS, ...BACKEND_KEYS, ...FRONTEND_KEYS]);
  return lines
    .filter((l) => !/\/\d+\/[a-z-]+$/.test(pathOf(l)) || !others.has(pathOf(l).slice(pathOf(l).lastIndexOf('/') + 1)))
    .map((l) => (pathOf(l).endsWith('/state') ? l.replace(' = "4"', ' = "1"') : l));
}


/** A listing's vbd and qdisk parts: backend dirs, the frontends and libxl's copies. */
function vbdPart(lines: readonly string[]): string[] {
  const roots = [/^\/local\/domain\/0\/backend\/(vbd|qdisk)(\/|$)/, /^\/local\/domain\/\d+\/device\/vbd(\/|$)/, /^\/libxl\/\d+\/device\/vbd(\/|$)/];
  return lines.filter((l) => roots.some((re) => re.test(pathOf(l))));
}

const DOMU_DEV: DomainStoreInfo = {
  domid: 2, name: 'domU-dev', uuid: 'a58e0f59-0bf2-4e7f-8d70-d6152391f3b9', vcpus: 1, memoryKiB: 262144, maxMemoryKiB: 262144,
  type: 'pvh', startTime: '1700000000.25',
  pv: { storePort: 1, storeGfn: magicGfn('XENSTORE'), consolePort: 2, consoleGfn: magicGfn('CONSOLE'), consoleTty: 'xenon:2' },
};

const AT = { source: 'domU-dev.cfg', key: 'disk' };
const disk = (spec: string): DiskSpec => parseDiskSpec(spec, AT);
/** domU-dev.cfg's disk, as the oracle's guest/domU-dev.cfg gives it. */
const DEV_DISK = disk('format=raw, vdev=xvda, access=rw, target=/var/lib/xen/disk.img');

/** Domain-0 and domU-dev's own entries, with no device yet. */
function store(): XsClient {
  const xs = new XsClient(new Xenstored());
  writeDom0Entries(xs, 524288);
  writeDomainEntries(xs, DOMU_DEV);
  return xs;
}

describe('writeVbdEntries() against the oracle\'s xenstore tree', () => {
  test('the embedded lines are the oracle capture\'s vbd parts', skipUnlessAvailable(missingOracle()), () => {
    const file = readFileSync(path.join(ORACLE, 'dev-xenstore-ls-fp.txt'), 'utf8').trimEnd().split('\n');
    assert.deepEqual(vbdPart(file), ORACLE_VBD);
  });

  test('writeVbdEntries() for domU-dev\'s raw xvda gives libxl\'s nodes, values, permissions and order', () => {
    const xs = store();
    writeVbdEntries(xs, { domid: 2, disk: DEV_DISK, backendKind: 'vbd', params: '/var/lib/xen/disk.img' });
    assert.deepEqual(vbdPart(lsFp(xs)), toolstackPart(ORACLE_VBD));
  });

  test('writeVbdEntries() for domid 5 gives the guest ownership of its frontend and read access to its backend', () => {
    const xs = new XsClient(new Xenstored());
    writeDom0Entries(xs, 524288);
    writeDomainEntries(xs, { ...DOMU_DEV, domid: 5, uuid: '00000000-0000-4000-8000-000000000005' });
    writeVbdEntries(xs, { domid: 5, disk: DEV_DISK, backendKind: 'vbd', params: '/var/lib/xen/disk.img' });
    const expected = toolstackPart(ORACLE_VBD).map((l) => l.replace('/backend/vbd/2', '/backend/vbd/5').replace('/local/domain/2/', '/local/domain/5/')
      .replace('/libxl/2/', '/libxl/5/').replace('(n0,r2)', '(n0,r5)').replace('(n2,r0)', '(n5,r0)').replace('frontend-id = "2"', 'frontend-id = "5"'));
    assert.deepEqual(vbdPart(lsFp(xs)), expected);
  });

  test('writeVbdEntries() for a read-only cdrom writes mode r, device-type cdrom, removable 1 and no discard', () => {
    const xs = store();
    const cdrom = disk('/srv/debian.iso,raw,xvdc,r,devtype=cdrom');
    writeVbdEntries(xs, { domid: 2, disk: cdrom, backendKind: 'vbd', params: '/srv/debian.iso' });
    const fe = '/local/domain/2/device/vbd/51744';
    const be = '/local/domain/0/backend/vbd/2/51744';
    assert.equal(xs.read(`${fe}/virtual-device`), '51744');
    assert.equal(xs.read(`${fe}/device-type`), 'cdrom');
    for (const base of [be, '/libxl/2/device/vbd/51744']) {
      assert.deepEqual(
        ['params', 'removable', 'dev', 'type', 'mode', 'device-type', 'discard-enable'].map((k) => xs.read(`${base}/${k}`)),
        ['/srv/debian.iso', '1', 'xvdc', 'phy', 'r', 'cdrom', '0'],
      );
    }
    assert.deepEqual(xs.getPerms(`${fe}/device-type`), ['n2', 'r0']);
    assert.deepEqual(xs.getPerms(`${be}/mode`), ['n0', 'r2']);
  });

  test('writeVbdEntries() for a qcow2 disk puts the backend under qdisk, with type qdisk and the format in params', () => {
    const xs = store();
    writeVbdEntries(xs, { domid: 2, disk: disk('format=qcow2, vdev=xvdb, target=/srv/guest.qcow2'), backendKind: 'qdisk', params: '/srv/guest.qcow2' });
    const be = '/local/domain/0/backend/qdisk/2/51728';
    assert.equal(xs.read('/local/domain/2/device/vbd/51728/backend'), be);
    assert.equal(xs.read('/libxl/2/device/vbd/51728/backend'), be);
    assert.deepEqual(xs.getPerms(be), ['n0', 'r2']);
    assert.equal(xs.read(`${be}/frontend`), '/local/domain/2/device/vbd/51728');
    // libxl__device_disk_string_of_format: the qdisk backend learns the format from the params prefix.
    assert.equal(xs.read(`${be}/params`), 'qcow2:/srv/guest.qcow2');
    assert.equal(xs.read(`${be}/type`), 'qdisk');
    assert.deepEqual(xs.directory('/local/domain/0/backend'), ['console', 'qdisk']);
  });

  test('writeVbdEntries() for an empty cdrom drive on qdisk gives params "aio:"', () => {
    const xs = store();
    writeVbdEntries(xs, { domid: 2, disk: disk(',,hdc,devtype=cdrom'), backendKind: 'qdisk', params: '' });
    assert.equal(xs.read('/local/domain/0/backend/qdisk/2/5632/params'), 'aio:');
  });

  test('writeVbdEntries() writes the settings xl.cfg gives: direct-io-safe, no-discard, untrusted', () => {
    const xs = store();
    writeVbdEntries(xs, { domid: 2, disk: disk('/d.img,raw,xvda,w,direct-io-safe,no-discard,untrusted'), backendKind: 'vbd', params: '/d.img' });
    const be = '/local/domain/0/backend/vbd/2/51712';
    const keys = xs.directory(be);
    assert.deepEqual(keys.slice(keys.indexOf('device-type')), ['device-type', 'direct-io-safe', 'discard-enable', 'specification']);
    assert.equal(xs.read(`${be}/direct-io-safe`), '1');
    assert.equal(xs.read(`${be}/discard-enable`), '0');
    assert.equal(xs.read('/local/domain/2/device/vbd/51712/trusted'), '0');
  });

  test('writeVbdEntries() refuses a device number in use, leaving the store unchanged', () => {
    const xs = store();
    writeVbdEntries(xs, { domid: 2, disk: DEV_DISK, backendKind: 'vbd', params: '/var/lib/xen/disk.img' });
    const before = lsFp(xs);
    assert.throws(() => writeVbdEntries(xs, { domid: 2, disk: disk('/other.img,raw,xvda'), backendKind: 'vbd', params: '/other.img' }),
      (e: unknown) => e instanceof VbdError && e.reason === 'exists' && e.code === 'CONFIG'
        && e.message === 'Cannot attach disk "xvda" to domain 2: device 51712 already exists');
    assert.deepEqual(lsFp(xs), before);
  });

  test('writeVbdEntries() refuses what its backend cannot serve, writing nothing', () => {
    const xs = store();
    const before = lsFp(xs);
    const cases: [DiskSpec, 'vbd' | 'qdisk', string][] = [
      [disk('format=qcow2, vdev=xvda, target=/g.qcow2'), 'vbd', 'the phy backend takes raw images only, not "qcow2"'],
      [disk('backendtype=phy, vdev=xvda, target=/g.img'), 'qdisk', 'backendtype "phy" is not the qdisk backend chosen'],
      [disk('specification=virtio, vdev=xvda, target=/g.img'), 'vbd', 'specification "virtio" needs a virtio-mmio disk, which Xenon does not provide'],
      [disk('backend=stor, vdev=xvda, target=/g.img'), 'vbd', 'backend domain "stor": Xenon\'s backends run in Domain-0 only'],
      [disk('script=block-iscsi, vdev=xvda, target=/g.img'), 'vbd', 'script "block-iscsi": Xenon runs no hotplug scripts'],
    ];
    for (const [d, kind, problem] of cases) {
      assert.throws(() => writeVbdEntries(xs, { domid: 2, disk: d, backendKind: kind, params: d.target ?? '' }),
        (e: unknown) => e instanceof VbdError && e.reason === 'unsupported' && e.message === `Cannot attach disk "xvda" to domain 2: ${problem}`);
    }
    assert.deepEqual(lsFp(xs), before);
  });

  test('writeVbdEntries() retries its transaction when xenstored reports a conflict, replacing what the other writer left', () => {
    const server = new Xenstored();
    const xs = new XsClient(server);
    writeDom0Entries(xs, 524288);
    writeDomainEntries(xs, DOMU_DEV);
    const other = new XsClient(server);
    let commits = 0;
    // The first commit loses a race: another connection writes a node the transaction also writes.
    const racing: VbdStore = {
      read: xs.read.bind(xs), write: xs.write.bind(xs), mkdir: xs.mkdir.bind(xs), rm: xs.rm.bind(xs), directory: xs.directory.bind(xs),
      setPerms: xs.setPerms.bind(xs), transactionStart: xs.transactionStart.bind(xs),
      transactionEnd(tx, commit) {
        if (commit && ++commits === 1) other.write('/local/domain/2/device/vbd/51712/state', '6');
        xs.transactionEnd(tx, commit);
      },
    };
    writeVbdEntries(racing, { domid: 2, disk: DEV_DISK, backendKind: 'vbd', params: '/var/lib/xen/disk.img' });
    assert.equal(commits, 2);
    assert.deepEqual(vbdPart(lsFp(xs)), toolstackPart(ORACLE_VBD));
  });
});

describe('removeVbdEntries() and removeDomainEntries()', () => {
  test('removeVbdEntries() after hot-detach leaves the store as it was before the attach', () => {
    const xs = store();
    const before = lsFp(xs);
    writeVbdEntries(xs, { domid: 2, disk: DEV_DISK, backendKind: 'vbd', params: '/var/lib/xen/disk.img' });
    removeVbdEntries(xs, 2, 51712, 'vbd');
    assert.deepEqual(lsFp(xs), before);
  });

  test('removeVbdEntries() of one of two disks keeps the other, and a second removal is a no-op', () => {
    const xs = store();
    writeVbdEntries(xs, { domid: 2, disk: DEV_DISK, backendKind: 'vbd', params: '/var/lib/xen/disk.img' });
    const withOne = lsFp(xs);
    writeVbdEntries(xs, { domid: 2, disk: disk('format=qcow2, vdev=xvdb, target=/g.qcow2'), backendKind: 'qdisk', params: '/g.qcow2' });
    removeVbdEntries(xs, 2, 51728, 'qdisk');
    assert.deepEqual(lsFp(xs), withOne);
    removeVbdEntries(xs, 2, 51728, 'qdisk');
    assert.deepEqual(lsFp(xs), withOne);
  });

  test('removeDomainEntries() also removes the domain\'s vbd and qdisk backends and the emptied parents', () => {
    const xs = new XsClient(new Xenstored());
    writeDom0Entries(xs, 524288);
    const before = lsFp(xs);
    writeDomainEntries(xs, DOMU_DEV);
    writeVbdEntries(xs, { domid: 2, disk: DEV_DISK, backendKind: 'vbd', params: '/var/lib/xen/disk.img' });
    writeVbdEntries(xs, { domid: 2, disk: disk('format=qcow2, vdev=xvdb, target=/g.qcow2'), backendKind: 'qdisk', params: '/g.qcow2' });
    const otherUuid = '00000000-0000-4000-8000-000000000003';
    writeDomainEntries(xs, { ...DOMU_DEV, domid: 3, name: 'other', uuid: otherUuid });
    writeVbdEntries(xs, { domid: 3, disk: DEV_DISK, backendKind: 'vbd', params: '/var/lib/xen/other.img' });
    removeDomainEntries(xs, 2, DOMU_DEV.uuid);
    // Domain 3's disk keeps /backend/vbd alive; the qdisk directory had only domain 2's.
    assert.deepEqual(xs.directory('/local/domain/0/backend'), ['console', 'vbd']);
    assert.deepEqual(xs.directory('/local/domain/0/backend/vbd'), ['3']);
    removeDomainEntries(xs, 3, otherUuid);
    // As the oracle's dev-after-destroy-xenstore.txt: only /vm and /libxl outlive their domains.
    assert.deepEqual(lsFp(xs), [...before, '/vm = ""   (n0)', '/libxl = ""   (n0)']);
  });
});

describe('readVbdList() and formatBlockList()', () => {
  test('formatBlockList() lays out xl block-list byte for byte as the oracle capture', () => {
    const text = formatBlockList([{ devid: 51712, backendId: 0, frontendId: 2, state: 4, eventChannel: 3, ringRef: 8, backendPath: '/local/domain/0/backend/vbd/2/51712' }]);
    assert.equal(text, ORACLE_BLOCK_LIST);
  });

  test('the embedded block-list is the oracle\'s file', skipUnlessAvailable(missingOracle()), () => {
    assert.equal(readFileSync(path.join(ORACLE, 'dev-xl-block-list.txt'), 'utf8'), ORACLE_BLOCK_LIST);
  });

  test('readVbdList() of the oracle\'s connected disk gives its row of xl block-list', () => {
    const xs = store();
    writeVbdEntries(xs, { domid: 2, disk: DEV_DISK, backendKind: 'vbd', params: '/var/lib/xen/disk.img' });
    // What blkfront writes during the handshake, as in the oracle's tree.
    const fe = '/local/domain/2/device/vbd/51712';
    for (const [k, v] of [['ring-ref', '8'], ['event-channel', '3'], ['state', '4']] as const) xs.write(`${fe}/${k}`, v);
    assert.equal(formatBlockList(readVbdList(xs, 2)), ORACLE_BLOCK_LIST);
  });

  test('readVbdList() before the guest connects shows -1 for the event channel and ring, and lists a qdisk disk too', () => {
    const xs = store();
    writeVbdEntries(xs, { domid: 2, disk: DEV_DISK, backendKind: 'vbd', params: '/var/lib/xen/disk.img' });
    writeVbdEntries(xs, { domid: 2, disk: disk('format=qcow2, vdev=xvdb, target=/g.qcow2'), backendKind: 'qdisk', params: '/g.qcow2' });
    assert.equal(formatBlockList(readVbdList(xs, 2)), `${ORACLE_BLOCK_LIST.split('\n')[0]}\n`
      + '51712 0   2      1     -1     -1       /local/domain/0/backend/vbd/2/51712\n'
      + '51728 0   2      1     -1     -1       /local/domain/0/backend/qdisk/2/51728\n');
  });

  test('readVbdList() reads the guest\'s numbers as libxl\'s strtoul does: garbage is 0, out of range -1', () => {
    const xs = store();
    writeVbdEntries(xs, { domid: 2, disk: DEV_DISK, backendKind: 'vbd', params: '/var/lib/xen/disk.img' });
    const fe = '/local/domain/2/device/vbd/51712';
    for (const [k, v] of [['ring-ref', 'eight'], ['event-channel', ' 4294967299'], ['state', '99999999999999999999999']] as const) xs.write(`${fe}/${k}`, v);
    const [row] = readVbdList(xs, 2);
    assert.deepEqual([row?.ringRef, row?.eventChannel, row?.state], [0, 3, -1]);
  });

  test('readVbdList() of a domain without disks is empty; one malformed entry empties the list, as in libxl', () => {
    const xs = store();
    assert.deepEqual(readVbdList(xs, 2), []);
    assert.deepEqual(readVbdList(xs, 9), []);
    writeVbdEntries(xs, { domid: 2, disk: DEV_DISK, backendKind: 'vbd', params: '/var/lib/xen/disk.img' });
    writeVbdEntries(xs, { domid: 2, disk: disk('/b.img,raw,xvdb'), backendKind: 'vbd', params: '/b.img' });
    xs.rm('/libxl/2/device/vbd/51728/mode');
    assert.deepEqual(readVbdList(xs, 2), []);
  });
});
