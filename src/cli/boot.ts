/** `xenon boot`: boot an arm64 Linux kernel on the emulated `virt` machine, with its UART on the terminal. */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { readBoundedFile } from '../host/node/bounded_file.js';
import { nodeHostClock } from '../host/node/clock.js';
import { XenonError } from '../lib/errors.js';
import { placeKernel } from '../platform/boot/kernel_image.js';
import type { MachineResult, VirtMachine } from '../platform/virt/machine.js';
import type { Command } from './cmdtable.js';
import { applyJitMode, jitHelp, jitStatsLine, parseJitMode, type JitMode } from './jit_option.js';

/** The virt board's RAM bank below 4 GiB of guest physical addresses. */
const MAX_MEMORY_MIB = 3072;
const USAGE = 'xenon boot --kernel FILE [--initrd FILE] [--append STR] [--memory MiB] [--vcpus N] [--gic 2|3] '
  + '[--dtb-out FILE] [--on-reset exit|reboot] [--trace] [--stats] [--jit wasm|js|off] [--no-jit]';

/** arm64-platform.md §15: the console, reboot on panic (which we turn into an exit), no crypto self-tests. */
export const DEFAULT_APPEND = 'console=ttyAMA0 panic=-1 cryptomgr.notests';

export interface BootArgs {
  readonly kernel: string;
  readonly initrd?: string;
  readonly append: string;
  readonly memoryMiB: number;
  readonly vcpus: number;
  readonly gicVersion: 2 | 3;
  readonly dtbOut?: string;
  readonly onReset: 'exit' | 'reboot';
  readonly trace: boolean;
  readonly stats: boolean;
  /** Interpret every block (no compiled blocks). */
  readonly jit: JitMode;
}

function usage(message: string): XenonError {
  return new XenonError('USAGE', `${message}; usage: ${USAGE}`);
}

function intOption(name: string, v: string, min: number, max: number): number {
  // Decimal digits only: Number() would take "0x100" as 256 and " 12 " as 12.
  const n = /^[0-9]+$/.test(v) ? Number(v) : NaN;
  if (!(n >= min && n <= max)) {
    throw new XenonError('USAGE', `Cannot use ${name} "${v}": give a whole number from ${min} to ${max}`);
  }
  return n;
}

/** Parses `xenon boot`'s options (`--opt value` or `--opt=value`). */
export function parseBootArgs(args: readonly string[]): BootArgs {
  const values = new Map<string, string>();
  let trace = false;
  let stats = false;
  let jit: JitMode = 'wasm';
  const valued = new Set(['--kernel', '--initrd', '--append', '--memory', '--vcpus', '--gic', '--dtb-out', '--on-reset', '--jit']);
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--trace' || a === '--stats' || a === '--no-jit') {
      if (a === '--trace') trace = true;
      else if (a === '--stats') stats = true;
      else jit = 'off';
      continue;
    }
    const eq = a.indexOf('=');
    const name = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    if (!valued.has(name)) throw usage(a.startsWith('-') ? `Unknown option "${a}"` : `Unexpected argument "${a}"`);
    const v = eq > 0 && name !== a ? a.slice(eq + 1) : args[++i];
    if (v === undefined) throw usage(`Option ${name} needs a value`);
    if (values.has(name)) throw usage(`Option ${name} given twice`);
    values.set(name, v);
  }
  const kernel = values.get('--kernel');
  if (kernel === undefined) throw usage('Missing --kernel');
  const gic = values.get('--gic') ?? '2';
  if (gic !== '2' && gic !== '3') throw new XenonError('USAGE', `Cannot use --gic "${gic}": give 2 or 3`);
  const onReset = values.get('--on-reset') ?? 'exit';
  if (onReset !== 'exit' && onReset !== 'reboot') throw new XenonError('USAGE', `Cannot use --on-reset "${onReset}": give exit or reboot`);
  const initrd = values.get('--initrd');
  const dtbOut = values.get('--dtb-out');
  return {
    kernel,
    ...(initrd === undefined ? {} : { initrd }),
    append: values.get('--append') ?? DEFAULT_APPEND,
    memoryMiB: intOption('--memory', values.get('--memory') ?? '512', 64, MAX_MEMORY_MIB),
    vcpus: intOption('--vcpus', values.get('--vcpus') ?? '1', 1, 8),
    gicVersion: gic === '2' ? 2 : 3,
    ...(dtbOut === undefined ? {} : { dtbOut }),
    onReset,
    trace,
    stats,
    jit: values.has('--jit') ? parseJitMode(values.get('--jit')!) : jit,
  };
}

/** A file for the guest's RAM: no larger than the RAM, and never a directory or a device (`/dev/zero`). */
function readInput(path: string, what: string, ramMiB: number): Uint8Array {
  return readBoundedFile(path, what, ramMiB * 1024 * 1024, `bytes of the guest's ${ramMiB} MiB of RAM`);
}

