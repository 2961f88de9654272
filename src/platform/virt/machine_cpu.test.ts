import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VirtMachine, type MachineHost } from './machine.js';
import { cpuVcpuFactory } from './machine_cpu.js';
import { isPageDirty } from '../../lib/dirty_log.js';

const host: MachineHost = { wait: () => Promise.resolve(), wake: () => undefined, yieldNow: () => Promise.resolve() };

/** A raw bare-metal "kernel" (loaded at RAM + 0x80000): vCPU 0 prints "A" and starts vCPU 1, which prints its context id and powers off. */
function program(): Uint8Array {
  const primary = [
    0xd2a12001, // movz x1, #0x900, lsl #16      (PL011 at 0x0900_0000)
    0x52800822, // movz w2, #'A'
    0xb9000022, // str  w2, [x1]
    0xd2800060, // movz x0, #3
    0xf2b88000, // movk x0, #0xc400, lsl #16     (PSCI CPU_ON64)
    0xd2800021, // movz x1, #1                   (target MPIDR 1)
    0xd2802002, // movz x2, #0x100
    0xf2a80102, // movk x2, #0x4008, lsl #16     (entry 0x4008_0100)
    0xd2800a63, // movz x3, #'S'                 (context id)
    0xd4000002, // hvc  #0
    0xd503207f, // wfi
    0x17ffffff, // b    .-4
  ];
  const secondary = [
    0xd2a12001, // movz x1, #0x900, lsl #16
    0xb9000020, // str  w0, [x1]                 (x0 = context id)
    0xd2800100, // movz x0, #8
    0xf2b08000, // movk x0, #0x8400, lsl #16     (PSCI SYSTEM_OFF)
    0xd4000002, // hvc  #0
    0x14000000, // b    .
  ];
  const bytes = new Uint8Array(0x200);
  const dv = new DataView(bytes.buffer);
  primary.forEach((w, i) => dv.setUint32(4 * i, w, true));
  secondary.forEach((w, i) => dv.setUint32(0x100 + 4 * i, w, true));
  return bytes;
}

test('the real CPU on the virt machine: UART output, PSCI CPU_ON with a context id, SYSTEM_OFF', async () => {
  const out: number[] = [];
  const m = new VirtMachine({
    memoryMiB: 16, vcpus: 2, gicVersion: 2, kernel: program(), bootargs: '', rngSeed: new Uint8Array(32),
    hostClock: { monotonicNs: () => 0, wallClockMs: () => 0 }, console: { write: (b) => out.push(...b) }, host,
    vcpuFactory: cpuVcpuFactory(),
  });
  assert.equal(m.layout.kernel.entryPa, 0x4008_0000);
  assert.deepEqual(await m.run(), { kind: 'off' });
  assert.equal(String.fromCharCode(...out), 'AS');
  assert.ok(m.instructionsRetired() >= 15, `retired ${m.instructionsRetired()}`);
});

/**
 * A raw bare-metal program that opens the GICv2 for the virtual timer's PPI 27, sets CNTV_CVAL 20
 * ticks ahead, unmasks IRQs and polls CNTV_CTL_EL0.ISTATUS; once it is set, it counts in x20 until
 * the IRQ arrives. The IRQ handler (VBAR + 0x280) stores x20 at RAM + 0x80100 and powers off.
 */
