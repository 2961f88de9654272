import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cpu } from './cpu.js';
import { EC, ecOf, FSC, type VcpuExit } from './exit.js';
import { Access, type AddressTranslator, type PhysicalBus } from './mmu/translator.js';

/** A CPU over 64 KiB of RAM whose page mappings the test controls, plus one device page. */
function rig() {
  const ram = new ArrayBuffer(64 * 1024);
  const mmio: string[] = [];
  const bus: PhysicalBus = {
    ram,
    ramBase: 0x10_0000,
    mmioRead: (pa, size) => (pa >= 0x9000 && pa < 0xa000 ? (mmio.push(`r${size}@${pa.toString(16)}`), 0xabn) : null),
    mmioWrite: (pa, size, v) => (pa >= 0x9000 && pa < 0xa000 ? (mmio.push(`w${size}@${pa.toString(16)}=${v}`), true) : false),
  };
  const pages = new Map<number, { pa: number; writable: boolean }>();
  let walks = 0;
  const translator: AddressTranslator = {
    translate: (va, access) => {
      walks++;
      const e = pages.get(Math.floor(va / 4096));
      if (e === undefined) return { fsc: FSC.TRANSLATION_L0 + 3 };
      if (access === Access.WRITE && !e.writable) return { fsc: FSC.PERMISSION_L0 + 3 };
      return e.pa + (va & 0xfff);
    },
  };
  const cpu = new Cpu({ bus, translator });
  const map = (vpage: number, pa: number, writable = true) => pages.set(vpage, { pa, writable });
  return { cpu, map, pages, mmio, ram: new Uint8Array(ram), walks: () => walks };
}

/** Runs one instruction at VA 0x1000 (mapped to RAM offset 0) with X1 = `x1`, X2 = `x2`; returns its exit. */
function runOne(r: ReturnType<typeof rig>, word: number, x1: number, x2 = 0n): VcpuExit {
  r.map(0x1, 0x10_0000);
  new DataView(r.ram.buffer).setUint32(0, word, true);
  new DataView(r.ram.buffer).setUint32(4, 0xd4000001, true); // svc #0
  r.cpu.flushCode();
  r.cpu.state.pc = 0x1000;
  r.cpu.state.setX(1, BigInt.asUintN(64, BigInt(x1)));
  r.cpu.state.setX(2, x2);
  return r.cpu.run(10);
}

const STR_X2_X1 = 0xf9000022;
const LDRB_W0_X1 = 0x39400020;
const LDR_W0_X1 = 0xb9400020;

test('loads and stores hit RAM through the TLB, and a flushed page is walked again', () => {
  const { cpu, map, ram, walks } = rig();
  map(0x4, 0x10_0000 + 0x2000);
  cpu.write32(0x4010, 0xdeadbeef);
  assert.equal(ram[0x2010], 0xef);
  assert.equal(cpu.read32(0x4010), 0xdeadbeef);
  const x = new Uint32Array(2);
  cpu.write64(0x4020, Uint32Array.of(0x11223344, 0x55667788), 0);
  cpu.read64(0x4020, x, 0);
  assert.deepEqual([...x], [0x11223344, 0x55667788]);
  const before = walks();
  cpu.read8(0x4fff);
  assert.equal(walks(), before, 'a hit needs no walk');
  cpu.tlbFlushVa(0x4000);
  cpu.read8(0x4fff);
  assert.equal(walks(), before + 1);
});

test('unaligned and page-crossing accesses assemble bytes from both pages', () => {
  const { cpu, map, ram } = rig();
  map(0x4, 0x10_0000 + 0x1000);
  map(0x5, 0x10_0000 + 0x3000); // not physically contiguous
  cpu.write32(0x4ffe, 0xa1b2c3d4);
  assert.deepEqual([ram[0x1ffe], ram[0x1fff], ram[0x3000], ram[0x3001]], [0xd4, 0xc3, 0xb2, 0xa1]);
  assert.equal(cpu.read32(0x4ffe), 0xa1b2c3d4);
  assert.equal(cpu.read16(0x4fff), 0xb2c3);
  const x = new Uint32Array(2);
  cpu.write64(0x4ffb, Uint32Array.of(0x03020100, 0x07060504), 0);
  cpu.read64(0x4ffb, x, 0);
  assert.deepEqual([...x], [0x03020100, 0x07060504]);
});

test('a word-aligned 8-byte access in the last 4 bytes of a page reaches the next virtual page', () => {
  const { cpu, map, ram } = rig();
  map(0x4, 0x10_0000 + 0x1000);
  map(0x5, 0x10_0000 + 0x5000); // the next virtual page is elsewhere in RAM
  cpu.read8(0x4000); // fill the TLB for the first page
  cpu.write8(0x4000, 0);
  cpu.write64(0x4ffc, Uint32Array.of(0x11111111, 0x22222222), 0);
  assert.deepEqual([ram[0x1ffc], ram[0x5000], ram[0x2000]], [0x11, 0x22, 0]);
  const x = new Uint32Array(2);
  cpu.read64(0x4ffc, x, 0);
  assert.deepEqual([...x], [0x11111111, 0x22222222]);
});

test('a page-crossing store that faults on its second page writes nothing', () => {
  const r = rig();
  const { map, ram } = r;
  map(0x4, 0x10_0000 + 0x1000);
  map(0x5, 0x10_0000 + 0x3000, false);
  const exit = runOne(r, STR_X2_X1, 0x4ffc, 0xffff_ffff_ffff_ffffn);
  assert.equal(r.cpu.state.pc, 0x1000, 'PC stays on the faulting store');
  assert.equal(exit.kind, 'exception');
  assert.equal(exit.kind === 'exception' && ecOf(exit.esr), EC.DABT_LOWER);
  assert.equal(exit.kind === 'exception' && (exit.esr & 0x7f), (1 << 6) | (FSC.PERMISSION_L0 + 3), 'WnR and the permission FSC');
  assert.deepEqual([...ram.subarray(0x1ffc, 0x2000)], [0, 0, 0, 0]);
});

test('accesses that translate outside RAM go to the device bus, or abort as external', () => {
  const r = rig();
  const { cpu, map, mmio } = r;
  map(0x8, 0x9000);
  assert.equal(cpu.read32(0x8004), 0xab);
  cpu.write16(0x8008, 0x1234);
  assert.deepEqual(mmio, ['r4@9004', 'w2@9008=4660']);
  map(0x9, 0x20_0000);
  const exit = runOne(r, LDRB_W0_X1, 0x9000);
  assert.equal(exit.kind === 'exception' && (exit.esr & 0x3f), FSC.SYNC_EXTERNAL);
  assert.equal(exit.kind === 'exception' && exit.far, 0x9000);
});

test('an unmapped address reports a translation fault with the faulting address in FAR', () => {
  const exit = runOne(rig(), LDR_W0_X1, -0x1000);
  assert.equal(exit.kind === 'exception' && ecOf(exit.esr), EC.DABT_LOWER);
  assert.equal(exit.kind === 'exception' && exit.far, -0x1000);
});
