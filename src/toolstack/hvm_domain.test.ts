/**
 * An HVM domain: the emulated `virt` board run as a domain by the domain manager, with a tiny
 * guest that writes to its PL011 and powers off through PSCI. Its console output reaches the
 * console listeners and log like a Xen guest's; SYSTEM_OFF is a poweroff shutdown, and the
 * on_poweroff action applies.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { arm64Image } from '../hv/_test_arm64_image.js';
import { DomainManager, type DomainEvent } from './domain_manager.js';
import { InThreadLauncher } from './launcher.js';

/** mov x1, #0x09000000 (PL011); "h", "i" to UARTDR; x0 = PSCI SYSTEM_OFF; hvc #0; b . */
const UART_HI_THEN_OFF = [0xd2a12001, 0x52800d02, 0xb9000022, 0x52800d22, 0xb9000022, 0xd2b08000, 0xf2800100, 0xd4000002, 0x14000000];

test('an HVM domain runs the virt board: its UART output reaches the console, PSCI SYSTEM_OFF shuts it down, on_poweroff destroys it', async () => {
  let ns = 0;
  const clock = { monotonicNs: () => (ns += 10_000), wallClockMs: () => 1_700_000_000_000 };
  let wakes = 0;
  const logs = new Map<string, string>();
  const m = new DomainManager({
    clock, launcher: new InThreadLauncher(clock),
    wait: () => new Promise((resolve) => setTimeout(resolve, 1)), wake: () => void wakes++,
    randomBytes: (n) => new Uint8Array(n),
    consoleLog: (name) => (b) => logs.set(name, (logs.get(name) ?? '') + new TextDecoder().decode(b)),
  });
  const events: DomainEvent[] = [];
  m.onEvent((e) => events.push(e));
  const domid = await m.create({
    type: 'hvm', name: 'board', uuid: '00000000-0000-4000-8000-0000000000b0', vcpus: 1, memoryMiB: 64, maxMemoryMiB: 64, gicVersion: 2,
    kernel: arm64Image(UART_HI_THEN_OFF), onPoweroff: 'destroy', onReboot: 'restart', onCrash: 'destroy', onWatchdog: 'destroy',
  });
  assert.equal(m.xs.read(`/libxl/${domid}/type`), 'hvm');
  assert.throws(() => m.xs.read(`/local/domain/${domid}/store/port`), 'an HVM domain has no xenstore ring');
  // It reads no control/shutdown node, and the board has no ACPI power button for xl's -F.
  assert.throws(() => m.requestShutdown(domid, 'poweroff'), /HVM domain with no PV control interface/);
  assert.throws(() => m.requestShutdown(domid, 'reboot', { fallback: true }), /no ACPI power button for -F/);
  // Its board keeps a dirty log too (what migration will drive), through the same manager call.
  assert.equal((await m.dirtyLog(domid, 'enable'))?.dirtyCount, 0);
  assert.equal(await m.dirtyLog(domid, 'off'), null);
  const t0 = Date.now();
  await m.run(() => m.list().length === 0 || Date.now() - t0 > 20_000);
  assert.equal(logs.get('board'), 'hi');
  assert.ok(events.some((e) => e.kind === 'shutdown' && e.domid === domid && e.reason === 'poweroff'), JSON.stringify(events));
  assert.ok(events.some((e) => e.kind === 'destroyed' && e.domid === domid));
  assert.equal(m.list().length, 0);
});
