import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flatMachine, type FlatMachine } from '../../../../tests/harness/flat_machine.js';
import { EC, FSC, ecOf } from '../exit.js';

// Expected values follow the Arm ARM and were checked against qemu-aarch64-static 7.2 (-cpu cortex-a76).

function mem(m: FlatMachine): DataView {
  return new DataView(m.ram.buffer);
}

function x(m: FlatMachine, n: number): bigint {
  return m.cpu.state.getX(n);
}

test('LDR/STR pre- and post-index write back the base; unscaled LDURSB sign-extends to 32 bits', () => {
  const m = flatMachine();
  const d = mem(m);
  d.setBigUint64(0x8008, 0x1122_3344_5566_7788n, true);
  d.setBigUint64(0x8010, 0xfedc_ba98_7654_3210n, true);
  d.setUint8(0x7ff7, 0x80);
  m.load([
    0xf8408c20, // ldr x0, [x1, #8]!
    0xf85f0422, // ldr x2, [x1], #-16
    0x38dff023, // ldursb w3, [x1, #-1]
    0xd4000001, // svc #0
  ]);
  m.cpu.state.setX(1, 0x8000n);
  m.cpu.state.setX(3, 0xffff_ffff_ffff_ffffn);
  assert.equal(m.run().kind, 'svc');
  assert.equal(x(m, 0), 0x1122_3344_5566_7788n);
  assert.equal(x(m, 2), 0x1122_3344_5566_7788n);
  assert.equal(x(m, 1), 0x7ff8n);
  assert.equal(x(m, 3), 0xffff_ff80n); // W register write clears the upper half
});

test('LDR/STR (register) extend and scale the index: SXTW with a negative index, UXTW ignores Xm[63:32], LSL #2', () => {
  const m = flatMachine();
  const d = mem(m);
  d.setUint16(0x8000 - 4, 0x8001, true);
  d.setUint32(0x8000 + 12, 0xdead_beef, true);
  m.load([
    0x78a5d824, // ldrsh x4, [x1, w5, sxtw #1]
    0xb8677826, // ldr w6, [x1, x7, lsl #2]
    0x382a4829, // strb w9, [x1, w10, uxtw]
    0xd4000001, // svc #0
  ]);
  m.cpu.state.setX(1, 0x8000n);
  m.cpu.state.setX(5, 0x1234_5678_ffff_fffen); // w5 = -2
  m.cpu.state.setX(7, 3n);
  m.cpu.state.setX(9, 0x1ffn);
  m.cpu.state.setX(10, 0xffff_ffff_0000_0020n); // uxtw: only 0x20 counts
  assert.equal(m.run().kind, 'svc');
  assert.equal(x(m, 4), 0xffff_ffff_ffff_8001n);
  assert.equal(x(m, 6), 0xdead_beefn);
  assert.equal(d.getUint8(0x8020), 0xff);
});

test('LDRSW (literal) reads PC-relative; STR with pre-index on SP; PRFM never faults', () => {
  const m = flatMachine();
  m.load([
    0x98000088, // ldrsw x8, #16 (the word at 0x1010)
    0xf81f0fe9, // str x9, [sp, #-16]!
    0xf9800000, // prfm pldl1keep, [x0]  (x0 far outside RAM)
    0xd4000001, // svc #0
    0x8000_0000,
  ]);
  m.cpu.state.setX(31, 0x9000n);
  m.cpu.state.setX(9, 0x0102_0304_0506_0708n);
  m.cpu.state.setX(0, 0x7fff_0000_0000n);
  assert.equal(m.run().kind, 'svc');
  assert.equal(x(m, 8), 0xffff_ffff_8000_0000n);
  assert.equal(x(m, 31), 0x8ff0n);
  assert.equal(mem(m).getBigUint64(0x8ff0, true), 0x0102_0304_0506_0708n);
});

test('LDR post-index with Rt == Rn: the writeback wins, as in QEMU', () => {
  const m = flatMachine();
  mem(m).setBigUint64(0x8000, 0x5555n, true);
  m.load([0xf840879c, 0xd4000001]); // ldr x28, [x28], #8; svc #0
  m.cpu.state.setX(28, 0x8000n);
  m.run();
  assert.equal(x(m, 28), 0x8008n);
});

test('a faulting load with writeback leaves every register unchanged', () => {
  const m = flatMachine();
  m.load([0xf8408c20, 0xd4000001]); // ldr x0, [x1, #8]!
  m.cpu.state.setX(1, 0x10_0000n); // end of the 1 MiB RAM: x1 + 8 is unmapped
  m.cpu.state.setX(0, 7n);
  const exit = m.run();
  assert.equal(exit.kind, 'exception');
  assert.equal(exit.kind === 'exception' && ecOf(exit.esr), EC.DABT_LOWER);
  assert.equal(exit.kind === 'exception' && exit.esr & 0x3f, FSC.TRANSLATION_L0);
  assert.equal(x(m, 1), 0x10_0000n);
  assert.equal(x(m, 0), 7n);
  assert.equal(m.cpu.state.pc, 0x1000);
});

test('unallocated single-register encodings are UNDEFINED (LDRSW to 32 bits, PRFM with writeback)', () => {
  for (const w of [0xb9c00020 /* size=10 opc=11 */, 0xf8808c20 /* prfm pre-index */]) {
    const m = flatMachine();
    m.load([w]);
    const exit = m.run();
    assert.equal(exit.kind === 'exception' && ecOf(exit.esr), EC.UNKNOWN, w.toString(16));
  }
});

test(
  'LDR/STR X at a word-aligned address in the last 4 bytes of a page reach the next virtual page, not the next RAM page',
  // Regression: f4e24d4's 4-aligned 8-byte fast path crossed into the next RAM page (broke glibc's string functions).
  async () => {
    const { Cpu } = await import('../cpu.js');
    const ram = new ArrayBuffer(0x40000);
    // VA page 0x10 -> RAM page 0x20, VA page 0x11 -> RAM page 0x30; code identity-mapped at 0x1000.
    const translate = (va: number): number | { fsc: number } => {
      const page = Math.floor(va / 4096);
      if (page === 0x10) return 0x20000 + (va & 0xfff);
      if (page === 0x11) return 0x30000 + (va & 0xfff);
      return page === 1 ? va : { fsc: FSC.TRANSLATION_L0 };
    };
    const cpu = new Cpu({ bus: { ram, ramBase: 0, mmioRead: () => null, mmioWrite: () => false }, translator: { translate } });
    const d = new DataView(ram);
    d.setUint32(0x20ffc, 0x1111_1111, true);
    d.setUint32(0x30000, 0x2222_2222, true);
    [
      0xb9400020, // ldr w0, [x1]      (fills the TLB for the first page)
      0xf9400020, // ldr x0, [x1]      (crosses into the second page)
      0xf9000022, // str x2, [x1]
      0xd4000001, // svc #0
    ].forEach((w, i) => d.setUint32(0x1000 + 4 * i, w, true));
    cpu.state.pc = 0x1000;
    cpu.state.setX(1, 0x10ffcn);
    cpu.state.setX(2, 0x4444_4444_3333_3333n);
    cpu.run(100);
    assert.equal(cpu.state.getX(0), 0x2222_2222_1111_1111n);
    assert.equal(d.getUint32(0x20ffc, true), 0x3333_3333);
    assert.equal(d.getUint32(0x30000, true), 0x4444_4444);
    assert.equal(d.getUint32(0x21000, true), 0);
  },
);
