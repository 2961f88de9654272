/**
 * The GICv3 CPU interface of one CPU: the ICC_*_EL1 system registers (Arm IHI 0069 12.2), as
 * methods taking and returning the 64-bit register values as bigint so the CPU's system-register
 * table can call them directly. `ICC_SYSREGS` lists each register's MRS/MSR encoding and accessor.
 *
 * Model: one security state (DS = 1); Group 1 drives the CPU's IRQ line and Group 0 its FIQ line
 * (if wired). 5 priority bits, so only ICC_AP0R0_EL1 and ICC_AP1R0_EL1 exist; ICC_CTLR_EL1.CBPR is
 * RAZ/WI (BPR0 and BPR1 are separate); ICC_SRE_EL1 is fixed at SRE = DFB = DIB = 1.
 */
import type { ExtraSysreg } from '../../arch/arm64/cpu.js';
import {
  R_AP0R0, R_AP1R0, R_BPR0, R_BPR1, R_CTLR, R_IGRPEN0, R_IGRPEN1, R_PMR, type Gicv3Core,
} from './gicv3_core.js';
import {
  FIRST_SPECIAL, ICC_CTLR_EOIMODE, ICC_CTLR_RO, ICC_SRE_VALUE, MIN_BPR0, MIN_BPR1, PRI_MASK,
} from './gicv3_regs.js';

const lo32 = (v: bigint) => Number(v & 0xffff_ffffn);
const hi32 = (v: bigint) => Number((v >> 32n) & 0xffff_ffffn);

export class Gicv3CpuInterface {
  /** The CPU this interface belongs to (its MPIDR_EL1 Aff0). */
  readonly cpu: number;
  private readonly core: Gicv3Core;

  constructor(core: Gicv3Core, cpu: number) {
    this.core = core;
    this.cpu = cpu;
  }

  private get(r: number): bigint {
    return BigInt(this.core.reg(this.cpu, r));
  }

  private set(r: number, v: number): void {
    this.core.setReg(this.cpu, r, v >>> 0);
    // Group enables decide which CPUs take 1-of-N SPIs; everything else is local to this CPU.
    if (r === R_IGRPEN0 || r === R_IGRPEN1) this.core.updateAll();
    else this.core.updateCpu(this.cpu);
  }

  /** ICC_IAR1_EL1: acknowledges the signalled Group 1 interrupt, or returns 1023. */
  readIAR1(): bigint { return BigInt(this.core.acknowledge(this.cpu, 1)); }
  /** ICC_IAR0_EL1: the same for Group 0. */
  readIAR0(): bigint { return BigInt(this.core.acknowledge(this.cpu, 0)); }

  /** ICC_EOIR1_EL1: priority drop, and deactivation too when ICC_CTLR_EL1.EOImode = 0. */
  writeEOIR1(v: bigint): void { this.eoi(1, v); }
  /** ICC_EOIR0_EL1. */
  writeEOIR0(v: bigint): void { this.eoi(0, v); }

  private eoi(group: number, v: bigint): void {
    const intid = lo32(v) & 0xff_ffff;
    if (intid >= FIRST_SPECIAL && intid < 1024) return; // special INTIDs are never acknowledged
    this.core.endOfInterrupt(this.cpu, group, intid);
  }

  /** ICC_DIR_EL1: deactivates an interrupt; only meaningful with EOImode = 1 and ignored otherwise (as QEMU). */
  writeDIR(v: bigint): void {
    if ((this.core.reg(this.cpu, R_CTLR) & ICC_CTLR_EOIMODE) === 0) return;
    const intid = lo32(v) & 0xff_ffff;
    this.core.deactivate(this.cpu, intid);
    this.core.updateAfterDeactivate(this.cpu, intid);
  }

  /** ICC_HPPIR1_EL1 / ICC_HPPIR0_EL1: highest-priority pending interrupt of the group, regardless of PMR. */
  readHPPIR1(): bigint { return BigInt(this.core.highestPending(this.cpu, 1)); }
  readHPPIR0(): bigint { return BigInt(this.core.highestPending(this.cpu, 0)); }