function timerPollProgram(): Uint8Array {
  const main = [
    0x10004000, // adr  x0, vectors (+0x800)
    0xd518c000, // msr  vbar_el1, x0
    0xd2a10001, // movz x1, #0x800, lsl #16      (GICD)
    0x52800022, // movz w2, #1
    0xb9000022, // str  w2, [x1]                 (GICD_CTLR)
    0x52a10002, // movz w2, #0x800, lsl #16      (bit 27)
    0xb9010022, // str  w2, [x1, #0x100]         (GICD_ISENABLER0)
    0xd2a10021, // movz x1, #0x801, lsl #16      (GICC)
    0x52800022, // movz w2, #1
    0xb9000022, // str  w2, [x1]                 (GICC_CTLR)
    0x52801fe2, // movz w2, #0xff
    0xb9000422, // str  w2, [x1, #4]             (GICC_PMR)
    0xd53be043, // mrs  x3, cntvct_el0
    0x91005063, // add  x3, x3, #20
    0xd51be343, // msr  cntv_cval_el0, x3
    0xd2800024, // movz x4, #1
    0xd51be324, // msr  cntv_ctl_el0, x4         (enabled, unmasked)
    0xd50342ff, // msr  daifclr, #2
    0xd2800014, // movz x20, #0
    0xd53be325, // poll: mrs x5, cntv_ctl_el0
    0x3617ffe5, // tbz  w5, #2, poll
    0x91000694, // count: add x20, x20, #1
    0x17ffffff, // b    count
  ];
  const irq = [
    0x10ffb401, // adr  x1, result (+0x100)
    0xf9000034, // str  x20, [x1]
    0xd2800100, // movz x0, #8
    0xf2b08000, // movk x0, #0x8400, lsl #16     (PSCI SYSTEM_OFF)
    0xd4000002, // hvc  #0
    0x14000000, // b    .
  ];
  const bytes = new Uint8Array(0x1000);
  const dv = new DataView(bytes.buffer);
  main.forEach((w, i) => dv.setUint32(4 * i, w, true));
  dv.setBigInt64(0x100, -1n, true);
  irq.forEach((w, i) => dv.setUint32(0xa80 + 4 * i, w, true));
  return bytes;
}

test('a guest polling CNTV_CTL_EL0.ISTATUS takes the timer IRQ as soon as it sees it set, not at the end of the slice', async () => {
  let hostNs = 0;
  const m = new VirtMachine({
    memoryMiB: 16, vcpus: 1, gicVersion: 2, kernel: timerPollProgram(), bootargs: '', rngSeed: new Uint8Array(32),
    // Every clock read moves time 100 ns (about 6 ticks) on, so the poll loop sees the deadline pass within a few reads.
    hostClock: { monotonicNs: () => (hostNs += 100), wallClockMs: () => 0 }, console: { write: () => undefined }, host,
    vcpuFactory: cpuVcpuFactory(),
  });
  assert.deepEqual(await m.run(), { kind: 'off' });
  const afterIstatus = new DataView(m.bus.ram).getBigInt64(0x80100, true);
  // The IRQ is taken at the block boundary after the MRS that saw ISTATUS: before the first ADD.
  assert.equal(afterIstatus, 0n, `instructions run between ISTATUS = 1 and the IRQ: ${afterIstatus}`);
});

test("the virt board's dirty log: the pages the vCPUs store to while it is on, and nothing the loader wrote", async () => {
  const words = [
    0xd2a80201, // movz x1, #0x4010, lsl #16     (RAM + 1 MiB)
    0xf9000021, // str  x1, [x1]
    0xd2800100, // movz x0, #8
    0xf2b08000, // movk x0, #0x8400, lsl #16     (PSCI SYSTEM_OFF)
    0xd4000002, // hvc  #0
    0x14000000, // b    .
  ];
  const kernel = new Uint8Array(4 * words.length);
  words.forEach((w, i) => new DataView(kernel.buffer).setUint32(4 * i, w, true));
  const m = new VirtMachine({
    memoryMiB: 16, vcpus: 1, gicVersion: 2, kernel, bootargs: '', rngSeed: new Uint8Array(32),
    hostClock: { monotonicNs: () => 0, wallClockMs: () => 0 }, console: { write: () => undefined }, host,
    vcpuFactory: cpuVcpuFactory(),
  });
  assert.equal(m.dirtyLogOp('peek'), null, 'off until enabled');
  assert.equal(m.dirtyLogOp('enable')!.dirtyCount, 0, 'the kernel and DTB the loader placed are not in it');
  assert.deepEqual(await m.run(), { kind: 'off' });
  const dirty = m.dirtyLogOp('clean')!;
  assert.equal(dirty.dirtyCount, 1);
  assert.ok(isPageDirty(dirty.bits, (1 << 20) / 4096));
  assert.equal(m.dirtyLogOp('off'), null);
});
