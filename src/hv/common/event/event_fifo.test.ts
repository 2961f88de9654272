import { test } from 'node:test';
import assert from 'node:assert/strict';
import { XEN_EACCES, XEN_EINVAL, XEN_ENOENT, XEN_ENOSPC, XEN_ENOSYS, XEN_EOPNOTSUPP } from '../../../abi/errno.js';
import {
  EVTCHN_FIFO_BUSY,
  EVTCHN_FIFO_LINKED,
  EVTCHN_FIFO_MASKED,
  EVTCHN_FIFO_PENDING,
  EVTCHNOP_expand_array,
  EVTCHNOP_init_control,
  SHARED_INFO_EVTCHN_PENDING,
} from './abi.js';
import { EventChannelDirectory } from './directory.js';
import { DomainEventChannels } from './event_channel.js';
import { FakeGuest, LinuxFifoConsumer, RAM_GFN } from './_test_guest.js';

const CB = FakeGuest.gpa(3);
const ARRAY = FakeGuest.gpa(4);
const P = 1 << EVTCHN_FIFO_PENDING;
const M = 1 << EVTCHN_FIFO_MASKED;
const L = 1 << EVTCHN_FIFO_LINKED;
const B = 1 << EVTCHN_FIFO_BUSY;

function initControl(d: DomainEventChannels, gfn: number | bigint, offset: number, vcpu: number): { rc: number; linkBits: number } {
  const arg = new DataView(new ArrayBuffer(24));
  arg.setBigUint64(0, BigInt(gfn), true);
  arg.setUint32(8, offset, true);
  arg.setUint32(12, vcpu, true);
  const rc = d.doEventChannelOp(EVTCHNOP_init_control, arg, 0);
  return { rc, linkBits: arg.getUint8(16) };
}

function expand(d: DomainEventChannels, gfn: number | bigint): number {
  const arg = new DataView(new ArrayBuffer(8));
  arg.setBigUint64(0, BigInt(gfn), true);
  return d.doEventChannelOp(EVTCHNOP_expand_array, arg, 0);
}

function setup(withPage = true) {
  const dir = new EventChannelDirectory();
  const g = new FakeGuest(2);
  g.sharedInfoGfn = RAM_GFN;
  const d = new DomainEventChannels({ domid: 1, nrVcpus: 2, directory: dir, guest: g, maxPort: 4095 });
  assert.deepEqual(initControl(d, RAM_GFN + 3, 0, 0), { rc: 0, linkBits: 17 });
  if (withPage) assert.equal(expand(d, RAM_GFN + 4), 0);
  return { g, d, linux: new LinuxFifoConsumer(g, CB, [ARRAY]) };
}

test('init_control validates vcpu, offset and frame as event_fifo.c does', () => {
  const dir = new EventChannelDirectory();
  const g = new FakeGuest(1);
  const d = new DomainEventChannels({ domid: 1, nrVcpus: 1, directory: dir, guest: g });
  assert.equal(initControl(d, RAM_GFN, 0, 1).rc, -XEN_ENOENT);
  assert.equal(initControl(d, RAM_GFN, 4096 - 72 + 8, 0).rc, -XEN_EINVAL);
  assert.equal(initControl(d, RAM_GFN, 4, 0).rc, -XEN_EINVAL);
  assert.equal(initControl(d, 5, 0, 0).rc, -XEN_EINVAL, 'not RAM');
  assert.equal(initControl(d, 0xffff_ffff_ffff_ffffn, 0, 0).rc, -XEN_EINVAL);
  assert.equal(d.ops.abi, '2l', 'a failed first call leaves the domain on 2-level');
  assert.equal(expand(d, RAM_GFN), -XEN_EOPNOTSUPP);
  assert.equal(d.setPriority(d.bindIpi(0), 3), -XEN_ENOSYS);
  assert.deepEqual(initControl(d, RAM_GFN, 4096 - 72, 0), { rc: 0, linkBits: 17 });
  assert.equal(d.ops.abi, 'fifo');
  assert.equal(initControl(d, RAM_GFN, 0, 0).rc, -XEN_EINVAL, 'control block already set');
});

test('expand_array adds pages up to 128, then -ENOSPC; unbacked frames are -EINVAL', () => {
  const { d } = setup(false);
  assert.equal(expand(d, 12345), -XEN_EINVAL);
  for (let i = 0; i < 128; i++) assert.equal(expand(d, RAM_GFN + 4), 0);
  assert.equal(expand(d, RAM_GFN + 4), -XEN_ENOSPC);
});

