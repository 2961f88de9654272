/**
 * domid → grant table, for the operations that reach another domain's grants (map, copy, query
 * of a foreign domain): Xen's rcu_lock_domain_by_id / rcu_lock_domain_by_any_id, restricted to
 * what the grant code needs. A table registers itself when created and leaves when destroyed, so
 * a destroyed domain is unreachable by id.
 */
import { DOMID_SELF } from '../../../abi/xen.js';
import type { GrantTable } from './grant_table.js';

/** The live grant tables of one hypervisor instance. */
export class GrantTableDirectory {
  private readonly tables = new Map<number, GrantTable>();

  /** Adds a domain's table; a second live table for the same domid is a builder bug. */
  register(t: GrantTable): void {
    if (this.tables.has(t.domid)) throw new RangeError(`Cannot register grant table: d${t.domid} already has one`);
    this.tables.set(t.domid, t);
  }

  /** Removes `t` (only if it is the table registered for its domid). */
  unregister(t: GrantTable): void {
    if (this.tables.get(t.domid) === t) this.tables.delete(t.domid);
  }

  /** rcu_lock_domain_by_id: the table of domain `domid`; DOMID_SELF names nobody here. */
  byId(domid: number): GrantTable | undefined {
    return this.tables.get(domid);
  }

  /** rcu_lock_domain_by_any_id: as byId, but DOMID_SELF means the caller. */
  byAnyId(domid: number, caller: GrantTable): GrantTable | undefined {
    return domid === DOMID_SELF ? caller : this.tables.get(domid);
  }

  /** Every live table (for releasing mappings on a destroyed granter, and owner lookups). */
  all(): IterableIterator<GrantTable> {
    return this.tables.values();
  }
}
