/**
 * AdvSIMD structure loads and stores: LD1-LD4 / ST1-ST4 (multiple structures and one lane) and
 * LD1R-LD4R, without offset or post-indexed by the transfer size or by a register.
 * Arm ARM DDI0487 C4.1.88 "Advanced SIMD load/store multiple structures" and "... single structure".
 *
 * Registers wrap modulo 32. A transfer within one page cannot fault part-way and is done in bulk. One
 * that crosses a page is done access by access in QEMU's order (8-byte chunks for LD1/ST1, otherwise
 * element by element, structure after structure), so a fault part-way leaves the same registers and
 * memory as under QEMU (the Arm ARM makes them UNKNOWN). Each access is checked on both pages before it
 * is performed, and the base writeback comes last, so re-executing after the fault is handled is exact.
 */
import type { Exec, Factory } from './group.js';
import { xAddress } from './regs.js';
import { addXImm, addXReg, ld128, probeLoad, probeStore, st128 } from './ldst_simd_addr.js';
import type { Cpu } from '../cpu.js';

/** Staging for up to 64 bytes (four Q registers). */
const buf = new Uint32Array(16);
const buf8 = new Uint8Array(buf.buffer);

/** True when `bytes` from va cross into the next page. */
function crosses(va: number, bytes: number): boolean {
  return (va & 0xfff) > 0x1000 - bytes;
}

/** Loads one element of `ebytes` at a into lane `i` of V[reg], checking it first. */
function loadElem(c: Cpu, a: number, ebytes: number, reg: number, i: number): void {
  probeLoad(c, a, ebytes);
  if (ebytes === 1) c.v8[16 * reg + i] = c.read8(a);
  else if (ebytes === 2) c.v16[8 * reg + i] = c.read16(a);
  else if (ebytes === 4) c.v32[4 * reg + i] = c.read32(a);
  else c.read64(a, c.v32, 4 * reg + 2 * i);
}

/** Stores lane `i` of V[reg] (of `ebytes`) to a, checking it first. */
function storeElem(c: Cpu, a: number, ebytes: number, reg: number, i: number): void {
  probeStore(c, a, ebytes);
  if (ebytes === 1) c.write8(a, c.v8[16 * reg + i]!);
  else if (ebytes === 2) c.write16(a, c.v16[8 * reg + i]!);
  else if (ebytes === 4) c.write32(a, c.v32[4 * reg + i]!);
  else c.write64(a, c.v32, 4 * reg + 2 * i);
}

/** Clears bits 127..64 of the `count` registers from t (the 64-bit forms, after a complete load). */
function clearHigh(c: Cpu, t: number, count: number): void {
  for (let s = 0; s < count; s++) {
    const rr = (t + s) & 31;
    c.v32[4 * rr + 2] = 0;
    c.v32[4 * rr + 3] = 0;
  }
}

/** Post-index writeback: none (rm < 0), by the transfer size (rm = 31), or by X[rm]. */
function withWriteback(body: (c: Cpu, va: number) => void, n: number, rm: number, total: number): Exec {
  if (rm < 0) return (c) => body(c, xAddress(c.x32, n));
  if (rm === 31) {
    return (c) => {
      body(c, xAddress(c.x32, n));
      addXImm(c.x32, n, total);
    };
  }
  return (c) => {
    body(c, xAddress(c.x32, n));
    addXReg(c.x32, n, rm);
  };
}

/** [rpt, selem] of the multiple-structures opcodes; undefined entries are unallocated. */
const MULT_SHAPES: readonly (readonly [number, number] | undefined)[] = [
  [1, 4], undefined, [4, 1], undefined, [1, 3], undefined, [3, 1], [1, 1], [1, 2], undefined, [2, 1],
];