test('events are queued and consumed in priority order, FIFO within a priority', () => {
  const { g, d, linux } = setup();
  const ports = Array.from({ length: 5 }, () => d.bindIpi(0));
  assert.equal(d.setPriority(ports[3]!, 2), 0);
  assert.equal(d.setPriority(ports[4]!, 9), 0);
  for (const p of [ports[0]!, ports[4]!, ports[1]!, ports[3]!, ports[2]!]) d.send(p);
  assert.deepEqual(g.upcalls, [0], 'only the first ready bit raises the upcall');
  assert.equal(g.read32(CB) & ~((1 << 2) | (1 << 7) | (1 << 9)), 0);
  assert.deepEqual(linux.handleEvents(), [ports[3], ports[0], ports[1], ports[2], ports[4]]);
  // After consumption the queues take new events again.
  d.send(ports[1]!);
  assert.deepEqual(linux.handleEvents(), [ports[1]]);
});

test('appending links the LINKED tail word, or writes the head when the tail was consumed', () => {
  const { g, d, linux } = setup();
  const [a, b, c] = [d.bindIpi(0), d.bindIpi(0), d.bindIpi(0)];
  d.send(a);
  d.send(b);
  assert.equal(g.read32(linux.wordGpa(a)), (P | L | b) >>> 0);
  assert.equal(g.read32(CB + 8 + 4 * 7), a, 'head[7]');
  assert.deepEqual(linux.handleEvents(), [a, b]);
  d.send(c);
  assert.equal(g.read32(CB + 8 + 4 * 7), c, 'tail b was unlinked: new head');
});

test('a masked word is left pending and unlinked until EVTCHNOP_unmask', () => {
  const { g, d, linux } = setup();
  const a = d.bindIpi(0);
  g.write32(linux.wordGpa(a), M);
  d.send(a);
  assert.equal(g.read32(linux.wordGpa(a)), (P | M) >>> 0);
  assert.deepEqual(g.upcalls, []);
  assert.equal(d.unmask(a), 0);
  assert.equal(g.read32(linux.wordGpa(a)), (P | L) >>> 0);
  assert.deepEqual(g.upcalls, [0]);
  assert.deepEqual(linux.handleEvents(), [a]);
});

test('ports raised before their page exists are raised when it arrives', () => {
  const { g, d } = setup(false);
  const a = d.bindIpi(0);
  d.send(a);
  assert.deepEqual(g.upcalls, []);
  assert.equal(expand(d, RAM_GFN + 4), 0);
  assert.deepEqual(g.upcalls, [0]);
  assert.deepEqual(new LinuxFifoConsumer(g, CB, [ARRAY]).handleEvents(), [a]);
});

test('switching from 2-level keeps pending ports and re-raises them with the first page', () => {
  const dir = new EventChannelDirectory();
  const g = new FakeGuest(1);
  g.sharedInfoGfn = RAM_GFN;
  const d = new DomainEventChannels({ domid: 1, nrVcpus: 1, directory: dir, guest: g });
  const a = d.bindIpi(0);
  d.send(a);
  assert.ok(g.bit(RAM_GFN * 4096 + SHARED_INFO_EVTCHN_PENDING, a));
  g.upcalls.length = 0;
  g.write8(RAM_GFN * 4096, 0);
  assert.equal(initControl(d, RAM_GFN + 3, 0, 0).rc, 0);
  assert.equal(expand(d, RAM_GFN + 4), 0);
  assert.deepEqual(g.upcalls, [0]);
  assert.deepEqual(new LinuxFifoConsumer(g, CB, [ARRAY]).handleEvents(), [a]);
});

test('a vCPU without a control block gets P set but no queue entry', () => {
  const { g, d, linux } = setup();
  const a = d.bindIpi(1);
  d.send(a);
  assert.equal(g.read32(linux.wordGpa(a)), P >>> 0);
  assert.deepEqual(g.upcalls, []);
});

test('set_priority checks the range and the port state', () => {
  const { d } = setup();
  const a = d.bindIpi(0);
  assert.equal(d.setPriority(a, 16), -XEN_EINVAL);
  assert.equal(d.setPriority(a, 0), 0);
  assert.equal(d.setPriority(a + 1, 0), -XEN_EACCES, 'free port');
  assert.equal(d.setPriority(70_000, 0), -XEN_EINVAL);
});

test('a still-LINKED freed port is skipped by allocation (is_busy)', () => {
  const { d } = setup();
  const a = d.bindIpi(0);
  d.send(a);
  d.close(a);
  assert.equal(d.bindIpi(0), a + 1);
});

test('garbage in the tail word only changes that word; BUSY is never left set', () => {
  const { g, d, linux } = setup();
  const [a, b] = [d.bindIpi(0), d.bindIpi(0)];
  d.send(a);
  g.write32(linux.wordGpa(a), L | B | 0x1abcd);
  d.send(b);
  assert.equal(g.read32(linux.wordGpa(a)), (L | b) >>> 0);
  assert.equal(g.read32(linux.wordGpa(b)), (P | L) >>> 0);
});

test('reset returns a FIFO domain to 2-level', () => {
  const { d } = setup();
  d.bindIpi(0);
  assert.equal(d.reset(), 0);
  assert.equal(d.ops.abi, '2l');
  assert.equal(expand(d, RAM_GFN + 4), -XEN_EOPNOTSUPP);
});
