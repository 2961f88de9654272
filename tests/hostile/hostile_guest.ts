/**
 * The hostile guest: a hand-assembled arm64 Image that runs with the MMU off and, forever, throws
 * pseudo-random hypercalls, garbage argument structs, PSCI/undefined HVC and SMC immediates and
 * loads and stores at random IPAs at the hypervisor, from a seeded xorshift64 PRNG (x20), so a run
 * is reproducible from its seed. An EL1 vector table skips every faulting instruction (ELR += 4),
 * so aborts and injected undefined instructions never stop it.
 *
 * What it may not do, so that it keeps running long enough to be useful: touch its own code, tables
 * and statistics pages (no pool value points there), block (SCHEDOP_block/poll) or shut itself down
 * through sched_op at top level. It still can through a multicall entry or PSCI, rarely; a hostile
 * guest is allowed to stop itself.
 *
 * Guest memory (RAM0 = 0x4000_0000, the MMU off so VA = IPA):
 *   0x4000_0000 Image header, code           0x4000_1000 vector table (VBAR_EL1)
 *   0x4000_2000 value pool (64 x {base, mask}) 0x4000_3000 call templates (128 x 64 bytes)
 *   0x4000_5000 HVC/SMC stubs (64 x 8 bytes)  0x4000_8000 statistics (iterations, last x0, exceptions)
 *   0x4001_0000 scratch structs (8 KiB)       0x4001_4000 balloon struct, 0x4001_5000 its GFN list
 *   0x4010_0000-0x408f_ffff victim frames (random stores, decrease_reservation, populate_physmap)
 */
import { xorshift32 } from '../../src/lib/prng.js';
import { Asm, arm64Image, COND } from './a64.js';

export const RAM0 = 0x4000_0000;
export const VECTORS = RAM0 + 0x1000;
export const POOL = RAM0 + 0x2000;
export const TEMPLATES = RAM0 + 0x3000;
export const STUBS = RAM0 + 0x5000;
export const STATS = RAM0 + 0x8000;
export const SCRATCH = RAM0 + 0x1_0000;
export const BALLOON = RAM0 + 0x1_4000;
export const BALLOON_LIST = RAM0 + 0x1_5000;
export const VICTIM = RAM0 + 0x10_0000;
export const VICTIM_FRAMES = 0x800;
/** Offsets of the statistics the guest keeps at STATS. */
export const STAT = { ITERATIONS: 0, LAST_X0: 8, EXCEPTIONS: 16, BALLOON_RC: 24 } as const;

const GRANT_WINDOW = 0x3800_0000;
const MAGIC = 0x3900_0000;
const DOMID_SELF = 0x7ff0;
const STRUCT_AT = SCRATCH + 0x100;
const ALL = 0xffff_ffff_ffff_ffffn;

const NR_POOL = 64;
const NR_TEMPLATES = 128;
const NR_STUBS = 64;
/** Random slots of the scratch area rewritten per iteration, among its first 128 u64s. */
const FILLS_PER_ITERATION = 8;

/** {base, mask}: a pool value is base + (random & mask). */
type PoolEntry = readonly [bigint | number, bigint | number];

/** First index of each group of 8 pool entries (struct recipes draw a field from one group or a span of groups). */
const G = { PTR_OWN: 0, PTR_WILD: 8, SMALL: 16, DOM: 24, GFN: 32, GPA: 40, FLAGS: 48, MISC: 56 } as const;

