/**
 * netback against a scripted netfront: the handshake as Linux's netfront sees it, packets both ways
 * with their offload flags, receive buffers running out, offloads finished for a frontend that did
 * not take them, and hostile rings (slots crossing pages, too many slots, bad extras, bad grants,
 * a producer far ahead) that get errors or close the device without harming anything else.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Xenstored } from '../../xenstore/index.js';
import { plainPacket } from '../net/packet.js';
import { VirtualSwitch } from '../net/switch.js';
import { checksumsValid, MAC_A, MAC_B, patterned, payloadOf, rawFrame, tcpFrame } from '../net/_test_frames.js';
import { GSO_TYPE, NETIF_RSP, NETRXF, NETTXF } from './regs.js';
import { BE, TestNetfront } from './_test_frontend.js';

test('handshake: the features Xen netback advertises, then Connected on the frontend keys', async () => {
  const f = new TestNetfront();
  f.backend.start();
  assert.equal(f.read(`${BE}/state`), '2');
  for (const k of ['feature-sg', 'feature-gso-tcpv4', 'feature-gso-tcpv6', 'feature-ipv6-csum-offload', 'feature-rx-copy', 'feature-split-event-channels']) {
    assert.equal(f.read(`${BE}/${k}`), '1', k);
  }
  assert.equal(f.read(`${BE}/feature-rx-flip`), '0');
  assert.equal(f.read(`${BE}/multi-queue-max-queues`), '4');
  await f.connect();
  assert.equal(f.read(`${BE}/state`), '4');
  assert.equal(f.guest.mapped, 2, 'both rings are mapped');
  await f.setState(5);
  assert.equal(f.read(`${BE}/state`), '5');
  await f.setState(6);
  assert.equal(f.read(`${BE}/state`), '6');
  assert.equal(f.guest.mapped, 0);
  assert.equal(f.guest.handlers.size, 0, 'both channels are unbound');
});

test('a transmitted packet reaches the switch port with its offload flags, and every slot is answered', async () => {
  const f = new TestNetfront();
  await f.connect();
  const big = tcpFrame({ payload: patterned(9000), partial: true });
  f.send(big, { csumBlank: true, gso: { type: GSO_TYPE.TCPV4, mss: 1448 } });
  const rsp = f.txResponses();
  assert.equal(rsp.length, 3 + 1, 'three data slots and one extra');
  assert.deepEqual(rsp.map((r) => r.status), [NETIF_RSP.OKAY, NETIF_RSP.NULL, NETIF_RSP.OKAY, NETIF_RSP.OKAY]);
  assert.equal(f.transmitted.length, 1);
  const p = f.transmitted[0]!;
  assert.deepEqual(p.frame, big);
  assert.equal(p.checksumPartial, true);
  assert.deepEqual(p.gso, { type: 'tcpv4', mss: 1448 });
  assert.equal(f.guest.mapped, 2, 'data grants are released');
  assert.ok((f.guest.notified.get(5) ?? 0) >= 1, 'the frontend is told of its responses');
  assert.equal(f.backend.metrics.txPackets, 1);
});

test('received packets fill posted buffers; without buffers they wait, and arrive once buffers are posted', async () => {
  const f = new TestNetfront();
  await f.connect();
  const frame = tcpFrame({ payload: patterned(6000), partial: true });
  f.backend.deliver({ frame, checksumPartial: true, checksumValidated: true, gso: { type: 'tcpv4', mss: 1448 } });
  assert.deepEqual(f.received(), [], 'no buffers yet');
  f.postRx(8);
  const [got] = f.received();
  assert.deepEqual(got!.frame, frame);
  assert.equal(got!.flags & (NETRXF.CSUM_BLANK | NETRXF.DATA_VALIDATED | NETRXF.EXTRA_INFO), NETRXF.CSUM_BLANK | NETRXF.DATA_VALIDATED | NETRXF.EXTRA_INFO);
  assert.deepEqual(got!.gso, { type: GSO_TYPE.TCPV4, mss: 1448 });
  assert.ok((f.guest.notified.get(6) ?? 0) >= 1);
  assert.equal(f.guest.mapped, 2);
  f.backend.deliver(plainPacket(rawFrame(MAC_B, MAC_A, 100)));
  assert.equal(f.received()[0]!.frame.length, 114);
});

test('a frontend without GSO or checksum offload gets segments with full checksums', async () => {
  const f = new TestNetfront();
  await f.connect({ 'feature-gso-tcpv4': '0', 'feature-no-csum-offload': '1' });
  const payload = patterned(5000, 3);
  f.postRx(16);
  f.backend.deliver({ frame: tcpFrame({ payload, partial: true }), checksumPartial: true, checksumValidated: true, gso: { type: 'tcpv4', mss: 1448 } });
  const got = f.received();
  assert.equal(got.length, 4);
  for (const g of got) {
    assert.ok(checksumsValid(g.frame));
    assert.equal(g.gso, null);
    assert.equal(g.flags & NETRXF.CSUM_BLANK, 0);
  }
  assert.deepEqual(new Uint8Array(Buffer.concat(got.map((g) => payloadOf(g.frame)))), payload);
});

test('two vifs on a switch: a packet from one guest reaches the other', async () => {
  const xenstored = new Xenstored();
  const a = new TestNetfront(xenstored);
  const b = new TestNetfront(xenstored, { frontendPath: '/local/domain/5/device/vif/0', backendPath: '/local/domain/0/backend/vif/5/0', name: 'vif5.0' });
  const sw = new VirtualSwitch('xenbr0', () => 0);
  for (const f of [a, b]) {
    const att = sw.attach(f.backend);
    f.backend.onTransmit = (p) => att.input(p);
    await f.connect();
    f.postRx(4);
  }
  b.send(rawFrame(0xffffffffffff, MAC_B, 60));
  assert.equal(a.received().length, 1, 'broadcast reached A');
  a.send(rawFrame(MAC_B, MAC_A, 300, 0x77));
  const got = b.received();
  assert.equal(got.length, 1);
  assert.equal(got[0]!.frame[100], 0x77);
  assert.equal(a.received().length, 0, 'nothing comes back to the sender');
});

test('hostile: a bad grant or a runt packet is dropped with ERROR responses; the ring goes on', async () => {
  const f = new TestNetfront();
  await f.connect();
  f.putTx(TestNetfront.txRequest(999, 0, 0, 1, 60));
  f.putTx(TestNetfront.txRequest(1000, 0, 0, 2, 10));
  f.pushTx();
  assert.deepEqual(f.txResponses(), [{ id: 1, status: NETIF_RSP.ERROR }, { id: 2, status: NETIF_RSP.ERROR }]);
  assert.equal(f.transmitted.length, 0);
  f.send(rawFrame(MAC_B, MAC_A, 60));
  assert.equal(f.transmitted.length, 1);
  assert.equal(f.read(`${BE}/state`), '4');
  assert.equal(f.backend.metrics.txErrors, 2);
});

test('hostile: 19 slots are dropped (as Linux drops over max_skb_slots); 21 close the device', async () => {
  const f = new TestNetfront();
  await f.connect();
  f.send(rawFrame(MAC_B, MAC_A, 19 * 64 - 14), { slotBytes: 64 });
  const rsp = f.txResponses();
  assert.equal(rsp.length, 19);
  assert.ok(rsp.every((r) => r.status === NETIF_RSP.ERROR));
  assert.equal(f.read(`${BE}/state`), '4');
  f.send(rawFrame(MAC_B, MAC_A, 21 * 64 - 14), { slotBytes: 64 });
  assert.equal(f.read(`${BE}/state`), '5');
  assert.match(f.read(`/local/domain/0/error/backend/vif/4/0/error`), /Too many slots/);
  assert.equal(f.guest.mapped, 0, 'the rings are unmapped');
});

test('hostile: protocol breaches close the device with the reason in xenstore', async (t) => {
  const cases: [string, (f: TestNetfront) => void, RegExp][] = [
    ['a slot crossing its page', (f) => {
      f.putTx(TestNetfront.txRequest(1000, 4000, 0, 1, 200));
      f.pushTx();
    }, /Cross page boundary/],
    ['a fragment larger than the packet', (f) => {
      f.putTx(TestNetfront.txRequest(1000, 0, NETTXF.MORE_DATA, 1, 100));
      f.putTx(TestNetfront.txRequest(1001, 0, 0, 2, 200));
      f.pushTx();
    }, /Invalid tx request/],
    ['slots promised but not published', (f) => {
      f.putTx(TestNetfront.txRequest(1000, 0, NETTXF.MORE_DATA, 1, 100));
      f.pushTx();
    }, /only 1 were published/],
    ['an unknown extra type', (f) => {
      f.putTx(TestNetfront.txRequest(1000, 0, NETTXF.EXTRA_INFO, 1, 100));
      const extra = TestNetfront.gsoExtra(1, 1448);
      extra[0] = 9;
      f.putTx(extra);
      f.pushTx();
    }, /Invalid extra type: 9/],
    ['a producer far ahead of the ring', (f) => f.pushTx(100000), /more than 256 requests ahead/],
  ];
  for (const [name, act, reason] of cases) {
    await t.test(name, async () => {
      const f = new TestNetfront();
      await f.connect();
      act(f);
      assert.equal(f.read(`${BE}/state`), '5');
      assert.match(f.read(`/local/domain/0/error/backend/vif/4/0/error`), reason);
      assert.equal(f.guest.mapped, 0);
      f.backend.deliver(plainPacket(rawFrame(MAC_A, MAC_B, 60)));
      assert.equal(f.backend.metrics.rxDropped, 1, 'a closed vif drops what arrives');
    });
  }
});

test('hostile handshakes are refused with a reason and leave nothing mapped or bound', async (t) => {
  const cases: [string, Record<string, string>, RegExp][] = [
    ['no rx-copy', { 'request-rx-copy': '' }, /rx-copy/],
    ['no rx-notify', { 'feature-rx-notify': '0' }, /feature-rx-notify is mandatory/],
    ['too many queues', { 'multi-queue-num-queues': '9' }, /requested 9 queues/],
    ['an unmappable rx ring', { 'rx-ring-ref': '777' }, /Cannot map rx-ring-ref 777/],
    ['a bound rx channel', { 'event-channel-rx': '5' }, /Cannot bind event-channel-rx 5/],
    ['a non-numeric ring ref', { 'tx-ring-ref': '0x10' }, /tx-ring-ref/],
  ];
  for (const [name, keys, reason] of cases) {
    await t.test(name, async () => {
      const f = new TestNetfront();
      await f.connect(keys);
      assert.equal(f.read(`${BE}/state`), '5');
      assert.match(f.read(`/local/domain/0/error/backend/vif/4/0/error`), reason);
      assert.equal(f.guest.mapped, 0);
      assert.equal(f.guest.handlers.size, 0);
    });
  }
});

test('a receive buffer the guest cannot grant reaches it as an error, and the next packet still arrives', async () => {
  const f = new TestNetfront();
  await f.connect();
  f.postRx(1, () => 4242);
  f.backend.deliver(plainPacket(rawFrame(MAC_A, MAC_B, 60)));
  assert.equal(f.received()[0]!.status, NETIF_RSP.ERROR);
  f.postRx(1);
  f.backend.deliver(plainPacket(rawFrame(MAC_A, MAC_B, 60)));
  assert.equal(f.received()[0]!.status, 74);
  assert.equal(f.backend.metrics.rxGrantErrors, 1);
});

test('hot-detach: Closing with online=0, then Closed once the frontend closed', async () => {
  const f = new TestNetfront();
  await f.connect();
  const closed = f.backend.close(new Promise(() => undefined));
  assert.equal(f.read(`${BE}/online`), '0');
  assert.equal(f.read(`${BE}/state`), '5');
  await f.setState(6);
  await closed;
  assert.equal(f.read(`${BE}/state`), '6');
  assert.equal(f.guest.mapped, 0);
});

test('two queues: each has its rings and channels, and packets flow on the second', async () => {
  const f = new TestNetfront();
  // Queue 1's rings on pages 2 and 3 (refs 3 and 4), its channels on ports 8 and 9; ring events armed.
  f.guest.grants.set(3, { page: 2, writable: true });
  f.guest.grants.set(4, { page: 3, writable: true });
  for (const p of [2, 3]) f.idx(p).set([0, 1, 0, 1]);
  const keys: Record<string, string> = {
    'multi-queue-num-queues': '2', 'tx-ring-ref': '', 'rx-ring-ref': '', 'event-channel-tx': '', 'event-channel-rx': '',
    'queue-0/tx-ring-ref': '1', 'queue-0/rx-ring-ref': '2', 'queue-0/event-channel-tx': '5', 'queue-0/event-channel-rx': '6',
    'queue-1/tx-ring-ref': '3', 'queue-1/rx-ring-ref': '4', 'queue-1/event-channel-tx': '8', 'queue-1/event-channel-rx': '9',
  };
  await f.connect(keys);
  assert.equal(f.read(`${BE}/state`), '4');
  assert.equal(f.backend.queueCount, 2);
  assert.equal(f.guest.mapped, 4, 'four rings are mapped');
  f.guest.mem.set(rawFrame(MAC_B, MAC_A, 100, 0x42), 8 * 4096);
  f.guest.mem.set(TestNetfront.txRequest(1000, 0, 0, 9, 114), 2 * 4096 + 64);
  Atomics.store(f.idx(2), 0, 1);
  f.guest.signal(8);
  assert.equal(f.transmitted.length, 1);
  assert.equal(f.transmitted[0]!.frame[50], 0x42);
  assert.equal(new DataView(f.guest.mem.buffer, 2 * 4096 + 64).getUint16(0, true), 9, 'answered on queue 1');
  assert.equal(Atomics.load(f.idx(2), 2), 1);
  assert.ok((f.guest.notified.get(8) ?? 0) >= 1);
});

test('hostile: one guest breaking its ring leaves its neighbour on the switch working', async () => {
  const xenstored = new Xenstored();
  const bad = new TestNetfront(xenstored);
  const good = new TestNetfront(xenstored, { frontendPath: '/local/domain/5/device/vif/0', backendPath: '/local/domain/0/backend/vif/5/0', name: 'vif5.0' });
  const peer = new TestNetfront(xenstored, { frontendPath: '/local/domain/6/device/vif/0', backendPath: '/local/domain/0/backend/vif/6/0', name: 'vif6.0' });
  const sw = new VirtualSwitch('xenbr0', () => 0);
  for (const f of [bad, good, peer]) {
    const att = sw.attach(f.backend);
    f.backend.onTransmit = (p) => att.input(p);
    await f.connect();
    f.postRx(8);
  }
  bad.send(rawFrame(0xffffffffffff, MAC_A, 60));
  bad.putTx(TestNetfront.txRequest(1000, 4000, 0, 1, 200));
  bad.pushTx();
  assert.equal(bad.read(`${BE}/state`), '5', 'the hostile vif is closed');
  good.send(rawFrame(0x00163e000006, MAC_B, 80, 0x33));
  peer.received();
  peer.send(rawFrame(MAC_B, 0x00163e000006, 90, 0x44));
  const got = good.received().filter((p) => p.frame.length === 104);
  assert.equal(got.length, 1, 'the neighbour still receives');
  assert.equal(got[0]!.frame[60], 0x44);
  assert.equal(good.read('/local/domain/0/backend/vif/5/0/state'), '4');
  assert.equal(bad.guest.mapped, 0);
});
