import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flatMachine, type FlatMachine } from '../../../../tests/harness/flat_machine.js';
import { CPU_TRAP } from '../cpu.js';
import { GROUPS, decodeInsn, translateInsn } from './index.js';
import { Kind } from './predecode.js';
import { runPredecoded } from './predecoded_run.js';
import { Hdr, HDR_WORDS, HdrFlag } from '../code_cache.js';
import { REG_ZR_READ } from '../state.js';
import { PSTATE_DAIF, PSTATE_EL_SHIFT, PSTATE_SPSEL } from '../exception.js';
import type { Pattern } from '../decode/pattern.js';
import { xorshift32 } from '../../../lib/prng.js';

// The compact form must do what the instruction's closure does: the same registers, flags, next PC,
// memory and fault, from the same state. Each case runs one random word of a pattern both ways on
// two machines set up alike, with bases that often point into RAM (so loads and stores succeed)
// and otherwise anywhere (so they fault).

const RAM = 1 << 16;
/** Where bases that point into RAM point, and the RAM filled with random words. */
const DATA = 0x8000;

interface Snapshot {
  readonly regs: Uint32Array;
  readonly nzcv: number;
  readonly ram: Uint8Array;
  readonly sys: Uint32Array;
  readonly pstate: number;
}

function setUp(m: FlatMachine, r: () => number, snapshot: Snapshot | null): Snapshot {
  const x = m.cpu.x32;
  if (snapshot !== null) {
    x.set(snapshot.regs);
    m.cpu.nzcv = snapshot.nzcv;
    m.ram.set(snapshot.ram);
    m.cpu.sys32.set(snapshot.sys);
    m.cpu.state.pstate = snapshot.pstate;
    return snapshot;
  }
  for (let n = 0; n < 32; n++) {
    const inRam = r() % 3 !== 0;
    x[2 * n] = inRam ? DATA + (r() % 0x6000) : r();
    // Any top byte: addresses ignore it (TBI), writeback keeps it.
    x[2 * n + 1] = inRam ? r() & 0xff00_0000 : r();
  }
  x[2 * REG_ZR_READ] = 0;
  x[2 * REG_ZR_READ + 1] = 0;
  m.cpu.nzcv = (r() & 0xf) << 28;
  const words = new Uint32Array(m.ram.buffer, DATA, (RAM - DATA) / 4);
  for (let k = 0; k < words.length; k++) words[k] = r();
  // System register storage and PSTATE for MRS and MSR: EL0 or EL1, SPSel, DAIF, all random (the
  // flat machine's loads and stores do not look at them).
  for (let k = 0; k < m.cpu.sys32.length; k++) m.cpu.sys32[k] = r();
  m.cpu.state.pstate = r() & (PSTATE_DAIF | PSTATE_SPSEL | (1 << PSTATE_EL_SHIFT));
  return { regs: x.slice(), nzcv: m.cpu.nzcv, ram: m.ram.slice(), sys: m.cpu.sys32.slice(), pstate: m.cpu.state.pstate };
}

/** op0..op2 of system registers with a compact MRS or MSR, and of a few without (their closures run instead). */
const SYSREGS_TRIED: readonly (readonly [number, number, number, number, number])[] = [
  [3, 0, 13, 0, 4], [3, 3, 13, 0, 2], [3, 3, 13, 0, 3], [3, 0, 5, 2, 0], [3, 0, 6, 0, 0], [3, 0, 4, 0, 1], [3, 0, 4, 0, 0],
  [3, 0, 4, 1, 0], [3, 3, 4, 2, 1], [3, 0, 10, 2, 0], [3, 0, 12, 0, 0], [3, 3, 14, 0, 2], [3, 0, 4, 2, 2],
];

/**
 * Random words rarely have an unshifted register operand, Rn = 31 (MOV) or the bitfield fields of
 * a shift (imms all ones: LSR and ASR; immr = imms + 1: LSL), the forms with a compact kind: make them
 * as common as the rest.
 */
