import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cpu } from './cpu.js';
import { CodeCache } from './code_cache.js';
import { GenericTimer } from './generic_timer.js';
import { InnerShareable } from './mmu/inner_shareable.js';
import type { PhysicalBus } from './mmu/translator.js';
import { SLOT_SCTLR, SLOT_TCR, SLOT_TTBR0, SLOT_TTBR1 } from './exception.js';

// The software TLB keeps what the architecture lets a TLB keep, and drops what TLB maintenance
// names. Each test caches translations, rewrites the tables behind the CPU's back (no TLBI), and
// then shows which loads still see the old mapping. Seeing a stale mapping where no TLBI named it
// is allowed by the architecture and is what makes the TLB worth having.

const RAM_BYTES = 8 << 20;
/** Two sets of tables: A (ASID 1) and B (ASID 2), each L1 -> L2 -> L3 for a 39-bit VA (T0SZ = 25). */
const L1_A = 0x10000;
const L2_A = 0x11000;
const L3_A = 0x12000;
const L1_B = 0x13000;
const L2_B = 0x14000;
const L3_B = 0x15000;
/** Pages VA_PAGE + k * 4 KiB through L2 index 1 and L3 index k. */
const VA_PAGE = 0x20_0000;
/** A 2 MiB block at L2 index 2. */
const VA_BLOCK = 0x40_0000;
/** Data pages, each holding its own marker word. */
const DATA = [0x40000, 0x41000, 0x42000, 0x43000, 0x44000, 0x45000, 0x46000];
/** TCR: T0SZ = T1SZ = 25, TG1 = 4 KiB, IPS = 40 bits, AS = 16-bit ASIDs, A1 = 0 (ASID in TTBR0). */
const TCR = 25n | (25n << 16n) | (2n << 30n) | (2n << 32n) | (1n << 36n);

const table = (pa: number): bigint => BigInt(pa) | 3n;
/** A page at EL1 read/write with the access flag; nG unless `global`. */
const page = (pa: number, global = false): bigint => BigInt(pa) | 0x403n | (global ? 0n : 0x800n);
const block = (pa: number): bigint => BigInt(pa) | 0x401n;

function machine(cpus = 1) {
  const ram = new ArrayBuffer(RAM_BYTES);
  const dv = new DataView(ram);
  const bus: PhysicalBus = { ram, ramBase: 0, mmioRead: () => null, mmioWrite: () => false };
  const code = new CodeCache(RAM_BYTES);
  const shareable = new InnerShareable();
  const list: Cpu[] = [];
  for (let i = 0; i < cpus; i++) {
    const timer = new GenericTimer({ nowNs: () => 0, irq: { phys: () => undefined, virt: () => undefined } });
    list.push(new Cpu({ bus, code, cpuIndex: i, system: { mpidr: i, timer, shareable } }));
  }
  DATA.forEach((pa, k) => dv.setUint32(pa, 0xa0 + k, true));
  for (const [l1, l2, l3] of [[L1_A, L2_A, L3_A], [L1_B, L2_B, L3_B]] as const) {
    dv.setBigUint64(l1, table(l2), true);
    dv.setBigUint64(l2 + 8, table(l3), true);
  }
  const put = (l3: number, k: number, desc: bigint): void => dv.setBigUint64(l3 + k * 8, desc, true);
  const putBlock = (pa: number): void => dv.setBigUint64(L2_A + 16, block(pa), true);
  /** Turns the MMU on for `cpu` with TTBR0 = `l1` and `asid`. */
  const mmuOn = (cpu: Cpu, l1: number, asid: number): void => {
    cpu.state.sys[SLOT_TCR] = TCR;
    cpu.state.sys[SLOT_SCTLR]! |= 1n;
    cpu.tlbFlushAll();
    setTtbr0(cpu, l1, asid);
  };
  /** What MSR TTBR0_EL1 does: the new base and ASID, with no TLB maintenance. */
  const setTtbr0 = (cpu: Cpu, l1: number, asid: number): void => {
    cpu.state.sys[SLOT_TTBR0] = BigInt(l1) | (BigInt(asid) << 48n);
    cpu.syncAsid();
  };
  return { cpus: list, dv, ram: new Uint8Array(ram), put, putBlock, mmuOn, setTtbr0 };
}

/** The marker of the data page a load of `va` reaches (0xa0 + its index in DATA). */
const load = (cpu: Cpu, va: number): number => cpu.read32(va);
/** TLBI operands: VA[55:12] in bits 43..0, the ASID in bits 63..48, as the two 32-bit halves. */
const byVa = (va: number, asid = 0): [number, number] => [va / 4096, asid << 16];

