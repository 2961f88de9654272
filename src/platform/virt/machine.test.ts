import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EXIT_BUDGET, type VcpuExit } from '../../arch/arm64/exit.js';
import { CNTFRQ_HZ } from '../../arch/arm64/generic_timer.js';
import { fdtFromBlob } from '../fdt/index.js';
import { PSCI_FN, PSCI_RET, PSCI_VERSION_1_0 } from '../psci/psci.js';
import { VIRT } from './layout.js';
import { VirtMachine, type MachineHost, type VcpuFactoryOptions, type VirtMachineConfig, type VirtVcpu } from './machine.js';

/** A scripted vCPU: each run() takes the next step (or reports the budget / WFI when the script is empty). */
class FakeVcpu implements VirtVcpu {
  readonly x = new Array<bigint>(31).fill(0n);
  pc = 0;
  icount = 0;
  readonly codeStats = { blocksTranslated: 0, blocksCompiled: 0, pagesDiscarded: 0, sweeps: 0, pagesEvicted: 0, flushes: 0 };
  /** The guest times the machine offered its code a sweep at. */
  sweepOffers: number[] = [];
  sweepCodeIfDue(nowNs: number): void {
    this.sweepOffers.push(nowNs);
  }
  irq = false;
  resets: [number, bigint][] = [];
  undefs = 0;
  runs = 0;
  script: ((c: FakeVcpu) => VcpuExit)[] = [];
  whenEmpty: VcpuExit = EXIT_BUDGET;
  constructor(readonly opts: VcpuFactoryOptions) {}
  reset(entryPa: number, x0: bigint): void {
    this.resets.push([entryPa, x0]);
    this.x.fill(0n);
    this.x[0] = x0;
    this.pc = entryPa;
  }
  budgets: number[] = [];
  run(budget: number): VcpuExit {
    this.runs++;
    this.budgets.push(budget);
    const step = this.script.shift();
    return step === undefined ? this.whenEmpty : step(this);
  }
  setIrq(level: boolean): void { this.irq = level; }
  readX(n: number): bigint { return this.x[n]!; }
  writeX(n: number, v: bigint): void { this.x[n] = v; }
  injectUndefined(): void { this.undefs++; }
  dropWriteMappingsForLog(): void { /* it keeps no TLB */ }
}

const hvc = (x0: number, x1 = 0n, x2 = 0n, x3 = 0n) => (c: FakeVcpu): VcpuExit => {
  c.x[0] = BigInt(x0);
  c.x[1] = x1;
  c.x[2] = x2;
  c.x[3] = x3;
  c.pc += 4;
  return { kind: 'hvc', imm: 0, esr: 0 };
};
const WFI: VcpuExit = { kind: 'wfi', esr: 0 };

class FakeHost implements MachineHost {
  waits: number[] = [];
  wakes = 0;
  yields = 0;
  onWait: (ms: number) => void = () => undefined;
  wait(ms: number): Promise<void> { this.waits.push(ms); this.onWait(ms); return Promise.resolve(); }
  wake(): void { this.wakes++; }
  yieldNow(): Promise<void> { this.yields++; return Promise.resolve(); }
}

function makeMachine(over: Partial<VirtMachineConfig> = {}) {
  const cpus: FakeVcpu[] = [];
  const clock = { ns: 1_000_000, monotonicNs: () => clock.ns, wallClockMs: () => 1_700_000_000_000 };
  const out: number[] = [];
  const host = new FakeHost();
  const m = new VirtMachine({
    memoryMiB: 64, vcpus: 2, gicVersion: 2, kernel: new Uint8Array(4096).fill(0x11), bootargs: 'console=ttyAMA0',
    rngSeed: new Uint8Array(32), hostClock: clock, console: { write: (b) => out.push(...b) }, host,
    vcpuFactory: (o) => { const c = new FakeVcpu(o); cpus.push(c); return c; },
    ...over,
  });
  return { m, cpus, clock, out, host };
}

const w32 = (m: VirtMachine, pa: number, v: number) => assert.ok(m.bus.mmioWrite(pa, 4, BigInt(v), 0));

