/**
 * System registers as data, in the spirit of QEMU's ARMCPRegInfo tables: encoding, who may access
 * them from EL0, reset value, and for registers that alias other CPU state, accessor functions.
 * Registers without accessors are plain storage in `CpuState.sys[slot]`.
 */
import type { Cpu } from '../cpu.js';
import { CNTFRQ_HZ } from './counter.js';
import { EL1_SYSREGS, readCntvct } from './el1.js';

export interface SysregInfo {
  readonly name: string;
  readonly op0: number;
  readonly op1: number;
  readonly crn: number;
  readonly crm: number;
  readonly op2: number;
  /** What EL0 may do; anything else traps (EC 0x18 at EL1, or UNDEFINED in user mode). */
  readonly el0: 'none' | 'r' | 'rw';
  /**
   * Writable at all? Read-only registers (ID registers) treat MSR as UNDEFINED, and those without a
   * `read` accessor are constants: MRS returns `reset` without touching the state buffer.
   */
  readonly writable: boolean;
  readonly reset: bigint;
  /** Accessors get the register's storage slot (for storage with side effects). */
  readonly read?: (c: Cpu, slot?: number) => bigint;
  readonly write?: (c: Cpu, v: bigint, slot?: number) => void;
  /**
   * Accessors on the value's 32-bit halves (`v[i]` low, `v[i + 1]` high) instead of a BigInt, in
   * place of `read` and `write`, for the registers on the kernel's hottest paths: SP_EL0 holds
   * `current` (every preempt_disable reads it), DAIF is read and written by every local_irq_save and
   * restore. A BigInt per access there was allocation and garbage on nearly every kernel function.
   */
  readonly readHalves?: (c: Cpu, v: Uint32Array, i: number, slot?: number) => void;
  readonly writeHalves?: (c: Cpu, v: Uint32Array, i: number, slot?: number) => void;
}

type Def = Omit<SysregInfo, 'el0' | 'writable' | 'reset'> & Partial<Pick<SysregInfo, 'el0' | 'writable' | 'reset'>>;

function reg(d: Def): SysregInfo {
  return { el0: 'none', writable: true, reset: 0n, ...d };
}

/**
 * The registers this CPU implements. ID values describe a plain ARMv8.0 CPU (the platform doc's
 * Cortex-A53 identity); a feature is advertised only once it is complete.
 */
export const SYSREGS: readonly SysregInfo[] = [
  reg({
    name: 'NZCV', op0: 3, op1: 3, crn: 4, crm: 2, op2: 0, el0: 'rw',
    read: (c) => BigInt((c.nzcv & 0xf000_0000) >>> 0),
    write: (c, v) => { c.nzcv = Number(v & 0xf000_0000n); },
  }),
  reg({
    name: 'FPCR', op0: 3, op1: 3, crn: 4, crm: 4, op2: 0, el0: 'rw',
    read: (c) => BigInt(c.state.fpcr),
    // Bits that exist in v8.0: AHP, DN, FZ, RMode, Stride, Len (ignored in AArch64), and the trap enables (RES0 without trapping support).
    write: (c, v) => { c.state.fpcr = Number(v & 0x07f7_0000n); },
  }),
  reg({
    name: 'FPSR', op0: 3, op1: 3, crn: 4, crm: 4, op2: 1, el0: 'rw',
    read: (c) => BigInt(c.state.fpsr),
    write: (c, v) => { c.state.fpsr = Number(v & 0xf800_009fn); },
  }),
  reg({ name: 'TPIDR_EL0', op0: 3, op1: 3, crn: 13, crm: 0, op2: 2, el0: 'rw' }),
  reg({ name: 'TPIDRRO_EL0', op0: 3, op1: 3, crn: 13, crm: 0, op2: 3, el0: 'r' }),
  // DZP = 0, BS = 4: DC ZVA zeroes 64-byte blocks.
  reg({ name: 'DCZID_EL0', op0: 3, op1: 3, crn: 0, crm: 0, op2: 7, el0: 'r', writable: false, reset: 4n }),
  // CTR_EL0 (D17.2) as QEMU's cortex-a76 reports it: 64-byte I/D lines (IminLine = DminLine = 4), ERG = CWG = 4, PIPT I-cache.
  reg({ name: 'CTR_EL0', op0: 3, op1: 3, crn: 0, crm: 0, op2: 1, el0: 'r', writable: false, reset: 0x8444c004n }),
  // Generic timer: Linux lets EL0 read the frequency and the virtual count (CNTKCTL_EL1.EL0VCTEN).
  reg({ name: 'CNTFRQ_EL0', op0: 3, op1: 3, crn: 14, crm: 0, op2: 0, el0: 'r', writable: false, reset: BigInt(CNTFRQ_HZ) }),
  reg({ name: 'CNTVCT_EL0', op0: 3, op1: 3, crn: 14, crm: 0, op2: 2, el0: 'r', writable: false, read: readCntvct }),
  reg({ name: 'MIDR_EL1', op0: 3, op1: 0, crn: 0, crm: 0, op2: 0, writable: false, reset: 0x410fd034n }),
  // ID_AA64ISAR0_EL1 (D17.2): Atomic = 2 (FEAT_LSE: LD<op>, SWP, CAS, CASP), CRC32 = 1.
  reg({ name: 'ID_AA64ISAR0_EL1', op0: 3, op1: 0, crn: 0, crm: 6, op2: 0, writable: false, reset: 0x0021_0000n }),
  // System mode (EL1): see el1.ts.
  ...EL1_SYSREGS,
];

/** Key of an MRS/MSR encoding: op0:op1:CRn:CRm:op2 packed as in the instruction's bits 20..5. */
export function sysregKey(op0: number, op1: number, crn: number, crm: number, op2: number): number {
  return (op0 << 14) | (op1 << 11) | (crn << 7) | (crm << 3) | op2;
}

const BY_KEY = new Map<number, { info: SysregInfo; slot: number }>(
  SYSREGS.map((info, slot) => [sysregKey(info.op0, info.op1, info.crn, info.crm, info.op2), { info, slot }]),
);

/** The register and its storage slot for an encoding, or undefined when not implemented (UNDEFINED). */
export function lookupSysreg(key: number): { info: SysregInfo; slot: number } | undefined {
  return BY_KEY.get(key);
}

/** Storage slot of the register called `name` (exception entry and SP banking use these). */
export function sysregSlot(name: string): number {
  const slot = SYSREGS.findIndex((r) => r.name === name);
  if (slot < 0) throw new Error(`no system register ${name}`);
  return slot;
}

/** Puts every storage register to its reset value. */
export function resetSysregs(sys: BigUint64Array): void {
  SYSREGS.forEach((info, slot) => {
    sys[slot] = info.reset;
  });
}
