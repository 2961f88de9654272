/** Host time, as the core sees it: the only way guest clocks learn how much real time passed. */
export interface HostClock {
  /** A monotonic clock in nanoseconds (arbitrary origin). */
  monotonicNs(): number;
  /** Wall-clock time in milliseconds since the Unix epoch (for RTCs at boot). */
  wallClockMs(): number;
}