/** LD1/ST1 of 1-4 whole registers: the memory image is the registers' bytes in order. */
function contiguous(load: boolean, t: number, nregs: number, q: boolean): (c: Cpu, va: number) => void {
  const bytes = q ? 16 : 8;
  const total = nregs * bytes;
  const chunksPerReg = bytes >> 3;
  if (load) {
    return (c, va) => {
      const r = c.v32;
      const slow = crosses(va, total);
      for (let k = 0; k < total; k += 8) {
        const a = va + k;
        if (slow) probeLoad(c, a, 8);
        const chunk = k >> 3;
        const rr = (t + ((chunk / chunksPerReg) | 0)) & 31;
        c.read64(a, r, 4 * rr + 2 * (chunk % chunksPerReg));
      }
      if (!q) clearHigh(c, t, nregs);
    };
  }
  return (c, va) => {
    const r = c.v32;
    const slow = crosses(va, total);
    for (let k = 0; k < total; k += 8) {
      const a = va + k;
      if (slow) probeStore(c, a, 8);
      const chunk = k >> 3;
      const rr = (t + ((chunk / chunksPerReg) | 0)) & 31;
      c.write64(a, r, 4 * rr + 2 * (chunk % chunksPerReg));
    }
  };
}

/** LD2-LD4/ST2-ST4: elements of `selem` consecutive registers interleaved in memory. */
function interleaved(load: boolean, t: number, selem: number, q: boolean, ebytes: number): (c: Cpu, va: number) => void {
  const bytes = q ? 16 : 8;
  const total = selem * bytes;
  const elements = bytes / ebytes;
  if (load) {
    return (c, va) => {
      if (crosses(va, total)) {
        for (let e = 0; e < elements; e++) {
          for (let s = 0; s < selem; s++) loadElem(c, va + (e * selem + s) * ebytes, ebytes, (t + s) & 31, e);
        }
      } else {
        for (let i = 0; i < total; i += 8) c.read64(va + i, buf, i >> 2);
        const v8 = c.v8;
        for (let e = 0; e < elements; e++) {
          for (let s = 0; s < selem; s++) {
            const src = (e * selem + s) * ebytes;
            const dst = 16 * ((t + s) & 31) + e * ebytes;
            for (let b = 0; b < ebytes; b++) v8[dst + b] = buf8[src + b]!;
          }
        }
      }
      if (!q) clearHigh(c, t, selem);
    };
  }
  return (c, va) => {
    if (crosses(va, total)) {
      for (let e = 0; e < elements; e++) {
        for (let s = 0; s < selem; s++) storeElem(c, va + (e * selem + s) * ebytes, ebytes, (t + s) & 31, e);
      }
      return;
    }
    const v8 = c.v8;
    for (let e = 0; e < elements; e++) {
      for (let s = 0; s < selem; s++) {
        const dst = (e * selem + s) * ebytes;
        const src = 16 * ((t + s) & 31) + e * ebytes;
        for (let b = 0; b < ebytes; b++) buf8[dst + b] = v8[src + b]!;
      }
    }
    for (let i = 0; i < total; i += 8) c.write64(va + i, buf, i >> 2);
  };
}

function multiple(f: Readonly<Record<string, number>>, rm: number): Exec | null {
  const shape = MULT_SHAPES[f.opcode!];
  if (shape === undefined) return null;
  const [rpt, selem] = shape;
  const q = f.q === 1;
  if (f.size === 3 && !q && selem !== 1) return null;
  const load = f.l === 1;
  const total = rpt * selem * (q ? 16 : 8);
  const n = f.rn!;
  const t = f.rt!;
  if (rpt === 1 && selem === 1 && q && rm === 31) {
    // LD1/ST1 {Vt.16b}, [Xn], #16: the form string and memory routines loop on. QEMU loads it as two
    // 8-byte accesses, so only the page-crossing case differs from LDR Q.
    if (load) return (c) => { ld1x16(c, xAddress(c.x32, n), t); addXImm(c.x32, n, 16); };
    return (c) => { st128(c, xAddress(c.x32, n), t); addXImm(c.x32, n, 16); };
  }
  if (rpt === 1 && selem === 1 && q && rm < 0) {
    if (load) return (c) => ld1x16(c, xAddress(c.x32, n), t);
    return (c) => st128(c, xAddress(c.x32, n), t);
  }
  const body = selem === 1 ? contiguous(load, t, rpt, q) : interleaved(load, t, selem, q, 1 << f.size!);
  return withWriteback(body, n, rm, total);
}

