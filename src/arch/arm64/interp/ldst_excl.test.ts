import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flatMachine } from '../../../../tests/harness/flat_machine.js';
import { EC, FSC, ecOf } from '../exit.js';

// Monitor behaviour follows QEMU user mode and was checked against qemu-aarch64-static 7.2 (-cpu cortex-a76).

test('LDAXR/STLXR succeed once; a second STXR fails; a changed value makes STXRB fail', () => {
  const m = flatMachine();
  const d = new DataView(m.ram.buffer);
  d.setBigUint64(0x8000, 0x1111n, true);
  m.load([
    0xc85ffc22, // ldaxr x2, [x1]
    0xc803fc24, // stlxr w3, x4, [x1]   -> 0, stores x4
    0xc8057c24, // stxr w5, x4, [x1]    -> 1, monitor cleared
    0x085f7c22, // ldxrb w2, [x1]
    0x39000026, // strb w6, [x1]        (changes the byte)
    0x08057c27, // stxrb w5, w7, [x1]   -> 1, no store
    0xd4000001, // svc #0
  ]);
  m.cpu.state.setX(1, 0x8000n);
  m.cpu.state.setX(4, 0xaaaa_bbbb_cccc_dd00n);
  m.cpu.state.setX(6, 0x42n);
  m.cpu.state.setX(7, 0x99n);
  assert.equal(m.run().kind, 'svc');
  const x = (n: number): bigint => m.cpu.state.getX(n);
  assert.equal(x(3), 0n);
  assert.equal(x(2), 0n); // the byte LDXRB read: low byte of x4
  assert.equal(x(5), 1n);
  assert.equal(d.getBigUint64(0x8000, true), 0xaaaa_bbbb_cccc_dd42n);
  assert.equal(m.cpu.exclusiveAddr, -1);
});

test('LDXP/STXP of X registers, CLREX, LDAR and STLRH', () => {
  const m = flatMachine();
  const d = new DataView(m.ram.buffer);
  d.setBigUint64(0x8000, 0x10n, true);
  d.setBigUint64(0x8008, 0x20n, true);
  d.setUint32(0x9000, 0x7777, true);
  m.load([
    0xc87f1d06, // ldxp x6, x7, [x8]
    0xc8291907, // stxp w9, x7, x6, [x8]  -> 0, swaps the pair
    0x885f7d42, // ldxr w2, [x10]
    0xd5033f5f, // clrex
    0x88097d4c, // stxr w9, w12, [x10]   -> 1
    0x88dffd0b, // ldar w11, [x8]
    0x489ffd44, // stlrh w4, [x10]
    0xd4000001, // svc #0
  ]);
  m.cpu.state.setX(8, 0x8000n);
  m.cpu.state.setX(10, 0x9000n);
  m.cpu.state.setX(4, 0xffff_1234n);
  m.run();
  const x = (n: number): bigint => m.cpu.state.getX(n);
  assert.equal(x(6), 0x10n);
  assert.equal(x(7), 0x20n);
  assert.equal(d.getBigUint64(0x8000, true), 0x20n);
  assert.equal(d.getBigUint64(0x8008, true), 0x10n);
  assert.equal(x(9), 1n);
  assert.equal(x(11), 0x20n);
  assert.equal(d.getUint32(0x9000, true), 0x1234);
});

test('CAS/CASB/CASPAL compare at their size and return the old value in Rs', () => {
  const m = flatMachine();
  const d = new DataView(m.ram.buffer);
  d.setBigUint64(0x8000, 0x55n, true);
  d.setBigUint64(0x9000, 1n, true);
  d.setBigUint64(0x9008, 2n, true);
  m.load([
    0xc8a27c23, // cas x2, x3, [x1]        x2 = 0x55 = memory: store x3
    0x08a47c25, // casb w4, w5, [x1]       w4 low byte differs: no store
    0x4864fd06, // caspal x4, x5, x6, x7, [x8]
    0xd4000001, // svc #0
  ]);
  m.cpu.state.setX(1, 0x8000n);
  m.cpu.state.setX(2, 0x55n);
  m.cpu.state.setX(3, 0x1_0000_0066n);
  m.cpu.state.setX(4, 0x100n); // low byte 0x00 != 0x66
  m.cpu.state.setX(5, 0x77n);
  m.cpu.state.setX(8, 0x9000n);
  m.cpu.state.setX(6, 3n);
  m.cpu.state.setX(7, 4n);
  m.run();
  const x = (n: number): bigint => m.cpu.state.getX(n);
  assert.equal(x(2), 0x55n);
  assert.equal(d.getBigUint64(0x8000, true), 0x1_0000_0066n);
  // CASPAL: x4/x5 were overwritten by CASB (x4 = 0x66) so the pair compare fails; Rs pair gets memory.
  assert.equal(x(4), 1n);
  assert.equal(x(5), 2n);
  assert.equal(d.getBigUint64(0x9000, true), 1n);
});

test('exclusives need natural alignment (of the whole pair for LDXP); CASP with odd Rs is UNDEFINED', () => {
  const cases: [number, number][] = [
    [0xc85f7c22, 0x8004], // ldxr x2, [x1]
    [0xc87f0c22, 0x8008], // ldxp x2, x3, [x1]
    [0x88a27c23, 0x8002], // cas w2, w3, [x1]
  ];
  for (const [w, addr] of cases) {
    const m = flatMachine();
    m.load([w]);
    m.cpu.state.setX(1, BigInt(addr));
    const exit = m.run();
    assert.equal(exit.kind === 'exception' && ecOf(exit.esr), EC.DABT_LOWER, w.toString(16));
    assert.equal(exit.kind === 'exception' && exit.esr & 0x3f, FSC.ALIGNMENT, w.toString(16));
  }
  const m = flatMachine();
  m.load([0x48237c22]); // casp with rs = 3
  const exit = m.run();
  assert.equal(exit.kind === 'exception' && ecOf(exit.esr), EC.UNKNOWN);
});

test('an exit to the caller (SVC, WFE: an exception and its return) clears the monitor; WFI does not, as in QEMU', () => {
  for (const [between, kind, status] of [[0xd4000001, 'svc', 1n], [0xd503205f, 'wfe', 1n], [0xd503207f, 'wfi', 0n]] as const) {
    const m = flatMachine();
    m.load([
      0xc85f7c22, // ldxr x2, [x1]
      between,
      0xc8037c24, // stxr w3, x4, [x1]
      0xd4200000, // brk #0
    ]);
    m.cpu.state.setX(1, 0x8000n);
    assert.equal(m.run().kind, kind);
    assert.equal(m.run().kind, 'brk');
    assert.equal(m.cpu.state.getX(3), status, kind);
  }
});
