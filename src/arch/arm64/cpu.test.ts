import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flatMachine } from '../../../tests/harness/flat_machine.js';
import { EC, ecOf } from './exit.js';

test('run() executes a counted loop and stops at SVC with its immediate', () => {
  const m = flatMachine();
  m.load([
    0xd2800140, // movz x0, #10
    0xd2800001, // movz x1, #0
    0x91000421, // add x1, x1, #1
    0xf1000400, // subs x0, x0, #1
    0x54ffffc1, // b.ne -8
    0xd4000021, // svc #1
  ]);
  const exit = m.run();
  assert.deepEqual(exit.kind, 'svc');
  assert.equal(exit.kind === 'svc' && exit.imm, 1);
  assert.equal(m.cpu.state.getX(1), 10n);
  assert.equal(m.cpu.state.getX(0), 0n);
  assert.equal(m.cpu.state.pc, 0x1000 + 6 * 4);
  assert.equal(m.cpu.icount, 2 + 3 * 10 + 1);
});

test('run() reports an undefined encoding as EC 0 with PC on it', () => {
  const m = flatMachine();
  m.load([0xd2800140, 0x00000000]);
  const exit = m.run();
  assert.equal(exit.kind, 'exception');
  assert.equal(exit.kind === 'exception' && ecOf(exit.esr), EC.UNKNOWN);
  assert.equal(m.cpu.state.pc, 0x1004);
  assert.equal(m.cpu.state.getX(0), 10n);
});

test('a store into the running block takes effect on the next instruction (self-modifying code)', () => {
  const m = flatMachine();
  const patched = 0xd28000e0; // movz x0, #7
  m.load([
    0xd2820201, // movz x1, #0x1010
    0x52800002 | ((patched & 0xffff) << 5), // movz w2, #lo16
    0x72a00002 | (((patched >>> 16) & 0xffff) << 5), // movk w2, #hi16, lsl #16
    0xb9000022, // str w2, [x1]   (overwrites the next word)
    0xd2800020, // movz x0, #1    (replaced by movz x0, #7 before it runs)
    0xd4000001, // svc #0
  ]);
  m.run();
  assert.equal(m.cpu.state.getX(0), 7n);
});

test('a store into a page holding translated code invalidates that code', () => {
  const m = flatMachine();
  m.load([0xd2800020, 0xd4000001], 0x2000); // movz x0, #1; svc #0
  m.run();
  assert.equal(m.cpu.state.getX(0), 1n);
  // Written behind the CPU's back (no flushCode): a program that patches the block at 0x2000.
  const dv = new DataView(m.ram.buffer);
  [
    0xd2840001, // movz x1, #0x2000
    0xb9000024, // str w4, [x1]
    0xd4000001, // svc #0
  ].forEach((w, i) => dv.setUint32(0x3000 + 4 * i, w, true));
  m.cpu.state.setX(4, 0xd28000e0n); // encoding of "movz x0, #7"
  m.cpu.state.pc = 0x3000;
  m.run();
  m.cpu.state.pc = 0x2000;
  m.run();
  assert.equal(m.cpu.state.getX(0), 7n);
});