/** Opens the GICv2 for `intid` on CPU 0, as Linux's gic driver does. */
function enableGicV2(m: VirtMachine, intid: number): void {
  w32(m, VIRT.GIC_DIST.base + 0x000, 1); // GICD_CTLR
  w32(m, VIRT.GIC_DIST.base + 0x100 + 4 * (intid >> 5), 1 << (intid & 31)); // ISENABLER
  if (intid >= 32) w32(m, VIRT.GIC_DIST.base + 0x800 + (intid & ~3), 1 << (8 * (intid & 3))); // ITARGETSR -> CPU 0
  w32(m, VIRT.GIC_CPU.base + 0x004, 0xf0); // GICC_PMR
  w32(m, VIRT.GIC_CPU.base + 0x000, 1); // GICC_CTLR
}

test('VirtMachine() places the kernel and DTB and enters the boot vCPU with x0 = DTB address', () => {
  const { m, cpus } = makeMachine();
  assert.equal(cpus.length, 2);
  assert.deepEqual(cpus[0]!.resets, [[m.layout.kernel.entryPa, BigInt(m.layout.dtbPa)]]);
  assert.deepEqual(cpus[1]!.resets, []);
  assert.equal(cpus[0]!.opts.mpidr, 0x8000_0000n);
  assert.equal(cpus[1]!.opts.mpidr, 0x8000_0001n);
  const ram = new DataView(m.bus.ram);
  assert.equal(ram.getUint32(m.layout.dtbPa - VIRT.RAM.base, false), 0xd00dfeed);
  assert.equal(ram.getUint8(m.layout.kernel.loadPa - VIRT.RAM.base), 0x11);
  assert.deepEqual(m.vcpuStates(), [{ power: 'on', waiting: false }, { power: 'off', waiting: false }]);
});

test('VirtMachine() rejects bad sizes with a RangeError naming the value', () => {
  assert.throws(() => makeMachine({ vcpus: 9 }), /vCPUs must be 1 to 8, not 9/);
  assert.throws(() => makeMachine({ memoryMiB: 8 }), /Memory must be/);
  assert.throws(() => makeMachine({ gicVersion: 4 as 2 }), /GIC version/);
});

test('VirtMachine() copies the initrd where the DT says it is', () => {
  const initrd = new Uint8Array(1000).fill(0x5a);
  const { m } = makeMachine({ initrd });
  const r = m.layout.initrd!;
  assert.equal(r.end - r.start, 1000);
  assert.equal(new Uint8Array(m.bus.ram)[r.start - VIRT.RAM.base], 0x5a);
});

test('PSCI CPU_ON starts a secondary at the entry with x0 = context id; CPU_OFF parks it', () => {
  const { m, cpus } = makeMachine();
  const [c0, c1] = cpus as [FakeVcpu, FakeVcpu];
  c0.script.push(hvc(PSCI_FN.CPU_ON64, 1n, 0x4008_0000n, 0x1234n));
  m.runRound();
  assert.equal(c0.x[0], 0n);
  assert.deepEqual(c1.resets, [[0x4008_0000, 0x1234n]]);
  assert.equal(m.vcpuStates()[1]!.power, 'on');

  c0.script.push(hvc(PSCI_FN.CPU_ON64, 1n, 0x4008_0000n, 0n));
  c1.script.push(hvc(PSCI_FN.CPU_OFF));
  m.runRound();
  assert.equal(c0.x[0], BigInt.asUintN(64, BigInt(PSCI_RET.ALREADY_ON)));
  assert.equal(m.vcpuStates()[1]!.power, 'off');
  const runs = c1.runs;
  c0.script.push(hvc(PSCI_FN.AFFINITY_INFO64, 1n, 0n));
  m.runRound();
  assert.equal(c1.runs, runs, 'an off vCPU is not run');
  assert.equal(c0.x[0], 1n, 'AFFINITY_INFO reports OFF');
});

test('PSCI CPU_ON rejects an unknown MPIDR and an entry outside RAM', () => {
  const { m, cpus } = makeMachine();
  const c0 = cpus[0]!;
  c0.script.push(hvc(PSCI_FN.CPU_ON64, 7n, 0x4008_0000n));
  m.runRound();
  assert.equal(c0.x[0], BigInt.asUintN(64, BigInt(PSCI_RET.INVALID_PARAMETERS)));
  c0.script.push(hvc(PSCI_FN.CPU_ON64, 1n, 0x1000n));
  m.runRound();
  assert.equal(c0.x[0], BigInt.asUintN(64, BigInt(PSCI_RET.INVALID_ADDRESS)));
  assert.equal(m.vcpuStates()[1]!.power, 'off');
});