/** The values arguments and struct fields are drawn from, in groups of 8: pointers, ids, frames, sizes. */
function pool(): PoolEntry[] {
  const p: PoolEntry[] = [
    // PTR_OWN: its own scratch structs (aligned, unaligned, crossing a page), victim frames (perhaps given back).
    [SCRATCH, 0x1f8], [SCRATCH, 0x1f8], [SCRATCH, 0x1f8], [SCRATCH, 0x1fff], [SCRATCH + 0xff0, 0xf], [STRUCT_AT, 0], [VICTIM, 0x7f_fff8], [VICTIM, 0x7f_ffff],
    // PTR_WILD: grant window, magic pages and beyond, unmapped and device IPAs, above RAM, huge, negative, anything.
    [GRANT_WINDOW, 0xf_fff8], [MAGIC, 0x3ff8], [MAGIC, 0xff_ffff], [0, 0x3fff_ffff], [0x0300_0000, 0x1ff_fffc],
    [RAM0 + 0x100_0000, 0xffff_ffffn], [0xffff_ffff_ffff_f000n, 0xfff], [0x8000_0000_0000_0000n, 0x7fff_ffff_ffff_ffffn],
    // SMALL: subops, counts, ports, vCPU ids, refs.
    [0, 7], [0, 7], [0, 63], [0, 0x3ff], [0, 0xffff], [0, 0xffff_ffffn], [0xffff_ff00n, 0xff], [0, 1],
    // DOM: packed {domid u16, u16, u32}: DOMID_SELF with a small space/index, domids 0-3 (the neighbour is one),
    // reserved ids, alloc_unbound {SELF, remote 0-3, port}, bind_interdomain {remote 0-3, remote_port}.
    [DOMID_SELF, 0x7_0000_0000n], [DOMID_SELF, 0x3f_0000_0000n], [0, 0x7_0000_0003n], [DOMID_SELF, 0xf],
    [DOMID_SELF, 0x3ff_0003_0000n], [0, 0x3ff_0000_0003n], [DOMID_SELF, 0], [0, 0xffff],
    // GFN: victim frames, the grant window (beyond the table's 64 frames too), magic, unmapped, beyond 40 bits.
    [VICTIM / 4096, VICTIM_FRAMES - 1], [VICTIM / 4096, VICTIM_FRAMES - 1], [VICTIM / 4096, VICTIM_FRAMES - 1],
    [GRANT_WINDOW / 4096, 0x7f], [MAGIC / 4096, 7], [0, 0xf_ffff], [0x1000_0000, 0xffff_ffffn], [0, ALL],
    // GPA: page addresses for map_grant_ref's host_addr and grant copies.
    [VICTIM, 0x7f_f000], [VICTIM, 0x7f_f000], [GRANT_WINDOW, 0x7_f000], [MAGIC, 0x3000], [0, 0xffff_f000], [RAM0 + 0x100_0000, 0xfff_f000],
    [VICTIM, 0x7f_ffff], [0, ALL],
    // FLAGS: grant flags | ref << 32, copy {domid, offset} halves, order | mem_flags << 32.
    [0, 0x1f], [0, 0x7fff_0000_001fn], [0, 0xffff_0000_001fn], [DOMID_SELF, 0xfff_0000], [0, 0x3_0000_000fn], [0, 0x3_0000_0000n], [0, 0x1ff_0000_0003n], [0, 0xffff_ffffn],
    // MISC: PSCI ids that cannot stop the domain (VERSION, CPU_SUSPEND, the SMC64 range, FEATURES), extremes.
    [0x8400_0000, 1], [0xc400_0000, 7], [0x8400_000a, 0], [0, ALL], [0, ALL], [ALL, 0], [0, 0xffff_ffff_ffff_fff8n], [2, 0],
  ];
  if (p.length !== NR_POOL) throw new Error(`The value pool has ${p.length} entries, not ${NR_POOL}`);
  return p;
}

/** A struct field drawn from pool entries base..base+mask (mask: 0, 1, 3, 7, 15, 31 or 63; base+mask < 64). */
function field(base: number, mask: number): number {
  return base | (mask << 8);
}
const F = {
  PTR: field(G.PTR_OWN, 15), SMALL: field(G.SMALL, 7), DOM: field(G.DOM, 7), GFN: field(G.GFN, 7), GPA: field(G.GPA, 7),
  FLAGS: field(G.FLAGS, 7), MIX: field(G.SMALL, 31), ANY: field(0, 63),
} as const;
/** A recipe: up to four u64 fields written at STRUCT_AT before the call (0: no struct). */
function recipe(...f: number[]): bigint {
  return f.reduce((acc, v, i) => acc | (BigInt(v) << BigInt(16 * i)), 0n);
}

/**
 * {nr, x0And, x0Or, recipe, x1Force, x2Force}: x16 = nr, x0 = (random & x0And) | x0Or, the recipe's
 * fields at STRUCT_AT, x1/x2 = the forced value or (0) a pool value, x3/x4 pool values.
 */
type Template = readonly [bigint | number, bigint | number, bigint | number, bigint, number, number];

