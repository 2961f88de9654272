/**
 * The EL1 system registers of the system-mode CPU (Arm ARM DDI0487 D17.2, D17.3, D11): translation
 * control, exception state, PSTATE views, the generic timer, debug storage and the ID registers with
 * the values of the platform doc (§4.3: ARMv8.0 plus FP, AdvSIMD, CRC32 and LSE atomics).
 *
 * In user mode nothing here is reachable from EL0 except the timer registers, which are UNDEFINED
 * without a timer, so the user-mode CPU is unchanged. EL0 access to the timer follows CNTKCTL_EL1;
 * a denied access is UNDEFINED (EC 0) rather than the architecture's EC 0x18 trap.
 */
import type { SysregInfo } from './table.js';
import type { Cpu } from '../cpu.js';
import type { GenericTimer, TimerKind } from '../generic_timer.js';

type Def = Omit<SysregInfo, 'name' | 'op0' | 'op1' | 'crn' | 'crm' | 'op2' | 'el0' | 'writable' | 'reset'> &
  Partial<Pick<SysregInfo, 'el0' | 'writable' | 'reset'>>;

function r(name: string, op0: number, op1: number, crn: number, crm: number, op2: number, d: Def = {}): SysregInfo {
  return { name, op0, op1, crn, crm, op2, el0: 'none', writable: true, reset: 0n, ...d };
}

/** A read-only constant (ID registers). */
function id(name: string, op0: number, op1: number, crn: number, crm: number, op2: number, value: bigint): SysregInfo {
  return r(name, op0, op1, crn, crm, op2, { writable: false, reset: value });
}

/**
 * Translation control whose writes change how every address translates (SCTLR_EL1, TCR_EL1): the
 * whole TLB goes, and the ASID is re-derived (TCR_EL1.A1 and .AS say where it lives).
 */
function translationReg(name: string, crn: number, crm: number, op2: number, reset = 0n): SysregInfo {
  return r(name, 3, 0, crn, crm, op2, {
    reset,
    write: (c, v, slot) => {
      c.state.sys[slot!] = v;
      c.tlbFlushAll();
      c.syncAsid();
    },
  });
}

/**
 * TTBR0_EL1 and TTBR1_EL1: a new table base does not invalidate cached entries (the architecture
 * leaves that to TLBI), and a new ASID only changes which non-global entries hit.
 */
function ttbr(name: string, op2: number): SysregInfo {
  return r(name, 3, 0, 2, 0, op2, {
    write: (c, v, slot) => {
      c.state.sys[slot!] = v;
      c.syncAsid();
    },
  });
}

const PSTATE_SPSEL = 1;
const PSTATE_EL_MASK = 0xc;
const PSTATE_DAIF_MASK = 0x3c0;

/** CNTKCTL_EL1 bits that open a timer register to EL0. */
const EL0PCTEN = 1n;
const EL0VCTEN = 2n;
const EL0VTEN = 1n << 8n;
const EL0PTEN = 1n << 9n;

/** The vCPU's timer, after the EL0 access check against CNTKCTL_EL1 (UNDEFINED without a timer). */
function timerFor(c: Cpu, el0Bit: bigint): GenericTimer {
  const t = c.timer;
  if (t === null) return c.undefined();
  if ((c.state.pstate & PSTATE_EL_MASK) === 0 && (t.cntkctl & el0Bit) === 0n) c.undefined();
  return t;
}

function timerRegs(kind: TimerKind, crm: number, bit: bigint): SysregInfo[] {
  const p = kind === 'phys' ? 'CNTP' : 'CNTV';
  return [
    r(`${p}_TVAL_EL0`, 3, 3, 14, crm, 0, {
      el0: 'rw',
      read: (c) => timerFor(c, bit).readTval(kind),
      write: (c, v) => timerFor(c, bit).writeTval(kind, v),
    }),
    r(`${p}_CTL_EL0`, 3, 3, 14, crm, 1, {
      el0: 'rw',
      read: (c) => timerFor(c, bit).readCtl(kind),
      write: (c, v) => timerFor(c, bit).writeCtl(kind, v),
    }),
    r(`${p}_CVAL_EL0`, 3, 3, 14, crm, 2, {
      el0: 'rw',
      read: (c) => timerFor(c, bit).readCval(kind),
      write: (c, v) => timerFor(c, bit).writeCval(kind, v),
    }),
  ];
}

