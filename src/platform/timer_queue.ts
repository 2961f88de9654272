/**
 * Deadlines in guest time (nanoseconds of the domain's GuestClock) for devices' timers. The machine's
 * run loop asks for the next deadline (to bound how long a vCPU runs or idles) and fires what is due.
 */
export interface TimerHandle {
  readonly id: number;
}

interface Entry {
  readonly id: number;
  readonly dueNs: number;
  readonly fire: () => void;
}

export class TimerQueue {
  private entries: Entry[] = [];
  private nextId = 1;

  /** Schedules `fire` at guest time `dueNs`. */
  at(dueNs: number, fire: () => void): TimerHandle {
    const e = { id: this.nextId++, dueNs, fire };
    const i = this.entries.findIndex((x) => x.dueNs > dueNs);
    if (i < 0) this.entries.push(e);
    else this.entries.splice(i, 0, e);
    return { id: e.id };
  }

  cancel(h: TimerHandle | null): void {
    if (h !== null) this.entries = this.entries.filter((e) => e.id !== h.id);
  }

  /** Guest time of the earliest deadline, or Infinity. */
  nextDueNs(): number {
    return this.entries[0]?.dueNs ?? Infinity;
  }

  /** Fires, in order, every deadline at or before `nowNs`. */
  runDue(nowNs: number): void {
    while (this.entries.length > 0 && this.entries[0]!.dueNs <= nowNs) {
      this.entries.shift()!.fire();
    }
  }
}
