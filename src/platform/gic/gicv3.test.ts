import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MmioBus } from '../bus.js';
import { VIRT } from '../virt/layout.js';
import { GicV3, ICC_SYSREGS } from './gicv3.js';
import { GICD, GICD_SIZE, GICR, GICR_SGI, GICR_STRIDE, SPURIOUS } from './gicv3_regs.js';

const D = VIRT.GIC_DIST.base;
const R = VIRT.GIC_REDIST.base;
const SGI = 0x1_0000;
const sgiFrame = (cpu: number) => R + cpu * GICR_STRIDE + SGI;
const rdFrame = (cpu: number) => R + cpu * GICR_STRIDE;

/** A GICv3 on a real bus, so 64-bit accesses are split into two 32-bit halves as on the board. */
function board(cpus = 2) {
  const lines = Array.from({ length: cpus }, () => ({ irq: false, fiq: false, irqCalls: 0 }));
  const gic = new GicV3({
    cpus,
    irqs: 288,
    cpuIrq: lines.map((l) => ({ set: (v: boolean) => { l.irq = v; l.irqCalls++; } })),
    cpuFiq: lines.map((l) => ({ set: (v: boolean) => { l.fiq = v; } })),
  });
  const bus = new MmioBus(new ArrayBuffer(4096), VIRT.RAM.base);
  bus.map(D, GICD_SIZE, gic.distributor);
  bus.map(R, gic.redistributors.sizeBytes, gic.redistributors);
  const r32 = (pa: number) => Number(bus.mmioRead(pa, 4, 0));
  const w32 = (pa: number, v: number) => { bus.mmioWrite(pa, 4, BigInt(v >>> 0), 0); };
  const r64 = (pa: number) => bus.mmioRead(pa, 8, 0)!;
  const w64 = (pa: number, v: bigint) => { bus.mmioWrite(pa, 8, v, 0); };
  const ci = Array.from({ length: cpus }, (_, c) => gic.cpuInterface(c));
  return { gic, bus, lines, ci, r32, w32, r64, w64 };
}

type Board = ReturnType<typeof board>;

/** What Linux 6.1's irq-gic-v3 driver does at boot (gic_dist_init, then gic_cpu_init on every CPU). */
function linuxBoot(b: Board): void {
  const { gic, r32, w32, w64, ci } = b;
  w32(D + GICD.CTLR, 0);
  assert.equal(r32(D + GICD.CTLR) >>> 31, 0, 'RWP clear');
  for (let i = 32; i < 288; i += 32) {
    w32(D + GICD.IGROUPR + i / 8, ~0);
    w32(D + GICD.ICACTIVER + i / 8, ~0);
    w32(D + GICD.ICENABLER + i / 8, ~0);
  }
  for (let i = 32; i < 288; i += 16) w32(D + GICD.ICFGR + i / 4, 0);
  for (let i = 32; i < 288; i += 4) w32(D + GICD.IPRIORITYR + i, 0xa0a0a0a0);
  w32(D + GICD.CTLR, (1 << 4) | 3); // ARE_NS | EnableGrp1A | EnableGrp1
  for (let i = 32; i < 288; i++) w64(D + GICD.IROUTER + 8 * i, 0n); // boot CPU's affinity
  for (let c = 0; c < gic.cpus; c++) {
    // gic_enable_redist: clear ProcessorSleep, then wait for ChildrenAsleep to clear.
    const waker = r32(rdFrame(c) + GICR.WAKER);
    assert.equal(waker & 6, 6, 'redistributor starts asleep');
    w32(rdFrame(c) + GICR.WAKER, waker & ~2);
    assert.equal(r32(rdFrame(c) + GICR.WAKER) & 4, 0, 'ChildrenAsleep follows ProcessorSleep');
    w32(sgiFrame(c) + GICR_SGI.IGROUPR0, ~0);
    w32(sgiFrame(c) + GICR_SGI.ICACTIVER0, ~0);
    w32(sgiFrame(c) + GICR_SGI.ICENABLER0, ~0);
    for (let i = 0; i < 32; i += 4) w32(sgiFrame(c) + GICR_SGI.IPRIORITYR + i, 0xa0a0a0a0);
    w32(sgiFrame(c) + GICR_SGI.ISENABLER0, 0xffff); // SGIs (IPIs) unmasked
    const cpu = ci[c]!;
    cpu.writeSRE(cpu.readSRE() | 1n);
    assert.equal(cpu.readSRE() & 1n, 1n);
    cpu.writePMR(0xf0n);
    cpu.writeBPR1(0n);
    cpu.writeCTLR(0n);
    cpu.writeAP0R0(0n);
    cpu.writeAP1R0(0n);
    cpu.writeIGRPEN1(1n);
  }
}

