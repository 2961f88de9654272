/**
 * System instructions (Arm ARM DDI0487 C4.1.87, C5): hints, barriers, CLREX, PSTATE writes, SYS
 * cache/TLB maintenance and MRS/MSR, the last two driven by the data in `sysreg/`.
 *
 * Permissions are checked when the instruction runs, against the current exception level, because a
 * translation is shared by every EL (`currentEl`); an access the EL may not make is UNDEFINED, which
 * the user-mode runner turns into SIGILL as Linux does for EL0.
 */
import { SYSTEM_PATTERNS } from '../decode/system.js';
import { EC, makeEsr } from '../exit.js';
import type { Exec, Factory, InsnGroup } from './group.js';
import { dstZr, srcZr, xAddress } from './regs.js';
import { NOP } from './ldst.js';
import { lookupSysreg, sysregKey } from '../sysreg/table.js';
import { lookupSysOp, sysOpKey } from '../sysreg/sys_ops.js';
import type { Cpu } from '../cpu.js';

/** PSTATE.EL, from the PSR-layout PSTATE word in the state buffer (M[3:2]). */
export function currentEl(c: Cpu): number {
  return (c.state.pstate >>> 2) & 3;
}

/** PSTATE.{D,A,I,F} in the PSR layout: bits 9..6. */
const DAIF_SHIFT = 6;

/** ESR ISS for WFx from AArch64 (Arm ARM DDI0487 D17.2 ESR_EL1): CV = 1, COND = 0b1110, TI = 0 WFI / 1 WFE. */
const WFI_ESR = makeEsr(EC.WFX, (1 << 24) | (0xe << 20) | 0);
const WFE_ESR = makeEsr(EC.WFX, (1 << 24) | (0xe << 20) | 1);

/** WFI/WFE: the caller decides whether to wait (a user-mode runner just continues). */
const WFI: Factory = () => (c) => c.exitAfter({ kind: 'wfi', esr: WFI_ESR });
const WFE: Factory = () => (c) => c.exitAfter({ kind: 'wfe', esr: WFE_ESR });

/**
 * The rest of the hint space executes as NOP on a CPU without the features that give hints meaning
 * (YIELD, SEV, SEVL, PACIASP/AUTIASP/XPACLRI without FEAT_PAuth, BTI without FEAT_BTI, CSDB, ESB...).
 */
const HINT: Factory = () => NOP;

/** CLREX: clears the local exclusive monitor. */
const CLREX: Factory = () => (c) => {
  c.exclusiveAddr = -1;
};

/** DSB (including SSBB/PSSBB, its CRm = 0000/0100 forms) and DMB: accesses already complete in order. */
const BARRIER: Factory = () => NOP;

/** ISB: later instructions must be fetched afresh, so it ends the block. */
const ISB: Factory = () => (c) => {
  c.npc = c.pc + 4;
};

/**
 * MSR (immediate), v8.0 fields only: DAIFSet/DAIFClr (EL0 only with SCTLR_EL1.UMA, which Linux
 * leaves clear: UNDEFINED at EL0) and SPSel (never at EL0). It ends the block, since unmasking
 * interrupts must be noticed by the caller.
 */
const MSR_i: Factory = (f) => {
  const field = (f.op1! << 3) | f.op2!;
  const daif = (f.crm! << DAIF_SHIFT) >>> 0;
  switch (field) {
    case 0b011_110: // DAIFSet
      return (c) => {
        if (currentEl(c) === 0) c.undefined();
        c.state.pstate = (c.state.pstate | daif) >>> 0;
        c.npc = c.pc + 4;
      };
    case 0b011_111: // DAIFClr
      return (c) => {
        if (currentEl(c) === 0) c.undefined();
        c.state.pstate = (c.state.pstate & ~daif) >>> 0;
        c.checkIrq();
        c.npc = c.pc + 4;
      };
    case 0b000_101: // SPSel: bank the SPs (UNDEFINED at EL0)
      return (c) => {
        if (currentEl(c) === 0) c.undefined();
        c.setPstate((c.state.pstate & ~1) | (f.crm! & 1));
        c.npc = c.pc + 4;
      };
    default:
      return null;
  }
};