function templates(): Template[] {
  const t: Template[] = [];
  const none = 0n;
  // Every number 0..63 with a random command; sched_op gets commands >= 8 only (never block/shutdown).
  for (let n = 0; n < 64; n++) t.push(n === 29 ? [29, 0xffff_ffff_ffff_fff0n, 8, none, 0, 0] : [n, ALL, 0, none, 0, 0]);
  const S = STRUCT_AT;
  const mix = recipe(F.MIX, F.MIX, F.MIX, F.ANY);
  const evt = recipe(field(G.SMALL, 31), F.SMALL, F.SMALL, F.ANY);
  const gnt = recipe(F.MIX, F.FLAGS, F.DOM, F.ANY);
  const resv = recipe(F.PTR, F.SMALL, F.FLAGS, F.DOM);
  t.push(
    // memory_op: random subops, add_to_physmap (shared_info, grant frames, gmfn...), reservations, continuation bits.
    [12, 0x3f, 0, mix, S, 0], [12, 0x3f, 0, none, 0, 0], [12, 0, 7, recipe(F.DOM, F.SMALL, F.GFN), S, 0],
    [12, 0, 7, recipe(F.DOM, F.SMALL, F.GFN), S, 0], [12, 0xffff_ffc0, 1, resv, S, 0], [12, 0, 6, resv, S, 0], [12, 0, 1, resv, S, 0],
    [12, 0x3, 0, recipe(F.DOM), S, 0],
    // event_channel_op: every subop, out-of-range ports, foreign and reserved domids, FIFO setup on any frame.
    [32, 0xf, 0, evt, S, 0], [32, 0xf, 0, evt, S, 0], [32, 0xf, 0, recipe(F.DOM, F.SMALL), S, 0], [32, 0xf, 0, none, 0, 0],
    [32, 0x1f, 0, mix, S, 0], [32, 0, 4, recipe(F.SMALL), S, 0], [32, 0, 9, recipe(F.SMALL), S, 0], [32, 0, 11, recipe(F.GFN, F.SMALL), S, 0],
    [32, 0, 12, recipe(F.GFN), S, 0], [32, 0, 6, recipe(F.DOM), S, 0], [32, 0, 0, recipe(F.DOM), S, 0], [32, ALL, 0, evt, S, 0],
    // grant_table_op: every subop on op arrays whose first entry follows a recipe, count from the pool (x2) or 1.
    [20, 0xf, 0, gnt, S, 0], [20, 0xf, 0, gnt, S, 1], [20, 0xf, 0, mix, S, 0], [20, 0xf, 0, mix, S, 1],
    [20, 0, 0, recipe(F.GPA, F.FLAGS, F.DOM), S, 1], [20, 0, 1, recipe(F.GPA, F.GPA, F.SMALL), S, 1], [20, 0, 2, recipe(F.DOM, F.PTR), S, 1],
    [20, 0, 5, recipe(F.GFN, F.FLAGS, F.GFN, F.FLAGS), S, 0], [20, 0, 6, recipe(F.DOM), S, 1], [20, 0x1f, 0, none, 0, 0],
    [20, 0xffff_0000_000fn, 0, gnt, S, 0], [20, ALL, 0, none, 0, 0],
    // hvm_op {domid, index, value}; vcpu_op (x1 = vCPU id, x2 = arg); sched_op subops that cannot stop it; xen_version.
    [34, 1, 0, recipe(F.DOM, F.ANY), S, 0], [34, 0, 1, recipe(F.DOM, F.ANY), S, 0], [34, 0, 0, recipe(F.DOM, F.ANY), S, 0], [34, ALL, 0, none, 0, 0],
    [24, 0xf, 0, recipe(F.GFN, F.SMALL), 0, S], [24, 0, 10, recipe(F.GFN, F.SMALL), 0x1_0000_0000, S], [24, 0, 5, recipe(F.PTR), 0x1_0000_0000, S],
    [24, ALL, 0, none, 0, 0],
    [29, 0, 0, none, 0, 0], [29, 0, 5, recipe(F.SMALL), S, 0], [29, 0, 4, recipe(F.DOM, F.SMALL), S, 0], [29, 0, 7, none, 0, 0],
    [17, 0xf, 0, none, 0, 0], [17, 0xf, 0, recipe(F.SMALL), S, 0], [17, 0, 6, recipe(F.SMALL), S, 0], [17, ALL, 0, none, 0, 0],
    // multicall over scratch entries (x1 = count), vm_assist, console_io, physdev_op.
    [13, 0x1c0, SCRATCH, none, 0, 0], [13, ALL, 0, none, 0, 0], [21, 1, 0, none, 0, 0], [18, 1, 0, none, 0, 0], [33, 0xf, 0, none, 0, 0],
    // Huge numbers, and numbers whose low 32 bits name a real call.
    [0xffff_ffff, ALL, 0, none, 0, 0], [0x1_0000_0011n, 0xf, 0, none, S, 0], [ALL, ALL, 0, none, 0, 0], [64, ALL, 0, none, 0, 0],
    [0x1_0000_000cn, 0x3f, 0, mix, S, 0], [0x8000_0000, ALL, 0, none, 0, 0], [1000, ALL, 0, none, 0, 0], [0x7fff_ffff, ALL, 0, none, 0, 0],
    [0xdead_beef_0000_0020n, 0xf, 0, evt, S, 0],
    // More of the calls whose structs matter most: add_to_physmap and grant setup.
    [12, 0, 7, recipe(F.DOM, F.SMALL, F.GFN), S, 0], [20, 0, 2, recipe(F.DOM, F.PTR), S, 1],
  );
  if (t.length !== NR_TEMPLATES) throw new Error(`There are ${t.length} call templates, not ${NR_TEMPLATES}`);
  return t;
}