  /** ICC_RPR_EL1: the running priority, 0xff when no interrupt is active. */
  readRPR(): bigint { return BigInt(Math.min(this.core.runningPriority(this.cpu), 0xff)); }

  /** ICC_PMR_EL1: the priority mask; bits below the implemented priority bits are RAZ/WI. */
  readPMR(): bigint { return this.get(R_PMR); }
  writePMR(v: bigint): void { this.set(R_PMR, lo32(v) & PRI_MASK); }

  /** ICC_BPR1_EL1 / ICC_BPR0_EL1: binary points, clamped to their minimum (3 and 2 with 5 priority bits). */
  readBPR1(): bigint { return this.get(R_BPR1); }
  writeBPR1(v: bigint): void { this.set(R_BPR1, Math.max(lo32(v) & 7, MIN_BPR1)); }
  readBPR0(): bigint { return this.get(R_BPR0); }
  writeBPR0(v: bigint): void { this.set(R_BPR0, Math.max(lo32(v) & 7, MIN_BPR0)); }

  /** ICC_CTLR_EL1: EOImode is writable; PRIbits = 4 (5 bits), IDbits = 0 (16 bits) and A3V = 1 are read-only. */
  readCTLR(): bigint { return BigInt((this.core.reg(this.cpu, R_CTLR) | ICC_CTLR_RO) >>> 0); }
  writeCTLR(v: bigint): void { this.set(R_CTLR, lo32(v) & ICC_CTLR_EOIMODE); }

  /** ICC_IGRPEN1_EL1 / ICC_IGRPEN0_EL1: group enables at the CPU interface. */
  readIGRPEN1(): bigint { return this.get(R_IGRPEN1); }
  writeIGRPEN1(v: bigint): void { this.set(R_IGRPEN1, lo32(v) & 1); }
  readIGRPEN0(): bigint { return this.get(R_IGRPEN0); }
  writeIGRPEN0(v: bigint): void { this.set(R_IGRPEN0, lo32(v) & 1); }

  /** ICC_SRE_EL1: the system-register interface is always on; writes are ignored. */
  readSRE(): bigint { return BigInt(ICC_SRE_VALUE); }
  writeSRE(_v: bigint): void { /* SRE, DFB and DIB are RAO/WI */ }

  /** ICC_AP1R0_EL1 / ICC_AP0R0_EL1: active priorities, one bit per group priority (priority >> 3). */
  readAP1R0(): bigint { return this.get(R_AP1R0); }
  writeAP1R0(v: bigint): void { this.set(R_AP1R0, lo32(v)); }
  readAP0R0(): bigint { return this.get(R_AP0R0); }
  writeAP0R0(v: bigint): void { this.set(R_AP0R0, lo32(v)); }

  /** ICC_SGI1R_EL1: makes a Group 1 SGI pending on the CPUs chosen by affinity (or all others with IRM = 1). */
  writeSGI1R(v: bigint): void { this.core.sendSgi(this.cpu, lo32(v), hi32(v), 1); }
  /** ICC_SGI0R_EL1: the same for Group 0 SGIs. */
  writeSGI0R(v: bigint): void { this.core.sendSgi(this.cpu, lo32(v), hi32(v), 0); }
  /** ICC_ASGI1R_EL1: with one security state there is no "other" Group 1, so nothing is generated. */
  writeASGI1R(_v: bigint): void { /* ignored, as the architecture allows when DS = 1 */ }
}

/** One ICC system register: its MRS/MSR encoding and accessors (absent means UNDEFINED in that direction). */
export interface IccSysreg {
  readonly name: string;
  readonly op0: number;
  readonly op1: number;
  readonly crn: number;
  readonly crm: number;
  readonly op2: number;
  readonly read?: (ci: Gicv3CpuInterface) => bigint;
  readonly write?: (ci: Gicv3CpuInterface, v: bigint) => void;
}

