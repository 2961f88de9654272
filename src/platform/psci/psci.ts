/**
 * PSCI 1.0 firmware calls (Arm DEN0022D), as QEMU's `virt` offers them over the HVC #0 or SMC
 * conduit: SMCCC v1.0 register convention, function ID in x0, arguments in x1..x3, result in x0.
 * The board supplies the actions (start a vCPU, power off); this file only decodes and validates.
 */

export const PSCI_FN = {
  VERSION: 0x8400_0000,
  CPU_SUSPEND: 0x8400_0001,
  CPU_SUSPEND64: 0xc400_0001,
  CPU_OFF: 0x8400_0002,
  CPU_ON: 0x8400_0003,
  CPU_ON64: 0xc400_0003,
  AFFINITY_INFO: 0x8400_0004,
  AFFINITY_INFO64: 0xc400_0004,
  MIGRATE_INFO_TYPE: 0x8400_0006,
  SYSTEM_OFF: 0x8400_0008,
  SYSTEM_RESET: 0x8400_0009,
  PSCI_FEATURES: 0x8400_000a,
} as const;

export const PSCI_RET = {
  SUCCESS: 0,
  NOT_SUPPORTED: -1,
  INVALID_PARAMETERS: -2,
  DENIED: -3,
  ALREADY_ON: -4,
  ON_PENDING: -5,
  INTERNAL_FAILURE: -6,
  NOT_PRESENT: -7,
  DISABLED: -8,
  INVALID_ADDRESS: -9,
} as const;

/** PSCI 1.0: major 1, minor 0. */
export const PSCI_VERSION_1_0 = 0x0001_0000;
/** MIGRATE_INFO_TYPE: no Trusted OS, nothing to migrate. */
const MIGRATE_NOT_REQUIRED = 2;

export type AffinityState = 'on' | 'off' | 'onPending';

/** What PSCI needs from the board. MPIDRs are Aff0..Aff2 packed as in MPIDR_EL1 (bits 23..0). */
export interface PsciBoard {
  /** The vCPU index with this MPIDR, or -1. */
  cpuIndexOf(mpidr: number): number;
  cpuState(index: number): AffinityState;
  /** Whether `pa` is RAM a vCPU can start at. */
  isEntryAddressValid(pa: number): boolean;
  /** Powers `index` on at `entryPa` with x0 = contextId, MMU off, EL1h. */
  startCpu(index: number, entryPa: number, contextId: bigint): void;
  /** Powers the calling vCPU off. */
  stopCurrentCpu(): void;
  systemOff(): void;
  systemReset(): void;
}

const IMPLEMENTED = new Set<number>(Object.values(PSCI_FN));

/**
 * Performs one PSCI call and returns the value for x0 (as a signed number; the caller writes it
 * sign-extended). Functions that do not return (CPU_OFF, SYSTEM_OFF/RESET) still return a value
 * for the rare case where the board refuses; it is ignored otherwise.
 */
export function psciCall(fn: number, args: readonly [bigint, bigint, bigint], board: PsciBoard): number {
  const is64 = (fn & 0x4000_0000) !== 0;
  const arg = (i: 0 | 1 | 2): bigint => (is64 ? args[i] : args[i] & 0xffff_ffffn);
  switch (fn >>> 0) {
    case PSCI_FN.VERSION:
      return PSCI_VERSION_1_0;
    case PSCI_FN.CPU_SUSPEND:
    case PSCI_FN.CPU_SUSPEND64:
      // A standby-type suspend that returns at once is a valid implementation (the caller may be woken early).
      return PSCI_RET.SUCCESS;
    case PSCI_FN.CPU_OFF:
      board.stopCurrentCpu();
      return PSCI_RET.DENIED;
    case PSCI_FN.CPU_ON:
    case PSCI_FN.CPU_ON64: {
      const index = board.cpuIndexOf(Number(arg(0) & 0xff_ffffn));
      if (index < 0 || (arg(0) >> 24n) !== 0n) return PSCI_RET.INVALID_PARAMETERS;
      const state = board.cpuState(index);
      if (state === 'on') return PSCI_RET.ALREADY_ON;
      if (state === 'onPending') return PSCI_RET.ON_PENDING;
      const entry = arg(1);
      if (entry > BigInt(Number.MAX_SAFE_INTEGER) || !board.isEntryAddressValid(Number(entry))) return PSCI_RET.INVALID_ADDRESS;
      board.startCpu(index, Number(entry), arg(2));
      return PSCI_RET.SUCCESS;
    }
    case PSCI_FN.AFFINITY_INFO:
    case PSCI_FN.AFFINITY_INFO64: {
      if (arg(1) !== 0n) return PSCI_RET.INVALID_PARAMETERS; // only level 0 (a single core) exists here
      const index = board.cpuIndexOf(Number(arg(0) & 0xff_ffffn));
      if (index < 0) return PSCI_RET.INVALID_PARAMETERS;
      return { on: 0, off: 1, onPending: 2 }[board.cpuState(index)];
    }
    case PSCI_FN.MIGRATE_INFO_TYPE:
      return MIGRATE_NOT_REQUIRED;
    case PSCI_FN.SYSTEM_OFF:
      board.systemOff();
      return PSCI_RET.INTERNAL_FAILURE;
    case PSCI_FN.SYSTEM_RESET:
      board.systemReset();
      return PSCI_RET.INTERNAL_FAILURE;
    case PSCI_FN.PSCI_FEATURES:
      // SMCCC_VERSION and everything else unknown: NOT_SUPPORTED, so the kernel uses no firmware workarounds.
      return IMPLEMENTED.has(Number(arg(0) & 0xffff_ffffn)) ? PSCI_RET.SUCCESS : PSCI_RET.NOT_SUPPORTED;
    default:
      return PSCI_RET.NOT_SUPPORTED;
  }
}
