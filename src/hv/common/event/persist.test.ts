import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventChannelDirectory } from './directory.js';
import { DomainEventChannels } from './event_channel.js';
import { FakeGuest, LinuxFifoConsumer, RAM_GFN } from './_test_guest.js';

function domain(dir: EventChannelDirectory, g: FakeGuest) {
  return { domid: 1, nrVcpus: 1, directory: dir, guest: g, maxPort: 255 } as const;
}

test('save() -> restore() keeps every port and the 2-level ports raised before shared_info', () => {
  const dir = new EventChannelDirectory();
  const host: number[] = [];
  const dom0 = new DomainEventChannels({ domid: 0, nrVcpus: 1, directory: dir, privileged: true, host: { onEvent: (p) => host.push(p) } });
  const g = new FakeGuest(1);
  const d = new DomainEventChannels(domain(dir, g));
  const hport = dom0.allocUnbound(1);
  const gport = d.bindInterdomain(0, hport);
  const ipi = d.bindIpi(0);
  d.send(ipi);
  const bytes = d.save();
  d.destroy();
  const dir2 = new EventChannelDirectory();
  const r = DomainEventChannels.restore(bytes, domain(dir2, g));
  assert.deepEqual(r.status(gport), { status: 2, vcpu: 0, dom: 0, port: hport });
  assert.deepEqual(r.status(ipi), { status: 5, vcpu: 0 });
  g.sharedInfoGfn = RAM_GFN;
  r.sharedInfoMapped();
  assert.deepEqual(g.consume2l(0).sort((a, b) => a - b), [gport, ipi]);
});

test('save() -> restore() of a FIFO domain continues its queues', () => {
  const dir = new EventChannelDirectory();
  const g = new FakeGuest(1);
  g.sharedInfoGfn = RAM_GFN;
  const d = new DomainEventChannels(domain(dir, g));
  assert.equal(d.initControl(RAM_GFN + 3, 0, 0), 0);
  assert.equal(d.expandArray(RAM_GFN + 4), 0);
  const [a, b] = [d.bindIpi(0), d.bindIpi(0)];
  d.send(a);
  const bytes = d.save();
  const r = DomainEventChannels.restore(bytes, domain(new EventChannelDirectory(), g));
  assert.equal(r.ops.abi, 'fifo');
  r.send(b);
  assert.deepEqual(new LinuxFifoConsumer(g, FakeGuest.gpa(3), [FakeGuest.gpa(4)]).handleEvents(), [a, b]);
});

test('restore() rejects corrupt bytes with RangeError only', () => {
  const g = new FakeGuest(1);
  const good = new DomainEventChannels(domain(new EventChannelDirectory(), g)).save();
  assert.throws(() => DomainEventChannels.restore(good.slice(0, 20), domain(new EventChannelDirectory(), g)), RangeError);
  const bad = good.slice();
  bad[0] ^= 1;
  assert.throws(() => DomainEventChannels.restore(bad, domain(new EventChannelDirectory(), g)), RangeError);
  assert.throws(() => DomainEventChannels.restore(good, { ...domain(new EventChannelDirectory(), g), maxPort: 100 }), RangeError);
  let s = 7;
  for (let i = 0; i < 200; i++) {
    const junk = good.slice();
    for (let k = 0; k < 8; k++) {
      s = (s * 1103515245 + 12345) >>> 0;
      junk[s % junk.length] = s >>> 24;
    }
    try {
      DomainEventChannels.restore(junk, domain(new EventChannelDirectory(), g));
    } catch (e) {
      assert.ok(e instanceof RangeError, String(e));
    }
  }
});
