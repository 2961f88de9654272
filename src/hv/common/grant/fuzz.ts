/**
 * Fuzz target for the grant-table attack surface: hostile GNTTABOP_* argument arrays, counts and
 * commands from either domain, add_to_physmap indices, backend map/unmap/copy calls, and a guest
 * rewriting its entries between operations. The input bytes drive everything; the target throws
 * only when something escapes a handler or memory outside the two domains changed.
 */
import { DOMID_SELF, XEN_PAGE_SIZE } from '../../../abi/xen.js';
import {
  COPY,
  COPY_PTR,
  GNTCOPY_dest_gref,
  GNTCOPY_source_gref,
  GNTMAP_host_map,
  GNTMAP_readonly,
  GNTTABOP_ARG_BYTES,
  GNTTABOP_CMD_MASK,
  GNTTABOP_copy,
  GNTTABOP_map_grant_ref,
  GNTTABOP_unmap_and_replace,
  GNTTABOP_unmap_grant_ref,
  GTF_permit_access,
  GTF_readonly,
  MAP,
  UNMAP,
} from './abi.js';
import type { GrantTable } from './grant_table.js';
import { DOM0, DOMU, RAM_GFN, makeGrantWorld } from './harness.js';

/** Sequential reader that yields zeros once the input runs out. */
class Input {
  private at = 0;
  constructor(private readonly bytes: Uint8Array) {}
  get done(): boolean {
    return this.at >= this.bytes.length;
  }
  u8(): number {
    return this.at < this.bytes.length ? this.bytes[this.at++]! : 0;
  }
  u32(): number {
    return (this.u8() | (this.u8() << 8) | (this.u8() << 16) | (this.u8() << 24)) >>> 0;
  }
}

/** 32-bit words that hit the interesting paths: domids, refs, frames, flags, bounds, and their edges. */
const INTERESTING = [
  0, 1, 2, 6, 8, 9, 511, 512, 4095, 4096, DOMID_SELF, RAM_GFN, RAM_GFN + 3, RAM_GFN + 7, RAM_GFN + 8, 0x50000, 0x5000_0000,
  0x5000_1000, 0x10008, 0x20010, 0x30100, 0x1000_0ff0, 0xffff, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff,
];

function word(inp: Input): number {
  const pick = inp.u8();
  return pick < 200 ? INTERESTING[pick % INTERESTING.length]! : inp.u32();
}

/** A field value: mostly one of `choices`, sometimes anything. */
function pick(inp: Input, choices: readonly number[]): number {
  const i = inp.u8();
  return i < 224 ? choices[i % choices.length]! : word(inp);
}

const REFS = [8, 9, 10];
const DOMS = [DOM0, DOMU, DOMID_SELF];

/** Fills one struct with plausible field values, so the fuzzer gets past the first checks. */
function plausible(inp: Input, sub: number, dv: DataView, at: number): void {
  const u32 = (off: number, v: number) => dv.setUint32(at + off, v >>> 0, true);
  const u16 = (off: number, v: number) => dv.setUint16(at + off, v & 0xffff, true);
  const gpa = () => pick(inp, [0x5000_0000, 0x5000_1000, 0x5000_2000, 0, RAM_GFN * XEN_PAGE_SIZE]);
  if (sub === GNTTABOP_map_grant_ref) {
    u32(MAP.host_addr, gpa());
    u32(MAP.flags, pick(inp, [GNTMAP_host_map, GNTMAP_host_map | GNTMAP_readonly, 0, 1]));
    u32(MAP.ref, pick(inp, REFS));
    u16(MAP.dom, pick(inp, DOMS));
  } else if (sub === GNTTABOP_unmap_grant_ref || sub === GNTTABOP_unmap_and_replace) {
    u32(UNMAP.host_addr, gpa());
    u32(UNMAP.handle, pick(inp, [0, 1, 2, 3]));
  } else if (sub === GNTTABOP_copy) {
    const flags = inp.u8() & 3;
    for (const [side, isGref] of [[COPY.source, flags & GNTCOPY_source_gref], [COPY.dest, flags & GNTCOPY_dest_gref]] as const) {
      u32(side + COPY_PTR.u, isGref ? pick(inp, REFS) : RAM_GFN + (inp.u8() % 10));
      u16(side + COPY_PTR.domid, isGref ? pick(inp, DOMS) : DOMID_SELF);
      u16(side + COPY_PTR.offset, pick(inp, [0, 100, 4000, 4095]));
    }
    u16(COPY.len, pick(inp, [0, 8, 96, 4096]));
    u16(COPY.flags, flags);
  } else {
    for (let i = 0; i + 4 <= GNTTABOP_ARG_BYTES[sub]!; i += 4) u32(i, pick(inp, [...REFS, ...DOMS]));
  }
}