test('GICv3 finds each redistributor the way Linux does: PIDR2, 64-bit TYPER affinity, Last', () => {
  const { r32, r64 } = board(3);
  assert.equal((r32(D + GICD.PIDR2) >> 4) & 0xf, 3, 'GICD ArchRev = 3');
  const found: number[] = [];
  for (let c = 0; ; c++) {
    assert.equal((r32(rdFrame(c) + GICR.PIDR2) >> 4) & 0xf, 3);
    const typer = r64(rdFrame(c) + GICR.TYPER);
    found.push(Number(typer >> 32n));
    assert.equal(Number((typer >> 8n) & 0xffffn), c, 'Processor_Number');
    if ((typer & 0x10n) !== 0n) break;
  }
  assert.deepEqual(found, [0, 1, 2], 'affinity Aff0 = CPU number, Last on the third');
  const typer = r32(D + GICD.TYPER);
  assert.equal(typer & 0x1f, 8, 'ITLinesNumber for 288 INTIDs');
  assert.equal((typer >> 17) & 1, 0, 'no LPIs');
  assert.equal((typer >> 16) & 1, 0, 'no MBIS');
  assert.equal((typer >> 19) & 0x1f, 15, 'IDbits');
  assert.equal(r32(D + GICD.CTLR) & 0x50, 0x50, 'ARE and DS are set');
});

test('GICv3 boot: Linux wakes the redistributors, enables PPI 27 in the SGI frame and takes the timer interrupt', () => {
  const b = board(2);
  linuxBoot(b);
  const { gic, lines, ci, w32, r32 } = b;
  w32(sgiFrame(1) + GICR_SGI.ISENABLER0, 1 << 27);
  assert.equal(r32(sgiFrame(1) + GICR_SGI.ISENABLER0), (1 << 27) | 0xffff);
  assert.equal(r32(sgiFrame(0) + GICR_SGI.ISENABLER0), 0xffff, 'PPI enables are per CPU');
  gic.setLevel(27, true, 1);
  assert.deepEqual([lines[0]!.irq, lines[1]!.irq], [false, true]);
  assert.equal(ci[1]!.readHPPIR1(), 27n);
  assert.equal(ci[1]!.readIAR1(), 27n);
  assert.equal(lines[1]!.irq, false, 'active interrupts are not signalled again');
  assert.equal(ci[1]!.readRPR(), 0xa0n);
  assert.equal(ci[1]!.readIAR1(), BigInt(SPURIOUS));
  ci[1]!.writeEOIR1(27n);
  assert.equal(ci[1]!.readRPR(), 0xffn);
  assert.equal(lines[1]!.irq, true, 'the level is still high, so it is pending again');
  gic.setLevel(27, false, 1);
  assert.equal(lines[1]!.irq, false);
});

test('GICv3 routes SPI 33 by a 64-bit IROUTER write and delivers it to that CPU only', () => {
  const b = board(3);
  linuxBoot(b);
  const { gic, lines, ci, w32, w64, r64 } = b;
  w64(D + GICD.IROUTER + 8 * 33, 2n); // Aff0 = 2
  assert.equal(r64(D + GICD.IROUTER + 8 * 33), 2n);
  w32(D + GICD.ISENABLER + 4, 1 << 1);
  gic.setLevel(33, true);
  assert.deepEqual(lines.map((l) => l.irq), [false, false, true]);
  assert.equal(ci[2]!.readIAR1(), 33n);
  ci[2]!.writeEOIR1(33n);
  // Affinity that names no CPU (Aff1 = 1): nobody gets it.
  w64(D + GICD.IROUTER + 8 * 33, 0x100n);
  assert.deepEqual(lines.map((l) => l.irq), [false, false, false]);
  // 1 of N: the lowest-numbered CPU that is awake with Group 1 enabled.
  w64(D + GICD.IROUTER + 8 * 33, (1n << 31n) | 0xffn);
  assert.equal(r64(D + GICD.IROUTER + 8 * 33), (1n << 31n) | 0xffn);
  assert.deepEqual(lines.map((l) => l.irq), [true, false, false]);
  ci[0]!.writeIGRPEN1(0n);
  assert.deepEqual(lines.map((l) => l.irq), [false, true, false]);
  gic.setLevel(33, false);
  assert.deepEqual(lines.map((l) => l.irq), [false, false, false]);
  // Aff3 lives in the high word: Aff3 = 1 names no CPU.
  w64(D + GICD.IROUTER + 8 * 34, 1n << 32n);
  assert.equal(r64(D + GICD.IROUTER + 8 * 34), 1n << 32n);
});

