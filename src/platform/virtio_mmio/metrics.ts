/** Counters for one virtio-mmio transport, exposed by the daemon later. */
export class VirtioMmioMetrics {
  reads = 0;
  /** Every write: an empty transport ignores them all. */
  writes = 0;
  /** Accesses not aligned to their size (read as zero, as unaligned ones cannot reach a real bus). */
  badAccesses = 0;
}
