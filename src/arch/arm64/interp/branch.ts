/** Branches and exception-generating instructions. Every handler here ends its block and sets `npc`. */
import { BRANCH_PATTERNS } from '../decode/branch.js';
import { sext } from '../decode/pattern.js';
import { EC, makeEsr } from '../exit.js';
import type { Factory, InsnGroup } from './group.js';
import { conditionHolds } from './alu.js';
import { setXFromAddress, srcZr, xAddress } from './regs.js';
import { currentEl } from './system.js';

const B: Factory = (f) => {
  const off = sext(f.imm!, 26) * 4;
  return (c) => {
    c.npc = c.pc + off;
  };
};

const BL: Factory = (f) => {
  const off = sext(f.imm!, 26) * 4;
  return (c) => {
    setXFromAddress(c.x32, 30, c.pc + 4);
    c.npc = c.pc + off;
  };
};

const B_cond: Factory = (f) => {
  const off = sext(f.imm!, 19) * 4;
  const cond = f.cond!;
  return (c) => {
    c.npc = conditionHolds(cond, c.nzcv) ? c.pc + off : c.pc + 4;
  };
};

function compareBranch(nonZero: boolean): Factory {
  return (f) => {
    const off = sext(f.imm!, 19) * 4;
    const t = srcZr(f.rt!);
    const sf = f.sf === 1;
    return (c) => {
      const x = c.x32;
      const isZero = sf ? (x[2 * t]! | x[2 * t + 1]!) === 0 : x[2 * t] === 0;
      c.npc = isZero !== nonZero ? c.pc + off : c.pc + 4;
    };
  };
}

function testBranch(nonZero: boolean): Factory {
  return (f) => {
    const off = sext(f.imm!, 14) * 4;
    const t = srcZr(f.rt!);
    const bit = (f.b5! << 5) | f.b40!;
    const word = 2 * t + (bit >>> 5);
    const mask = (1 << (bit & 31)) >>> 0;
    return (c) => {
      const set = (c.x32[word]! & mask) !== 0;
      c.npc = set === nonZero ? c.pc + off : c.pc + 4;
    };
  };
}

/** BR/BLR/RET: the target is read before X30 is written, so BLR X30 works. */
function branchReg(link: boolean): Factory {
  return (f) => {
    const n = srcZr(f.rn!);
    return (c) => {
      const target = xAddress(c.x32, n);
      if (link) setXFromAddress(c.x32, 30, c.pc + 4);
      c.npc = target;
    };
  };
}

function exceptionGen(kind: 'svc' | 'hvc' | 'smc', ec: number): Factory {
  return (f) => {
    const imm = f.imm!;
    const esr = makeEsr(ec, imm);
    if (kind === 'svc') return (c) => c.exitAfter({ kind, imm, esr });
    // HVC and SMC are UNDEFINED at EL0 (Arm ARM DDI0487 C6.2 HVC, SMC).
    return (c) => {
      if (currentEl(c) === 0) c.undefined();
      c.exitAfter({ kind, imm, esr });
    };
  };
}

/** ERET: UNDEFINED at EL0; the CPU restores PSTATE and PC from SPSR_EL1/ELR_EL1 (see exception.ts). */
const ERET: Factory = () => (c) => {
  if (currentEl(c) === 0) c.undefined();
  c.exceptionReturn();
};

const BRK: Factory = (f) => {
  const imm = f.imm!;
  const esr = makeEsr(EC.BRK64, imm);
  return (c) => c.raiseExit({ kind: 'brk', imm, esr });
};

export const BRANCH: InsnGroup = {
  name: 'branch',
  patterns: BRANCH_PATTERNS,
  handlers: {
    B,
    BL,
    B_cond,
    CBZ: compareBranch(false),
    CBNZ: compareBranch(true),
    TBZ: testBranch(false),
    TBNZ: testBranch(true),
    BR: branchReg(false),
    BLR: branchReg(true),
    RET: branchReg(false),
    ERET,
    SVC: exceptionGen('svc', EC.SVC64),
    HVC: exceptionGen('hvc', EC.HVC64),
    SMC: exceptionGen('smc', EC.SMC64),
    BRK,
  },
  endsBlock: new Set(['B', 'BL', 'B_cond', 'CBZ', 'CBNZ', 'TBZ', 'TBNZ', 'BR', 'BLR', 'RET', 'ERET', 'SVC', 'HVC', 'SMC', 'BRK']),
};
