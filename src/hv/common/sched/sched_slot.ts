/**
 * A domain thread's handle on the scheduler board: it asks for a pCPU before it runs guest code,
 * accounts each round, and gives the pCPU back when its vCPUs all wait or it is paused.
 */
import type { HostClock } from '../../../host/common/clock.js';
import { SchedBoard } from './credit2.js';

/** A domain's place on the board; structured-clone safe, so it can be posted to a worker. */
export interface SchedAttachment {
  readonly board: SharedArrayBuffer;
  readonly slot: number;
}

/** Sleeps until `ms` pass or `words[index]` is no longer `seen`. */
export type SleepOnWord = (words: Int32Array, index: number, seen: number, ms: number) => Promise<void>;

export class SchedSlot {
  private readonly board: SchedBoard;
  private holding = false;
  /** Asked for a pCPU since it last released: it may be waiting, parked or running. */
  private engaged = false;
  private heldSinceNs = 0;
  /** Another domain waited for this one's pCPU at the last accounting. */
  contended = false;

  readonly slot: number;

  constructor(a: SchedAttachment, private readonly clock: HostClock, private readonly sleep: SleepOnWord) {
    this.board = new SchedBoard(a.board);
    if (!Number.isInteger(a.slot) || a.slot < 0 || a.slot >= this.board.maxSlots) throw new RangeError(`Bad scheduler slot ${a.slot}`);
    this.slot = a.slot;
  }

  /**
   * True once the domain holds a pCPU; otherwise it has waited (for a grant, the end of its cap's
   * period, a wake() or a bounded time) and the caller looks at its own state again.
   */
  async acquire(): Promise<boolean> {
    if (this.holding) return true;
    this.contended = false;
    const { words, index } = this.board.wakeWord(this.slot);
    const seen = Atomics.load(words, index);
    this.engaged = true;
    const now = this.clock.monotonicNs();
    const g = this.board.request(this.slot, now);
    if (g.kind === 'run') {
      this.holding = true;
      this.heldSinceNs = now;
      return true;
    }
    await this.sleep(words, index, seen, g.ms);
    return false;
  }

  /** A round ran for `ns` of host time on the held pCPU. */
  ran(ns: number): void {
    if (!this.holding) return;
    const now = this.clock.monotonicNs();
    const r = this.board.account(this.slot, ns, now - this.heldSinceNs, now);
    this.contended = r === 'contended';
    if (r === 'yield') this.holding = false;
  }

  /** Nothing to run: the pCPU (or the place in the queue) is given up. */
  release(): void {
    if (!this.engaged) return;
    this.board.release(this.slot);
    this.holding = false;
    this.engaged = false;
  }

  /** Ends a wait for a pCPU (a control request arrived). */
  wake(): void {
    this.board.wake(this.slot);
  }
}
