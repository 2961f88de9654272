import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EC, makeEsr } from '../../arch/arm64/exit.js';
import { DomainRuntime } from '../domain_runtime.js';
import { Hypervisor } from '../hypervisor.js';

/** An arm64 Image (header: b +64, magic at 56) whose code at +64 is `words`. */
function image(words: readonly number[]): Uint8Array {
  const img = new Uint8Array(64 + words.length * 4);
  const dv = new DataView(img.buffer);
  dv.setUint32(0, 0x14000010, true); // b .+64
  dv.setBigUint64(16, BigInt(img.byteLength), true);
  dv.setUint32(56, 0x644d5241, true);
  words.forEach((w, i) => dv.setUint32(64 + i * 4, w, true));
  return img;
}

function runtime(kernel: Uint8Array): { rt: DomainRuntime; log: string[] } {
  let ns = 0;
  const clock = { monotonicNs: () => (ns += 1000), wallClockMs: () => 0 };
  const hv = new Hypervisor();
  const log: string[] = [];
  const rt = new DomainRuntime({
    domid: hv.allocateDomid(), name: 't', uuid: new Uint8Array(16), vcpus: 1, memoryBytes: 16 << 20, gicVersion: 3,
    kernel, rngSeed: new Uint8Array(128), bootUnixNs: 0n, peers: [hv.dom0Descriptor],
  }, { clock, sleep: () => Promise.resolve(), yieldNow: () => Promise.resolve(), log: (l) => log.push(l), stateChanged: () => undefined });
  rt.unpause();
  return { rt, log };
}

/** Image offset of the vector table the first test installs (VBAR_EL1 must be 2 KiB aligned). */
const VECTORS = 0x800;

test('a store to an unmapped IPA exits as a stage-2 data abort with the instruction syndrome, and is injected as Xen does', () => {
  // adr x5, vectors; msr vbar_el1, x5; isb; mov x4, #0x10000000; mov w3, #0x55; str w3, [x4]; b .
  const code = [0x10003e05, 0xd518c005, 0xd5033fdf, 0xd2a20004, 0x52800aa3, 0xb9000083, 0x14000000];
  // The current-EL synchronous vector (VBAR + 0x200): b .
  const words = [...code, ...new Array<number>((VECTORS + 0x200 - 64) / 4 - code.length).fill(0xd503201f), 0x14000000];
  const { rt, log } = runtime(image(words));
  rt.arch.runRound();
  const line = log.find((l) => l.includes('stage-2 abort'));
  assert.ok(line !== undefined, `no stage-2 abort was logged: ${log.join('\n')}`);
  // ISV, SAS = word, SRT = 3, WnR, DFSC translation fault level 0.
  const iss = (1 << 24) | (2 << 22) | (3 << 16) | (1 << 6) | 0x04;
  assert.match(line, new RegExp(`IPA 0x10000000 \\(ESR_EL2 0x${makeEsr(EC.DABT_LOWER, iss).toString(16)}\\)`));
  assert.ok((rt.counters().exits.find(([k]) => k === 'stage2')?.[1] ?? 0) >= 1);
  assert.equal(rt.d.state, 'running', 'an abort the guest takes is not a crash');
  assert.equal(rt.arch.vcpus[0]!.cpu.state.pc % 0x1000, (VECTORS + 0x200) % 0x1000, 'the guest is in its vector');
});

test('a stage-2 abort at the exception vector it is injected into crashes the domain instead of spinning', () => {
  // mov x4, #0x10000000; msr vbar_el1, x4; isb; str w3, [x4]; b .  (VBAR on an IPA with nothing behind it)
  const { rt, log } = runtime(image([0xd2a20004, 0xd518c004, 0xd5033fdf, 0xb9000083, 0x14000000]));
  rt.arch.runRound();
  assert.equal(rt.d.state, 'shutdown');
  assert.equal(rt.d.shutdownReason, 'crash');
  assert.ok(log.some((l) => l.includes('vector at 0x10000200 aborts at stage 2 again: domain crashed')), log.join('\n'));
  assert.ok((rt.counters().exits.find(([k]) => k === 'stage2')?.[1] ?? 0) <= 2, 'one abort injected, one found looping');
});

