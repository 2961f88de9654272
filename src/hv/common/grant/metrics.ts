/** Per-domain grant-table counters for debug output (Firecracker-style metrics, never asserted on timing). */
export interface GrantTableCounters {
  /** grant_table_op hypercalls issued by this domain. */
  hypercalls: number;
  /** Subops this domain asked for that Xen does not offer here (-ENOSYS / -EOPNOTSUPP). */
  unsupported: number;
  /** Mappings this domain made of foreign grants (hypercall and backend), and failed attempts. */
  maps: number;
  mapFailures: number;
  unmaps: number;
  unmapFailures: number;
  /** Grant copies performed for this domain, and failed ones. */
  copies: number;
  copyFailures: number;
  copiedBytes: number;
  /** Frames the table grew by (setup_table, add_to_physmap). */
  framesGrown: number;
}

/** Fresh zeroed counters. */
export function newCounters(): GrantTableCounters {
  return {
    hypercalls: 0,
    unsupported: 0,
    maps: 0,
    mapFailures: 0,
    unmaps: 0,
    unmapFailures: 0,
    copies: 0,
    copyFailures: 0,
    copiedBytes: 0,
    framesGrown: 0,
  };
}
