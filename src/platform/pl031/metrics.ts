/** Counters for one PL031, exposed by the daemon later. */
export class Pl031Metrics {
  reads = 0;
  writes = 0;
  /** Accesses to offsets with no register, or of the wrong width. */
  badAccesses = 0;
  matchInterrupts = 0;
}
