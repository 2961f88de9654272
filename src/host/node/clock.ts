import type { HostClock } from '../common/clock.js';

/** HostClock on Node: process.hrtime for the monotonic clock, Date for the wall clock. */
export const nodeHostClock: HostClock = {
  monotonicNs: () => Number(process.hrtime.bigint()),
  wallClockMs: () => Date.now(),
};
