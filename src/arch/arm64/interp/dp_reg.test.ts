import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flatMachine } from '../../../../tests/harness/flat_machine.js';
import { EC, ecOf } from '../exit.js';

// Expected values were produced by running each instruction under qemu-aarch64-static 7.2 (Debian 12).

/** [assembly, encoding, inputs, NZCV in, registers QEMU changed, NZCV out]; registers not listed must keep their inputs. */
type Row = readonly [string, number, Readonly<Record<string, bigint>>, number, Readonly<Record<string, bigint>>, number];

function slotOf(name: string): number {
  return name === 'sp' ? 31 : Number(name.slice(1));
}

/** Runs one instruction followed by SVC #0 from a zeroed register file (SP = 0x10000) and compares every register. */
function checkRow([asm, word, inputs, nzcvIn, changed, nzcvOut]: Row): void {
  test(`${asm} matches qemu-aarch64`, () => {
    const m = flatMachine();
    const want = new Array<bigint>(32).fill(0n);
    want[31] = 0x10000n;
    for (const [r, v] of Object.entries(inputs)) want[slotOf(r)] = v;
    want.forEach((v, slot) => m.cpu.state.setX(slot, v));
    m.cpu.state.nzcv = nzcvIn << 28;
    m.load([word, 0xd4000001]);
    assert.equal(m.run().kind, 'svc');
    for (const [r, v] of Object.entries(changed)) want[slotOf(r)] = v;
    want.forEach((v, slot) => assert.equal(m.cpu.state.getX(slot), v, `${slot === 31 ? 'sp' : 'x' + slot}`));
    assert.equal(m.cpu.state.nzcv >>> 28, nzcvOut, 'nzcv');
  });
}

function checkUndefined(name: string, word: number): void {
  test(`${name} (0x${word.toString(16)}) is UNDEFINED, as under qemu-aarch64`, () => {
    const m = flatMachine();
    m.load([word, 0xd4000001]);
    const exit = m.run();
    assert.equal(exit.kind, 'exception');
    assert.equal(exit.kind === 'exception' && ecOf(exit.esr), EC.UNKNOWN);
    assert.equal(m.cpu.state.pc, 0x1000);
  });
}

