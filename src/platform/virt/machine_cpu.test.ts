import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VirtMachine, type MachineHost } from './machine.js';
import { cpuVcpuFactory } from './machine_cpu.js';

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
