import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VIRQ } from '../../../abi/xen.js';
import { EVTCHNSTAT_interdomain } from './abi.js';
import { EventChannelDirectory } from './directory.js';
import { Doorbell } from './doorbell.js';
import { DomainEventChannels } from './event_channel.js';
import { FakeGuest, RAM_GFN } from './_test_guest.js';

/**
 * Two directories stand for two threads: each owns one domain and knows the other only by its
 * descriptor, so every raise across them goes through the doorbell.
 */
function twoThreads() {
  const dirA = new EventChannelDirectory();
  const dirB = new EventChannelDirectory();
  const hostEvents: number[] = [];
  const dom0 = new DomainEventChannels({ domid: 0, nrVcpus: 1, directory: dirA, privileged: true, host: { onEvent: (p) => hostEvents.push(p) } });
  const g = new FakeGuest(1);
  g.sharedInfoGfn = RAM_GFN;
  const domU = new DomainEventChannels({ domid: 1, nrVcpus: 1, directory: dirB, guest: g, maxPort: 4095 });
  dirA.add(domU.descriptor());
  dirB.add(dom0.descriptor());
  return { dirA, dirB, dom0, domU, g, hostEvents };
}

test('a send across threads is delivered only when the owner processes its doorbell', () => {
  const { dom0, domU, g, hostEvents } = twoThreads();
  const uport = domU.allocUnbound(0);
  const hport = dom0.bindInterdomain(1, uport);
  assert.deepEqual(domU.status(uport), { status: EVTCHNSTAT_interdomain, vcpu: 0, dom: 0, port: hport });
  hostEvents.length = 0;
  const wake = Atomics.load(domU.doorbell.words, Doorbell.WAKE_INDEX);
  assert.equal(dom0.send(hport), 0);
  assert.deepEqual(g.upcalls, [], 'not delivered from the wrong thread');
  assert.equal(Atomics.load(domU.doorbell.words, Doorbell.WAKE_INDEX), wake + 1);
  assert.equal(domU.processDoorbell(), 1);
  assert.deepEqual(g.upcalls, [0]);
  assert.deepEqual(g.consume2l(0), [uport]);
  assert.equal(domU.send(uport), 0);
  assert.deepEqual(hostEvents, []);
  assert.equal(dom0.processDoorbell(), 1);
  assert.deepEqual(hostEvents, [hport]);
  assert.equal(dom0.processDoorbell(), 0);
});

test('a port closed before the doorbell is processed is not raised', () => {
  const { dom0, domU, g } = twoThreads();
  const uport = domU.allocUnbound(0);
  const hport = dom0.bindInterdomain(1, uport);
  dom0.send(hport);
  domU.close(uport);
  domU.processDoorbell();
  assert.deepEqual(g.upcalls, []);
});

test('closing across threads reverts the peer in the other thread\'s table', () => {
  const { dom0, domU } = twoThreads();
  const uport = domU.allocUnbound(0);
  const hport = dom0.bindInterdomain(1, uport);
  assert.equal(dom0.close(hport), 0);
  assert.deepEqual(domU.status(uport), { status: 1, vcpu: 0, dom: 0 });
});

test('the doorbell carries every port up to maxPort and global VIRQs', () => {
  const { dirB, dom0, domU, g, hostEvents } = twoThreads();
  for (let i = 0; i < 300; i++) domU.bindIpi(0);
  const uport = domU.allocUnbound(0);
  assert.equal(uport, 301);
  domU.doorbell.ring(4095);
  domU.doorbell.ring(uport);
  domU.doorbell.ring(4096);
  const seen: number[] = [];
  domU.doorbell.drain((p) => seen.push(p));
  assert.deepEqual(seen, [uport, 4095]);
  assert.deepEqual(g.upcalls, []);
  const virq = dom0.bindVirq(VIRQ.DOM_EXC, 0);
  assert.equal(dirB.sendGlobalVirq(0, VIRQ.DOM_EXC), 0);
  assert.equal(dirB.sendGlobalVirq(0, VIRQ.TIMER), -22);
  assert.equal(dirB.sendGlobalVirq(9, VIRQ.DOM_EXC), -3);
  dom0.processDoorbell();
  assert.deepEqual(hostEvents, [virq]);
});

test('a descriptor survives structured cloning (as postMessage sends it)', () => {
  const { domU } = twoThreads();
  const clone = structuredClone(domU.descriptor());
  const dir = new EventChannelDirectory();
  dir.add(clone);
  const p = domU.allocUnbound(0);
  assert.equal(dir.lookup(1)!.table.state(p), domU.table.state(p));
});