function hypercall(inp: Input, t: GrantTable): void {
  const sel = inp.u8();
  const sub = sel & 0x0f;
  const cmd = sel & 0x80 ? (sub | (inp.u32() & ~GNTTABOP_CMD_MASK)) >>> 0 : sub;
  const nStructs = 1 + (inp.u8() % 4);
  const size = GNTTABOP_ARG_BYTES[sub] ?? 16;
  // Sometimes cut the array short, as when the guest's array stops being readable.
  const cut = inp.u8() % 3 === 0 ? inp.u8() % 8 : 0;
  const dv = new DataView(new ArrayBuffer(Math.max(0, size * nStructs - cut)));
  for (let i = 0; i < nStructs; i++) {
    if ((i + 1) * size > dv.byteLength) break;
    if (inp.u8() & 1 && GNTTABOP_ARG_BYTES[sub] !== undefined) plausible(inp, sub, dv, i * size);
    else for (let w = 0; w + 4 <= size; w += 4) dv.setUint32(i * size + w, word(inp), true);
  }
  const countPick = inp.u8() % 4;
  const count = countPick === 0 ? inp.u32() : countPick === 1 ? nStructs + 1 : nStructs;
  const guest = { write: (va: number, b: Uint8Array) => va % 3 === 0 && b.length <= XEN_PAGE_SIZE };
  t.doGrantTableOp(cmd, dv, count, t.domid, guest);
}

function backend(inp: Input, t: GrantTable, handles: number[]): void {
  const granter = pick(inp, DOMS);
  const ref = pick(inp, REFS);
  switch (inp.u8() % 3) {
    case 0: {
      const m = t.mapGrant(granter, ref, { readonly: (inp.u8() & 1) === 1 });
      if ('handle' in m) {
        handles.push(m.handle);
        if (!m.readonly) m.page.fill(inp.u8());
      }
      break;
    }
    case 1:
      t.unmapGrant(handles.length > 0 && inp.u8() & 1 ? handles.pop()! : word(inp));
      break;
    case 2:
      t.copy(granter, ref, { offset: word(inp) - (inp.u8() & 1), data: new Uint8Array(inp.u8() * 17), toGrant: (inp.u8() & 1) === 1 });
      break;
  }
}

/** The guest side: grant as Linux does (domid, frame, then flags), or flip flag bits behind our back. */
function guestWrite(inp: Input, t: GrantTable, grantee: number): void {
  const ref = pick(inp, REFS) % t.nrEntries;
  const off = t.entryHostOffset(ref);
  if (inp.u8() & 1) {
    Atomics.xor(t.mem.i16, off >>> 1, inp.u8() | (inp.u8() << 8));
    return;
  }
  t.mem.dv.setUint16(off + 2, inp.u8() & 3 ? grantee : word(inp) & 0xffff, true);
  t.mem.dv.setUint32(off + 4, inp.u8() & 3 ? RAM_GFN + (inp.u8() % 10) : word(inp), true);
  Atomics.store(t.mem.i16, off >>> 1, GTF_permit_access | (inp.u8() & 1 ? GTF_readonly : 0));
}

/** Runs one fuzz case; throws if an operation threw or memory outside the domains changed. */
export function fuzzGrantTableOps(bytes: Uint8Array): void {
  const w = makeGrantWorld();
  const inp = new Input(bytes);
  const handles: number[] = [];
  while (!inp.done) {
    const action = inp.u8();
    const t = action & 0x80 ? w.domU : w.dom0;
    if (t.isDestroyed) continue;
    switch (action % 8) {
      case 0:
      case 1:
        guestWrite(inp, t, t === w.domU ? DOM0 : DOMU);
        break;
      case 2:
      case 3:
      case 4:
        hypercall(inp, t);
        break;
      case 5:
        t.frameForIndex(word(inp) % 8);
        break;
      case 6:
        backend(inp, t, handles);
        break;
      case 7:
        if (inp.u8() === 0xff) t.destroy();
        break;
    }
  }
  w.domU.destroy();
  w.dom0.destroy();
  if (!w.canaryIntact()) throw new Error('Grant-table fuzz case changed memory outside the domains');
}