const icc = (name: string, crn: number, crm: number, op2: number, acc: Pick<IccSysreg, 'read' | 'write'>): IccSysreg =>
  ({ name, op0: 3, op1: 0, crn, crm, op2, ...acc });

/** The EL1 ICC registers this CPU interface implements, with their encodings (Arm IHI 0069 12.2). */
export const ICC_SYSREGS: readonly IccSysreg[] = [
  icc('ICC_PMR_EL1', 4, 6, 0, { read: (ci) => ci.readPMR(), write: (ci, v) => ci.writePMR(v) }),
  icc('ICC_IAR0_EL1', 12, 8, 0, { read: (ci) => ci.readIAR0() }),
  icc('ICC_EOIR0_EL1', 12, 8, 1, { write: (ci, v) => ci.writeEOIR0(v) }),
  icc('ICC_HPPIR0_EL1', 12, 8, 2, { read: (ci) => ci.readHPPIR0() }),
  icc('ICC_BPR0_EL1', 12, 8, 3, { read: (ci) => ci.readBPR0(), write: (ci, v) => ci.writeBPR0(v) }),
  icc('ICC_AP0R0_EL1', 12, 8, 4, { read: (ci) => ci.readAP0R0(), write: (ci, v) => ci.writeAP0R0(v) }),
  icc('ICC_AP1R0_EL1', 12, 9, 0, { read: (ci) => ci.readAP1R0(), write: (ci, v) => ci.writeAP1R0(v) }),
  icc('ICC_DIR_EL1', 12, 11, 1, { write: (ci, v) => ci.writeDIR(v) }),
  icc('ICC_RPR_EL1', 12, 11, 3, { read: (ci) => ci.readRPR() }),
  icc('ICC_SGI1R_EL1', 12, 11, 5, { write: (ci, v) => ci.writeSGI1R(v) }),
  icc('ICC_ASGI1R_EL1', 12, 11, 6, { write: (ci, v) => ci.writeASGI1R(v) }),
  icc('ICC_SGI0R_EL1', 12, 11, 7, { write: (ci, v) => ci.writeSGI0R(v) }),
  icc('ICC_IAR1_EL1', 12, 12, 0, { read: (ci) => ci.readIAR1() }),
  icc('ICC_EOIR1_EL1', 12, 12, 1, { write: (ci, v) => ci.writeEOIR1(v) }),
  icc('ICC_HPPIR1_EL1', 12, 12, 2, { read: (ci) => ci.readHPPIR1() }),
  icc('ICC_BPR1_EL1', 12, 12, 3, { read: (ci) => ci.readBPR1(), write: (ci, v) => ci.writeBPR1(v) }),
  icc('ICC_CTLR_EL1', 12, 12, 4, { read: (ci) => ci.readCTLR(), write: (ci, v) => ci.writeCTLR(v) }),
  icc('ICC_SRE_EL1', 12, 12, 5, { read: (ci) => ci.readSRE(), write: (ci, v) => ci.writeSRE(v) }),
  icc('ICC_IGRPEN0_EL1', 12, 12, 6, { read: (ci) => ci.readIGRPEN0(), write: (ci, v) => ci.writeIGRPEN0(v) }),
  icc('ICC_IGRPEN1_EL1', 12, 12, 7, { read: (ci) => ci.readIGRPEN1(), write: (ci, v) => ci.writeIGRPEN1(v) }),
];

/** The ICC_*_EL1 registers of one CPU interface, in the form the CPU's system-register table takes. */
export function iccExtraSysregs(ci: Gicv3CpuInterface): ExtraSysreg[] {
  return ICC_SYSREGS.map((r) => {
    const { read, write } = r;
    return {
      name: r.name, op0: r.op0, op1: r.op1, crn: r.crn, crm: r.crm, op2: r.op2,
      ...(read === undefined ? {} : { read: () => read(ci) }),
      ...(write === undefined ? {} : { write: (v: bigint) => write(ci, v) }),
    };
  });
}