test('an HVC with an immediate other than 0 or 0xEA1 becomes an undefined-instruction exception in the guest', () => {
  // hvc #0x1234; b .
  const { rt } = runtime(image([0xd4024682, 0x14000000]));
  rt.arch.runRound();
  assert.equal(rt.counters().exits.find(([k]) => k === 'undef-hvc')?.[1], 1);
  assert.equal(rt.arch.vcpus[0]!.cpu.state.pc, 0x200, 'the guest takes the exception at VBAR_EL1 (0) + 0x200');
});

test('a registered runstate area shows the vCPU blocked after it waits in WFI, with the time it ran', () => {
  // x3 = 0x40000800 (the argument), *x3 = 0x40001000 (the area); vcpu_op(register_runstate_memory_area, 0, x3); wfi loop
  const { rt } = runtime(image([0xd2a80003, 0x91200063, 0xd2a80004, 0x91400484, 0xf9000064, 0xd2800310, 0xd28000a0, 0xd2800001, 0xaa0303e2, 0xd401d422, 0xd503207f, 0x17ffffff]));
  rt.arch.runRound();
  const dv = new DataView(rt.built.buffer, rt.built.layout.hostBase + 0x1000, 48);
  assert.equal(rt.arch.vcpus[0]!.cpu.state.x64[0], 0n, 'VCPUOP_register_runstate_memory_area succeeded');
  assert.equal(dv.getInt32(0, true), 2, 'RUNSTATE_blocked');
  assert.ok(dv.getBigUint64(8, true) > 0n, 'state_entry_time is set');
  assert.ok(dv.getBigUint64(16, true) > 0n, 'time[RUNSTATE_running] counts the slice it ran');
});

test('a domain built at an offset of a caller-supplied shared memory (a WebAssembly.Memory) uses only its own range', () => {
  const { WebAssembly: wa } = globalThis as unknown as { WebAssembly: { Memory: new (d: { initial: number; maximum: number; shared: boolean }) => { buffer: SharedArrayBuffer } } };
  const buffer = new wa.Memory({ initial: 512, maximum: 512, shared: true }).buffer; // 32 MiB
  const offset = 4 << 20;
  const before = new Uint8Array(buffer).fill(0xa5);
  // mov x4, #0x40000000; mov w3, #0x55; strb w3, [x4, #1]; b .
  const kernel = image([0xd2a80004, 0x52800aa3, 0x39000483, 0x14000000]);
  let ns = 0;
  const clock = { monotonicNs: () => (ns += 1000), wallClockMs: () => 0 };
  const hv = new Hypervisor();
  const rt = new DomainRuntime({
    domid: hv.allocateDomid(), name: 'wasm', uuid: new Uint8Array(16), vcpus: 1, memoryBytes: 16 << 20, gicVersion: 3,
    kernel, rngSeed: new Uint8Array(128), bootUnixNs: 0n, peers: [hv.dom0Descriptor], hostMemory: { buffer, offset },
  }, { clock, sleep: () => Promise.resolve(), yieldNow: () => Promise.resolve(), log: () => undefined, stateChanged: () => undefined });
  rt.unpause();
  rt.arch.runRound();
  assert.equal(rt.built.buffer, buffer);
  assert.equal(before[offset + 1], 0x55, 'the guest\'s store to 0x40000001 landed at the domain\'s offset');
  const end = offset + rt.built.layout.totalBytes;
  assert.ok(before.subarray(0, offset).every((b) => b === 0xa5), 'nothing below the domain\'s range changed');
  assert.ok(before.subarray(end).every((b) => b === 0xa5), 'nothing above the domain\'s range changed');
  assert.equal(before[offset + rt.built.layout.ramBytes - 1], 0, 'the domain\'s memory was zeroed before it started');
});