test('run() ends with { kind: "off" } on SYSTEM_OFF and { kind: "reset" } on SYSTEM_RESET', async () => {
  const a = makeMachine();
  a.cpus[0]!.script.push(hvc(PSCI_FN.SYSTEM_OFF));
  assert.deepEqual(await a.m.run(), { kind: 'off' });
  const b = makeMachine();
  b.cpus[0]!.script.push(hvc(PSCI_FN.SYSTEM_RESET));
  assert.deepEqual(await b.m.run(), { kind: 'reset' });
});

test('HVC and SMC with a non-zero immediate become UNDEFINED in the guest', () => {
  const { m, cpus } = makeMachine();
  const c0 = cpus[0]!;
  c0.script.push(() => ({ kind: 'hvc', imm: 0xea1, esr: 0 }), () => ({ kind: 'smc', imm: 1, esr: 0 }));
  m.runRound();
  m.runRound();
  assert.equal(c0.undefs, 2);
});

test('PSCI also answers on the SMC conduit', () => {
  const { m, cpus } = makeMachine();
  const c0 = cpus[0]!;
  c0.script.push((c) => {
    hvc(PSCI_FN.VERSION)(c);
    return { kind: 'smc', imm: 0, esr: 0 };
  });
  m.runRound();
  assert.equal(c0.undefs, 0);
  assert.equal(c0.x[0], BigInt(PSCI_VERSION_1_0));
});

test('an exit the board cannot handle fails the run with the PC and syndrome', async () => {
  const { m, cpus } = makeMachine();
  cpus[0]!.script.push(() => ({ kind: 'exception', esr: 0x9600_0010, far: 0x1234 }));
  const r = await m.run();
  assert.equal(r.kind, 'failed');
  assert.match((r as { reason: string }).reason, /vCPU 0 stopped at PC 0x40080000: exception ESR 0x96000010 FAR 0x1234/);
});

test('when every vCPU waits in WFI, the machine sleeps exactly until the virtual timer deadline', () => {
  const { m, cpus, clock } = makeMachine({ vcpus: 1 });
  const c0 = cpus[0]!;
  c0.whenEmpty = WFI;
  enableGicV2(m, 27);
  const timer = c0.opts.timer;
  timer.writeCtl('virt', 1n);
  const ticks = 62_500n; // 1 ms at 62.5 MHz
  timer.writeCval('virt', timer.count('virt') + ticks);
  assert.deepEqual(m.runRound(), { kind: 'ran' });
  const o = m.runRound();
  assert.equal(o.kind, 'idle');
  assert.equal((o as { sleepNs: number }).sleepNs, Number(ticks) * (1e9 / CNTFRQ_HZ));
  assert.equal(c0.irq, false);
  clock.ns += 1_000_000;
  const runs = c0.runs;
  assert.deepEqual(m.runRound(), { kind: 'ran' });
  assert.equal(c0.irq, true, 'the timer PPI reaches the CPU through the GIC');
  assert.equal(c0.runs, runs + 1);
});

test('each round offers the vCPUs\' shared code a sweep by guest time, through the boot vCPU only', () => {
  const { m, cpus, clock } = makeMachine();
  m.runRound();
  clock.ns += 5e9;
  m.runRound();
  assert.deepEqual(cpus[0]!.sweepOffers, [0, 5e9]);
  assert.deepEqual(cpus[1]!.sweepOffers, []);
});

test('an idle machine with no deadline waits for input only, and console input wakes it', async () => {
  const { m, cpus, host } = makeMachine({ vcpus: 1 });
  const c0 = cpus[0]!;
  c0.whenEmpty = WFI;
  enableGicV2(m, 33);
  w32(m, VIRT.UART.base + 0x38, 0x50); // UART IMSC: RX | RT
  host.onWait = () => {
    m.consoleInput(new TextEncoder().encode('x'));
    c0.script.push(hvc(PSCI_FN.SYSTEM_OFF));
  };
  assert.deepEqual(await m.run(), { kind: 'off' });
  assert.deepEqual(host.waits, [Infinity]);
  assert.ok(host.wakes >= 1);
  assert.equal(c0.irq, true, 'UART RX raises SPI 1 (INTID 33) on CPU 0');
  assert.equal(Number(m.bus.mmioRead(VIRT.UART.base, 4, 0)), 0x78);
});