/** CNTVCT_EL0: the timer's virtual count in system mode, the host counter hook in user mode. */
export function readCntvct(c: Cpu): bigint {
  return c.timer === null ? c.counter() : timerFor(c, EL0VCTEN).count('virt');
}

/** Debug breakpoint/watchpoint registers 0..1 (BRPs = WRPs = 1 in ID_AA64DFR0): storage only. */
function debugRegs(): SysregInfo[] {
  const out: SysregInfo[] = [];
  for (let n = 0; n < 2; n++) {
    out.push(r(`DBGBVR${n}_EL1`, 2, 0, 0, n, 4), r(`DBGBCR${n}_EL1`, 2, 0, 0, n, 5));
    out.push(r(`DBGWVR${n}_EL1`, 2, 0, 0, n, 6), r(`DBGWCR${n}_EL1`, 2, 0, 0, n, 7));
  }
  return out;
}

export const EL1_SYSREGS: readonly SysregInfo[] = [
  // ---- identification ----
  r('MPIDR_EL1', 3, 0, 0, 0, 5, { writable: false, reset: 0x8000_0000n, read: (c) => c.mpidr }),
  id('REVIDR_EL1', 3, 0, 0, 0, 6, 0n),
  // EL0 = EL1 = 1 (AArch64 only), FP = AdvSIMD = 0 (implemented); GIC = 1 with a GICv3 CPU interface.
  r('ID_AA64PFR0_EL1', 3, 0, 0, 4, 0, {
    writable: false,
    reset: 0x11n,
    read: (c) => (c.hasGicSysregs ? 0x0100_0011n : 0x11n),
  }),
  id('ID_AA64PFR1_EL1', 3, 0, 0, 4, 1, 0n),
  // DebugVer = 6, BRPs = WRPs = 1 (two of each), PMUVer = 0: no PMU.
  id('ID_AA64DFR0_EL1', 3, 0, 0, 5, 0, 0x0010_1006n),
  id('ID_AA64ISAR1_EL1', 3, 0, 0, 6, 1, 0n),
  // PARange = 2 (40 bits), ASIDBits = 2 (16), 4 KiB granule only (TGran16 = 0, TGran64 = 0xf, TGran4 = 0).
  id('ID_AA64MMFR0_EL1', 3, 0, 0, 7, 0, 0x0f00_0022n),
  id('ID_AA64MMFR1_EL1', 3, 0, 0, 7, 1, 0n),
  id('ID_AA64MMFR2_EL1', 3, 0, 0, 7, 2, 0n),
  // Cortex-A53 cache identification (informational): L1 I+D, L2 unified; 32 KiB 4-way 64-byte lines.
  id('CLIDR_EL1', 3, 1, 0, 0, 1, 0x0a20_0023n),
  id('CCSIDR_EL1', 3, 1, 0, 0, 0, 0x700f_e01an),
  id('AIDR_EL1', 3, 1, 0, 0, 7, 0n),
  r('CSSELR_EL1', 3, 2, 0, 0, 0),
  // ---- translation and system control ----
  // SCTLR_EL1 reset: RES1 bits (29, 28, 23, 22, 20, 11), MMU and caches off.
  translationReg('SCTLR_EL1', 1, 0, 0, 0x30d0_0800n),
  r('ACTLR_EL1', 3, 0, 1, 0, 1),
  // CPACR_EL1: stored; FPEN is not enforced (FP/SIMD never traps).
  r('CPACR_EL1', 3, 0, 1, 0, 2),
  ttbr('TTBR0_EL1', 0),
  ttbr('TTBR1_EL1', 1),
  translationReg('TCR_EL1', 2, 0, 2),
  r('AFSR0_EL1', 3, 0, 5, 1, 0),
  r('AFSR1_EL1', 3, 0, 5, 1, 1),
  r('ESR_EL1', 3, 0, 5, 2, 0),
  r('FAR_EL1', 3, 0, 6, 0, 0),
  r('PAR_EL1', 3, 0, 7, 4, 0),
  r('MAIR_EL1', 3, 0, 10, 2, 0),
  r('AMAIR_EL1', 3, 0, 10, 3, 0),
  r('VBAR_EL1', 3, 0, 12, 0, 0, {
    write: (c, v, slot) => {
      c.state.sys[slot!] = v & ~0x7ffn;
    },
  }),
  r('ISR_EL1', 3, 0, 12, 1, 0, { writable: false, read: (c) => (c.irqLine ? 0x80n : 0n) }),
  r('CONTEXTIDR_EL1', 3, 0, 13, 0, 1),
  r('TPIDR_EL1', 3, 0, 13, 0, 4),
  // ---- exception state and PSTATE ----
  r('SPSR_EL1', 3, 0, 4, 0, 0),
  r('ELR_EL1', 3, 0, 4, 0, 1),
  // SP_EL0 while EL1 uses SP_EL1; with SPSel = 0 the register is the current SP and MSR/MRS are UNDEFINED.
  r('SP_EL0', 3, 0, 4, 1, 0, {
    readHalves: (c, v, i, slot) => {
      if ((c.state.pstate & PSTATE_SPSEL) === 0) c.undefined();
      v[i] = c.sys32[2 * slot!]!;
      v[i + 1] = c.sys32[2 * slot! + 1]!;
    },
    writeHalves: (c, v, i, slot) => {
      if ((c.state.pstate & PSTATE_SPSEL) === 0) c.undefined();
      c.sys32[2 * slot!] = v[i]!;
      c.sys32[2 * slot! + 1] = v[i + 1]!;
    },
  }),
  // SP_EL1's bank while EL0 or SPSel = 0 runs on SP_EL0; accessible only from EL2, so UNDEFINED here.
  r('SP_EL1', 3, 4, 4, 1, 0, { read: (c) => c.undefined(), write: (c) => c.undefined() }),
  r('SPSel', 3, 0, 4, 2, 0, {
    read: (c) => BigInt(c.state.pstate & PSTATE_SPSEL),
    write: (c, v) => c.setPstate((c.state.pstate & ~PSTATE_SPSEL) | Number(v & 1n)),
  }),
  r('CurrentEL', 3, 0, 4, 2, 2, { writable: false, read: (c) => BigInt(c.state.pstate & PSTATE_EL_MASK) }),
  r('DAIF', 3, 3, 4, 2, 1, {
    readHalves: (c, v, i) => {
      v[i] = c.state.pstate & PSTATE_DAIF_MASK;
      v[i + 1] = 0;
    },
    writeHalves: (c, v, i) => {
      c.setPstate((c.state.pstate & ~PSTATE_DAIF_MASK) | (v[i]! & PSTATE_DAIF_MASK));
      c.checkIrq();
    },
  }),
  // ---- generic timer ----
  r('CNTKCTL_EL1', 3, 0, 14, 1, 0, {
    read: (c) => (c.timer ?? c.undefined()).cntkctl,
    write: (c, v) => {
      (c.timer ?? c.undefined()).cntkctl = v & 0x3ffn;
    },
  }),
  r('CNTPCT_EL0', 3, 3, 14, 0, 1, { el0: 'r', writable: false, read: (c) => timerFor(c, EL0PCTEN).count('phys') }),
  ...timerRegs('phys', 2, EL0PTEN),
  ...timerRegs('virt', 3, EL0VTEN),
  // ---- debug (storage; nothing is ever triggered) ----
  r('MDCCINT_EL1', 2, 0, 0, 2, 0),
  r('MDSCR_EL1', 2, 0, 0, 2, 2),
  id('MDRAR_EL1', 2, 0, 1, 0, 0, 0n),
  // OSLAR_EL1 keeps the lock bit; OSLSR_EL1 (defined right after it: slot + 1) reports it with OSLM = 0b10.
  r('OSLAR_EL1', 2, 0, 1, 0, 4, {
    read: () => 0n,
    write: (c, v, slot) => {
      c.state.sys[slot!] = v & 1n;
    },
  }),
  r('OSLSR_EL1', 2, 0, 1, 1, 4, { writable: false, read: (c, slot) => 0x8n | (c.state.sys[slot! - 1]! << 1n) }),
  r('OSDLR_EL1', 2, 0, 1, 3, 4),
  r('DBGPRCR_EL1', 2, 0, 1, 4, 4),
  r('DBGCLAIMSET_EL1', 2, 0, 7, 8, 6, { read: () => 0n, write: () => undefined }),
  r('DBGCLAIMCLR_EL1', 2, 0, 7, 9, 6, { read: () => 0n, write: () => undefined }),
  id('DBGAUTHSTATUS_EL1', 2, 0, 7, 14, 6, 0n),
  id('MDCCSR_EL0', 2, 3, 0, 1, 0, 0n),
  ...debugRegs(),
];