test('GICv3 ICC_SGI1R_EL1 targets CPUs by affinity list, or all others with IRM', () => {
  const b = board(4);
  linuxBoot(b);
  const { gic, lines, ci } = b;
  ci[0]!.writeSGI1R((5n << 24n) | 0b0110n); // SGI 5 to CPUs 1 and 2
  assert.deepEqual(lines.map((l) => l.irq), [false, true, true, false]);
  assert.equal(ci[1]!.readIAR1(), 5n, 'no source CPU in the INTID with affinity routing');
  ci[1]!.writeEOIR1(5n);
  assert.equal(ci[2]!.readIAR1(), 5n);
  ci[2]!.writeEOIR1(5n);
  ci[3]!.writeSGI1R((1n << 40n) | (3n << 24n) | 0b1111n); // IRM: all but self, TargetList ignored
  assert.deepEqual(lines.map((l) => l.irq), [true, true, true, false]);
  for (let c = 0; c < 3; c++) {
    assert.equal(ci[c]!.readIAR1(), 3n);
    ci[c]!.writeEOIR1(3n);
  }
  ci[0]!.writeSGI1R((1n << 16n) | (1n << 24n) | 0b10n); // Aff1 = 1: no such CPU
  ci[0]!.writeSGI1R((1n << 44n) | (1n << 24n) | 0b10n); // RS = 1 means Aff0 16..31
  assert.deepEqual(lines.map((l) => l.irq), [false, false, false, false]);
  assert.equal(gic.metrics.sgisSent, 5);
  // An SGI configured as Group 0 at the target does not receive a Group 1 SGI.
  b.w32(sgiFrame(1) + GICR_SGI.IGROUPR0, ~(1 << 7));
  ci[0]!.writeSGI1R((7n << 24n) | 0b10n);
  assert.equal(lines[1]!.irq, false);
  assert.equal(gic.metrics.sgisDropped, 1);
});

test('GICv3 masks by PMR and preempts only with a higher group priority (BPR1)', () => {
  const b = board(1);
  linuxBoot(b);
  const { gic, lines, ci, w32 } = b;
  w32(D + GICD.ISENABLER + 4, 0b111);
  w32(D + GICD.IPRIORITYR + 32, 0x004080f0); // 32: 0xf0, 33: 0x80, 34: 0x40
  gic.setLevel(32, true);
  assert.equal(lines[0]!.irq, false, 'priority 0xf0 is masked by PMR 0xf0');
  assert.equal(ci[0]!.readHPPIR1(), 32n, 'HPPIR ignores the PMR');
  gic.setLevel(33, true);
  assert.equal(ci[0]!.readIAR1(), 33n);
  assert.equal(ci[0]!.readRPR(), 0x80n);
  assert.equal(ci[0]!.readAP1R0(), BigInt(1 << (0x80 >> 3)));
  gic.setLevel(34, true);
  assert.equal(lines[0]!.irq, true, '0x40 preempts 0x80');
  assert.equal(ci[0]!.readIAR1(), 34n);
  assert.equal(ci[0]!.readRPR(), 0x40n);
  ci[0]!.writeEOIR1(34n);
  assert.equal(ci[0]!.readRPR(), 0x80n, 'the priority drop pops back to the preempted interrupt');
  ci[0]!.writeEOIR1(33n);
  // Coarser binary point: group priority is bit 7 only, so 0x40 cannot preempt 0x60.
  gic.setLevel(33, false);
  gic.setLevel(34, false);
  ci[0]!.writeBPR1(7n);
  w32(D + GICD.IPRIORITYR + 32, 0x004060f0);
  gic.setLevel(33, true);
  assert.equal(ci[0]!.readIAR1(), 33n);
  gic.setLevel(34, true);
  assert.equal(lines[0]!.irq, false);
  assert.equal(ci[0]!.readIAR1(), BigInt(SPURIOUS));
  ci[0]!.writePMR(0n);
  ci[0]!.writeEOIR1(33n);
  assert.equal(lines[0]!.irq, false, 'PMR 0 masks everything');
  ci[0]!.writePMR(0x08n);
  assert.equal(ci[0]!.readPMR(), 0x08n, "Linux's gic_has_group0() probe reads back 1 << (8 - PRIbits)");
  ci[0]!.writePMR(0xffn);
  assert.equal(ci[0]!.readPMR(), 0xf8n, 'unimplemented priority bits are RAZ');
});

