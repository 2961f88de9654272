/**
 * Transactions (C xenstored transaction.c): a private overlay of changed nodes over the global
 * store, plus the generation of every node the transaction touched as it first saw it. Commit
 * fails with EAGAIN if any touched node (read or written) has changed since, so a transaction
 * never overwrites or relies on a change it did not see; clients retry. Watch events caused inside
 * a transaction are held until commit, and dropped on abort.
 */
import { permOwner } from './perms.js';
import { NO_GENERATION, type XsNode, type XsNodeInit, type XsNodeView, type XsStore } from './store.js';
import type { XsErrno } from './wire.js';
import type { XsChange } from './watch.js';

/** An open transaction of one connection. */
export class XsTransaction implements XsNodeView {
  /** Changed nodes; null marks a node this transaction removed. */
  private readonly overlay = new Map<string, XsNode | null>();
  /** Generation of each touched node when first touched (NO_GENERATION if it did not exist). */
  private readonly accessed = new Map<string, number>();
  private readonly ownedDelta = new Map<number, number>();
  /** Watch events to fire if the transaction commits. */
  readonly changes: XsChange[] = [];

  constructor(
    readonly id: number,
    private readonly store: XsStore,
  ) {}

  /** How many distinct nodes this transaction has touched (the transaction-nodes quota). */
  get touchedCount(): number {
    return this.accessed.size;
  }

  get(path: string): XsNode | undefined {
    this.touch(path);
    const mine = this.overlay.get(path);
    return mine === undefined ? this.store.get(path) : (mine ?? undefined);
  }

  put(init: XsNodeInit): XsNode {
    const old = this.get(init.path);
    const node: XsNode = { ...init, generation: this.store.nextGeneration() };
    if (old !== undefined) this.count(permOwner(old.perms), -1);
    this.count(permOwner(node.perms), 1);
    this.overlay.set(init.path, node);
    return node;
  }

  remove(path: string): void {
    const old = this.get(path);
    if (old === undefined) return;
    this.count(permOwner(old.perms), -1);
    this.overlay.set(path, null);
  }

  ownedCount(domid: number): number {
    return this.store.ownedCount(domid) + (this.ownedDelta.get(domid) ?? 0);
  }

  /** Growth of `domid`'s owned-node count if this transaction commits. */
  ownedGrowth(domid: number): number {
    return this.ownedDelta.get(domid) ?? 0;
  }

  /**
   * Publishes the overlay into the store, or returns EAGAIN (and changes nothing) when another
   * writer changed a node this transaction touched. Committed nodes get fresh generations.
   */
  commit(): XsErrno | undefined {
    for (const [path, gen] of this.accessed) {
      if ((this.store.get(path)?.generation ?? NO_GENERATION) !== gen) return 'EAGAIN';
    }
    for (const [path, node] of this.overlay) {
      if (node === null) this.store.remove(path);
      else this.store.put(node);
    }
    return undefined;
  }

  private touch(path: string): void {
    if (!this.accessed.has(path)) this.accessed.set(path, this.store.get(path)?.generation ?? NO_GENERATION);
  }

  private count(domid: number, delta: number): void {
    this.ownedDelta.set(domid, (this.ownedDelta.get(domid) ?? 0) + delta);
  }
}
