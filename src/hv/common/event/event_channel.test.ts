import { test } from 'node:test';
import assert from 'node:assert/strict';
import { XEN_EBUSY, XEN_EEXIST, XEN_EFAULT, XEN_EINVAL, XEN_ENOENT, XEN_ENOSPC, XEN_ENOSYS, XEN_EPERM, XEN_ESRCH } from '../../../abi/errno.js';
import { DOMID_SELF, VIRQ } from '../../../abi/xen.js';
import {
  EVTCHNOP_alloc_unbound,
  EVTCHNOP_ARG_BYTES,
  EVTCHNOP_bind_interdomain,
  EVTCHNOP_bind_pirq,
  EVTCHNOP_reset,
  EVTCHNOP_reset_cont,
  EVTCHNOP_status,
  EVTCHNSTAT_closed,
  EVTCHNSTAT_interdomain,
  EVTCHNSTAT_ipi,
  EVTCHNSTAT_pirq,
  EVTCHNSTAT_unbound,
  EVTCHNSTAT_virq,
  SHARED_INFO_EVTCHN_PENDING,
} from './abi.js';
import { EventChannelDirectory } from './directory.js';
import { DomainEventChannels } from './event_channel.js';
import { FakeGuest, RAM_GFN } from './_test_guest.js';

function world(opts: { maxPort?: number } = {}) {
  const dir = new EventChannelDirectory();
  const hostEvents: number[] = [];
  const dom0 = new DomainEventChannels({ domid: 0, nrVcpus: 1, directory: dir, privileged: true, host: { onEvent: (p) => hostEvents.push(p) } });
  const g = new FakeGuest(2);
  g.sharedInfoGfn = RAM_GFN;
  const domU = new DomainEventChannels({ domid: 1, nrVcpus: 2, directory: dir, guest: g, ...opts });
  return { dir, dom0, domU, g, hostEvents };
}

function pending(g: FakeGuest, port: number): boolean {
  return g.bit(g.sharedInfoGfn * 4096 + SHARED_INFO_EVTCHN_PENDING, port);
}

test('allocUnbound() never hands out port 0 and allocates lowest-free-first', () => {
  const { domU } = world();
  assert.equal(domU.allocUnbound(0), 1);
  assert.equal(domU.allocUnbound(0), 2);
  assert.equal(domU.allocUnbound(0), 3);
  assert.equal(domU.close(2), 0);
  assert.equal(domU.allocUnbound(0), 2);
  assert.equal(domU.close(0), -XEN_EINVAL);
});

test('bindInterdomain() connects both ends and sets the new local port pending', () => {
  const { dom0, domU, g } = world();
  const uport = domU.allocUnbound(0);
  const bport = dom0.bindInterdomain(1, uport);
  assert.equal(bport, 1);
  assert.deepEqual(domU.status(uport), { status: EVTCHNSTAT_interdomain, vcpu: 0, dom: 0, port: bport });
  assert.deepEqual(dom0.status(bport), { status: EVTCHNSTAT_interdomain, vcpu: 0, dom: 1, port: uport });
  // The guest binding to a dom0 port gets its new port pending at once.
  const hport = dom0.allocUnbound(1);
  const gport = domU.bindInterdomain(0, hport);
  assert.equal(pending(g, gport), true);
  assert.deepEqual(g.upcalls, [0]);
});

test('bindInterdomain() refuses ports that are not unbound for the caller', () => {
  const { dir, dom0, domU } = world();
  const other = new DomainEventChannels({ domid: 2, nrVcpus: 1, directory: dir, guest: new FakeGuest() });
  const forOther = dom0.allocUnbound(2);
  assert.equal(domU.bindInterdomain(0, forOther), -XEN_EINVAL);
  assert.equal(domU.bindInterdomain(0, 500), -XEN_EINVAL);
  assert.equal(domU.bindInterdomain(0, 0), -XEN_EINVAL);
  assert.equal(domU.bindInterdomain(9, 1), -XEN_ESRCH);
  assert.ok(other.bindInterdomain(0, forOther) > 0);
  assert.equal(other.bindInterdomain(0, forOther), -XEN_EINVAL, 'already connected');
});

test('bindInterdomain() loops back within one domain through DOMID_SELF', () => {
  const { domU } = world();
  const a = domU.allocUnbound(DOMID_SELF);
  const b = domU.bindInterdomain(DOMID_SELF, a);
  assert.deepEqual(domU.status(a), { status: EVTCHNSTAT_interdomain, vcpu: 0, dom: 1, port: b });
  assert.equal(domU.close(a), 0);
  assert.deepEqual(domU.status(b), { status: EVTCHNSTAT_unbound, vcpu: 0, dom: 1 });
});

