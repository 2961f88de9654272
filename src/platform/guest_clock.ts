/**
 * A domain's one clock: nanoseconds of guest time since the domain was created. Every guest-visible
 * time (generic timer counters, RTC) derives from it, so pausing, saving and moving the domain to
 * another host never makes guest time jump.
 */
import type { HostClock } from '../host/common/clock.js';

export class GuestClock {
  private readonly host: HostClock;
  /** Guest ns = host ns + offset while running. */
  private offsetNs: number;
  /** Guest ns at which the clock is frozen, or null while running. */
  private frozenAtNs: number | null = null;

  constructor(host: HostClock, startNs = 0) {
    this.host = host;
    this.offsetNs = startNs - host.monotonicNs();
  }

  nowNs(): number {
    return this.frozenAtNs ?? this.host.monotonicNs() + this.offsetNs;
  }

  get paused(): boolean {
    return this.frozenAtNs !== null;
  }

  pause(): void {
    if (this.frozenAtNs === null) this.frozenAtNs = this.nowNs();
  }

  resume(): void {
    if (this.frozenAtNs === null) return;
    this.offsetNs = this.frozenAtNs - this.host.monotonicNs();
    this.frozenAtNs = null;
  }

  /** The clock's state for a snapshot: just the guest time, taken while paused. */
  save(): number {
    return this.nowNs();
  }

  /** Continues from a snapshot's guest time, paused; call resume() to let it run. */
  restore(guestNs: number): void {
    this.frozenAtNs = guestNs;
  }
}