test('GICv3 EOImode = 1: EOIR only drops priority, DIR deactivates', () => {
  const b = board(1);
  linuxBoot(b);
  const { gic, lines, ci, w32, r32 } = b;
  ci[0]!.writeCTLR(2n);
  assert.equal(ci[0]!.readCTLR() & 2n, 2n);
  assert.equal((ci[0]!.readCTLR() >> 8n) & 7n, 4n, 'PRIbits: 5 bits');
  w32(D + GICD.ISENABLER + 4, 1 << 8);
  gic.setLevel(40, true);
  assert.equal(ci[0]!.readIAR1(), 40n);
  ci[0]!.writeEOIR1(40n);
  assert.equal(ci[0]!.readRPR(), 0xffn);
  assert.equal(r32(D + GICD.ISACTIVER + 4), 1 << 8, 'still active after EOIR');
  assert.equal(lines[0]!.irq, false);
  ci[0]!.writeDIR(40n);
  assert.equal(r32(D + GICD.ISACTIVER + 4), 0);
  assert.equal(lines[0]!.irq, true, 'the line is still high');
  ci[0]!.writeCTLR(0n);
  assert.equal(ci[0]!.readIAR1(), 40n);
  ci[0]!.writeDIR(40n);
  assert.equal(r32(D + GICD.ISACTIVER + 4), 1 << 8, 'DIR is ignored with EOImode = 0');
});

test('GICv3 latches edge-triggered SPIs; ICPENDR cannot clear a level that is still high', () => {
  const b = board(1);
  linuxBoot(b);
  const { gic, lines, ci, w32, r32 } = b;
  w32(D + GICD.ICFGR + 8, 2 << (2 * 8)); // INTID 40 edge-triggered
  assert.equal(r32(D + GICD.ICFGR + 8), 2 << 16);
  w32(D + GICD.ISENABLER + 4, (1 << 8) | (1 << 9));
  gic.setLevel(40, true);
  gic.setLevel(40, false);
  assert.equal(lines[0]!.irq, true);
  assert.equal(r32(D + GICD.ISPENDR + 4), 1 << 8);
  assert.equal(ci[0]!.readIAR1(), 40n);
  assert.equal(r32(D + GICD.ISPENDR + 4), 0, 'acknowledging clears the latch');
  ci[0]!.writeEOIR1(40n);
  assert.equal(lines[0]!.irq, false);
  gic.setLevel(41, true); // level
  w32(D + GICD.ICPENDR + 4, 1 << 9);
  assert.equal(r32(D + GICD.ISPENDR + 4), 1 << 9);
  gic.setLevel(41, false);
  assert.equal(lines[0]!.irq, false);
  w32(D + GICD.ISPENDR + 4, 1 << 9); // software-pended level interrupt stays until cleared
  assert.equal(lines[0]!.irq, true);
  w32(D + GICD.ICPENDR + 4, 1 << 9);
  assert.equal(lines[0]!.irq, false);
  assert.equal(r32(sgiFrame(0) + GICR_SGI.ICFGR0), 0xaaaaaaaa, 'SGIs are edge-triggered');
  w32(sgiFrame(0) + GICR_SGI.ICFGR0, 0);
  assert.equal(r32(sgiFrame(0) + GICR_SGI.ICFGR0), 0xaaaaaaaa, 'and that is read-only');
});

