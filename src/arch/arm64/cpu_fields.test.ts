import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { flatMachine } from '../../../tests/harness/flat_machine.js';

// A vCPU's number fields must not change V8's map of the object when a guest first puts a value
// outside the small-integer range there (cpu.ts, DOUBLE_FIELD): a new map throws away every function
// optimised for the old one, which cost a Debian boot four rounds of deoptimisation. Each test file
// runs in its own process, so the flag stays here.
setFlagsFromString('--allow-natives-syntax');
const haveSameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;

test("a vCPU's map stays the same when its PC, flags, count and exclusive monitor leave the small-integer range", () => {
  const untouched = flatMachine().cpu;
  const cpu = flatMachine().cpu;
  assert.equal(haveSameMap(untouched, cpu), true);
  const kernelVa = -(2 ** 47) + 0x8_1000; // a sign-extended kernel address, as the CPU keeps VAs
  cpu.pc = kernelVa;
  cpu.npc = kernelVa + 4;
  cpu.nzcv = 0x8000_0000;
  cpu.icount = 2 ** 33;
  cpu.exclusiveAddr = kernelVa;
  cpu.exclusiveLo = 0xffff_fff0;
  cpu.exclusiveHi = 0xffff_fff1;
  cpu.exclusiveLo2 = 0xffff_fff2;
  cpu.exclusiveHi2 = 0xffff_fff3;
  assert.equal(haveSameMap(untouched, cpu), true, 'a field changed representation: the map moved');
  assert.equal(untouched.exclusiveAddr, -1, 'a new vCPU has no exclusive monitor armed');
});
