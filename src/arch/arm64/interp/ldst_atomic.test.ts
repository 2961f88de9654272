import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flatMachine } from '../../../../tests/harness/flat_machine.js';
import { EC, ecOf } from '../exit.js';

// Expected values checked against qemu-aarch64-static 7.2 (-cpu cortex-a76).

function runOne(word: number, memValue: bigint, rs: bigint): { old: bigint; mem: bigint } {
  const m = flatMachine();
  const d = new DataView(m.ram.buffer);
  d.setBigUint64(0x8000, memValue, true);
  m.load([word, 0xd4000001]);
  m.cpu.state.setX(1, 0x8000n);
  m.cpu.state.setX(2, rs);
  m.cpu.state.setX(3, 0xdeadn);
  m.run();
  return { old: m.cpu.state.getX(3), mem: d.getBigUint64(0x8000, true) };
}

test('LD<op> returns the old value and stores op(old, Rs) at B/H/W/X', () => {
  const M = 0xffff_ffff_ffff_ffffn;
  const cases: [string, number, bigint, bigint, bigint, bigint][] = [
    // name, word (Rs = x2, Rt = x3, Rn = x1), memory, Rs, expected old, expected memory
    ['ldadd x', 0xf8220023, 0xffff_ffffn, 1n, 0xffff_ffffn, 0x1_0000_0000n],
    ['ldaddb', 0x38220023, 0x1234_56ffn, 2n, 0xffn, 0x1234_5601n],
    ['ldclrh', 0x78221023, 0xffffn, 0x0ff0n, 0xffffn, 0xf00fn],
    ['ldeor w', 0xb8222023, 0x8000_0001n, 0xffff_ffff_0000_0003n, 0x8000_0001n, 0x8000_0002n],
    ['ldset x', 0xf8223023, 0x0f0n, 0x8000_0000_0000_0000n, 0xf0n, 0x8000_0000_0000_00f0n],
    ['ldsmax x', 0xf8224023, M, 5n, M, 5n],
    ['ldsmaxb', 0x38224023, 0x80n, 0x7fn, 0x80n, 0x7fn],
    ['ldsmin w', 0xb8225023, 0x7fff_ffffn, 0x8000_0000n, 0x7fff_ffffn, 0x8000_0000n],
    ['ldumax h', 0x78226023, 0x8000n, 0x7fffn, 0x8000n, 0x8000n],
    ['ldumin x', 0xf8227023, M, 0x1_0000_0000n, M, 0x1_0000_0000n],
    ['swp x', 0xf8228023, 0x1111n, 0x2222n, 0x1111n, 0x2222n],
  ];
  for (const [name, word, memValue, rs, old, mem] of cases) {
    const r = runOne(word, memValue, rs);
    assert.equal(r.old, old, `${name}: old value`);
    assert.equal(r.mem, mem, `${name}: memory`);
  }
});

test('STADD (Rt = XZR) stores without a destination; misaligned atomics fault; LDAPR is UNDEFINED', () => {
  const r = runOne(0xf822003f, 40n, 2n); // stadd x2, [x1]
  assert.equal(r.mem, 42n);
  assert.equal(r.old, 0xdeadn);
  const m = flatMachine();
  m.load([0xb8220023]); // ldadd w2, w3, [x1]
  m.cpu.state.setX(1, 0x8002n);
  let exit = m.run();
  assert.equal(exit.kind === 'exception' && ecOf(exit.esr), EC.DABT_LOWER);
  m.load([0xf8bfc020]); // ldapr x0, [x1]
  exit = m.run();
  assert.equal(exit.kind === 'exception' && ecOf(exit.esr), EC.UNKNOWN);
});
