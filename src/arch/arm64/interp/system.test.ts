import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flatMachine } from '../../../../tests/harness/flat_machine.js';
import { EC, ecOf } from '../exit.js';
import { resetSysregs } from '../sysreg/table.js';

// Values and EL0 permissions checked against qemu-aarch64-static 7.2 (-cpu cortex-a76), which plays
// Linux's EL1: SIGILL there is UNDEFINED here.

function undefinedAtEl0(word: number): boolean {
  const m = flatMachine();
  m.load([word, 0xd4000001]);
  const exit = m.run();
  return exit.kind === 'exception' && ecOf(exit.esr) === EC.UNKNOWN && m.cpu.state.pc === 0x1000;
}

test('MRS/MSR of EL0 registers: TPIDR_EL0 round trip, constants, NZCV, counter hook', () => {
  const m = flatMachine();
  resetSysregs(m.cpu.state.sys);
  m.load([
    0xd51bd041, // msr tpidr_el0, x1
    0xd53bd040, // mrs x0, tpidr_el0
    0xd53b00e3, // mrs x3, dczid_el0
    0xd53b0024, // mrs x4, ctr_el0
    0xd53be005, // mrs x5, cntfrq_el0
    0xd51b4208, // msr nzcv, x8
    0xd53b4207, // mrs x7, nzcv
    0xd4000001, // svc #0
  ]);
  m.cpu.state.setX(1, 0x1234_5678_9abc_def0n);
  m.cpu.state.setX(8, 0xffff_ffff_ffff_ffffn);
  assert.equal(m.run().kind, 'svc');
  const x = (n: number): bigint => m.cpu.state.getX(n);
  assert.equal(x(0), 0x1234_5678_9abc_def0n);
  assert.equal(x(3), 4n);
  assert.equal(x(4), 0x8444_c004n);
  assert.equal(x(5), 62_500_000n);
  assert.equal(x(7), 0xf000_0000n);
  assert.equal(m.cpu.state.nzcv >>> 0, 0xf000_0000);
});

test('CNTVCT_EL0 reads the counter hook', async () => {
  const { Cpu } = await import('../cpu.js');
  const ram = new ArrayBuffer(0x10000);
  const cpu = new Cpu({
    bus: { ram, ramBase: 0, mmioRead: () => null, mmioWrite: () => false },
    translator: { translate: (va) => va },
    counter: () => 0x1_2345_6789n,
  });
  new DataView(ram).setUint32(0x1000, 0xd53be046, true); // mrs x6, cntvct_el0
  new DataView(ram).setUint32(0x1004, 0xd4000001, true);
  cpu.state.pc = 0x1000;
  cpu.run(10);
  assert.equal(cpu.state.getX(6), 0x1_2345_6789n);
});

test('EL1-only and unimplemented system instructions are UNDEFINED at EL0', () => {
  const words: [string, number][] = [
    ['msr tpidrro_el0, x3', 0xd51bd063],
    ['mrs x9, midr_el1', 0xd5380009],
    ['msr midr_el1, x1', 0xd5180001],
    ['msr dczid_el0, x1', 0xd51b00e1],
    ['dc ivac, x12', 0xd508762c],
    ['tlbi vmalle1', 0xd508871f],
    ['msr daifset, #2', 0xd50342df],
    ['msr spsel, #1', 0xd50041bf],
    ['cfinv', 0xd500401f],
    ['sb', 0xd50330ff],
    ['dc cvap, x1', 0xd50b7c21],
    ['hvc #0', 0xd4000002],
    ['smc #0', 0xd4000003],
    ['sysl x0, #0, c1, c2, #0', 0xd5281040],
  ];
  for (const [name, w] of words) assert.ok(undefinedAtEl0(w), name);
});

test('hints, barriers and DC ZVA; WFI/WFE exit to the caller after the instruction', () => {
  const m = flatMachine();
  const d = new DataView(m.ram.buffer);
  for (let i = 0; i < 0x100; i += 4) d.setUint32(0x8000 + i, 0xffff_ffff, true);
  m.load([
    0xd503203f, // yield
    0xd503233f, // paciasp (NOP without FEAT_PAuth)
    0xd503245f, // bti c
    0xd5033b9f, // dsb ish
    0xd50339bf, // dmb ishld
    0xd5033fdf, // isb
    0xd50b742b, // dc zva, x11
    0xd50b7e2c, // dc civac, x12
    0xd50b752c, // ic ivau, x12
    0xd503207f, // wfi
    0xd503205f, // wfe
    0xd4000001, // svc #0
  ]);
  m.cpu.state.setX(11, 0x8047n); // zeroes 0x8040..0x807f
  m.cpu.state.setX(12, 0x8000n);
  let exit = m.run();
  assert.equal(exit.kind, 'wfi');
  assert.equal(exit.kind === 'wfi' && ecOf(exit.esr), EC.WFX);
  assert.equal(m.cpu.state.pc, 0x1000 + 10 * 4);
  exit = m.run();
  assert.equal(exit.kind, 'wfe');
  assert.equal(m.run().kind, 'svc');
  assert.equal(d.getUint32(0x803c, true), 0xffff_ffff);
  for (let i = 0x8040; i < 0x8080; i += 4) assert.equal(d.getUint32(i, true), 0, i.toString(16));
  assert.equal(d.getUint32(0x8080, true), 0xffff_ffff);
});

test('DC CIVAC and IC IVAU do not check the address (as in QEMU); DC ZVA faults like a store', () => {
  const m = flatMachine();
  m.load([0xd50b7e2c, 0xd50b752c, 0xd50b742c]); // dc civac, x12; ic ivau, x12; dc zva, x12
  m.cpu.state.setX(12, 0x4000_0010n);
  const exit = m.run();
  assert.equal(exit.kind === 'exception' && ecOf(exit.esr), EC.DABT_LOWER);
  assert.equal(exit.kind === 'exception' && (exit.esr >>> 6) & 1, 1); // WnR
  assert.equal(exit.kind === 'exception' && exit.far, 0x4000_0000);
  assert.equal(m.cpu.state.pc, 0x1008);
});