test('close() reverts the interdomain peer to unbound, waiting for the closer', () => {
  const { dom0, domU } = world();
  const uport = domU.allocUnbound(0);
  const bport = dom0.bindInterdomain(1, uport);
  assert.equal(domU.close(uport), 0);
  assert.deepEqual(dom0.status(bport), { status: EVTCHNSTAT_unbound, vcpu: 0, dom: 1 });
  assert.deepEqual(domU.status(uport), { status: EVTCHNSTAT_closed, vcpu: 0 });
  assert.equal(domU.close(uport), -XEN_EINVAL);
  // The reverted port can be bound again by the same domain.
  assert.ok(domU.bindInterdomain(0, bport) > 0);
});

test('send() delivers to the peer, drops on unbound, refuses free and invalid ports', () => {
  const { dom0, domU, hostEvents } = world();
  const hport = dom0.allocUnbound(1);
  const gport = domU.bindInterdomain(0, hport);
  assert.equal(domU.send(gport), 0);
  assert.deepEqual(hostEvents, [hport]);
  const lonely = domU.allocUnbound(0);
  assert.equal(domU.send(lonely), 0);
  assert.equal(domU.send(lonely + 1), -XEN_EINVAL, 'free port');
  assert.equal(domU.send(100_000), -XEN_EINVAL);
  assert.equal(domU.send(0), -XEN_EINVAL);
  assert.equal(domU.metrics.sends, 1);
});

test('status() reports every state and treats ports of an allocated bucket as closed', () => {
  const { dom0, domU } = world();
  const unbound = domU.allocUnbound(0);
  const virq = domU.bindVirq(VIRQ.DEBUG, 1);
  const ipi = domU.bindIpi(1);
  const pirq = domU.bindPirq(33);
  assert.deepEqual(domU.status(unbound), { status: EVTCHNSTAT_unbound, vcpu: 0, dom: 0 });
  assert.deepEqual(domU.status(virq), { status: EVTCHNSTAT_virq, vcpu: 1, virq: VIRQ.DEBUG });
  assert.deepEqual(domU.status(ipi), { status: EVTCHNSTAT_ipi, vcpu: 1 });
  assert.deepEqual(domU.status(pirq), { status: EVTCHNSTAT_pirq, vcpu: 0, pirq: 33 });
  assert.deepEqual(domU.status(0), { status: EVTCHNSTAT_closed, vcpu: 0 });
  assert.deepEqual(domU.status(63), { status: EVTCHNSTAT_closed, vcpu: 0 });
  assert.equal(domU.status(64), -XEN_EINVAL, 'beyond valid_evtchns');
  assert.equal(domU.status(1, 0), -XEN_EPERM, 'a domU may not look at dom0');
  assert.deepEqual(dom0.status(unbound, 1), { status: EVTCHNSTAT_unbound, vcpu: 0, dom: 0 });
  assert.equal(dom0.status(1, 7), -XEN_ESRCH);
});

test('bindVcpu() moves delivery of interdomain ports and refuses IPIs and per-vCPU VIRQs', () => {
  const { dom0, domU, g } = world();
  g.vcpuInfoGpa[1] = FakeGuest.gpa(2, 64);
  const hport = dom0.allocUnbound(1);
  const gport = domU.bindInterdomain(0, hport);
  g.consume2l(0);
  g.upcalls.length = 0;
  assert.equal(domU.bindVcpu(gport, 1), 0);
  dom0.send(hport);
  assert.deepEqual(g.upcalls, [1]);
  assert.deepEqual(g.consume2l(1), [gport]);
  assert.equal(domU.bindVcpu(gport, 2), -XEN_ENOENT);
  assert.equal(domU.bindVcpu(domU.bindIpi(0), 1), -XEN_EINVAL);
  assert.equal(domU.bindVcpu(domU.bindVirq(VIRQ.TIMER, 0), 1), -XEN_EINVAL);
  assert.equal(domU.bindVcpu(domU.bindVirq(VIRQ.DOM_EXC, 0), 1), 0, 'global VIRQs may move');
  assert.equal(domU.bindVcpu(999, 1), -XEN_EINVAL);
});

test('bindVirq() validates like evtchn_bind_virq and close() unbinds the VIRQ', () => {
  const { domU } = world();
  assert.equal(domU.bindVirq(24, 0), -XEN_EINVAL);
  assert.equal(domU.bindVirq(VIRQ.CONSOLE, 1), -XEN_EINVAL, 'global VIRQ on vCPU 1');
  assert.equal(domU.bindVirq(VIRQ.TIMER, 5), -XEN_ENOENT);
  const p = domU.bindVirq(VIRQ.CONSOLE, 0);
  assert.equal(domU.bindVirq(VIRQ.CONSOLE, 0), -XEN_EEXIST);
  assert.equal(domU.close(p), 0);
  assert.equal(domU.bindVirq(VIRQ.CONSOLE, 0), p);
  assert.equal(domU.bindPirq(1024), -XEN_EINVAL);
  assert.ok(domU.bindPirq(5) > 0);
  assert.equal(domU.bindPirq(5), -XEN_EEXIST);
});

test('the per-domain port limit gives -ENOSPC', () => {
  const { domU } = world({ maxPort: 5 });
  for (let p = 1; p <= 5; p++) assert.equal(domU.allocUnbound(0), p);
  assert.equal(domU.allocUnbound(0), -XEN_ENOSPC);
  assert.equal(domU.bindIpi(0), -XEN_ENOSPC);
});

