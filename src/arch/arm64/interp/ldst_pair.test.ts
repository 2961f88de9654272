import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flatMachine } from '../../../../tests/harness/flat_machine.js';
import { EC, ecOf } from '../exit.js';

// Expected values checked against qemu-aarch64-static 7.2 (-cpu cortex-a76).

test('LDP/STP/LDPSW/LDNP: offsets, pre/post-index writeback, sign extension', () => {
  const m = flatMachine();
  const d = new DataView(m.ram.buffer);
  d.setBigUint64(0x7ff0, 0x1111_2222_3333_4444n, true);
  d.setBigUint64(0x7ff8, 0x8888_9999_aaaa_bbbbn, true);
  d.setBigUint64(0x9000, 0xan, true);
  d.setBigUint64(0x9008, 0xbn, true);
  m.load([
    0xa9ff0c22, // ldp x2, x3, [x1, #-16]!
    0x29010c22, // stp w2, w3, [x1, #8]
    0x69411424, // ldpsw x4, x5, [x1, #8]
    0xa8c11821, // ldp x1, x6, [x1], #16   (Rt == Rn: writeback wins)
    0xa84023e7, // ldnp x7, x8, [sp]
    0xa94027e9, // ldp x9, x9, [sp]        (Rt == Rt2: QEMU 7.2 keeps the first)
    0xd4000001, // svc #0
  ]);
  m.cpu.state.setX(1, 0x8000n);
  m.cpu.state.setX(31, 0x9000n);
  assert.equal(m.run().kind, 'svc');
  const x = (n: number): bigint => m.cpu.state.getX(n);
  assert.equal(x(2), 0x1111_2222_3333_4444n);
  assert.equal(x(3), 0x8888_9999_aaaa_bbbbn);
  assert.equal(d.getUint32(0x7ff8, true), 0x3333_4444);
  assert.equal(d.getUint32(0x7ffc, true), 0xaaaa_bbbb);
  assert.equal(x(4), 0x3333_4444n);
  assert.equal(x(5), 0xffff_ffff_aaaa_bbbbn);
  assert.equal(x(1), 0x8000n);
  assert.equal(x(6), 0xaaaa_bbbb_3333_4444n);
  assert.equal(x(7), 0xan);
  assert.equal(x(8), 0xbn);
  assert.equal(x(9), 0xan);
});

test('an STP whose second half is unmapped faults there after storing the first half, as QEMU does', () => {
  const m = flatMachine(0x10_0000);
  const d = new DataView(m.ram.buffer);
  m.load([0xa9000c22, 0xd4000001]); // stp x2, x3, [x1]
  m.cpu.state.setX(1, 0xf_fff8n);
  m.cpu.state.setX(2, 0x1234n);
  const exit = m.run();
  assert.equal(exit.kind === 'exception' && ecOf(exit.esr), EC.DABT_LOWER);
  assert.equal(exit.kind === 'exception' && exit.far, 0x10_0000);
  assert.equal(d.getBigUint64(0xf_fff8, true), 0x1234n);
  assert.equal(m.cpu.state.getX(1), 0xf_fff8n);
});

test('STGP and LDNP of signed words are UNDEFINED', () => {
  for (const w of [0x69000c22 /* stgp */, 0x68400c22 /* ldnp, opc=01 */]) {
    const m = flatMachine();
    m.load([w]);
    const exit = m.run();
    assert.equal(exit.kind === 'exception' && ecOf(exit.esr), EC.UNKNOWN, w.toString(16));
  }
});
