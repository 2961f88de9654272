/**
 * The seams of the memory path: how a virtual address becomes a physical one, and what lies at a
 * physical address. The CPU's TLB sits in front of both. A user-mode address space, the stage-1
 * MMU, and later stage 1 + stage 2 under the hypervisor, are all AddressTranslators.
 */

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

export interface AddressTranslator {
  /**
   * Translates `va` (a sign-extended canonical address) for an access at exception level `el`.
   * Returns the physical address, or a fault.
   */
  translate(va: number, access: Access, el: number): number | TranslationFault;
}

/** Physical address space: one RAM region plus memory-mapped devices. */
export interface PhysicalBus {
  /** Guest RAM: one buffer, shareable with workers and usable as a WebAssembly.Memory. */
  readonly ram: ArrayBuffer | SharedArrayBuffer;
  /** Physical address of the first byte of `ram`. */
  readonly ramBase: number;
  /**
   * Reads a device register for vCPU `cpu` (the bus passes it on: banked registers depend on who
   * accesses them); null means nothing answers there (a synchronous external abort).
   */
  mmioRead(pa: number, sizeBytes: number, cpu: number): bigint | null;
  /** Writes a device register for vCPU `cpu`; false means nothing answers there. */
  mmioWrite(pa: number, sizeBytes: number, value: bigint, cpu: number): boolean;
}
