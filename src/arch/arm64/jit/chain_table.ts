/**
 * The function table compiled blocks chain through: each WebAssembly block gets a slot, and a block
 * that ends by jumping to another compiled block tail-calls it through its slot (found in the vCPU's
 * jump cache) instead of returning to the run loop. One table per code cache, so per thread: tables
 * are not shared between threads, and neither are code caches.
 */
const GROW_BY = 1024;

export class ChainTable {
  readonly table = new WebAssembly.Table({ element: 'anyfunc', initial: GROW_BY });
  private readonly freeSlots: number[] = [];
  private next = 0;

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