const ROWS: readonly Row[] = [
  // asm, word, inputs, nzcv in, expected changed registers, nzcv out (from qemu-aarch64-static 7.2)
  ['mov x0, x1', 0xaa0103e0, { x1: 0xfedcba9876543210n }, 0x0, { x0: 0xfedcba9876543210n }, 0x0],
  ['mov w0, w1', 0x2a0103e0, { x0: 0xffffffffffffffffn, x1: 0xfedcba9876543210n }, 0x0, { x0: 0x76543210n }, 0x0],
  ['and x0, x1, x2, lsl #4', 0x8a021020, { x1: 0xfffffffffffffff0n, x2: 0x123456789abcdefn }, 0x0, { x0: 0x123456789abcdef0n }, 0x0],
  ['bic w0, w1, w2, lsr #3', 0x0a620c20, { x1: 0xffffffffn, x2: 0xf0n }, 0x0, { x0: 0xffffffe1n }, 0x0],
  ['orn x0, x1, x2, ror #36', 0xaae29020, { x1: 0x1n, x2: 0x123456789abcdefn }, 0x0, { x0: 0x876543210fedcba9n }, 0x0],
  ['mvn x0, x2', 0xaa2203e0, { x2: 0x123456789abcdefn }, 0x0, { x0: 0xfedcba9876543210n }, 0x0],
  ['eon w0, w1, w2, asr #31', 0x4aa27c20, { x1: 0x12345678n, x2: 0x80000000n }, 0x0, { x0: 0x12345678n }, 0x0],
  ['eor x0, x1, x2, asr #63', 0xca82fc20, { x1: 0x12345678n, x2: 0x8000000000000000n }, 0x0, { x0: 0xffffffffedcba987n }, 0x0],
  ['ands x0, x1, x2', 0xea020020, { x1: 0x8000000000000001n, x2: 0x8000000000000000n }, 0x3, { x0: 0x8000000000000000n }, 0x8],
  ['bics w0, w1, w2', 0x6a220020, { x1: 0xffn, x2: 0xffn }, 0xb, {  }, 0x4],
  ['tst w1, w2, lsl #31', 0x6a027c3f, { x1: 0x80000000n, x2: 0x1n }, 0x0, {  }, 0x8],
  ['add x0, x1, x2', 0x8b020020, { x1: 0xffffffffffffffffn, x2: 0x2n }, 0x0, { x0: 0x1n }, 0x0],
  ['add w0, w1, w2', 0x0b020020, { x1: 0xffffffffn, x2: 0x2n }, 0x0, { x0: 0x1n }, 0x0],
  ['sub x0, x1, x2', 0xcb020020, { x1: 0x100000000n, x2: 0x1n }, 0x0, { x0: 0xffffffffn }, 0x0],
  ['sub x0, x1, x2, lsl #63', 0xcb02fc20, { x1: 0x0n, x2: 0x1n }, 0x0, { x0: 0x8000000000000000n }, 0x0],
  ['adds x0, x1, x2', 0xab020020, { x1: 0x7fffffffffffffffn, x2: 0x1n }, 0x0, { x0: 0x8000000000000000n }, 0x9],
  ['adds w0, w1, w2, lsr #1', 0x2b420420, { x1: 0x80000000n, x2: 0x1n }, 0xf, { x0: 0x80000000n }, 0x8],
  ['cmp x1, x2', 0xeb02003f, { x1: 0x5n, x2: 0x5n }, 0x0, {  }, 0x6],
  ['cmp w1, w2, asr #4', 0x6b82103f, { x1: 0x0n, x2: 0x80000000n }, 0x0, {  }, 0x0],
  ['subs x0, x1, x2, lsr #32', 0xeb428020, { x1: 0x0n, x2: 0xffffffff00000000n }, 0x0, { x0: 0xffffffff00000001n }, 0x8],
  ['cmn x1, x2', 0xab02003f, { x1: 0x8000000000000000n, x2: 0x8000000000000000n }, 0x0, {  }, 0x7],
  ['add x0, sp, w1, uxtw #2', 0x8b214be0, { sp: 0x10000n, x1: 0xffffffff80000000n }, 0x0, { x0: 0x200010000n }, 0x0],
  ['add sp, sp, x1, sxtx', 0x8b21e3ff, { sp: 0x10000n, x1: 0xfffffffffffffff0n }, 0x0, { sp: 0xfff0n }, 0x0],
  ['sub x0, x2, w1, sxtb #1', 0xcb218440, { x1: 0x80n, x2: 0x0n }, 0x0, { x0: 0x100n }, 0x0],
  ['adds w0, w2, w1, sxth', 0x2b21a040, { x1: 0x8000n, x2: 0x8000n }, 0x0, {  }, 0x6],
  ['cmp x2, w1, uxtb', 0xeb21005f, { x1: 0x1ffn, x2: 0xffn }, 0x0, {  }, 0x6],
  ['subs x0, x2, w1, sxtw #4', 0xeb21d040, { x1: 0xffffffffn, x2: 0x0n }, 0x0, { x0: 0x10n }, 0x0],
  ['adc x0, x1, x2', 0x9a020020, { x1: 0xffffffffffffffffn, x2: 0x0n }, 0x2, {  }, 0x2],
  ['adcs x0, x1, x2', 0xba020020, { x1: 0xffffffffffffffffn, x2: 0x0n }, 0x2, {  }, 0x6],
  ['adcs w0, w1, w2', 0x3a020020, { x1: 0x7fffffffn, x2: 0x0n }, 0x2, { x0: 0x80000000n }, 0x9],
  ['sbc x0, x1, x2', 0xda020020, { x1: 0x0n, x2: 0x0n }, 0x0, { x0: 0xffffffffffffffffn }, 0x0],
  ['sbcs x0, x1, x2', 0xfa020020, { x1: 0x0n, x2: 0x0n }, 0x2, {  }, 0x6],
  ['ngcs w0, w2', 0x7a0203e0, { x2: 0x1n }, 0x0, { x0: 0xfffffffen }, 0x8],
  ['ccmp x1, x2, #0x5, eq', 0xfa420025, { x1: 0x3n, x2: 0x3n }, 0x4, {  }, 0x6],
  ['ccmp x1, x2, #0x5, eq', 0xfa420025, { x1: 0x3n, x2: 0x3n }, 0x0, {  }, 0x5],
  ['ccmp w1, #0x1f, #0x0, ne', 0x7a5f1820, { x1: 0x1en }, 0x0, {  }, 0x8],
  ['ccmn x1, #0x1, #0xf, ge', 0xba41a82f, { x1: 0xffffffffffffffffn }, 0x9, {  }, 0x6],
  ['ccmn w1, w2, #0x2, lt', 0x3a42b022, { x1: 0x7fffffffn, x2: 0x1n }, 0x8, {  }, 0x9],
  ['csel x0, x1, x2, hi', 0x9a828020, { x1: 0x1111111111111111n, x2: 0x2222222222222222n }, 0x2, { x0: 0x1111111111111111n }, 0x2],
  ['csel w0, w1, w2, hi', 0x1a828020, { x1: 0x1111111111111111n, x2: 0x2222222222222222n }, 0x6, { x0: 0x22222222n }, 0x6],
  ['csinc x0, x1, x2, mi', 0x9a824420, { x1: 0x1n, x2: 0xffffffffffffffffn }, 0x0, {  }, 0x0],
  ['csinc w0, w1, w2, mi', 0x1a824420, { x1: 0x1n, x2: 0xffffffffn }, 0x0, {  }, 0x0],
  ['cset x0, gt', 0x9a9fd7e0, { x0: 0x55n }, 0x0, { x0: 0x1n }, 0x0],
  ['csetm w0, le', 0x5a9fc3e0, { x0: 0x55n }, 0x4, { x0: 0xffffffffn }, 0x4],
  ['csinv x0, x1, x2, vs', 0xda826020, { x1: 0x1n, x2: 0x123456789abcdefn }, 0x0, { x0: 0xfedcba9876543210n }, 0x0],
  ['csneg x0, x1, x2, vc', 0xda827420, { x1: 0x1n, x2: 0x1n }, 0x1, { x0: 0xffffffffffffffffn }, 0x1],
  ['cneg w0, w2, cs', 0x5a823440, { x2: 0x5n }, 0x2, { x0: 0xfffffffbn }, 0x2],
  ['csneg x0, x1, x2, al', 0xda82e420, { x1: 0x77n, x2: 0x1n }, 0x0, { x0: 0x77n }, 0x0],
  ['udiv x0, x1, x2', 0x9ac20820, { x1: 0xffffffffffffffffn, x2: 0x3n }, 0x0, { x0: 0x5555555555555555n }, 0x0],
  ['udiv w0, w1, w2', 0x1ac20820, { x1: 0xffffffffn, x2: 0x0n }, 0x0, {  }, 0x0],
  ['udiv x0, x1, x2', 0x9ac20820, { x1: 0x100000000n, x2: 0x0n }, 0x0, {  }, 0x0],
  ['udiv x0, x1, x2', 0x9ac20820, { x1: 0x64n, x2: 0x7n }, 0x0, { x0: 0xen }, 0x0],
  ['sdiv x0, x1, x2', 0x9ac20c20, { x1: 0x8000000000000000n, x2: 0xffffffffffffffffn }, 0x0, { x0: 0x8000000000000000n }, 0x0],
  ['sdiv w0, w1, w2', 0x1ac20c20, { x1: 0x80000000n, x2: 0xffffffffn }, 0x0, { x0: 0x80000000n }, 0x0],
  ['sdiv x0, x1, x2', 0x9ac20c20, { x1: 0xfffffffffffffff9n, x2: 0x2n }, 0x0, { x0: 0xfffffffffffffffdn }, 0x0],
  ['sdiv x0, x1, x2', 0x9ac20c20, { x1: 0xffffffff80000000n, x2: 0xffffffffffffffffn }, 0x0, { x0: 0x80000000n }, 0x0],
  ['sdiv w0, w1, w2', 0x1ac20c20, { x1: 0x7n, x2: 0x0n }, 0x0, {  }, 0x0],
  ['sdiv x0, x1, x2', 0x9ac20c20, { x1: 0xfedcba9876543211n, x2: 0x1000n }, 0x0, { x0: 0xffffedcba9876544n }, 0x0],
  ['lsl x0, x1, x2', 0x9ac22020, { x1: 0x1n, x2: 0x43n }, 0x0, { x0: 0x8n }, 0x0],
  ['lsr w0, w1, w2', 0x1ac22420, { x1: 0x80000000n, x2: 0x3fn }, 0x0, { x0: 0x1n }, 0x0],
  ['asr x0, x1, x2', 0x9ac22820, { x1: 0x8000000000000000n, x2: 0x20n }, 0x0, { x0: 0xffffffff80000000n }, 0x0],
  ['ror x0, x1, x2', 0x9ac22c20, { x1: 0x1n, x2: 0x1n }, 0x0, { x0: 0x8000000000000000n }, 0x0],
  ['ror w0, w1, w2', 0x1ac22c20, { x1: 0x1n, x2: 0x21n }, 0x0, { x0: 0x80000000n }, 0x0],
  ['crc32b w0, w1, w2', 0x1ac24020, { x1: 0xffffffffn, x2: 0x61n }, 0x0, { x0: 0x174841bcn }, 0x0],
  ['crc32h w0, w1, w2', 0x1ac24420, { x1: 0x12345678n, x2: 0xabcdn }, 0x0, { x0: 0x5abec668n }, 0x0],
  ['crc32w w0, w1, w2', 0x1ac24820, { x1: 0x0n, x2: 0xdeadbeefn }, 0x0, { x0: 0x3b1ebf03n }, 0x0],
  ['crc32x w0, w1, x2', 0x9ac24c20, { x1: 0xffffffffn, x2: 0x123456789abcdefn }, 0x0, { x0: 0xbbc41db8n }, 0x0],
  ['crc32cb w0, w1, w2', 0x1ac25020, { x1: 0xffffffffn, x2: 0x61n }, 0x0, { x0: 0x3e2fbccfn }, 0x0],
  ['crc32ch w0, w1, w2', 0x1ac25420, { x1: 0x12345678n, x2: 0xabcdn }, 0x0, { x0: 0xaae32043n }, 0x0],
  ['crc32cw w0, w1, w2', 0x1ac25820, { x1: 0x0n, x2: 0xdeadbeefn }, 0x0, { x0: 0x9991d14n }, 0x0],
  ['crc32cx w0, w1, x2', 0x9ac25c20, { x1: 0xffffffffn, x2: 0x123456789abcdefn }, 0x0, { x0: 0x9a4f27dcn }, 0x0],
  ['rbit x0, x1', 0xdac00020, { x1: 0x123456789abcdefn }, 0x0, { x0: 0xf7b3d591e6a2c480n }, 0x0],
  ['rbit w0, w1', 0x5ac00020, { x1: 0x1n }, 0x0, { x0: 0x80000000n }, 0x0],
  ['rev16 x0, x1', 0xdac00420, { x1: 0x123456789abcdefn }, 0x0, { x0: 0x23016745ab89efcdn }, 0x0],
  ['rev16 w0, w1', 0x5ac00420, { x1: 0x123456789abcdefn }, 0x0, { x0: 0xab89efcdn }, 0x0],
  ['rev32 x0, x1', 0xdac00820, { x1: 0x123456789abcdefn }, 0x0, { x0: 0x67452301efcdab89n }, 0x0],
  ['rev w0, w1', 0x5ac00820, { x1: 0x123456789abcdefn }, 0x0, { x0: 0xefcdab89n }, 0x0],
  ['rev x0, x1', 0xdac00c20, { x1: 0x123456789abcdefn }, 0x0, { x0: 0xefcdab8967452301n }, 0x0],
  ['clz x0, x1', 0xdac01020, { x1: 0x0n }, 0x0, { x0: 0x40n }, 0x0],
  ['clz x0, x1', 0xdac01020, { x1: 0xf0000n }, 0x0, { x0: 0x2cn }, 0x0],
  ['clz w0, w1', 0x5ac01020, { x1: 0xffffffff00000001n }, 0x0, { x0: 0x1fn }, 0x0],
  ['cls x0, x1', 0xdac01420, { x1: 0xffffffffffff0000n }, 0x0, { x0: 0x2fn }, 0x0],
  ['cls x0, x1', 0xdac01420, { x1: 0x0n }, 0x0, { x0: 0x3fn }, 0x0],
  ['cls w0, w1', 0x5ac01420, { x1: 0xffffn }, 0x0, { x0: 0xfn }, 0x0],
  ['cls w0, w1', 0x5ac01420, { x1: 0xffffffffn }, 0x0, { x0: 0x1fn }, 0x0],
  ['madd x0, x1, x2, x3', 0x9b020c20, { x1: 0x123456789abcdefn, x2: 0xfedcba9876543210n, x3: 0x1111111111111111n }, 0x0, { x0: 0x3347e9a0f6729e01n }, 0x0],
  ['msub x0, x1, x2, x3', 0x9b028c20, { x1: 0x123456789abcdefn, x2: 0xfedcba9876543210n, x3: 0x1n }, 0x0, { x0: 0xddc927701a9e7311n }, 0x0],
  ['mul w0, w1, w2', 0x1b027c20, { x1: 0xffffffffn, x2: 0xffffffffn }, 0x0, { x0: 0x1n }, 0x0],
  ['mneg x0, x1, x2', 0x9b02fc20, { x1: 0x3n, x2: 0x5n }, 0x0, { x0: 0xfffffffffffffff1n }, 0x0],
  ['madd w0, w1, w2, w3', 0x1b020c20, { x1: 0x10000n, x2: 0x10000n, x3: 0x5n }, 0x0, { x0: 0x5n }, 0x0],
  ['smaddl x0, w1, w2, x3', 0x9b220c20, { x1: 0xffffffffn, x2: 0x80000000n, x3: 0x1n }, 0x0, { x0: 0x80000001n }, 0x0],
  ['smsubl x0, w1, w2, x3', 0x9b228c20, { x1: 0x7fffffffn, x2: 0x80000000n, x3: 0x0n }, 0x0, { x0: 0x3fffffff80000000n }, 0x0],
  ['smull x0, w1, w2', 0x9b227c20, { x1: 0x80000000n, x2: 0x80000000n }, 0x0, { x0: 0x4000000000000000n }, 0x0],
  ['umaddl x0, w1, w2, x3', 0x9ba20c20, { x1: 0xffffffffn, x2: 0xffffffffn, x3: 0xffffffffffffffffn }, 0x0, { x0: 0xfffffffe00000000n }, 0x0],
  ['umsubl x0, w1, w2, x3', 0x9ba28c20, { x1: 0xffffffffn, x2: 0x2n, x3: 0x0n }, 0x0, { x0: 0xfffffffe00000002n }, 0x0],
  ['smulh x0, x1, x2', 0x9b427c20, { x1: 0x8000000000000000n, x2: 0x8000000000000000n }, 0x0, { x0: 0x4000000000000000n }, 0x0],
  ['smulh x0, x1, x2', 0x9b427c20, { x1: 0xfffffffffffffffdn, x2: 0x7fffffffffffffffn }, 0x0, { x0: 0xfffffffffffffffen }, 0x0],
  ['umulh x0, x1, x2', 0x9bc27c20, { x1: 0xffffffffffffffffn, x2: 0xffffffffffffffffn }, 0x0, { x0: 0xfffffffffffffffen }, 0x0],
  ['umulh x0, x1, x2', 0x9bc27c20, { x1: 0x123456789abcdefn, x2: 0xfedcba9876543210n }, 0x0, { x0: 0x121fa00ad77d742n }, 0x0],
  ['udiv x0, x1, x2', 0x9ac20820, { x1: 0xfffffffffffffn, x2: 0x3n }, 0x0, { x0: 0x5555555555555n }, 0x0],
  ['udiv x0, x1, x2', 0x9ac20820, { x1: 0xfffff00000000n, x2: 0x1000000001n }, 0x0, { x0: 0xffffn }, 0x0],
  ['sdiv x0, x1, x2', 0x9ac20c20, { x1: 0xfff0000000000000n, x2: 0x7n }, 0x0, { x0: 0xfffdb6db6db6db6en }, 0x0],
  ['sdiv x0, x1, x2', 0x9ac20c20, { x1: 0xfffffffffffffn, x2: 0xfff0000000000000n }, 0x0, {  }, 0x0],
  ['smulh x0, x1, x2', 0x9b427c20, { x1: 0xffffffffffffffffn, x2: 0xffffffffffffffffn }, 0x0, {  }, 0x0],
  ['smulh x0, x1, x2', 0x9b427c20, { x1: 0x7fffffffffffffffn, x2: 0x7fffffffffffffffn }, 0x0, { x0: 0x3fffffffffffffffn }, 0x0],
  ['umulh x0, x1, x2', 0x9bc27c20, { x1: 0xcccccccccccccccdn, x2: 0x2bdc545d6b4b87n }, 0x0, { x0: 0x2316a9e455d605n }, 0x0],
];

ROWS.forEach(checkRow);

// Unallocated encodings, each checked to raise SIGILL under qemu-aarch64.
checkUndefined('ADD (shifted register) with shift ROR', 0x8bc20020);
checkUndefined('ADD (shifted register) 32-bit with amount 32', 0x0b028020);
checkUndefined('ADD (extended register) with shift 5', 0x8b227420);
checkUndefined('ADD (extended register) with opt = 01', 0x8b626020);
checkUndefined('REV with sf = 0 and opc = 11', 0x5ac00c20);
checkUndefined('CRC32X with sf = 0', 0x1ac24c20);
checkUndefined('CRC32B with sf = 1', 0x9ac24020);
checkUndefined('CSEL with op2 = 10', 0x9a820820);
checkUndefined('SMULH with o0 = 1', 0x9b428020);
checkUndefined('3-source with op31 = 010 and sf = 0', 0x1b420020);
checkUndefined('1-source opcode 000110', 0xdac01820);
checkUndefined('2-source opcode 000001', 0x1ac20420);