const ZERO = new Uint32Array(2);

/** SYS: the operations in `sysreg/sys_ops.ts`; anything else (AT, SYSL...) is UNDEFINED. */
const SYS: Factory = (f) => {
  const info = lookupSysOp(sysOpKey(f.op1!, f.crn!, f.crm!, f.op2!));
  if (info === undefined) return null;
  const t = srcZr(f.rt!);
  const el1 = !info.el0;
  switch (info.kind) {
    case 'zva':
      // DCZID_EL0.BS = 4: 64 bytes at the address aligned down. A store: probed first so a fault
      // leaves memory unchanged, then written through the normal path (code-page tracking included).
      return (c) => {
        if (el1 && currentEl(c) === 0) c.undefined();
        const va = xAddress(c.x32, t);
        const base = va - (va & 63);
        c.probeWrite(base);
        for (let i = 0; i < 64; i += 8) c.write64(base + i, ZERO, 0);
      };
    case 'at': {
      // op2: bit 0 = write, bit 1 = EL0 permissions.
      const write = (f.op2! & 1) === 1;
      const el = (f.op2! & 2) === 0 ? 1 : 0;
      return (c) => {
        if (currentEl(c) === 0) c.undefined();
        c.addressTranslate(xAddress(c.x32, t), write, el);
      };
    }
    case 'ic-va':
      return (c) => {
        if (el1 && currentEl(c) === 0) c.undefined();
        c.invalidateCodeAt(xAddress(c.x32, t));
      };
    case 'ic-all':
      return (c) => {
        if (currentEl(c) === 0) c.undefined();
        c.flushCode();
      };
    case 'tlbi-all':
    case 'tlbi-va':
    case 'tlbi-asid': {
      const scope = info.kind === 'tlbi-all' ? 'all' : info.kind === 'tlbi-va' ? 'va' : 'asid';
      // CRm 3 encodes the Inner Shareable forms (TLBI ...IS), which reach every vCPU.
      const broadcast = f.crm === 3;
      return (c) => {
        if (currentEl(c) === 0) c.undefined();
        c.tlbInvalidate(scope, c.x32[t * 2]!, c.x32[t * 2 + 1]!, broadcast);
      };
    }
    default:
      return (c) => {
        if (el1 && currentEl(c) === 0) c.undefined();
      };
  }
};

/** The ID register space (op0 = 3, op1 = 0, CRn = 0, CRm = 1..7): unlisted registers read as zero at EL1. */
function isIdSpace(key: number): boolean {
  const crm = (key >>> 3) & 15;
  return key >>> 7 === ((3 << 7) | (0 << 4) | 0) && crm >= 1 && crm <= 7;
}

/**
 * MRS/MSR of a register the table lacks: at EL1 the ID space reads as zero and the board's extra
 * registers (the GICv3 ICC_* set) are looked up per CPU; everything else is UNDEFINED. Decoded as a
 * closure rather than null because translations are shared by every CPU, with or without extras.
 */
function unknownSysreg(key: number, t: number, isRead: boolean): Exec {
  const idSpace = isRead && isIdSpace(key);
  return (c) => {
    if (currentEl(c) === 0) c.undefined();
    if (idSpace) {
      c.x32[2 * t] = 0;
      c.x32[2 * t + 1] = 0;
      return;
    }
    const extra = c.extraSysregs?.get(key);
    if (isRead) {
      const read = extra?.read ?? c.undefined();
      const v = read();
      c.x32[2 * t] = Number(v & 0xffff_ffffn);
      c.x32[2 * t + 1] = Number((v >> 32n) & 0xffff_ffffn);
    } else {
      const write = extra?.write ?? c.undefined();
      write((BigInt(c.x32[2 * t + 1]!) << 32n) | BigInt(c.x32[2 * t]!));
    }
  };
}