test('TLBI by VA drops only the page it names; other pages keep their entries', () => {
  const m = machine();
  const [cpu] = m.cpus as [Cpu];
  m.put(L3_A, 0, page(DATA[0]!));
  m.put(L3_A, 1, page(DATA[1]!));
  m.mmuOn(cpu, L1_A, 1);
  assert.equal(load(cpu, VA_PAGE), 0xa0);
  assert.equal(load(cpu, VA_PAGE + 0x1000), 0xa1);
  m.put(L3_A, 0, page(DATA[2]!));
  m.put(L3_A, 1, page(DATA[3]!));
  cpu.tlbInvalidate('va', ...byVa(VA_PAGE, 1), false);
  assert.equal(load(cpu, VA_PAGE), 0xa2, 'the named page is walked again');
  assert.equal(load(cpu, VA_PAGE + 0x1000), 0xa1, 'the other page still hits its entry');
  cpu.tlbInvalidate('all', 0, 0, false);
  assert.equal(load(cpu, VA_PAGE + 0x1000), 0xa3);
});

test('non-global entries are tagged with their ASID: a switch hides them, switching back finds them', () => {
  const m = machine();
  const [cpu] = m.cpus as [Cpu];
  m.put(L3_A, 0, page(DATA[0]!));
  m.put(L3_A, 1, page(DATA[4]!));
  m.put(L3_B, 0, page(DATA[1]!));
  m.put(L3_A, 5, page(DATA[5]!, true));
  m.put(L3_B, 5, page(DATA[6]!, true));
  m.mmuOn(cpu, L1_A, 1);
  assert.equal(load(cpu, VA_PAGE), 0xa0);
  assert.equal(load(cpu, VA_PAGE + 0x1000), 0xa4);
  assert.equal(load(cpu, VA_PAGE + 0x5000), 0xa5);
  m.setTtbr0(cpu, L1_B, 2);
  assert.equal(load(cpu, VA_PAGE), 0xa1, 'ASID 2 does not see ASID 1\'s entry for the same page');
  assert.equal(load(cpu, VA_PAGE + 0x5000), 0xa5, 'a global entry is shared by every ASID');
  // Rewrite the tables without TLBI: each ASID keeps what it cached.
  m.put(L3_A, 1, page(DATA[2]!));
  m.put(L3_A, 5, page(DATA[6]!, true));
  m.put(L3_B, 0, page(DATA[3]!));
  m.setTtbr0(cpu, L1_A, 1);
  assert.equal(load(cpu, VA_PAGE + 0x1000), 0xa4, 'ASID 1\'s entry survived the switches');
  cpu.tlbInvalidate('asid', 0, 1 << 16, false);
  assert.equal(load(cpu, VA_PAGE + 0x1000), 0xa2, 'TLBI ASIDE1 dropped ASID 1\'s entries');
  assert.equal(load(cpu, VA_PAGE + 0x5000), 0xa5, 'and kept the global one');
  m.setTtbr0(cpu, L1_B, 2);
  assert.equal(load(cpu, VA_PAGE), 0xa1, 'ASID 2\'s entry is untouched by TLBI ASIDE1 of ASID 1');
});

test('with TCR_EL1.A1 the ASID comes from TTBR1_EL1, as Linux sets it, and TCR_EL1.AS = 0 keeps 8 bits of it', () => {
  const m = machine();
  const [cpu] = m.cpus as [Cpu];
  m.put(L3_A, 0, page(DATA[0]!));
  m.put(L3_A, 1, page(DATA[4]!));
  m.put(L3_B, 0, page(DATA[1]!));
  m.mmuOn(cpu, L1_A, 0);
  /** What Linux's cpu_do_switch_mm writes: the ASID into TTBR1, the tables into TTBR0. */
  const switchMm = (l1: number, asid: number): void => {
    cpu.state.sys[SLOT_TTBR1] = BigInt(asid) << 48n;
    cpu.syncAsid();
    cpu.state.sys[SLOT_TTBR0] = BigInt(l1);
    cpu.syncAsid();
  };
  cpu.state.sys[SLOT_TCR] = (TCR | (1n << 22n)) & ~(1n << 36n);
  cpu.tlbFlushAll();
  switchMm(L1_A, 7);
  assert.equal(load(cpu, VA_PAGE), 0xa0);
  assert.equal(load(cpu, VA_PAGE + 0x1000), 0xa4);
  switchMm(L1_B, 8);
  assert.equal(load(cpu, VA_PAGE), 0xa1, 'the new ASID does not hit the old entry');
  m.put(L3_A, 1, page(DATA[2]!));
  switchMm(L1_A, 0x107);
  assert.equal(load(cpu, VA_PAGE + 0x1000), 0xa4, 'ASID 0x107 is ASID 7 with 8-bit ASIDs, and its entry survived');
});

