import { test } from 'node:test';
import assert from 'node:assert/strict';
import { XEN_EINVAL, XEN_ENOENT, XEN_ENOSYS, XEN_EOPNOTSUPP, XEN_ESRCH } from '../../../abi/errno.js';
import { P2mType } from '../memory/p2m.js';
import * as abi from './abi.js';
import { EventChannelDirectory } from './directory.js';
import { DomainEventChannels } from './event_channel.js';
import { FakeGuest, LinuxFifoConsumer, RAM_GFN } from './_test_guest.js';

function setup(nrVcpus = 1) {
  const dir = new EventChannelDirectory();
  const g = new FakeGuest(nrVcpus);
  g.sharedInfoGfn = RAM_GFN;
  return { dir, g, d: new DomainEventChannels({ domid: 1, nrVcpus, directory: dir, guest: g }) };
}

test('every subop answers an all-ones struct with Xen\'s error', () => {
  const { d } = setup();
  const expected: Record<number, number> = {
    [abi.EVTCHNOP_bind_interdomain]: -XEN_ESRCH,
    [abi.EVTCHNOP_bind_virq]: -XEN_EINVAL,
    [abi.EVTCHNOP_bind_pirq]: -XEN_EINVAL,
    [abi.EVTCHNOP_close]: -XEN_EINVAL,
    [abi.EVTCHNOP_send]: -XEN_EINVAL,
    [abi.EVTCHNOP_status]: -XEN_ESRCH,
    [abi.EVTCHNOP_alloc_unbound]: -XEN_ESRCH,
    [abi.EVTCHNOP_bind_ipi]: -XEN_ENOENT,
    [abi.EVTCHNOP_bind_vcpu]: -XEN_ENOENT,
    [abi.EVTCHNOP_unmask]: -XEN_EINVAL,
    [abi.EVTCHNOP_reset]: -XEN_ESRCH,
    [abi.EVTCHNOP_init_control]: -XEN_ENOENT,
    [abi.EVTCHNOP_expand_array]: -XEN_EOPNOTSUPP,
    [abi.EVTCHNOP_set_priority]: -XEN_EINVAL,
    [abi.EVTCHNOP_reset_cont]: -XEN_ESRCH,
    15: -XEN_ENOSYS,
    [-1]: -XEN_ENOSYS,
    [0x7fffffff]: -XEN_ENOSYS,
  };
  for (const [cmd, rc] of Object.entries(expected)) {
    const arg = new DataView(new Uint8Array(24).fill(0xff).buffer);
    assert.equal(d.doEventChannelOp(Number(cmd), arg, 0), rc, `cmd ${cmd}`);
  }
});

test('out-of-range numbers from the host API are errors, not exceptions', () => {
  const { d } = setup();
  for (const bad of [-1, 1.5, NaN, Infinity, 2 ** 53, 2 ** 32]) {
    assert.equal(d.close(bad), -XEN_EINVAL);
    assert.equal(d.send(bad), -XEN_EINVAL);
    assert.equal(d.unmask(bad), -XEN_EINVAL);
    assert.equal(d.bindVcpu(1, bad), -XEN_ENOENT);
    assert.equal(d.bindIpi(bad), -XEN_ENOENT);
    assert.equal(d.bindVirq(bad, 0), -XEN_EINVAL);
    assert.equal(d.sendVirq(bad), -XEN_EINVAL);
    assert.equal(d.status(bad), -XEN_EINVAL);
  }
});

test('control blocks and event-array pages must be writable RAM', () => {
  const { g, d } = setup();
  g.mem.mapPage(RAM_GFN + 100, 0, P2mType.RAM_RO);
  assert.equal(d.initControl(RAM_GFN + 100, 0, 0), -XEN_EINVAL);
  assert.equal(d.initControl(-1, 0, 0), -XEN_EINVAL);
  assert.equal(d.initControl(RAM_GFN + 1, 0, 0), 0);
  assert.equal(d.expandArray(RAM_GFN + 100), -XEN_EINVAL);
  assert.equal(d.expandArray(0x3000), -XEN_EINVAL, 'GIC distributor frame');
});

test('hooks that return unusable offsets make delivery a no-op', () => {
  const dir = new EventChannelDirectory();
  const g = new FakeGuest(1);
  const upcalls: number[] = [];
  const d = new DomainEventChannels({
    domid: 1,
    nrVcpus: 1,
    directory: dir,
    guest: { mem: g.mem, nrVcpus: 1, sharedInfoOffset: () => 1 << 30, vcpuInfoOffset: () => g.mem.u8.length - 4, raiseUpcall: (v) => upcalls.push(v) },
  });
  const p = d.bindIpi(0);
  assert.equal(d.send(p), 0);
  assert.deepEqual(upcalls, []);
});

test('a guest scribbling on its FIFO queues never makes the hypervisor write elsewhere', () => {
  const { g, d } = setup();
  const cb = FakeGuest.gpa(3);
  const array = FakeGuest.gpa(4);
  assert.equal(d.initControl(RAM_GFN + 3, 0, 0), 0);
  assert.equal(d.expandArray(RAM_GFN + 4), 0);
  const ports = Array.from({ length: 40 }, () => d.bindIpi(0));
  const linux = new LinuxFifoConsumer(g, cb, [array]);
  // Garbage everywhere the guest controls: LINKs pointing anywhere, a bogus head, random ready bits.
  for (const p of ports) g.write32(linux.wordGpa(p), (0xe0000000 | ((p * 7919) & 0x1ffff)) >>> 0);
  g.write32(cb + 8 + 4 * 7, 0x1ffff);
  g.write32(cb, 0xffffffff);
  const before = g.mem.u8.slice();
  for (let round = 0; round < 3; round++) {
    for (const p of ports) {
      d.send(p);
      d.unmask(p);
      d.setPriority(p, (p * round) % 16);
    }
    for (let i = 0; i < 40; i++) g.write32(linux.wordGpa(ports[i]!), g.read32(linux.wordGpa(ports[(i * 13) % 40]!)) ^ (1 << 29));
  }
  const allowed = (off: number): boolean =>
    (off >= g.mem.offsetOfGpa(cb, 72) && off < g.mem.offsetOfGpa(cb, 72) + 72) ||
    ports.some((p) => Math.floor(off / 4) === g.mem.offsetOfGpa(linux.wordGpa(p), 4) / 4) ||
    off === g.mem.offsetOfGpa(FakeGuest.gpa(0), 1);
  const after = g.mem.u8;
  for (let off = 0; off < after.length; off++) {
    if (after[off] !== before[off]) assert.ok(allowed(off), `byte 0x${off.toString(16)} changed`);
  }
});