test('UART output reaches the console sink at the end of the slice', () => {
  const { m, cpus, out } = makeMachine();
  cpus[0]!.script.push(() => {
    for (const b of new TextEncoder().encode('hi\n')) w32(m, VIRT.UART.base, b);
    return EXIT_BUDGET;
  });
  m.runRound();
  assert.equal(new TextDecoder().decode(Uint8Array.from(out)), 'hi\n');
});

test('GICv2 CPU interface accesses go to the bank of the accessing vCPU', () => {
  const { m, cpus } = makeMachine();
  const [c0, c1] = cpus as [FakeVcpu, FakeVcpu];
  c0.script.push(hvc(PSCI_FN.CPU_ON64, 1n, 0x4008_0000n));
  m.runRound();
  const seen: number[] = [];
  c0.script.push(() => { w32(m, VIRT.GIC_CPU.base + 4, 0x80); return EXIT_BUDGET; });
  c1.script.push(() => { seen.push(Number(m.bus.mmioRead(VIRT.GIC_CPU.base + 4, 4, 1))); return EXIT_BUDGET; });
  m.runRound();
  c0.script.push(() => { seen.push(Number(m.bus.mmioRead(VIRT.GIC_CPU.base + 4, 4, 0))); return EXIT_BUDGET; });
  m.runRound();
  assert.deepEqual(seen, [0, 0x80]);
});

test('a GICv3 machine hands each vCPU its ICC system-register interface and maps the redistributors', () => {
  const { m, cpus } = makeMachine({ gicVersion: 3 });
  assert.equal(cpus[0]!.opts.icc?.cpu, 0);
  assert.equal(cpus[1]!.opts.icc?.cpu, 1);
  assert.notEqual(m.bus.mmioRead(VIRT.GIC_REDIST.base + 0x8, 4, 0), null, 'GICR_TYPER answers');
});

test('stop() ends the run with { kind: "stopped" }; a busy guest still yields to the host', async () => {
  const { m, host, clock } = makeMachine({ yieldEveryMs: 1 });
  let rounds = 0;
  host.yieldNow = () => {
    host.yields++;
    if (++rounds === 3) m.stop();
    return Promise.resolve();
  };
  const orig = clock.monotonicNs;
  clock.monotonicNs = () => (clock.ns += 2_000_000, orig());
  assert.deepEqual(await m.run(), { kind: 'stopped' });
  assert.equal(host.yields, 3);
});

test('the last vCPU turning itself off fails the run', async () => {
  const { m, cpus } = makeMachine({ vcpus: 1 });
  cpus[0]!.script.push(hvc(PSCI_FN.CPU_OFF));
  assert.deepEqual(await m.run(), { kind: 'failed', reason: 'Every vCPU is off' });
});

test('runnable vCPUs share one round of instructions, so each turn comes as often with more vCPUs', () => {
  const { m, cpus } = makeMachine({ vcpus: 2, sliceInsns: 60_000 });
  const [c0, c1] = cpus as [FakeVcpu, FakeVcpu];
  m.runRound();
  assert.deepEqual(c0.budgets, [60_000], 'alone, vCPU 0 gets the whole round');
  c0.script.push(hvc(PSCI_FN.CPU_ON64, 1n, 0x4008_0000n));
  m.runRound();
  m.runRound();
  assert.equal(c0.budgets[2], 30_000);
  assert.deepEqual(c1.budgets, [60_000, 30_000]);
});

test('every virtio-mmio transport the device tree lists answers as QEMU\'s empty ones: magic, version 2, device ID 0', () => {
  const { m } = makeMachine();
  const nodes = fdtFromBlob(m.dtb).root.children.filter((n) => new TextDecoder().decode(n.property('compatible')?.value) === 'virtio,mmio\0');
  assert.equal(nodes.length, 32);
  for (const n of nodes) {
    const reg = new DataView(n.property('reg')!.value.buffer, n.property('reg')!.value.byteOffset);
    const base = Number(reg.getBigUint64(0));
    const read = (off: number) => m.bus.mmioRead(base + off, 4, 0);
    assert.deepEqual([read(0x0), read(0x4), read(0x8), read(0xc)], [0x7472_6976n, 2n, 0n, 0x554d_4551n], n.name);
    assert.equal(reg.getBigUint64(8), 0x200n);
    assert.ok(m.bus.mmioWrite(base + 0x70, 4, 0xfn, 0), 'Status writes are accepted and ignored');
    assert.equal(read(0x70), 0n);
  }
});