/** A fixed xorshift32 for the build-time choices (stub immediates), independent of the guest seed. */
const buildRandom = xorshift32;

/** HVC/SMC immediates of the stub table: PSCI (#0), the hypercall tag, Xen's debug range, anything. */
function stubs(): Asm {
  const rnd = buildRandom(0x5eed);
  const a = new Asm();
  for (let i = 0; i < NR_STUBS; i++) {
    const smc = i % 2 === 1;
    const imm = i < 8 ? 0 : i < 12 ? 0xea1 : i < 16 ? 0xff00 | (rnd() & 0xff) : rnd() & 0xffff;
    if (smc) a.smc(imm);
    else a.hvc(imm);
    a.ret();
  }
  return a;
}

/** The EL1 vector table: synchronous exceptions skip the faulting instruction; IRQ/FIQ/SError just return. */
function vectors(): Asm {
  const a = new Asm();
  for (let e = 0; e < 16; e++) {
    a.align(0x80);
    if (e % 4 === 0) {
      a.mrsElrEl1(9).addImm(9, 9, 4).msrElrEl1(9);
      a.ldr(9, 28, STAT.EXCEPTIONS).addImm(9, 9, 1).str(9, 28, STAT.EXCEPTIONS);
    }
    a.eret();
  }
  return a.align(0x800);
}

// Register use: x19 pool, x20 PRNG state, x22 scratch, x24 templates, x25 iterations, x26 stubs, x17 a recipe,
// x27 balloon struct, x28 statistics, x9 the vector's scratch; x10-x15 temporaries; x0-x4, x16 calls.
const R_POOL = 19;
const R_RNG = 20;
const R_SCRATCH = 22;
const R_TPL = 24;
const R_ITER = 25;
const R_STUBS = 26;
const R_BALLOON = 27;
const R_STATS = 28;

function rand(a: Asm): void {
  a.eorLsl(R_RNG, R_RNG, R_RNG, 13).eorLsr(R_RNG, R_RNG, R_RNG, 7).eorLsl(R_RNG, R_RNG, R_RNG, 17);
}

