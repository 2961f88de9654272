/** The learning switch: forwarding by learned address, flooding, ageing, the table's bound. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { plainPacket, type Packet } from './packet.js';
import { MAC_AGEING_MS, MAX_LEARNED, VirtualSwitch, type SwitchPort } from './switch.js';
import { BROADCAST, MAC_A, MAC_B, MAC_C, rawFrame } from './_test_frames.js';

class Port implements SwitchPort {
  readonly got: Packet[] = [];
  constructor(readonly name: string) {}
  deliver(p: Packet): void {
    this.got.push(p);
  }
}

function setup() {
  let now = 0;
  const sw = new VirtualSwitch('xenbr0', () => now);
  const ports = [new Port('a'), new Port('b'), new Port('c')];
  const att = ports.map((p) => sw.attach(p));
  return { sw, ports, att, tick: (ms: number) => { now += ms; } };
}

test('unknown and broadcast destinations flood to every other port; learned ones go to one port', () => {
  const { ports: [a, b, c], att } = setup();
  att[0]!.input(plainPacket(rawFrame(MAC_B, MAC_A, 50)));
  assert.deepEqual([a!.got.length, b!.got.length, c!.got.length], [0, 1, 1]);
  att[1]!.input(plainPacket(rawFrame(MAC_A, MAC_B, 50)));
  assert.deepEqual([a!.got.length, b!.got.length, c!.got.length], [1, 1, 1], 'A was learned on port a');
  att[0]!.input(plainPacket(rawFrame(MAC_B, MAC_A, 50)));
  assert.deepEqual([a!.got.length, b!.got.length, c!.got.length], [1, 2, 1]);
  att[2]!.input(plainPacket(rawFrame(BROADCAST, MAC_C, 50)));
  assert.deepEqual([a!.got.length, b!.got.length, c!.got.length], [2, 3, 1]);
  // Each flooded receiver has its own frame: one finishing offloads in place does not touch another's.
  assert.notEqual(a!.got[1]!.frame, b!.got[2]!.frame);
});

test('a frame to its own port, a short frame and a group source address are dropped', () => {
  const { sw, ports: [a, b], att } = setup();
  att[0]!.input(plainPacket(rawFrame(MAC_B, MAC_A, 50)));
  att[1]!.input(plainPacket(rawFrame(MAC_A, MAC_B, 50)));
  const before = [a!.got.length, b!.got.length];
  att[0]!.input(plainPacket(rawFrame(MAC_A, MAC_A, 50)));
  att[0]!.input(plainPacket(new Uint8Array(13)));
  att[0]!.input(plainPacket(rawFrame(MAC_B, BROADCAST, 50)));
  assert.deepEqual([a!.got.length, b!.got.length], before);
  assert.equal(sw.metrics.dropped, 3);
  assert.equal(sw.lookup(BROADCAST), undefined);
});

test('learned addresses age out, move with the station, and leave with a detached port', () => {
  const { sw, ports: [a, b], att, tick } = setup();
  att[0]!.input(plainPacket(rawFrame(BROADCAST, MAC_A, 50)));
  assert.equal(sw.lookup(MAC_A), a);
  tick(MAC_AGEING_MS + 1);
  assert.equal(sw.lookup(MAC_A), undefined);
  att[1]!.input(plainPacket(rawFrame(BROADCAST, MAC_A, 50)));
  assert.equal(sw.lookup(MAC_A), b, 'the station moved to port b');
  att[1]!.detach();
  assert.equal(sw.lookup(MAC_A), undefined);
  att[1]!.input(plainPacket(rawFrame(BROADCAST, MAC_C, 50)));
  assert.equal(sw.lookup(MAC_C), undefined, 'a detached port sends nothing');
});

test('a guest sending from ever new source addresses cannot grow the table past its bound', () => {
  const { sw, att } = setup();
  for (let i = 0; i < MAX_LEARNED + 500; i++) att[0]!.input(plainPacket(rawFrame(BROADCAST, 0x020000000000 + i, 50)));
  assert.equal(sw.metrics.evictions, 500);
  assert.equal(sw.lookup(0x020000000000), undefined, 'the oldest were evicted');
  assert.notEqual(sw.lookup(0x020000000000 + MAX_LEARNED + 499), undefined);
});