/**
 * MRS: constant registers come from the table, plain ones are copied as 32-bit halves (TPIDR_EL0 is
 * read on every TLS access), registers with accessors go through BigInt (rare).
 */
const MRS: Factory = (f) => {
  const key = sysregKey(2 + f.o0!, f.op1!, f.crn!, f.crm!, f.op2!);
  const found = lookupSysreg(key);
  if (found === undefined) return unknownSysreg(key, dstZr(f.rt!), true);
  const { info, slot } = found;
  const t = dstZr(f.rt!);
  const el1 = info.el0 === 'none';
  const halves = info.readHalves;
  if (halves !== undefined) {
    return (c) => {
      if (el1 && currentEl(c) === 0) c.undefined();
      halves(c, c.x32, 2 * t, slot);
    };
  }
  const read = info.read;
  if (read !== undefined) {
    return (c) => {
      if (el1 && currentEl(c) === 0) c.undefined();
      const v = read(c, slot);
      c.x32[2 * t] = Number(v & 0xffff_ffffn);
      c.x32[2 * t + 1] = Number((v >> 32n) & 0xffff_ffffn);
    };
  }
  if (!info.writable) {
    const lo = Number(info.reset & 0xffff_ffffn);
    const hi = Number((info.reset >> 32n) & 0xffff_ffffn);
    return (c) => {
      if (el1 && currentEl(c) === 0) c.undefined();
      c.x32[2 * t] = lo;
      c.x32[2 * t + 1] = hi;
    };
  }
  if (el1) {
    return (c) => {
      if (currentEl(c) === 0) c.undefined();
      c.x32[2 * t] = c.sys32[2 * slot]!;
      c.x32[2 * t + 1] = c.sys32[2 * slot + 1]!;
    };
  }
  return (c) => {
    c.x32[2 * t] = c.sys32[2 * slot]!;
    c.x32[2 * t + 1] = c.sys32[2 * slot + 1]!;
  };
};

/** MSR (register): read-only registers are UNDEFINED at every EL; others need `el0: 'rw'` at EL0. */
const MSR_r: Factory = (f) => {
  const key = sysregKey(2 + f.o0!, f.op1!, f.crn!, f.crm!, f.op2!);
  const found = lookupSysreg(key);
  if (found === undefined) return unknownSysreg(key, srcZr(f.rt!), false);
  if (!found.info.writable) return null;
  const { info, slot } = found;
  const t = srcZr(f.rt!);
  const el1 = info.el0 !== 'rw';
  const halves = info.writeHalves;
  if (halves !== undefined) {
    return (c) => {
      if (el1 && currentEl(c) === 0) c.undefined();
      halves(c, c.x32, 2 * t, slot);
    };
  }
  const write = info.write;
  if (write !== undefined) {
    return (c) => {
      if (el1 && currentEl(c) === 0) c.undefined();
      write(c, (BigInt(c.x32[2 * t + 1]!) << 32n) | BigInt(c.x32[2 * t]!), slot);
    };
  }
  const exec: Exec = (c) => {
    c.sys32[2 * slot] = c.x32[2 * t]!;
    c.sys32[2 * slot + 1] = c.x32[2 * t + 1]!;
  };
  if (!el1) return exec;
  return (c) => {
    if (currentEl(c) === 0) c.undefined();
    exec(c);
  };
};

export const SYSTEM: InsnGroup = {
  name: 'system',
  patterns: SYSTEM_PATTERNS,
  handlers: { WFE, WFI, HINT, CLREX, DSB: BARRIER, DMB: BARRIER, ISB, MSR_i, SYS, MSR_r, MRS },
  endsBlock: new Set(['WFE', 'WFI', 'ISB', 'MSR_i']),
};
