/**
 * A bare CPU for unit tests: RAM at physical 0, virtual = physical, everything readable, writable and
 * executable, no devices. Assemble instruction words in, run, inspect state.
 */
import { Cpu } from '../../src/arch/arm64/cpu.js';
import type { AddressTranslator, PhysicalBus } from '../../src/arch/arm64/mmu/translator.js';
import { FSC, type VcpuExit } from '../../src/arch/arm64/exit.js';

export interface FlatMachine {
  readonly cpu: Cpu;
  readonly ram: Uint8Array;
  /** Writes instruction words at `at` (default 0x1000) and sets PC there. */
  load(words: readonly number[], at?: number): void;
  /** Runs until an exit other than the budget, or `budget` instructions. */
  run(budget?: number): VcpuExit;
}

export function flatMachine(ramBytes = 1 << 20): FlatMachine {
  const ram = new ArrayBuffer(ramBytes);
  const bus: PhysicalBus = {
    ram,
    ramBase: 0,
    mmioRead: () => null,
    mmioWrite: () => false,
  };
  const translator: AddressTranslator = {
    translate: (va) => (va >= 0 && va < ramBytes ? va : { fsc: FSC.TRANSLATION_L0 }),
  };
  const cpu = new Cpu({ bus, translator });
  const u8 = new Uint8Array(ram);
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