function code(seed: bigint): Asm {
  const a = new Asm();
  a.mov64(9, VECTORS).msrVbarEl1(9).isb();
  a.mov64(R_POOL, POOL).mov64(R_RNG, seed).mov64(R_SCRATCH, SCRATCH).mov64(R_TPL, TEMPLATES);
  a.mov64(R_STUBS, STUBS).mov64(R_BALLOON, BALLOON).mov64(R_STATS, STATS).movz(R_ITER, 0);
  a.b('loop');

  // poolval: x10 = base + (random & mask) of a random pool entry; poolat: of entry x11. Clobber x11, x12.
  a.label('poolval');
  rand(a);
  a.ubfx(11, R_RNG, 0, 6);
  a.label('poolat');
  a.add(11, R_POOL, 11, 4).ldp(10, 12, 11);
  rand(a);
  a.and(12, 12, R_RNG).add(10, 10, 12).ret();

  a.label('loop');
  a.addImm(R_ITER, R_ITER, 1).str(R_ITER, R_STATS, STAT.ITERATIONS);

  // 1. Garbage structs: rewrite random u64 slots of the scratch area with pool values.
  a.movz(14, FILLS_PER_ITERATION);
  a.label('fill');
  a.bl('poolval');
  rand(a);
  a.ubfx(11, R_RNG, 0, 7).strIdx(10, R_SCRATCH, 11);
  a.subImm(14, 14, 1).cbnz(14, 'fill');

  // 2. A hypercall from a random template: x0 from its masks, its struct recipe at STRUCT_AT, pool arguments.
  rand(a);
  a.ubfx(11, R_RNG, 0, 7).add(11, R_TPL, 11, 6).ldp(16, 12, 11).addImm(11, 11, 16).ldp(13, 17, 11).addImm(11, 11, 16).ldp(15, 14, 11);
  rand(a);
  a.and(0, R_RNG, 12).orr(0, 0, 13);
  a.cbz(17, 'norecipe');
  for (let k = 0; k < 4; k++) {
    a.ubfx(13, 17, 16 * k, 16).cbz(13, 'norecipe');
    rand(a);
    a.ubfx(11, 13, 0, 8).ubfx(12, 13, 8, 8).and(12, 12, R_RNG).add(11, 11, 12).bl('poolat').str(10, R_SCRATCH, STRUCT_AT - SCRATCH + 8 * k);
  }
  a.label('norecipe');
  a.bl('poolval').cmpImm(15, 0).csel(1, 10, 15, COND.EQ);
  a.bl('poolval').cmpImm(14, 0).csel(2, 10, 14, COND.EQ);
  a.bl('poolval').mov(3, 10);
  a.bl('poolval').mov(4, 10);
  a.hvc(0xea1);
  a.str(0, R_STATS, STAT.LAST_X0);

  // 3. Balloon: decrease_reservation or populate_physmap of 1-8 victim frames, order 0 (sometimes 1).
  rand(a);
  a.ubfx(14, R_RNG, 0, 3).addImm(14, 14, 1); // nr_extents
  a.mov64(13, BALLOON_LIST).str(13, R_BALLOON, 0).str(14, R_BALLOON, 8);
  a.ubfx(11, R_RNG, 3, 4).cmpImm(11, 0).movz(12, 1).csel(11, 12, 31, COND.EQ); // order 1 one time in 16, else 0
  a.str(11, R_BALLOON, 16);
  a.mov64(11, DOMID_SELF).str(11, R_BALLOON, 24);
  a.movz(15, 0);
  a.label('list');
  rand(a);
  a.ubfx(11, R_RNG, 0, 11).mov64(12, VICTIM / 4096).add(11, 11, 12).strIdx(11, 13, 15);
  a.addImm(15, 15, 1).cmp(15, 14).bcond(COND.NE, 'list');
  rand(a);
  a.ubfx(11, R_RNG, 0, 1).movz(0, 1).movz(12, 6).cmpImm(11, 0).csel(0, 0, 12, COND.EQ);
  a.movz(16, 12).mov(1, R_BALLOON).hvc(0xea1).str(0, R_STATS, STAT.BALLOON_RC);

  // 4. A random HVC/SMC stub (PSCI, undefined immediates, the hypercall tag with x16 >= 64).
  a.bl('poolval').mov(0, 10);
  a.bl('poolval').mov(1, 10);
  a.bl('poolval').mov(2, 10);
  a.bl('poolval').movz(12, 0x40).orr(16, 10, 12);
  rand(a);
  a.ubfx(11, R_RNG, 0, 6).add(11, R_STUBS, 11, 3).blr(11);

  // 5. Loads and stores at random IPAs (aborts are skipped by the vectors).
  a.bl('poolval').str(R_RNG, 10);
  a.bl('poolval').ldr(11, 10);
  a.bl('poolval').strb(R_RNG, 10);
  a.bl('poolval').strW(R_RNG, 10);
  a.bl('poolval').ldrb(11, 10);
  a.bl('poolval').strh(R_RNG, 10);
  a.bl('poolval').stp(R_RNG, R_ITER, 10);
  a.bl('poolval').ldrW(11, 10);
  a.b('loop');
  return a;
}

function u64Table(rows: readonly (readonly (bigint | number)[])[]): Uint8Array {
  const cols = rows[0]!.length;
  const b = new Uint8Array(rows.length * cols * 8);
  const dv = new DataView(b.buffer);
  rows.forEach((r, i) => r.forEach((v, j) => dv.setBigUint64((i * cols + j) * 8, BigInt.asUintN(64, BigInt(v)), true)));
  return b;
}

/** The hostile guest's arm64 Image for PRNG seed `seed` (non-zero). */
export function hostileImage(seed: bigint): Uint8Array {
  if (BigInt.asUintN(64, seed) === 0n) throw new RangeError('The xorshift seed must not be zero');
  const text = code(BigInt.asUintN(64, seed)).assemble();
  const dataBase = VECTORS - RAM0;
  const data = new Uint8Array(STUBS + 0x1000 - VECTORS);
  data.set(vectors().assemble(), 0);
  data.set(u64Table(pool()), POOL - VECTORS);
  data.set(u64Table(templates().map((t) => [...t, 0, 0])), TEMPLATES - VECTORS);
  data.set(stubs().assemble(), STUBS - VECTORS);
  return arm64Image(text, { data, dataOffset: dataBase });
}

/** The neighbour: increments the u64 at `counterIpa` forever. */
export function counterImage(counterIpa: number): Uint8Array {
  const a = new Asm();
  a.mov64(0, counterIpa).label('loop').ldr(1, 0).addImm(1, 1, 1).str(1, 0).b('loop');
  return arm64Image(a.assemble());
}