test('GICv3 distributor SGI/PPI registers are RAZ/WI with affinity routing', () => {
  const b = board(1);
  linuxBoot(b);
  const { gic, lines, w32, r32, bus } = b;
  w32(D + GICD.ISENABLER, ~0);
  assert.equal(r32(D + GICD.ISENABLER), 0);
  assert.equal(r32(sgiFrame(0) + GICR_SGI.ISENABLER0), 0xffff, 'the redistributor is unaffected');
  w32(D + GICD.IPRIORITYR, 0x10101010);
  assert.equal(r32(D + GICD.IPRIORITYR), 0);
  assert.equal(Number(bus.mmioRead(D + GICD.IPRIORITYR + 33, 1, 0)), 0xa0, 'byte access to SPI priorities');
  bus.mmioWrite(D + GICD.IPRIORITYR + 33, 1, 0x57n, 0);
  assert.equal(r32(D + GICD.IPRIORITYR + 32), 0xa0a050a0, 'low priority bits are RAZ');
  assert.equal(r32(D + GICD.ITARGETSR + 32), 0);
  w32(D + GICD.SGIR, (1 << 16) | 1);
  gic.setLevel(40, false);
  assert.equal(lines[0]!.irq, false, 'GICD_SGIR does nothing');
  assert.equal(gic.metrics.badAccesses, 0, 'none of that is a bad access');
});

test('GICv3 Group 0 interrupts go to the FIQ line and are acknowledged through ICC_IAR0_EL1', () => {
  const b = board(1);
  linuxBoot(b);
  const { gic, lines, ci, w32 } = b;
  w32(D + GICD.IGROUPR + 4, ~(1 << 3)); // INTID 35 in Group 0
  w32(D + GICD.ISENABLER + 4, 1 << 3);
  w32(D + GICD.CTLR, 0x13);
  gic.setLevel(35, true);
  assert.equal(lines[0]!.fiq, false, 'Group 0 disabled at the CPU interface');
  ci[0]!.writeIGRPEN0(1n);
  assert.deepEqual([lines[0]!.irq, lines[0]!.fiq], [false, true]);
  assert.equal(ci[0]!.readIAR1(), BigInt(SPURIOUS));
  assert.equal(ci[0]!.readIAR0(), 35n);
  assert.equal(ci[0]!.readAP0R0() !== 0n, true);
  ci[0]!.writeEOIR1(35n);
  assert.notEqual(ci[0]!.readAP0R0(), 0n, 'a Group 1 EOI does not drop a Group 0 priority');
  ci[0]!.writeEOIR0(35n);
  assert.equal(ci[0]!.readRPR(), 0xffn);
});

test('GICv3 state survives save/restore and lines are re-announced', () => {
  const a = board(2);
  linuxBoot(a);
  a.w64(D + GICD.IROUTER + 8 * 32, 1n);
  a.w32(D + GICD.ISENABLER + 4, 0b11);
  a.w64(D + GICD.IROUTER + 8 * 33, 1n);
  a.gic.setLevel(32, true);
  a.gic.setLevel(33, true);
  assert.equal(a.ci[1]!.readIAR1(), 32n);
  const b = board(2);
  const calls = b.lines[1]!.irqCalls;
  b.gic.restore(a.gic.save());
  assert.ok(b.lines[1]!.irqCalls > calls, 'the IRQ line was announced');
  assert.equal(b.lines[1]!.irq, false, '33 waits behind active 32 of equal priority');
  assert.equal(b.ci[1]!.readRPR(), 0xa0n);
  assert.equal(b.r32(rdFrame(1) + GICR.WAKER) & 6, 0, 'the redistributor stays awake');
  b.ci[1]!.writeEOIR1(32n);
  assert.equal(b.ci[1]!.readIAR1(), 32n, 'still asserted, so 32 (lower INTID wins the tie) comes back');
  assert.deepEqual(b.gic.save(), b.gic.save());
  assert.throws(() => b.gic.restore(new Uint8Array(10)), /must be \d+ bytes/);
  const wrong = a.gic.save();
  wrong[0] = 3;
  assert.throws(() => b.gic.restore(wrong), /for 3 CPUs/);
  const other = new GicV3({ cpus: 1, irqs: 288, cpuIrq: [{ set: () => undefined }] });
  assert.throws(() => other.restore(a.gic.save()), /must be/);
});