/** Reads and checks the kernel: an uncompressed little-endian arm64 Image, an AArch64 ELF, or a raw binary (entered at RAM + 0x80000). */
export function loadKernel(path: string, ramMiB = MAX_MEMORY_MIB): Uint8Array {
  const bytes = readInput(path, 'kernel', ramMiB);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    throw new XenonError('BAD_EXECUTABLE', `Kernel "${path}" is gzip-compressed; give the uncompressed Image (xenon image pull caches one)`);
  }
  try {
    // Where segments go against RAM is checked when the machine is built (it knows the RAM size); this checks the format.
    placeKernel(bytes, 0);
  } catch (e) {
    if (e instanceof XenonError) throw new XenonError(e.code, `Cannot boot "${path}": ${e.message}`, { cause: e });
    throw e;
  }
  return bytes;
}

/** Boots once; resolves to the machine's result. The machine and CPU load only when a boot runs (start-up cost of other commands). */
async function bootOnce(a: BootArgs, kernel: Uint8Array, initrd: Uint8Array | undefined): Promise<MachineResult> {
  const [{ VirtMachine }, { cpuVcpuFactory }, { NodeIdleWaiter, TerminalConsole }] = await Promise.all([
    import('../platform/virt/machine.js'), import('../platform/virt/machine_cpu.js'), import('../host/node/console.js'),
  ]);
  const waiter = new NodeIdleWaiter();
  let machine: VirtMachine | null = null;
  const term = new TerminalConsole({ onInput: (b) => machine?.consoleInput(b), onQuit: () => machine?.stop() });
  try {
    machine = new VirtMachine({
      memoryMiB: a.memoryMiB, vcpus: a.vcpus, gicVersion: a.gicVersion, kernel, bootargs: a.append,
      rngSeed: new Uint8Array(randomBytes(32)), hostClock: nodeHostClock, console: term, host: waiter,
      vcpuFactory: cpuVcpuFactory(),
      ...(initrd === undefined ? {} : { initrd }),
      ...(a.trace ? { trace: (line: string) => process.stderr.write(`xenon: ${line}\n`) } : {}),
      warn: (line: string) => process.stderr.write(`\r\nxenon: ${line}\n`),
    });
    if (a.dtbOut !== undefined) fs.writeFileSync(a.dtbOut, machine.dtb);
    const t0 = performance.now();
    const result = await machine.run();
    if (a.stats) {
      const s = (performance.now() - t0) / 1000;
      const n = machine.instructionsRetired();
      process.stderr.write(`\r\nxenon: ${n} guest instructions in ${s.toFixed(2)} s (${(n / s / 1e6).toFixed(1)} M/s)\n${jitStatsLine()}\n`);
    }
    return result;
  } finally {
    term.close();
  }
}

async function boot(args: readonly string[]): Promise<number> {
  const a = parseBootArgs(args);
  applyJitMode(a.jit);
  const kernel = loadKernel(a.kernel, a.memoryMiB);
  const initrd = a.initrd === undefined ? undefined : readInput(a.initrd, 'initrd', a.memoryMiB);
  for (;;) {
    const r = await bootOnce(a, kernel, initrd);
    switch (r.kind) {
      case 'off':
        return 0;
      case 'stopped':
        process.stderr.write('\r\nxenon: stopped from the console\n');
        return 0;
      case 'reset':
        if (a.onReset === 'reboot') {
          process.stderr.write('\r\nxenon: the guest reset the machine; rebooting\n');
          continue;
        }
        // Its own status, so a script does not take a panic (panic=N resets) for a clean power-off.
        process.stderr.write('\r\n');
        throw new XenonError('GUEST_RESET', 'The guest reset the machine (a reboot, or a kernel panic with panic=N); --on-reset reboot boots it again');
      case 'failed':
        throw new XenonError('GUEST_FAILED', `The guest stopped: ${r.reason}`);
    }
  }
}

export const bootCommand: Command = {
  name: 'boot',
  handler: boot,
  summary: 'Boot an arm64 Linux kernel on the emulated virt machine, console on the terminal',
  usage: USAGE,
  help: [
    'Boots the kernel at EL1 on a QEMU-compatible `virt` board (GIC, PL011 UART, PL031 RTC, PSCI) with',
    'the UART on this terminal. Exits 0 when the guest powers off, 8 when it resets the machine.',
    '  --kernel FILE        uncompressed arm64 Image, AArch64 ELF (loaded by physical address) or raw binary (required)',
    '  --initrd FILE        initramfs, passed in /chosen',
    `  --append STR         kernel command line (default "${DEFAULT_APPEND}")`,
    '  --memory MiB         guest RAM, 64 to 3072 (default 512)',
    '  --vcpus N            vCPUs, 1 to 8 (default 1)',
    '  --gic 2|3            interrupt controller version (default 2)',
    '  --dtb-out FILE       also write the generated device tree to FILE',
    '  --on-reset exit|reboot  what a guest reset (or a panic with panic=N) does: exit with status 8 (default) or boot again',
    '  --trace              log firmware calls and vCPU power changes on stderr',
    '  --stats              print the instructions retired and the rate at the end',
    ...jitHelp(20),
    'On a terminal, press Ctrl-] then q to quit; Ctrl-] twice sends one Ctrl-] to the guest.',
  ].join('\n'),
};
