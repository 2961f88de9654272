import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GicV2 } from './gicv2.js';
import { GICC, GICD, SPURIOUS } from './regs.js';

function rig(cpus = 2) {
  const lines = Array.from({ length: cpus }, () => ({ level: false }));
  const gic = new GicV2({ cpus, irqs: 288, cpuIrq: lines.map((l) => ({ set: (v: boolean) => { l.level = v; } })) });
  let current = 0;
  const dist = { read: (o: number, s: number) => gic.distributor.read(o, s, current), write: (o: number, s: number, v: number) => gic.distributor.write(o, s, v, current) };
  const cpuIf = Array.from({ length: cpus }, (_, c) => gic.cpuInterface(c));
  const as = (c: number) => { current = c; };
  // What Linux's GICv2 driver does at boot: distributor on, priorities 0xa0, CPU interface on, PMR 0xf0.
  dist.write(GICD.CTLR, 4, 1);
  for (let i = 0; i < 288; i += 4) dist.write(GICD.IPRIORITYR + i, 4, 0xa0a0a0a0);
  for (let c = 0; c < cpus; c++) {
    as(c);
    for (let i = 0; i < 32; i += 4) dist.write(GICD.IPRIORITYR + i, 4, 0xa0a0a0a0);
    cpuIf[c]!.write(GICC.CTLR, 4, 1);
    cpuIf[c]!.write(GICC.PMR, 4, 0xf0);
  }
  as(0);
  return { gic, dist, cpuIf, lines, as };
}

test('GICv2 delivers a level SPI to its target CPU until the device drops the line', () => {
  const { gic, dist, cpuIf, lines } = rig();
  dist.write(GICD.ITARGETSR + 33, 1, 0b10); // SPI 1 -> CPU 1
  dist.write(GICD.ISENABLER + 4, 4, 1 << 1);
  gic.setLevel(33, true);
  assert.equal(lines[0]!.level, false);
  assert.equal(lines[1]!.level, true);
  assert.equal(cpuIf[1]!.read(GICC.IAR, 4), 33);
  assert.equal(lines[1]!.level, false, 'active interrupts are not signalled again');
  assert.equal(cpuIf[1]!.read(GICC.IAR, 4), SPURIOUS);
  cpuIf[1]!.write(GICC.EOIR, 4, 33);
  assert.equal(lines[1]!.level, true, 'still asserted after EOI, so pending again');
  gic.setLevel(33, false);
  assert.equal(lines[1]!.level, false);
});

test('GICv2 latches edge-triggered interrupts and clears them on acknowledge', () => {
  const { gic, dist, cpuIf, lines } = rig();
  dist.write(GICD.ITARGETSR + 40, 1, 1);
  dist.write(GICD.ICFGR + 8, 4, 2 << (2 * 8)); // INTID 40 edge-triggered
  dist.write(GICD.ISENABLER + 4, 4, 1 << 8);
  gic.setLevel(40, true);
  gic.setLevel(40, false);
  assert.equal(lines[0]!.level, true);
  assert.equal(dist.read(GICD.ISPENDR + 4, 4) & (1 << 8), 1 << 8);
  assert.equal(cpuIf[0]!.read(GICC.IAR, 4), 40);
  cpuIf[0]!.write(GICC.EOIR, 4, 40);
  assert.equal(lines[0]!.level, false);
});

test('GICv2 SGIs carry the source CPU in IAR and respect the target filter', () => {
  const { dist, cpuIf, lines, as } = rig(3);
  as(2);
  dist.write(GICD.SGIR, 4, (0b011 << 16) | 5); // CPUs 0 and 1, SGI 5, from CPU 2
  assert.deepEqual(lines.map((l) => l.level), [true, true, false]);
  assert.equal(cpuIf[1]!.read(GICC.IAR, 4), (2 << 10) | 5);
  cpuIf[1]!.write(GICC.EOIR, 4, (2 << 10) | 5);
  as(0);
  dist.write(GICD.SGIR, 4, (1 << 24) | 3); // all but self
  assert.equal(cpuIf[2]!.read(GICC.IAR, 4), 3);
  assert.equal(cpuIf[0]!.read(GICC.IAR, 4), (2 << 10) | 5);
});

test('GICv2 masks by PMR and lets only higher priorities preempt an active interrupt', () => {
  const { gic, dist, cpuIf, lines } = rig(1);
  dist.write(GICD.ITARGETSR + 32, 4, 0x01010101);
  dist.write(GICD.ISENABLER + 4, 4, 0b111);
  dist.write(GICD.IPRIORITYR + 32, 4, 0x004080f0); // 32: 0xf0, 33: 0x80, 34: 0x40
  gic.setLevel(32, true);
  assert.equal(lines[0]!.level, false, 'priority 0xf0 is masked by PMR 0xf0');
  gic.setLevel(33, true);
  assert.equal(cpuIf[0]!.read(GICC.IAR, 4), 33);
  assert.equal(cpuIf[0]!.read(GICC.RPR, 4), 0x80);
  gic.setLevel(34, true);
  assert.equal(lines[0]!.level, true, '0x40 preempts 0x80');
  assert.equal(cpuIf[0]!.read(GICC.IAR, 4), 34);
  cpuIf[0]!.write(GICC.EOIR, 4, 34);
  assert.equal(cpuIf[0]!.read(GICC.RPR, 4), 0x80);
});

test('GICv2 identifies itself: TYPER, banked ITARGETSR, PIDR2, IIDR', () => {
  const { dist, cpuIf, as } = rig(2);
  assert.equal(dist.read(GICD.TYPER, 4), 8 | (1 << 5));
  as(1);
  assert.equal(dist.read(GICD.ITARGETSR, 4), 0x02020202);
  assert.equal(dist.read(GICD.PIDR2, 4) >> 4, 2);
  assert.equal(cpuIf[0]!.read(GICC.IIDR, 4), 0x0202043b);
});

test('GICv2 state survives save/restore, including the pending and active sets', () => {
  const a = rig(1);
  a.dist.write(GICD.ITARGETSR + 32, 1, 1);
  a.dist.write(GICD.ISENABLER + 4, 4, 0b11);
  a.dist.write(GICD.ITARGETSR + 33, 1, 1);
  a.gic.setLevel(32, true);
  a.gic.setLevel(33, true);
  assert.equal(a.cpuIf[0]!.read(GICC.IAR, 4), 32);
  const b = rig(1);
  b.gic.restore(a.gic.save());
  assert.equal(b.lines[0]!.level, false, '33 waits behind active 32 of equal priority');
  b.cpuIf[0]!.write(GICC.EOIR, 4, 32);
  assert.equal(b.cpuIf[0]!.read(GICC.IAR, 4), 32, 'still asserted, so 32 (lower ID wins the tie) comes back');
  assert.throws(() => b.gic.restore(new Uint8Array(10)), /must be/);
});
