/**
 * A vif's xenstore entries against the oracle's Xen 4.17 tree (domU-dev, domid 2, one vif), the
 * `xl network-list` table against the oracle's, removal, and NICs Xenon refuses.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { XsClient, Xenstored } from '../xenstore/index.js';
import { parseNicSpec, type NicSpec } from './config/index.js';
import { readVifList, removeVifEntries, VifError, writeVifEntries } from './vif_entries.js';
import { formatNetworkList } from './xl_format.js';
import { lsFp } from './_test_store.js';

/**
 * The vif parts of `xenstore-ls -fp` on the oracle's host (shared/xen-oracle/outputs/auto-run/
 * dev-xenstore-ls-fp.txt) as the toolstack leaves them before either end connects: verbatim, less
 * `script` (Xenon runs no hotplug script), with both states 1 and hotplug-status as libxl writes it.
 */
const ORACLE_VIF = `/local/domain/0/backend/vif = ""   (n0)
/local/domain/0/backend/vif/2 = ""   (n0)
/local/domain/0/backend/vif/2/0 = ""   (n0,r2)
/local/domain/0/backend/vif/2/0/frontend = "/local/domain/2/device/vif/0"   (n0,r2)
/local/domain/0/backend/vif/2/0/frontend-id = "2"   (n0,r2)
/local/domain/0/backend/vif/2/0/online = "1"   (n0,r2)
/local/domain/0/backend/vif/2/0/state = "1"   (n0,r2)
/local/domain/0/backend/vif/2/0/mac = "00:16:3e:00:00:02"   (n0,r2)
/local/domain/0/backend/vif/2/0/bridge = "xenbr0"   (n0,r2)
/local/domain/0/backend/vif/2/0/handle = "0"   (n0,r2)
/local/domain/0/backend/vif/2/0/type = "vif"   (n0,r2)
/local/domain/0/backend/vif/2/0/hotplug-status = ""   (n0,r2)
/local/domain/2/device/vif = ""   (n0,r2)
/local/domain/2/device/vif/0 = ""   (n2,r0)
/local/domain/2/device/vif/0/backend = "/local/domain/0/backend/vif/2/0"   (n2,r0)
/local/domain/2/device/vif/0/backend-id = "0"   (n2,r0)
/local/domain/2/device/vif/0/state = "1"   (n2,r0)
/local/domain/2/device/vif/0/handle = "0"   (n2,r0)
/local/domain/2/device/vif/0/mac = "00:16:3e:00:00:02"   (n2,r0)
/local/domain/2/device/vif/0/trusted = "1"   (n2,r0)
/local/domain/2/device/vif/0/mtu = "1500"   (n0,r2)
/libxl/2/device/vif = ""   (n0)
/libxl/2/device/vif/0 = ""   (n0)
/libxl/2/device/vif/0/frontend = "/local/domain/2/device/vif/0"   (n0)
/libxl/2/device/vif/0/backend = "/local/domain/0/backend/vif/2/0"   (n0)
/libxl/2/device/vif/0/frontend-id = "2"   (n0)
/libxl/2/device/vif/0/online = "1"   (n0)
/libxl/2/device/vif/0/state = "1"   (n0)
/libxl/2/device/vif/0/mac = "00:16:3e:00:00:02"   (n0)
/libxl/2/device/vif/0/bridge = "xenbr0"   (n0)
/libxl/2/device/vif/0/handle = "0"   (n0)
/libxl/2/device/vif/0/type = "vif"   (n0)
/libxl/2/device/vif/0/hotplug-status = ""   (n0)`;

/** xl network-list on the oracle's host (dev-xl-network-list.txt), verbatim. */
const ORACLE_LIST = `Idx BE Mac Addr.         handle state evt-ch   tx-/rx-ring-ref BE-path                       
0   0  00:16:3e:00:00:02     0     4     -1   522/523         /local/domain/0/backend/vif/2/0
`;

const nic = (text: string, index = 0): NicSpec =>
  parseNicSpec(text, { index, at: { source: 'test', key: 'vif', line: 1 }, random: () => new Uint8Array([1, 2, 3]) }).nic;

function store(): XsClient {
  const xs = new XsClient(new Xenstored());
  // What writeDomainEntries made: the domain's device dir, and libxl's.
  xs.mkdir('/local/domain/2/device');
  xs.setPerms('/local/domain/2/device', ['n0', 'r2']);
  xs.mkdir('/libxl/2/device');
  return xs;
}

test("a vif's entries are the oracle's (less the hotplug script)", () => {
  const xs = store();
  writeVifEntries(xs, 2, nic('mac=00:16:3e:00:00:02,bridge=xenbr0'));
  // Each directory in the oracle's key order; the three sit in different places of the tree.
  for (const root of ['/local/domain/0/backend/vif', '/local/domain/2/device/vif', '/libxl/2/device/vif']) {
    const under = (lines: readonly string[]) => lines.filter((l) => l.startsWith(`${root} `) || l.startsWith(`${root}/`));
    assert.deepEqual(under(lsFp(xs)), under(ORACLE_VIF.split('\n')), root);
  }
});

test('xl network-list reads the NIC back in xl\'s table, the oracle\'s bytes once the frontend connected', () => {
  const xs = store();
  writeVifEntries(xs, 2, nic('mac=00:16:3e:00:00:02'));
  for (const [k, v] of [['state', '4'], ['tx-ring-ref', '522'], ['rx-ring-ref', '523'], ['event-channel-tx', '4'], ['event-channel-rx', '5']]) {
    xs.write(`/local/domain/2/device/vif/0/${k!}`, v!);
  }
  assert.equal(formatNetworkList(readVifList(xs, 2)), ORACLE_LIST);
});

test('removal takes every entry and the parents it left empty; a busy devid is refused', () => {
  const xs = store();
  writeVifEntries(xs, 2, nic('mac=00:16:3e:00:00:02'));
  assert.throws(() => writeVifEntries(xs, 2, nic('mac=00:16:3e:00:00:09')), (e: unknown) => e instanceof VifError && e.reason === 'exists');
  writeVifEntries(xs, 2, nic('bridge=lan', 1));
  removeVifEntries(xs, 2, 0);
  assert.deepEqual(readVifList(xs, 2).map((r) => r.devid), [1]);
  removeVifEntries(xs, 2, 1);
  assert.deepEqual(readVifList(xs, 2), []);
  assert.throws(() => xs.read('/local/domain/0/backend/vif'), /ENOENT/);
  assert.throws(() => xs.read('/local/domain/2/device/vif'), /ENOENT/);
  assert.throws(() => xs.read('/libxl/2/device/vif'), /ENOENT/);
});

test('NICs Xenon cannot serve are refused with the reason, and write nothing', () => {
  for (const [spec, reason] of [
    ['model=e1000', /emulated NIC/], ['type=ioemu', /HVM guests/], ['script=vif-nat', /hotplug scripts/],
    ['backend=driverdom', /Domain-0 only/], ['rate=10Mb/s', /rate limiting/], ['gatewaydev=eth1', /gatewaydev/],
  ] as const) {
    const xs = store();
    assert.throws(() => writeVifEntries(xs, 2, nic(spec)), (e: unknown) => e instanceof VifError && e.reason === 'unsupported' && reason.test(e.message), spec);
    assert.deepEqual(readVifList(xs, 2), []);
  }
});