function biased(insn: number, p: Pattern, r: () => number): number {
  let w = insn;
  if (p.name === 'MSR_i' && (r() & 1) === 0) {
    // DAIFSet or DAIFClr (op1 = 3, op2 = 6 or 7), which random fields seldom are.
    w = ((w & ~0x0007_00e0) | (3 << 16) | ((6 + (r() & 1)) << 5)) >>> 0;
  }
  if ((p.name === 'MRS' || p.name === 'MSR_r') && (r() & 3) !== 0) {
    // Random words name an unimplemented register nearly always: name one this CPU has.
    const [op0, op1, crn, crm, op2] = SYSREGS_TRIED[r() % SYSREGS_TRIED.length]!;
    w = ((w & ~0x000f_ffe0) | ((op0 - 2) << 19) | (op1 << 16) | (crn << 12) | (crm << 8) | (op2 << 5)) >>> 0;
  }
  const top = (w >>> 31) === 1 ? 63 : 31;
  const shiftAlias = r() & 3;
  for (const f of p.fields) {
    const bits = ((1 << f.width) - 1) << f.shift;
    if (f.name === 'imm6' && (r() & 1) === 0) w &= ~bits;
    if (f.name === 'rn' && (r() & 3) === 0) w |= bits;
    if (f.name === 'imms' && shiftAlias === 0) w = (w & ~bits) | (top << f.shift);
    const immr = p.fields.find((g) => g.name === 'immr');
    if (f.name === 'imms' && shiftAlias === 1 && immr !== undefined) {
      const imms = (w >>> f.shift) & top;
      w = (w & ~bits & ~(((1 << immr.width) - 1) << immr.shift)) | (imms << f.shift) | (((imms + 1) & top) << immr.shift);
    }
  }
  return w >>> 0;
}

function sameMemory(a: Uint8Array, b: Uint8Array): boolean {
  const wa = new Uint32Array(a.buffer, a.byteOffset, a.length / 4);
  const wb = new Uint32Array(b.buffer, b.byteOffset, b.length / 4);
  for (let k = 0; k < wa.length; k++) if (wa[k] !== wb[k]) return false;
  return true;
}

interface Outcome {
  readonly trapped: boolean;
  readonly npc: number;
}

function runOne(m: FlatMachine, insn: number, at: number, predecoded: boolean): Outcome {
  const t = translateInsn(insn);
  const c = m.cpu;
  c.pc = at;
  c.npc = -1;
  try {
    if (predecoded) {
      // A one-instruction block's header row (code_cache.ts Hdr) and its form; a CLOSURE form's first
      // immediate, 0, is the index of its closure.
      const hdr = new Int32Array(HDR_WORDS);
      hdr[Hdr.FLAGS] = HdrFlag.VALID;
      hdr[Hdr.SIZE] = 1;
      assert.equal(runPredecoded(c, hdr, 0, Int32Array.of(t.preHead, t.preImm0, t.preImm1), [t.exec], at), 1);
    } else {
      t.exec(c);
    }
  } catch (e) {
    if (e !== CPU_TRAP) throw e;
    return { trapped: true, npc: c.npc };
  }
  return { trapped: false, npc: c.npc };
}