/** LD1 {Vt.16b}: as LDR Q within a page; across one, low then high 8 bytes (a fault on the high half keeps the low). */
function ld1x16(c: Cpu, va: number, t: number): void {
  if (!crosses(va, 16)) {
    ld128(c, va, t);
    return;
  }
  probeLoad(c, va, 8);
  c.read64(va, c.v32, 4 * t);
  probeLoad(c, va + 8, 8);
  c.read64(va + 8, c.v32, 4 * t + 2);
}

/** LD1-LD4 / ST1-ST4 (single structure): one lane of each of `selem` registers, in register order. */
function oneLane(load: boolean, t: number, selem: number, ebytes: number, index: number): (c: Cpu, va: number) => void {
  if (load) {
    return (c, va) => {
      for (let s = 0; s < selem; s++) loadElem(c, va + s * ebytes, ebytes, (t + s) & 31, index);
    };
  }
  return (c, va) => {
    for (let s = 0; s < selem; s++) storeElem(c, va + s * ebytes, ebytes, (t + s) & 31, index);
  };
}

/** LD1R-LD4R: each element replicated to every lane of its register, register by register. */
function replicate(t: number, selem: number, ebytes: number, q: boolean): (c: Cpu, va: number) => void {
  return (c, va) => {
    const r = c.v32;
    for (let s = 0; s < selem; s++) {
      const a = va + s * ebytes;
      probeLoad(c, a, ebytes);
      let lo: number;
      let hi: number;
      if (ebytes === 8) {
        c.read64(a, buf, 0);
        lo = buf[0]!;
        hi = buf[1]!;
      } else if (ebytes === 4) lo = hi = c.read32(a);
      else if (ebytes === 2) lo = hi = Math.imul(c.read16(a), 0x10001) >>> 0;
      else lo = hi = Math.imul(c.read8(a), 0x01010101) >>> 0;
      const rr = (t + s) & 31;
      r[4 * rr] = lo; r[4 * rr + 1] = hi;
      r[4 * rr + 2] = q ? lo : 0; r[4 * rr + 3] = q ? hi : 0;
    }
  };
}

function single(f: Readonly<Record<string, number>>, rm: number): Exec | null {
  const opcode = f.opcode!;
  const size = f.size!;
  const q = f.q!;
  const s = f.s!;
  let scale = opcode >> 1;
  const selem = (((opcode & 1) << 1) | f.r!) + 1;
  const load = f.l === 1;
  let index = 0;
  let body: ((c: Cpu, va: number) => void) | null = null;
  switch (scale) {
    case 3:
      if (!load || s === 1) return null;
      scale = size;
      body = replicate(f.rt!, selem, 1 << scale, q === 1);
      break;
    case 0:
      index = (q << 3) | (s << 2) | size;
      break;
    case 1:
      if ((size & 1) !== 0) return null;
      index = (q << 2) | (s << 1) | (size >> 1);
      break;
    default:
      if ((size & 2) !== 0) return null;
      if ((size & 1) === 0) index = (q << 1) | s;
      else {
        if (s === 1) return null;
        index = q;
        scale = 3;
      }
  }
  const ebytes = 1 << scale;
  body ??= oneLane(load, f.rt!, selem, ebytes, index);
  return withWriteback(body, f.rn!, rm, selem * ebytes);
}

/** Handlers of the structure patterns in decode/ldst_simd.ts, joined into the LDST_SIMD group. */
export const LDST_STRUCT_HANDLERS: Readonly<Record<string, Factory>> = {
  LDST_MULT: (f) => multiple(f, -1),
  LDST_MULT_post: (f) => multiple(f, f.rm!),
  LDST_SINGLE: (f) => single(f, -1),
  LDST_SINGLE_post: (f) => single(f, f.rm!),
};