test('GICv3 survives garbage MMIO and system-register values, counting bad accesses', () => {
  const b = board(2);
  linuxBoot(b);
  const { gic, ci } = b;
  const before = gic.save();
  let seed = 12345;
  const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
  const sizes = [0, 1, 2, 3, 4, 8, -1, NaN];
  const devices = [[gic.distributor, GICD_SIZE], [gic.redistributors, gic.redistributors.sizeBytes]] as const;
  const bad0 = gic.metrics.badAccesses;
  for (let i = 0; i < 20000; i++) {
    const [dev, size] = devices[i & 1]!;
    const off = i % 7 === 0 ? [-4, size, size + 4, 1.5, NaN, 2 ** 40][i % 6]! : rnd() % size;
    const width = sizes[rnd() % sizes.length]!;
    assert.doesNotThrow(() => dev.read(off, width));
  }
  assert.deepEqual(gic.save(), before, 'reads change nothing');
  assert.ok(gic.metrics.badAccesses > bad0);
  for (let i = 0; i < 20000; i++) {
    const [dev, size] = devices[i & 1]!;
    dev.write(rnd() % size, sizes[rnd() % sizes.length]!, rnd() | 0);
  }
  const wild = [0n, -1n, (1n << 64n) - 1n, 1n << 70n, 0xdead_beef_cafe_f00dn];
  for (const reg of ICC_SYSREGS) {
    for (const v of wild) {
      assert.doesNotThrow(() => reg.write?.(ci[1]!, v));
      assert.doesNotThrow(() => reg.read?.(ci[1]!));
    }
  }
  // Known odd accesses are counted: a halfword, a misaligned word, an unknown offset, 8 bytes past the GICR.
  const n = gic.metrics.badAccesses;
  gic.distributor.read(GICD.CTLR, 2);
  gic.distributor.read(GICD.TYPER + 1, 4);
  gic.distributor.write(0x5000, 4, 1);
  gic.redistributors.read(gic.redistributors.sizeBytes, 4);
  assert.equal(gic.metrics.badAccesses, n + 4);
});

test('GICv3 ICC_SYSREGS lists the encodings Linux uses', () => {
  const enc = (name: string) => {
    const r = ICC_SYSREGS.find((x) => x.name === name)!;
    return `S${r.op0}_${r.op1}_C${r.crn}_C${r.crm}_${r.op2}`;
  };
  assert.equal(enc('ICC_IAR1_EL1'), 'S3_0_C12_C12_0');
  assert.equal(enc('ICC_EOIR1_EL1'), 'S3_0_C12_C12_1');
  assert.equal(enc('ICC_SGI1R_EL1'), 'S3_0_C12_C11_5');
  assert.equal(enc('ICC_PMR_EL1'), 'S3_0_C4_C6_0');
  assert.equal(enc('ICC_SRE_EL1'), 'S3_0_C12_C12_5');
  assert.equal(new Set(ICC_SYSREGS.map((r) => enc(r.name))).size, ICC_SYSREGS.length, 'no duplicate encodings');
});

test('GICv3 picks the highest priority across the PPI bank and every SPI word, lowest INTID on ties', () => {
  const b = board(2);
  linuxBoot(b);
  const { gic, ci, w32, w64 } = b;
  for (const intid of [63, 64, 287]) {
    w32(D + GICD.ISENABLER + (intid >> 5) * 4, 1 << (intid & 31));
    gic.setLevel(intid, true);
  }
  w64(D + GICD.IROUTER + 8 * 64, 1n); // 64 goes to CPU 1 instead
  w32(sgiFrame(0) + GICR_SGI.ISENABLER0, 1 << 31);
  gic.setLevel(31, true, 0);
  bus8(b, D + GICD.IPRIORITYR + 287, 0x90);
  bus8(b, sgiFrame(0) + GICR_SGI.IPRIORITYR + 31, 0x90);
  const order: bigint[] = [];
  for (let v = ci[0]!.readIAR1(); v !== BigInt(SPURIOUS); v = ci[0]!.readIAR1()) {
    order.push(v);
    ci[0]!.writeEOIR1(v);
    gic.setLevel(Number(v), false, 0);
  }
  assert.deepEqual(order, [31n, 287n, 63n], 'priority 0x90 first (PPI 31 before SPI 287), then 0xa0');
  assert.equal(ci[1]!.readIAR1(), 64n);
});

function bus8(b: Board, pa: number, v: number): void {
  b.bus.mmioWrite(pa, 1, BigInt(v), 0);
}