test('a domU may alloc_unbound only for itself; the privileged caller may for others', () => {
  const { dom0, domU } = world();
  assert.equal(domU.allocUnbound(1, 0), -XEN_EPERM);
  assert.equal(domU.allocUnbound(1, 42), -XEN_ESRCH);
  const p = dom0.allocUnbound(0, 1);
  assert.deepEqual(domU.status(p), { status: EVTCHNSTAT_unbound, vcpu: 0, dom: 0 });
  assert.deepEqual(domU.status(dom0.allocUnbound(DOMID_SELF, 1)), { status: EVTCHNSTAT_unbound, vcpu: 0, dom: 0 }, 'DOMID_SELF is the caller');
});

test('doEventChannelOp() decodes structs, writes results back, and refuses unknown subops', () => {
  const { domU } = world();
  const arg = new DataView(new ArrayBuffer(24));
  arg.setUint16(0, DOMID_SELF, true);
  arg.setUint16(2, 0, true);
  assert.equal(domU.doEventChannelOp(EVTCHNOP_alloc_unbound, arg, 0), 0);
  assert.equal(arg.getUint32(4, true), 1);
  const st = new DataView(new ArrayBuffer(EVTCHNOP_ARG_BYTES[EVTCHNOP_status]!));
  st.setUint16(0, DOMID_SELF, true);
  st.setUint32(4, 1, true);
  assert.equal(domU.doEventChannelOp(EVTCHNOP_status, st, 0), 0);
  assert.equal(st.getUint32(8, true), EVTCHNSTAT_unbound);
  assert.equal(st.getUint16(16, true), 0);
  assert.equal(domU.doEventChannelOp(99, arg, 0), -XEN_ENOSYS);
  assert.equal(domU.doEventChannelOp(EVTCHNOP_bind_interdomain, new DataView(new ArrayBuffer(8)), 0), -XEN_EFAULT);
  assert.equal(domU.doEventChannelOp(EVTCHNOP_bind_pirq, new DataView(new ArrayBuffer(12)), 0), 0, 'pirq 0 binds (ARM is HVM)');
  assert.equal(domU.metrics.callsByName()['alloc_unbound'], 1);
  assert.equal(domU.metrics.callsByName()['unknown(99)'], 1);
});

test('EVTCHNOP_reset closes every port; reset_cont finds no reset in progress', () => {
  const { dom0, domU } = world();
  const hport = dom0.allocUnbound(1);
  domU.bindInterdomain(0, hport);
  domU.bindIpi(0);
  const arg = new DataView(new ArrayBuffer(2));
  arg.setUint16(0, 0, true);
  assert.equal(domU.doEventChannelOp(EVTCHNOP_reset, arg, 0), -XEN_EPERM);
  arg.setUint16(0, DOMID_SELF, true);
  assert.equal(domU.doEventChannelOp(EVTCHNOP_reset_cont, arg, 0), -XEN_EBUSY);
  assert.equal(domU.doEventChannelOp(EVTCHNOP_reset, arg, 0), 0);
  assert.deepEqual(domU.status(1), { status: EVTCHNSTAT_closed, vcpu: 0 });
  assert.deepEqual(domU.status(2), { status: EVTCHNSTAT_closed, vcpu: 0 });
  assert.deepEqual(dom0.status(hport), { status: EVTCHNSTAT_unbound, vcpu: 0, dom: 1 });
});

test('destroy() reverts peers to unbound and leaves the directory', () => {
  const { dir, dom0, domU } = world();
  const hport = dom0.allocUnbound(1);
  domU.bindInterdomain(0, hport);
  domU.destroy();
  assert.deepEqual(dom0.status(hport), { status: EVTCHNSTAT_unbound, vcpu: 0, dom: 1 });
  assert.equal(dir.lookup(1), undefined);
  assert.equal(dom0.send(hport), 0);
  assert.equal(dom0.bindInterdomain(1, 1), -XEN_ESRCH);
  assert.equal(domU.allocUnbound(0), -XEN_EINVAL, 'a dying domain allocates nothing');
});

test('host domains get onEvent per raise, coalesced while masked', () => {
  const { dom0, domU, hostEvents } = world();
  const hport = dom0.allocUnbound(1);
  const gport = domU.bindInterdomain(0, hport);
  assert.equal(dom0.mask(hport), 0);
  domU.send(gport);
  domU.send(gport);
  assert.deepEqual(hostEvents, []);
  assert.equal(dom0.unmask(hport), 0);
  assert.deepEqual(hostEvents, [hport]);
  assert.equal(domU.mask(gport), -XEN_EINVAL, 'guests mask in their own memory');
  const virq = dom0.bindVirq(VIRQ.DOM_EXC, 0);
  assert.equal(dom0.sendVirq(VIRQ.DOM_EXC), 0);
  assert.deepEqual(hostEvents, [hport, virq]);
});
