/**
 * The seams of the memory path: how a virtual address becomes a physical one, and what lies at a
 * physical address. The CPU's TLB sits in front of both. A user-mode address space, the stage-1
 * MMU, and later stage 1 + stage 2 under the hypervisor, are all AddressTranslators.
 */
import type { DirtyLog } from '../../../lib/dirty_log.js';
import type { JitMemory } from '../jit/guest_memory.js';

export const enum Access {
  READ = 0,
  WRITE = 1,
  EXEC = 2,
}

/** A failed translation, reported with its ESR fault status code (FSC in exit.ts). */
export interface TranslationFault {
  readonly fsc: number;
  /**
   * Set when stage 2 refused the access: the intermediate physical address, and whether it was a
   * descriptor read of the stage-1 walk (S1PTW). Such faults go to the hypervisor, not the guest.
   */
  readonly stage2?: { readonly ipa: number; readonly s1ptw: boolean };
}

/**
 * What a translator with tables found for its last successful `translate`, for the TLB's
 * bookkeeping. The translator owns the object and updates it in place.
 */
export interface MappingInfo {
  /** False for a non-global entry, which belongs to the ASID current when it was walked. */
  global: boolean;
  /**
   * log2 of the region that one TLB entry for this translation stands for: 12 for a page, more for a
   * block or a contiguous run, where a TLBI by VA anywhere in the region must drop it.
   */
  spanLog2: number;
}

export interface AddressTranslator {
  /** Set by translators with tables; a translator without one maps global pages only. */
  readonly last?: MappingInfo;
  /**
   * Translates `va` (a sign-extended canonical address) for an access at exception level `el`.
   * Returns the physical address, or a fault.
   */
  translate(va: number, access: Access, el: number): number | TranslationFault;
}

/** Bytes of guest RAM on `bus`. */
export function guestRamBytes(bus: PhysicalBus): number {
  return bus.ramSize ?? bus.ram.byteLength;
}

/** Physical address space: one RAM region plus memory-mapped devices. */
export interface PhysicalBus {
  /** Guest RAM: one buffer, shareable with workers and usable as a WebAssembly.Memory. */
  readonly ram: ArrayBuffer | SharedArrayBuffer;
  /** Physical address of the first byte of `ram`. */
  readonly ramBase: number;
  /**
   * Bytes of `ram`, from its start, that are guest RAM: all of it when absent. Less when `ram` is a
   * WebAssembly.Memory's buffer whose tail holds the vCPUs' JIT areas (`jit`), which no guest
   * access may reach.
   */
  readonly ramSize?: number;
  /** Set when `ram` is the buffer of `jit.memory`: compiled code may run on it (`jit/guest_memory.ts`). */
  readonly jit?: JitMemory;
  /** The pages of `ram` written while the log is on, which every CPU store marks (live migration). */
  readonly dirtyLog?: DirtyLog;
  /**
   * Reads a device register for vCPU `cpu` (the bus passes it on: banked registers depend on who
   * accesses them); null means nothing answers there (a synchronous external abort).
   */
  mmioRead(pa: number, sizeBytes: number, cpu: number): bigint | null;
  /** Writes a device register for vCPU `cpu`; false means nothing answers there. */
  mmioWrite(pa: number, sizeBytes: number, value: bigint, cpu: number): boolean;
}
