/** Test fixture shared by the AdvSIMD copy/permute and move tests (not used by the CPU). */
import assert from 'node:assert/strict';
import { flatMachine } from '../../../../tests/harness/flat_machine.js';

/**
 * A fixed state: X1 = 0x1122334455667788, byte b of V[r] = 16r + b (mod 256), except V14 (TBL
 * indices), V20 and V21 (mixed-sign bytes). Expected values were produced by qemu-aarch64-static 7.2
 * from the same state (tests/diff confirms the random cases as well).
 */
export function runFixed(word: number): { x: (n: number) => bigint; v: (n: number) => string } {
  const m = flatMachine();
  const s = m.cpu.state;
  s.setX(1, 0x1122334455667788n);
  for (let r = 0; r < 32; r++) for (let b = 0; b < 16; b++) s.v8[16 * r + b] = (r * 16 + b) & 0xff;
  s.v8.set([0, 5, 16, 31, 32, 255, 7, 15, 17, 63, 64, 1, 2, 3, 30, 8], 16 * 14);
  s.v8.set([0x80, 0x7f, 0xff, 0x01, 0x10, 0xf0, 0x33, 0xcc, 0x00, 0x55, 0xaa, 0x81, 0x7e, 0x02, 0xfe, 0x40], 16 * 20);
  s.v8.set([0x0f, 0xf0, 0x3c, 0xc3, 0xff, 0x00, 0x5a, 0xa5, 0x01, 0x80, 0x7f, 0xfe, 0x11, 0x22, 0x44, 0x88], 16 * 21);
  m.load([word, 0xd4200000]);
  const exit = m.run();
  assert.equal(exit.kind, 'brk');
  return {
    x: (n) => s.getX(n),
    v: (n) => Buffer.from(s.v8.subarray(16 * n, 16 * n + 16)).toString('hex'),
  };
}
