/** Counters for one PL011. */
export class Pl011Metrics {
  txBytes = 0;
  rxBytes = 0;
  /** Input bytes dropped because the receive FIFO was full. */
  rxOverruns = 0;
  badAccesses = 0;
}
