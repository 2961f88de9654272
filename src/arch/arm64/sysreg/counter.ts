/**
 * The generic timer's virtual count as EL0 reads it (CNTVCT_EL0, Arm ARM DDI0487 D11, the Generic Timer). The CPU takes
 * the count from a hook so the hypervisor can supply a guest-specific clock (CNTVOFF, pause/resume);
 * by default it is the host's monotonic clock at CNTFRQ_EL0.
 */

/** CNTFRQ_EL0: 62.5 MHz, the frequency QEMU's virt machine gives its generic timer. */
export const CNTFRQ_HZ = 62_500_000;

/** Current count of a free-running counter at CNTFRQ_HZ, from the host's monotonic clock. */
export function hostCounter(): bigint {
  return BigInt(Math.floor(performance.now() * (CNTFRQ_HZ / 1000)));
}
