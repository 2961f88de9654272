import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BLOCK_RUN_TYPE, ChainTable } from './chain_table.js';
import { Bytes, Op, writeModule } from './wasm_writer.js';

/** A module whose one function has a block's type and returns PC + `add`. */
function adder(add: number): unknown {
  const body = new Bytes().byte(Op.local_get).u32(1).byte(Op.f64_const).f64(add).byte(Op.f64_add);
  const bytes = writeModule({ types: [BLOCK_RUN_TYPE], funcImports: [], memoryMaxPages: null, table: false, funcs: [{ type: 0, locals: [], body }] });
  return new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports.f0;
}

test('the chain hub tail-calls the function in the slot it is given, and an emptied slot traps', () => {
  const t = new ChainTable();
  const a = t.add(adder(1));
  const b = t.add(adder(100));
  const go = t.go as unknown as (c: unknown, pc: number, st: number, budget: number, slot: number) => number;
  assert.equal(go(null, 41, 0, 0, a), 42);
  assert.equal(go(null, 41, 0, 0, b), 141);
  t.remove(a);
  assert.throws(() => go(null, 41, 0, 0, a), WebAssembly.RuntimeError);
  assert.equal(t.add(adder(2)), a, 'an emptied slot is reused');
  assert.equal(go(null, 40, 0, 0, a), 42);
});

test('the chain table grows past its first size and every slot still reaches its function', () => {
  const t = new ChainTable();
  const slots = Array.from({ length: 2100 }, (_, i) => t.add(adder(i)));
  const go = t.go as unknown as (c: unknown, pc: number, st: number, budget: number, slot: number) => number;
  for (const i of [0, 1023, 1024, 2099]) assert.equal(go(null, 0, 0, 0, slots[i]!), i);
});
