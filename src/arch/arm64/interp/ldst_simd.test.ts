import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flatMachine, type FlatMachine } from '../../../../tests/harness/flat_machine.js';
import { EC, ecOf } from '../exit.js';

const BRK = 0xd4200000; // brk #0: ends each snippet
const DATA = 0x8000;

/** A machine whose bytes at DATA.. are 0, 1, 2, ... (mod 256), X0 = DATA, with `words` loaded. */
function setup(words: number[]): FlatMachine {
  const m = flatMachine();
  for (let i = 0; i < 0x1000; i++) m.ram[DATA + i] = i & 0xff;
  m.cpu.state.setX(0, BigInt(DATA));
  m.load([...words, BRK]);
  return m;
}

/** V[n] as bytes 0..15 (lowest first), hex. */
function vbytes(m: FlatMachine, n: number): string {
  return Buffer.from(m.cpu.state.v8.subarray(16 * n, 16 * n + 16)).toString('hex');
}

/** Bytes start, start+1, ... (mod 256) as hex, then `zeros` zero bytes. */
function seq(start: number, count: number, zeros = 0): string {
  let s = '';
  for (let i = 0; i < count; i++) s += ((start + i) & 0xff).toString(16).padStart(2, '0');
  return s + '00'.repeat(zeros);
}

test('LDR Q / STR Q copy 16 bytes; LDR S clears bits 127..32', () => {
  const m = setup([0x3dc00001, 0x3d800801, 0xbd400402]); // ldr q1,[x0]; str q1,[x0,#32]; ldr s2,[x0,#4]
  m.cpu.state.v8.fill(0xee);
  m.run();
  assert.equal(vbytes(m, 1), seq(0, 16));
  assert.equal(Buffer.from(m.ram.subarray(DATA + 32, DATA + 48)).toString('hex'), seq(0, 16));
  assert.equal(vbytes(m, 2), seq(4, 4, 12));
});

test('LDP Q post-index loads two registers and advances the base by 32', () => {
  const m = setup([0xacc11003]); // ldp q3, q4, [x0], #32
  m.run();
  assert.equal(vbytes(m, 3), seq(0, 16));
  assert.equal(vbytes(m, 4), seq(16, 16));
  assert.equal(m.cpu.state.getX(0), BigInt(DATA + 32));
});

test('LDR (register, SXTW #3) uses a negative index; LDR Q pre-index writes back', () => {
  const m = setup([0xfc62d807, 0x3cc10c09]); // ldr d7,[x0,w2,sxtw #3]; ldr q9,[x0,#16]!
  m.cpu.state.setX(0, BigInt(DATA + 64));
  m.cpu.state.setX(2, 0xabcdef00_fffffffen); // w2 = -2: address DATA + 64 - 16
  m.run();
  assert.equal(vbytes(m, 7), seq(48, 8, 8));
  assert.equal(vbytes(m, 9), seq(80, 16));
  assert.equal(m.cpu.state.getX(0), BigInt(DATA + 80));
});

test('LDR Q (literal) loads from PC + offset', () => {
  const m = flatMachine();
  m.load([0x9c000088, BRK, 0, 0, 0x03020100, 0x07060504, 0x0b0a0908, 0x0f0e0d0c]); // ldr q8, pc+16
  m.run();
  assert.equal(vbytes(m, 8), seq(0, 16));
});

test('LD4 de-interleaves bytes into four registers and ST4 re-interleaves them', () => {
  const m = setup([0x4c400000, 0x4c000020]); // ld4 {v0-v3.16b},[x0]; st4 {v0-v3.16b},[x1]
  m.cpu.state.setX(1, BigInt(DATA + 0x100));
  m.run();
  let v1 = '';
  for (let i = 0; i < 16; i++) v1 += (4 * i + 1).toString(16).padStart(2, '0');
  assert.equal(vbytes(m, 1), v1);
  assert.equal(Buffer.from(m.ram.subarray(DATA + 0x100, DATA + 0x140)).toString('hex'), seq(0, 64));
});

test('LD2 post-index by register and LD1 (3 registers) wrap from V31 to V0', () => {
  const m = setup([0x4cc3881e, 0x0cdf601f]); // ld2 {v30.4s,v31.4s},[x0],x3; ld1 {v31.8b,v0.8b,v1.8b},[x0],#24
  m.cpu.state.setX(3, 8n);
  m.cpu.state.v8.fill(0xee);
  m.run();
  assert.equal(vbytes(m, 30), seq(0, 4) + seq(8, 4) + seq(16, 4) + seq(24, 4));
  assert.equal(vbytes(m, 31), seq(8, 8, 8)); // the second load replaced it (64-bit: upper half cleared)
  assert.equal(vbytes(m, 0), seq(16, 8, 8));
  assert.equal(vbytes(m, 1), seq(24, 8, 8));
  assert.equal(m.cpu.state.getX(0), BigInt(DATA + 8 + 24));
});

