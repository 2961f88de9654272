import { checkInsnRow, checkUndefinedInsn, type InsnRow } from '../../../../tests/harness/insn_rows.js';

// Expected values were produced by running each instruction under qemu-aarch64-static 7.2 (Debian 12).

const ROWS: readonly InsnRow[] = [
  // asm, word, inputs, nzcv in, expected changed registers, nzcv out (from qemu-aarch64-static 7.2)
  ['and x0, x1, #0xff00ff00ff00ff00', 0x92089c20, { x1: 0x123456789abcdef0n }, 0x0, { x0: 0x120056009a00de00n }, 0x0],
  ['orr w0, wzr, #0x55555555', 0x3200f3e0, { x0: 0xffffffffffffffffn }, 0x0, { x0: 0x55555555n }, 0x0],
  ['orr x0, xzr, #0xfffffffffffffff0', 0xb27cefe0, {  }, 0x0, { x0: 0xfffffffffffffff0n }, 0x0],
  ['eor x0, x1, #0x8000000000000000', 0xd2410020, { x1: 0x123456789abcdefn }, 0x0, { x0: 0x8123456789abcdefn }, 0x0],
  ['eor w0, w1, #0xff', 0x52001c20, { x1: 0xffffffff12345678n }, 0x0, { x0: 0x12345687n }, 0x0],
  ['ands w0, w1, #0x80000001', 0x72010420, { x1: 0x80000000n }, 0x3, { x0: 0x80000000n }, 0x8],
  ['ands x0, x1, #0xff', 0xf2401c20, { x1: 0x1200n }, 0xf, {  }, 0x4],
  ['tst x1, #0x7', 0xf240083f, { x1: 0x8000000000000004n }, 0x0, {  }, 0x0],
  ['and sp, x1, #0xfffffffffffffff0', 0x927cec3f, { x1: 0x7ffff123456fn }, 0x0, { sp: 0x7ffff1234560n }, 0x0],
  ['lsl x0, x1, #13', 0xd373c820, { x1: 0xfedcba9876543210n }, 0x0, { x0: 0x97530eca86420000n }, 0x0],
  ['lsr x0, x1, #63', 0xd37ffc20, { x1: 0x8000000000000000n }, 0x0, { x0: 0x1n }, 0x0],
  ['asr x0, x1, #40', 0x9368fc20, { x1: 0x8123456789abcdefn }, 0x0, { x0: 0xffffffffff812345n }, 0x0],
  ['asr w0, w1, #31', 0x131f7c20, { x1: 0x80000000n }, 0x0, { x0: 0xffffffffn }, 0x0],
  ['lsl w0, w1, #31', 0x53010020, { x1: 0x3n }, 0x0, { x0: 0x80000000n }, 0x0],
  ['sxtb x0, w1', 0x93401c20, { x1: 0x1234567880n }, 0x0, { x0: 0xffffffffffffff80n }, 0x0],
  ['sxth w0, w1', 0x13003c20, { x1: 0x18000n }, 0x0, { x0: 0xffff8000n }, 0x0],
  ['sxtw x0, w1', 0x93407c20, { x1: 0x12345678deadbeefn }, 0x0, { x0: 0xffffffffdeadbeefn }, 0x0],
  ['uxtb w0, w1', 0x53001c20, { x1: 0xfffffffffffffff7n }, 0x0, { x0: 0xf7n }, 0x0],
  ['uxth w0, w1', 0x53003c20, { x1: 0xfffffffffffffff7n }, 0x0, { x0: 0xfff7n }, 0x0],
  ['ubfx x0, x1, #17, #30', 0xd351b820, { x1: 0xfedcba9876543210n }, 0x0, { x0: 0x1d4c3b2an }, 0x0],
  ['sbfx x0, x1, #33, #20', 0x9361d020, { x1: 0xfedcba9876543210n }, 0x0, { x0: 0xfffffffffffe5d4cn }, 0x0],
  ['sbfx w0, w1, #4, #8', 0x13042c20, { x1: 0xf80n }, 0x0, { x0: 0xfffffff8n }, 0x0],
  ['bfi x0, x1, #40, #12', 0xb3582c20, { x0: 0x1111111111111111n, x1: 0xabcn }, 0x0, { x0: 0x111abc1111111111n }, 0x0],
  ['bfxil w0, w1, #3, #9', 0x33032c20, { x0: 0xffffffffffffffffn, x1: 0x0n }, 0x0, { x0: 0xfffffe00n }, 0x0],
  ['bfi w0, w1, #28, #4', 0x33040c20, { x0: 0x12345678n, x1: 0xfn }, 0x0, { x0: 0xf2345678n }, 0x0],
  ['ubfiz x0, x1, #60, #4', 0xd3440c20, { x1: 0xffn }, 0x0, { x0: 0xf000000000000000n }, 0x0],
  ['sbfiz x0, x1, #3, #40', 0x937d9c20, { x1: 0x8000000000n }, 0x0, { x0: 0xfffffc0000000000n }, 0x0],
  ['extr x0, x1, x2, #17', 0x93c24420, { x1: 0x123456789abcdefn, x2: 0xfedcba9876543210n }, 0x0, { x0: 0xe6f7ff6e5d4c3b2an }, 0x0],
  ['extr x0, x1, x2, #32', 0x93c28020, { x1: 0x123456789abcdefn, x2: 0xfedcba9876543210n }, 0x0, { x0: 0x89abcdeffedcba98n }, 0x0],
  ['extr x0, x1, x2, #45', 0x93c2b420, { x1: 0x123456789abcdefn, x2: 0xfedcba9876543210n }, 0x0, { x0: 0x2b3c4d5e6f7ff6e5n }, 0x0],
  ['ror w0, w1, #7', 0x13811c20, { x1: 0x8000007fn }, 0x0, { x0: 0xff000000n }, 0x0],
  ['extr w0, w1, w2, #31', 0x13827c20, { x1: 0x1n, x2: 0x80000000n }, 0x0, { x0: 0x3n }, 0x0],
];

ROWS.forEach(checkInsnRow);

// Reserved encodings, each checked to raise SIGILL under qemu-aarch64.
checkUndefinedInsn('AND (immediate) with sf = 0 and N = 1', 0x12400020);
checkUndefinedInsn('ORR (immediate) with an all-ones element', 0xb240fc20);
checkUndefinedInsn('ORR (immediate) with N = 0 and imms = 111111 (no element size)', 0xb200fc20);
checkUndefinedInsn('SBFM with sf = 1 and N = 0', 0x93000020);
checkUndefinedInsn('UBFM 32-bit with immr >= 32', 0x53200020);
checkUndefinedInsn('EXTR 32-bit with imms >= 32', 0x13808020);
