/** Counters for one GICv3 (distributor, redistributors and CPU interfaces), exposed by the daemon later. */
export class Gicv3Metrics {
  distReads = 0;
  distWrites = 0;
  redistReads = 0;
  redistWrites = 0;
  /** MMIO accesses to offsets with no register, or of a width or alignment the register does not accept. */
  badAccesses = 0;
  /** ICC_IAR0/1_EL1 reads that returned an interrupt, and those that returned 1023. */
  acknowledged = 0;
  spurious = 0;
  /** SGIs made pending by ICC_SGI0R/ICC_SGI1R, and targets skipped because the SGI's group did not match. */
  sgisSent = 0;
  sgisDropped = 0;
}
