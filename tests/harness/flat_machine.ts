/**
 * A bare CPU for unit tests: RAM at physical 0, virtual = physical, everything readable, writable and
 * executable, no devices. Assemble instruction words in, run, inspect state.
 */
import { Cpu } from '../../src/arch/arm64/cpu.js';
import type { CodeCache } from '../../src/arch/arm64/code_cache.js';
import { allocateJitMemory, jitAreaOffset } from '../../src/arch/arm64/jit/guest_memory.js';
import type { AddressTranslator, PhysicalBus } from '../../src/arch/arm64/mmu/translator.js';
import { FSC, type VcpuExit } from '../../src/arch/arm64/exit.js';
import type { DirtyLog } from '../../src/lib/dirty_log.js';

export interface FlatMachine {
  readonly cpu: Cpu;
  readonly ram: Uint8Array;
  /** Writes instruction words at `at` (default 0x1000) and sets PC there. */
  load(words: readonly number[], at?: number): void;
  /** Runs until an exit other than the budget, or `budget` instructions. */
  run(budget?: number): VcpuExit;
}

/**
 * `jit`: RAM in a WebAssembly.Memory with a JIT area for the CPU, so hot blocks compile to wasm.
 * `dirtyLog`: the log of RAM pages the CPU's stores mark. `code`: the code cache to run from (the
 * test's, to sweep it), else a new one of the CPU's own.
 */
export function flatMachine(ramBytes = 1 << 20, opts: { jit?: boolean; dirtyLog?: DirtyLog; code?: CodeCache } = {}): FlatMachine {
  const jit = opts.jit === true ? allocateJitMemory(ramBytes, 1) : null;
  if (opts.jit === true && jit === null) throw new Error('This engine has no shared WebAssembly.Memory');
  const ram = jit === null ? new ArrayBuffer(ramBytes) : jit.memory.buffer;
  const bus: PhysicalBus = {
    ram,
    ramBase: 0,
    ramSize: ramBytes,
    ...(jit === null ? {} : { jit }),
    ...(opts.dirtyLog === undefined ? {} : { dirtyLog: opts.dirtyLog }),
    mmioRead: () => null,
    mmioWrite: () => false,
  };
  const translator: AddressTranslator = {
    translate: (va) => (va >= 0 && va < ramBytes ? va : { fsc: FSC.TRANSLATION_L0 }),
  };
  const cpu = new Cpu({ bus, translator, ...(jit === null ? {} : { jitArea: jitAreaOffset(jit, 0)! }), ...(opts.code === undefined ? {} : { code: opts.code }) });
  const u8 = new Uint8Array(ram, 0, ramBytes);
  return {
    cpu,
    ram: u8,
    load(words, at = 0x1000) {
      const dv = new DataView(ram);
      words.forEach((w, i) => dv.setUint32(at + 4 * i, w >>> 0, true));
      cpu.flushCode();
      cpu.state.pc = at;
    },
    run(budget = 1_000_000) {
      return cpu.run(budget);
    },
  };
}
