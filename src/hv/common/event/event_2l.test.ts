import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SHARED_INFO_EVTCHN_MASK, SHARED_INFO_EVTCHN_PENDING, VCPU_INFO_EVTCHN_PENDING_SEL } from './abi.js';
import { EventChannelDirectory } from './directory.js';
import { DomainEventChannels } from './event_channel.js';
import { FakeGuest, RAM_GFN } from './_test_guest.js';

const SI = RAM_GFN * 4096;

function setup() {
  const dir = new EventChannelDirectory();
  const g = new FakeGuest(2);
  g.sharedInfoGfn = RAM_GFN;
  const d = new DomainEventChannels({ domid: 1, nrVcpus: 2, directory: dir, guest: g, maxPort: 4095 });
  return { g, d };
}

/** n IPI ports on vCPU 0 (IPIs raise locally, the simplest way to drive set_pending). */
function ipis(d: DomainEventChannels, n: number): number[] {
  return Array.from({ length: n }, () => d.bindIpi(0));
}

test('set_pending sets the pending bit, the selector bit and raises the upcall once', () => {
  const { g, d } = setup();
  const [a, b] = ipis(d, 2);
  d.send(a!);
  assert.ok(g.bit(SI + SHARED_INFO_EVTCHN_PENDING, a!));
  assert.ok(g.bit(SI + VCPU_INFO_EVTCHN_PENDING_SEL, 0));
  assert.equal(g.read8(SI), 1, 'evtchn_upcall_pending');
  assert.deepEqual(g.upcalls, [0]);
  d.send(b!);
  assert.ok(g.bit(SI + SHARED_INFO_EVTCHN_PENDING, b!));
  assert.deepEqual(g.upcalls, [0], 'selector already set: no second upcall');
});

test('a port in word w sets selector bit w', () => {
  const { g, d } = setup();
  const ports = ipis(d, 130);
  d.send(ports[129]!);
  assert.equal(ports[129], 130);
  assert.ok(g.bit(SI + VCPU_INFO_EVTCHN_PENDING_SEL, 2));
  assert.ok(!g.bit(SI + VCPU_INFO_EVTCHN_PENDING_SEL, 0));
});

test('the upcall is raised only on the 0 -> 1 edge of evtchn_upcall_pending', () => {
  const { g, d } = setup();
  const ports = ipis(d, 70);
  g.write8(SI, 1);
  d.send(ports[0]!);
  assert.ok(g.bit(SI + VCPU_INFO_EVTCHN_PENDING_SEL, 0));
  assert.deepEqual(g.upcalls, []);
  g.write8(SI, 0);
  d.send(ports[65]!);
  assert.deepEqual(g.upcalls, [0]);
});

test('a raised pending port is not raised again until the guest clears it', () => {
  const { g, d } = setup();
  const [a] = ipis(d, 1);
  d.send(a!);
  assert.deepEqual(g.consume2l(0), [a]);
  d.send(a!);
  assert.deepEqual(g.upcalls, [0, 0]);
  d.send(a!);
  assert.deepEqual(g.upcalls, [0, 0], 'still pending: set_pending stops at the pending bit');
});

test('a masked port stays pending without selector or upcall; unmask re-raises it', () => {
  const { g, d } = setup();
  const [a] = ipis(d, 1);
  g.setBitTo(SI + SHARED_INFO_EVTCHN_MASK, a!, true);
  d.send(a!);
  assert.ok(g.bit(SI + SHARED_INFO_EVTCHN_PENDING, a!));
  assert.ok(!g.bit(SI + VCPU_INFO_EVTCHN_PENDING_SEL, 0));
  assert.deepEqual(g.upcalls, []);
  assert.equal(d.unmask(a!), 0);
  assert.ok(!g.bit(SI + SHARED_INFO_EVTCHN_MASK, a!));
  assert.ok(g.bit(SI + VCPU_INFO_EVTCHN_PENDING_SEL, 0));
  assert.deepEqual(g.upcalls, [0]);
});

test('unmask does nothing when the mask bit was already clear (evtchn_2l_unmask)', () => {
  const { g, d } = setup();
  const [a] = ipis(d, 1);
  g.setBitTo(SI + SHARED_INFO_EVTCHN_PENDING, a!, true);
  assert.equal(d.unmask(a!), 0);
  assert.deepEqual(g.upcalls, []);
  assert.ok(!g.bit(SI + VCPU_INFO_EVTCHN_PENDING_SEL, 0));
});

test('a registered vcpu_info at any alignment receives the selector and upcall bits', () => {
  const { g, d } = setup();
  g.vcpuInfoGpa[1] = FakeGuest.gpa(5, 3);
  const p = d.bindIpi(1);
  d.send(p);
  assert.equal(g.read8(FakeGuest.gpa(5, 3)), 1);
  assert.ok(g.bit(FakeGuest.gpa(5, 3) + VCPU_INFO_EVTCHN_PENDING_SEL, 0));
  assert.equal(g.read8(FakeGuest.gpa(5, 2)), 0, 'the byte before is untouched');
  assert.deepEqual(g.upcalls, [1]);
});

test('a vCPU without vcpu_info gets the pending bit but no upcall', () => {
  const { g, d } = setup();
  const p = d.bindIpi(1);
  d.send(p);
  assert.ok(g.bit(SI + SHARED_INFO_EVTCHN_PENDING, p));
  assert.deepEqual(g.upcalls, []);
});

test('ports raised before shared_info is mapped are delivered by sharedInfoMapped()', () => {
  const dir = new EventChannelDirectory();
  const g = new FakeGuest(1);
  const d = new DomainEventChannels({ domid: 1, nrVcpus: 1, directory: dir, guest: g });
  const [a, b] = ipis(d, 2);
  d.send(b!);
  d.send(a!);
  assert.deepEqual(g.upcalls, []);
  d.close(b!);
  g.sharedInfoGfn = RAM_GFN + 1;
  d.sharedInfoMapped();
  assert.deepEqual(g.upcalls, [0]);
  assert.deepEqual(g.consume2l(0), [a], 'the closed port was cleared');
});

test('close clears the pending bit (evtchn_free)', () => {
  const { g, d } = setup();
  const [a] = ipis(d, 1);
  d.send(a!);
  d.close(a!);
  assert.ok(!g.bit(SI + SHARED_INFO_EVTCHN_PENDING, a!));
});
