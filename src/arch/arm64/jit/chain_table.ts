/**
 * The function table compiled blocks chain through: each WebAssembly block gets a slot, and a block
 * that ends by jumping to another compiled block tail-calls it through its slot (found in the vCPU's
 * jump cache) instead of returning to the run loop. One table per code cache, so per thread: tables
 * are not shared between threads, and neither are code caches.
 *
 * Block modules do not import the table. They tail-call the hub, a module of one function that
 * imports it and tail-calls through it. An engine keeps a copy of an imported table's entries in
 * every instance that imports it (V8's dispatch tables): each instantiation copies the whole table,
 * and each `set` updates every importer, so with the table in every block module the cost of
 * compiling a module grew with the number compiled before it (1.5 ms after 5,500 one-block modules
 * against 0.1 ms for the first, `bench/translation.ts`). With the hub there is one importer,
 * whatever the count, and a module costs the same late as early.
 */
import { Bytes, Op, T, writeModule, type FuncType } from './wasm_writer.js';

const GROW_BY = 1024;

/** A compiled block's function: (vCPU, PC, state area, budget) → the next PC. */
export const BLOCK_RUN_TYPE: FuncType = { params: [T.EXTERNREF, T.F64, T.I32, T.I32], results: [T.F64] };

/** The hub's function, which block modules import: a block's arguments and then the slot to go to. */
export const CHAIN_TYPE: FuncType = { params: [...BLOCK_RUN_TYPE.params, T.I32], results: BLOCK_RUN_TYPE.results };

/** The hub's import name in a block module's "m" namespace. */
export const CHAIN_IMPORT = 'go';

function hubModule(): Uint8Array {
  const body = new Bytes();
  for (let i = 0; i < CHAIN_TYPE.params.length; i++) body.byte(Op.local_get).u32(i);
  body.byte(Op.return_call_indirect).u32(0).u32(0);
  return writeModule({
    types: [BLOCK_RUN_TYPE, CHAIN_TYPE], funcImports: [], memoryMaxPages: null, table: true,
    funcs: [{ type: 1, locals: [], body }],
  });
}

/** The hub's exported function, as the JS API hands it over (only ever passed on as an import). */
type HubFn = (...args: never[]) => unknown;

export class ChainTable {
  private readonly table = new WebAssembly.Table({ element: 'anyfunc', initial: GROW_BY });
  private hub: HubFn | null = null;
  private readonly freeSlots: number[] = [];
  private next = 0;

  /**
   * The hub's function, for block modules to import as ("m", CHAIN_IMPORT); made on first use, where
   * the caller handles an engine that refuses to compile WebAssembly.
   */
  get go(): HubFn {
    return (this.hub ??= new WebAssembly.Instance(new WebAssembly.Module(hubModule()), { m: { tab: this.table } }).exports.f0 as HubFn);
  }

  /** Puts a block's exported function in a slot and returns the slot. */
  add(fn: unknown): number {
    const slot = this.freeSlots.pop() ?? this.next++;
    if (slot >= this.table.length) this.table.grow(GROW_BY);
    this.table.set(slot, fn);
    return slot;
  }

  /** Empties a discarded block's slot (no jump cache names it any more) for reuse. */
  remove(slot: number): void {
    this.table.set(slot, null);
    this.freeSlots.push(slot);
  }
}