test('each compact instruction does what its closure does, on random words and states', () => {
  const r = xorshift32(20261207);
  const closures = flatMachine(RAM);
  const compact = flatMachine(RAM);
  const tried = new Map<string, number>();
  let cases = 0;
  for (const g of GROUPS) {
    for (const p of g.patterns) {
      for (let k = 0; k < 400; k++) {
        const insn = biased(((r() & ~p.mask) | p.match) >>> 0, p, r);
        if (decodeInsn(insn)?.name !== p.name) continue;
        const t = translateInsn(insn);
        if (((t.preHead & 0xff) as Kind) === Kind.CLOSURE) continue;
        const state = setUp(closures, r, null);
        setUp(compact, r, state);
        // PCs both low and in the kernel's half (negative numbers: sign-extended virtual addresses).
        const at = (r() & 1) === 0 ? 0x1000 + (r() & 0xfffc) : -0x8000_0000_0000 + (r() & 0xf_fffc);
        const want = runOne(closures, insn, at, false);
        const got = runOne(compact, insn, at, true);
        const what = `${p.name} 0x${insn.toString(16).padStart(8, '0')}`;
        assert.deepEqual(got, want, `${what}: outcome`);
        assert.deepEqual(compact.cpu.x32.slice(0, 2 * REG_ZR_READ + 2), closures.cpu.x32.slice(0, 2 * REG_ZR_READ + 2), `${what}: registers`);
        assert.equal(compact.cpu.nzcv, closures.cpu.nzcv, `${what}: NZCV`);
        assert.deepEqual(compact.cpu.sys32, closures.cpu.sys32, `${what}: system registers`);
        assert.equal(compact.cpu.state.pstate, closures.cpu.state.pstate, `${what}: PSTATE`);
        assert.ok(sameMemory(compact.ram, closures.ram), `${what}: memory`);
        tried.set(p.name, (tried.get(p.name) ?? 0) + 1);
        cases++;
      }
    }
  }
  // Every pattern with a compact form was tried, the common ones many times.
  for (const name of ['LDST_uimm', 'LDST_unscaled', 'HINT', 'ORR_r', 'ADD_i', 'SUBS_i', 'LDSTP_off', 'LDSTP_pre', 'LDSTP_post', 'B_cond', 'MOVZ', 'MOVN',
    'BL', 'B', 'RET', 'BR', 'BLR', 'SUBS_r', 'ADD_r', 'ADRP', 'ADR', 'CBZ', 'CBNZ', 'TBZ', 'TBNZ', 'AND_i', 'ANDS_i', 'EOR_i', 'ORR_i', 'AND_r', 'EOR_r', 'SUB_r', 'ADDS_r', 'ADDS_i', 'SUB_i', 'DMB', 'DSB',
    'MOVK', 'CSEL', 'CSINC', 'LDST_reg', 'LDST_pre', 'LDST_post', 'UBFM', 'SBFM', 'LSLV', 'LSRV', 'ASRV', 'MRS', 'MSR_r',
    'BIC_r', 'ORN_r', 'EON_r', 'BICS_r', 'ADD_x', 'SUB_x', 'ADDS_x', 'SUBS_x', 'MADD', 'MSUB', 'CCMP_r', 'CCMP_i', 'CCMN_r', 'CCMN_i', 'MSR_i',
    'CSINV', 'CSNEG', 'CLZ', 'LDAR', 'STLR']) {
    assert.ok((tried.get(name) ?? 0) >= 20, `${name}: ${tried.get(name) ?? 0} cases`);
  }
  assert.ok(cases > 10_000, `${cases} cases`);
});

test('a compact block stops after a store that discards it, and counts what retired', () => {
  const m = flatMachine(RAM);
  m.load([
    0xf9000020, // str x0, [x1]          (into this block's own page: the block is discarded)
    0x91000442, // add x2, x2, #1        (never runs from the discarded block)
    0xd4000001, // svc #0
  ]);
  m.cpu.state.setX(1, 0x1800n);
  m.cpu.state.setX(2, 5n);
  const exit = m.run();
  // The run loop retranslates the rest from the store's successor and runs it.
  assert.equal(exit.kind, 'svc');
  assert.equal(m.cpu.state.getX(2), 6n);
  assert.equal(m.cpu.icount, 3);
});

test('the compact form is three int32s an instruction, and a closure stands in for the rest', () => {
  const add = translateInsn(0x91000442); // add x2, x2, #1
  assert.equal(add.preHead & 0xff, Kind.ADDI_X);
  assert.equal(add.preImm0, 1);
  assert.ok([add.preHead, add.preImm0, add.preImm1].every((v) => v === (v | 0)));
  const crc = translateInsn(0x9ac14c00); // crc32x w0, w0, x1: no compact form
  assert.equal(crc.preHead & 0xff, Kind.CLOSURE);
});
