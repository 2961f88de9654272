/** Loads and stores of general registers. */
import { LDST_PATTERNS } from '../decode/ldst.js';
import type { Exec, Factory, InsnGroup } from './group.js';
import { dstZr, regSp, srcZr, xAddress } from './regs.js';
import type { Cpu } from '../cpu.js';

/**
 * A load or store of one general register at an address computed by `addr`.
 * size: log2 bytes; opc as in the encoding (0 store, 1 load zero-extend, 2 load sign-extend to 64, 3 to 32).
 */
function loadStore(size: number, opc: number, rt: number, addr: (c: Cpu) => number): Exec | null {
  if (opc === 0) {
    const t = srcZr(rt);
    switch (size) {
      case 0: return (c) => c.write8(addr(c), c.x32[2 * t]! & 0xff);
      case 1: return (c) => c.write16(addr(c), c.x32[2 * t]! & 0xffff);
      case 2: return (c) => c.write32(addr(c), c.x32[2 * t]!);
      default: return (c) => c.write64(addr(c), c.x32, 2 * t);
    }
  }
  const t = dstZr(rt);
  if (opc === 1) {
    switch (size) {
      case 0: return (c) => { const v = c.read8(addr(c)); c.x32[2 * t] = v; c.x32[2 * t + 1] = 0; };
      case 1: return (c) => { const v = c.read16(addr(c)); c.x32[2 * t] = v; c.x32[2 * t + 1] = 0; };
      case 2: return (c) => { const v = c.read32(addr(c)); c.x32[2 * t] = v; c.x32[2 * t + 1] = 0; };
      default: return (c) => c.read64(addr(c), c.x32, 2 * t);
    }
  }
  if (size === 3 || (size === 2 && opc === 3)) return null; // PRFM and unallocated forms are decoded elsewhere
  const bits = 8 << size;
  const to64 = opc === 2;
  const read = size === 0 ? (c: Cpu, va: number) => c.read8(va) : size === 1 ? (c: Cpu, va: number) => c.read16(va) : (c: Cpu, va: number) => c.read32(va);
  return (c) => {
    const v = (read(c, addr(c)) << (32 - bits)) >> (32 - bits);
    c.x32[2 * t] = v;
    c.x32[2 * t + 1] = to64 ? v >> 31 : 0;
  };
}

const LDST_uimm: Factory = (f) => {
  const n = regSp(f.rn!);
  const off = f.imm! << f.size!;
  return loadStore(f.size!, f.opc!, f.rt!, (c) => xAddress(c.x32, n) + off);
};

export const LDST: InsnGroup = {
  name: 'ldst',
  patterns: LDST_PATTERNS,
  handlers: { LDST_uimm },
  endsBlock: new Set(),
};
