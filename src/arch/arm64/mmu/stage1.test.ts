import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkStage1Access, isStage1Fault, stage1Fsc, walkStage1, type Stage1Regs } from './stage1.js';
import { Access } from './translator.js';

/** A physical memory of 1 MiB holding page tables built by the test. */
function tables() {
  const mem = new DataView(new ArrayBuffer(1 << 20));
  const read = (pa: number, out: Uint32Array): boolean => {
    if (pa + 8 > mem.byteLength) return false;
    out[0] = mem.getUint32(pa, true);
    out[1] = mem.getUint32(pa + 4, true);
    return true;
  };
  const put = (table: number, index: number, desc: bigint): void => mem.setBigUint64(table + index * 8, desc, true);
  return { read, put };
}

const AF = 1n << 10n;
const TABLE = 3n;
const PAGE = 3n;
const BLOCK = 1n;
// TCR: T0SZ = T1SZ = 16, TG0 = 4K (0), TG1 = 4K (0b10), IPS = 40 bits, A1 = 0, AS = 1.
const TCR = 16n | (16n << 16n) | (2n << 30n) | (2n << 32n) | (1n << 36n);

interface Regs64 {
  readonly tcr: bigint;
  readonly ttbr0: bigint;
  readonly ttbr1: bigint;
  readonly sctlr: bigint;
}

const lo = (v: bigint): number => Number(BigInt.asUintN(32, v));
const hi = (v: bigint): number => Number(BigInt.asUintN(32, v >> 32n));

function regs(over: Partial<Regs64> = {}): Stage1Regs {
  const r = { tcr: TCR, ttbr0: 0x1000n | (5n << 48n), ttbr1: 0x8000n, sctlr: 1n, ...over };
  return {
    tcrLo: lo(r.tcr), tcrHi: hi(r.tcr), ttbr0Lo: lo(r.ttbr0), ttbr0Hi: hi(r.ttbr0),
    ttbr1Lo: lo(r.ttbr1), ttbr1Hi: hi(r.ttbr1), sctlrLo: lo(r.sctlr),
  };
}

test('walkStage1() resolves a 4-level page walk through TTBR0 with the ASID', () => {
  const t = tables();
  t.put(0x1000, 0, 0x2000n | TABLE);
  t.put(0x2000, 1, 0x3000n | TABLE);
  t.put(0x3000, 2, 0x4000n | TABLE);
  t.put(0x4000, 3, 0x7_6543_0000n | PAGE | AF | (1n << 6n) | (1n << 11n)); // EL0 RW, nG
  const va = 2 ** 30 + 2 * 2 ** 21 + 3 * 4096 + 0x123;
  const m = walkStage1(va, regs(), t.read);
  assert.ok(!isStage1Fault(m));
  assert.equal(m.pa, 0x7_6543_0123);
  assert.equal(m.sizeLog2, 12);
  assert.equal(m.el0Write, true);
  assert.equal(m.el1Exec, false, 'EL0-writable memory is never executable at EL1');
  assert.equal(m.nG, true);
  assert.equal(m.asid, 5);
});

test('walkStage1() resolves a 2 MiB block through TTBR1 for a kernel address', () => {
  const t = tables();
  const va = -(2 ** 47) + 2 ** 21 * 5 + 0x4567; // 0xffff_8000_00a0_4567
  t.put(0x8000, 256, 0x9000n | TABLE);
  t.put(0x9000, 0, 0xa000n | TABLE);
  t.put(0xa000, 5, 0x4020_0000n | BLOCK | AF | (2n << 6n) | (1n << 54n)); // EL1 RO, UXN
  const m = walkStage1(va, regs(), t.read);
  assert.ok(!isStage1Fault(m));
  assert.equal(m.pa, 0x4020_4567);
  assert.equal(m.sizeLog2, 21);
  assert.equal(m.el0Read, false);
  assert.equal(m.el1Write, false);
  assert.equal(m.el1Exec, true);
  assert.deepEqual(checkStage1Access(m, Access.WRITE, 1), { fault: 'permission', level: 2 });
  assert.equal(checkStage1Access(m, Access.READ, 1), null);
  assert.deepEqual(checkStage1Access(m, Access.READ, 0), { fault: 'permission', level: 2 });
});

test('walkStage1() reports translation faults with their level, and access-flag faults', () => {
  const t = tables();
  t.put(0x1000, 0, 0x2000n | TABLE);
  const f1 = walkStage1(0x1000, regs(), t.read);
  assert.deepEqual(f1, { fault: 'translation', level: 1 });
  assert.equal(stage1Fsc(f1 as { fault: 'translation'; level: number }), 0x05);
  t.put(0x2000, 0, 0x3000n | TABLE);
  t.put(0x3000, 0, 0x4000n | TABLE);
  t.put(0x4000, 1, 0x5000n | PAGE); // AF clear
  assert.deepEqual(walkStage1(0x1000, regs(), t.read), { fault: 'accessFlag', level: 3 });
  // Beyond the 48-bit input range, and with EPD0 set.
  assert.deepEqual(walkStage1(2 ** 48, regs(), t.read), { fault: 'translation', level: 0 });
  assert.deepEqual(walkStage1(0x1000, regs({ tcr: TCR | (1n << 7n) }), t.read), { fault: 'translation', level: 0 });
});

test('walkStage1() applies APTable and XNTable from table descriptors, and SCTLR.WXN', () => {
  const t = tables();
  t.put(0x1000, 0, 0x2000n | TABLE | (1n << 61n) | (1n << 60n)); // APTable[0]: no EL0; UXNTable
  t.put(0x2000, 0, 0x3000n | TABLE);
  t.put(0x3000, 0, 0x4000n | TABLE);
  t.put(0x4000, 0, 0x6000n | PAGE | AF | (1n << 6n));
  const m = walkStage1(0x10, regs(), t.read);
  assert.ok(!isStage1Fault(m));
  assert.equal(m.el0Read, false);
  assert.equal(m.el0Exec, false);
  assert.equal(m.el1Exec, true, 'not EL0-writable once APTable removes EL0 access');
  const w = walkStage1(0x10, regs({ sctlr: 1n | (1n << 19n) }), t.read);
  assert.ok(!isStage1Fault(w));
  assert.equal(w.el1Exec, false, 'WXN: writable means execute-never');
});

test('walkStage1() reports a descriptor read outside memory as a walk external abort', () => {
  const t = tables();
  assert.deepEqual(walkStage1(0x10, regs({ ttbr0: 0x10_0000_0000n }), t.read), { fault: 'walkExternal', level: 0 });
});