test('LD1R replicates; LD1 (single lane) keeps the other lanes, even the upper half of a 64-bit form', () => {
  const m = setup([0x4d40c805, 0x0d405806, 0x4d408406, 0x4d40e40a]);
  m.cpu.state.v8.fill(0xee);
  m.run();
  assert.equal(vbytes(m, 5), seq(0, 4).repeat(4));
  assert.equal(vbytes(m, 6), 'eeeeeeeeeeee0001' + seq(0, 8)); // h[3] then d[1]
  assert.equal(vbytes(m, 10), '0001'.repeat(8)); // ld3r .8h
  assert.equal(vbytes(m, 12), '0405'.repeat(8));
});

test('ST1 (single lane) post-index stores one element', () => {
  const m = setup([0x4d9f9000]); // st1 {v0.s}[3], [x0], #4
  m.cpu.state.v32.set([1, 2, 3, 0xdeadbeef]);
  m.run();
  assert.equal(Buffer.from(m.ram.subarray(DATA, DATA + 8)).toString('hex'), 'efbeadde04050607');
  assert.equal(m.cpu.state.getX(0), BigInt(DATA + 4));
});

// Faults part-way follow QEMU's access order (checked by tests/diff): whole accesses before the faulting
// one are done, the faulting one is not, the base is not written back, and FAR is the first byte of the
// unmapped page.

test('LDP Q that faults on its second register keeps the first and leaves the base', () => {
  const m = setup([0xacc11003]); // ldp q3, q4, [x0], #32
  const end = 1 << 20; // end of RAM
  m.ram.fill(0x11, end - 16);
  m.cpu.state.setX(0, BigInt(end - 16));
  m.cpu.state.v8.fill(0xee);
  const exit = m.run();
  assert.equal(exit.kind === 'exception' && ecOf(exit.esr), EC.DABT_LOWER);
  assert.equal(exit.kind === 'exception' && exit.far, end);
  assert.equal(vbytes(m, 3), '11'.repeat(16));
  assert.equal(vbytes(m, 4), 'ee'.repeat(16));
  assert.equal(m.cpu.state.getX(0), BigInt(end - 16));
  assert.equal(m.cpu.state.pc, 0x1000);
});

test('a Q store across into an unmapped page writes its low 8 bytes only; a Q load writes nothing', () => {
  const end = 1 << 20;
  const st = setup([0xad000801]); // stp q1, q2, [x0]
  st.cpu.state.setX(0, BigInt(end - 8));
  st.cpu.state.v8.fill(0x55);
  const exit = st.run();
  assert.equal(exit.kind === 'exception' && exit.far, end);
  assert.equal(Buffer.from(st.ram.subarray(end - 8)).toString('hex'), '55'.repeat(8));
  const ld = setup([0x3dc00001]); // ldr q1, [x0]
  ld.cpu.state.setX(0, BigInt(end - 8));
  ld.cpu.state.v8.fill(0x77);
  ld.run();
  assert.equal(vbytes(ld, 1), '77'.repeat(16));
});

test('structure loads and stores that cross into an unmapped page do the accesses before it', () => {
  const end = 1 << 20;
  const cases: [number, (m: FlatMachine) => void][] = [
    [0x4c9f2000, (m) => { // st1 {v0-v3.16b}, [x0], #64: 8-byte chunks, five fit
      assert.equal(Buffer.from(m.ram.subarray(end - 40)).toString('hex'), '77'.repeat(40));
    }],
    [0x4cdf2000, (m) => { // ld1 {v0-v3.16b}, [x0], #64: v0, v1 and the low half of v2 loaded
      assert.equal(vbytes(m, 0) + vbytes(m, 1) + vbytes(m, 2), '00'.repeat(40) + '77'.repeat(8));
      assert.equal(vbytes(m, 3), '77'.repeat(16));
    }],
    [0x4c400804, (m) => { // ld4 {v4-v7.4s}, [x0]: ten 4-byte elements, structure by structure
      assert.equal(vbytes(m, 4), '00'.repeat(12) + '77'.repeat(4));
      assert.equal(vbytes(m, 6), '00'.repeat(8) + '77'.repeat(8));
    }],
  ];
  for (const [word, check] of cases) {
    const m = setup([word]);
    m.ram.fill(0, end - 40);
    m.cpu.state.setX(0, BigInt(end - 40));
    m.cpu.state.v8.fill(0x77);
    const exit = m.run();
    assert.equal(exit.kind === 'exception' && ecOf(exit.esr), EC.DABT_LOWER, word.toString(16));
    assert.equal(exit.kind === 'exception' && exit.far, end);
    check(m);
    assert.equal(m.cpu.state.getX(0), BigInt(end - 40));
    assert.equal(m.cpu.state.pc, 0x1000);
  }
});
