/** Counters of one console backend (Firecracker's per-device metrics). */
export class ConsoleMetrics {
  /** Bytes taken from the guest's output ring. */
  outBytes = 0;
  /** Bytes put into the guest's input ring. */
  inBytes = 0;
  /** Times the guest's ring indices were inconsistent (the ring is then reset to empty). */
  badIndices = 0;
  /** Input bytes held back because the guest's input ring was full. */
  inputBacklog = 0;
}
