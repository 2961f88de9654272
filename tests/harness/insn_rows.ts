/**
 * Table-driven single-instruction tests with results recorded from qemu-aarch64-static: each row
 * runs one instruction on a bare CPU and compares every general register and NZCV.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flatMachine } from './flat_machine.js';
import { EC, ecOf } from '../../src/arch/arm64/exit.js';

/** [assembly, encoding, inputs, NZCV in, registers QEMU changed, NZCV out]; registers not listed must keep their inputs. */
export type InsnRow = readonly [string, number, Readonly<Record<string, bigint>>, number, Readonly<Record<string, bigint>>, number];

function slotOf(name: string): number {
  return name === 'sp' ? 31 : Number(name.slice(1));
}

/** Runs one instruction followed by SVC #0 from a zeroed register file (SP = 0x10000) and compares every register. */
export function checkInsnRow([asm, word, inputs, nzcvIn, changed, nzcvOut]: InsnRow): void {
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

/** The encoding must raise the Undefined Instruction exception with PC left on it. */
export function checkUndefinedInsn(name: string, word: number): void {
  test(`${name} (0x${word.toString(16)}) is UNDEFINED, as under qemu-aarch64`, () => {
    const m = flatMachine();
    m.load([word, 0xd4000001]);
    const exit = m.run();
    assert.equal(exit.kind, 'exception');
    assert.equal(exit.kind === 'exception' && ecOf(exit.esr), EC.UNKNOWN);
    assert.equal(m.cpu.state.pc, 0x1000);
  });
}