test('more ASIDs than tag slots: the TLB starts again and every ASID still sees its own tables', () => {
  const m = machine();
  const [cpu] = m.cpus as [Cpu];
  m.put(L3_A, 0, page(DATA[0]!));
  m.mmuOn(cpu, L1_A, 0);
  for (let asid = 0; asid < 5000; asid++) {
    m.setTtbr0(cpu, L1_A, asid);
    m.put(L3_A, 0, page(DATA[asid % 2]!));
    cpu.tlbInvalidate('asid', 0, asid << 16, false);
    assert.equal(load(cpu, VA_PAGE), 0xa0 + (asid % 2), `ASID ${asid}`);
  }
});

test('an entry from a 2 MiB block stands for the block: a TLBI of any page in it drops every page of it', () => {
  const m = machine();
  const [cpu] = m.cpus as [Cpu];
  m.putBlock(0x20_0000);
  m.dv.setUint32(0x20_1000, 0xb1, true);
  m.dv.setUint32(0x20_5000, 0xb5, true);
  m.dv.setUint32(0x60_5000, 0xc5, true);
  m.mmuOn(cpu, L1_A, 1);
  assert.equal(load(cpu, VA_BLOCK + 0x1000), 0xb1);
  assert.equal(load(cpu, VA_BLOCK + 0x5000), 0xb5);
  m.putBlock(0x60_0000);
  cpu.tlbInvalidate('va', ...byVa(VA_BLOCK + 0x1000), false);
  assert.equal(load(cpu, VA_BLOCK + 0x5000), 0xc5, 'the page not named was dropped with its block');
});

test('TLBI ...IS reaches the other vCPU of the machine; the local form does not', () => {
  const m = machine(2);
  const [cpu0, cpu1] = m.cpus as [Cpu, Cpu];
  m.put(L3_A, 0, page(DATA[0]!));
  m.mmuOn(cpu1, L1_A, 1);
  assert.equal(load(cpu1, VA_PAGE), 0xa0);
  m.put(L3_A, 0, page(DATA[1]!));
  // vCPU 0 runs with its MMU off at PA 0x1000: tlbi vae1, x1; tlbi vae1is, x1; hvc #0.
  const code = [0xd5088721, 0xd4000002, 0xd5088321, 0xd4000002];
  code.forEach((w, i) => m.dv.setUint32(0x1000 + 4 * i, w, true));
  cpu0.state.pc = 0x1000;
  cpu0.state.setX(1, BigInt(VA_PAGE / 4096) | (1n << 48n));
  assert.equal(cpu0.run(10).kind, 'hvc');
  assert.equal(load(cpu1, VA_PAGE), 0xa0, 'TLBI VAE1 is local to vCPU 0');
  assert.equal(cpu0.run(10).kind, 'hvc');
  assert.equal(load(cpu1, VA_PAGE), 0xa1, 'TLBI VAE1IS dropped vCPU 1\'s entry');
});

test('instruction fetch follows TLB maintenance: after remapping a code page and TLBI, the new code runs', () => {
  const m = machine();
  const [cpu] = m.cpus as [Cpu];
  // Two code pages: each "mov x0, #n; hvc #0".
  m.dv.setUint32(DATA[0]!, 0xd2800020, true); // mov x0, #1
  m.dv.setUint32(DATA[0]! + 4, 0xd4000002, true);
  m.dv.setUint32(DATA[1]!, 0xd2800040, true); // mov x0, #2
  m.dv.setUint32(DATA[1]! + 4, 0xd4000002, true);
  m.put(L3_A, 0, page(DATA[0]!, true));
  m.mmuOn(cpu, L1_A, 1);
  cpu.state.pc = VA_PAGE;
  assert.equal(cpu.run(10).kind, 'hvc');
  assert.equal(cpu.state.getX(0), 1n);
  m.put(L3_A, 0, page(DATA[1]!, true));
  cpu.tlbInvalidate('va', ...byVa(VA_PAGE), false);
  cpu.state.pc = VA_PAGE;
  assert.equal(cpu.run(10).kind, 'hvc');
  assert.equal(cpu.state.getX(0), 2n, 'the jump cache did not keep the old page\'s block');
});
