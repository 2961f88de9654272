/**
 * The doorbell of a domain: how a thread that does not own a domain raises one of its ports.
 * Senders set the port's bit and bump a wake word; the owner thread drains the bits
 * (processDoorbell) and performs the real "set pending" against guest memory, which only it may
 * touch. Layout (Int32 words): [0] wake sequence, [1] "some bit may be set", [2..] port bitmap.
 */
const WAKE = 0;
const DIRTY = 1;
const BITS = 2;

export class Doorbell {
  readonly words: Int32Array;
  readonly maxPort: number;

  private constructor(words: Int32Array, maxPort: number) {
    this.words = words;
    this.maxPort = maxPort;
  }

  static create(maxPort: number): Doorbell {
    return new Doorbell(new Int32Array(new SharedArrayBuffer((BITS + (maxPort >>> 5) + 1) * 4)), maxPort);
  }

  /** A view of a doorbell created on another thread. */
  static attach(buffer: SharedArrayBuffer, maxPort: number): Doorbell {
    const words = new Int32Array(buffer);
    if (words.length !== BITS + (maxPort >>> 5) + 1) throw new RangeError('Event-channel doorbell has a bad size');
    return new Doorbell(words, maxPort);
  }

  /** Index of the wake word, for the owner's Atomics.wait / Atomics.waitAsync on `words`. */
  static readonly WAKE_INDEX = WAKE;

  /** Flags `port` and wakes the owner. Ports beyond the table are ignored. */
  ring(port: number): void {
    if (!Number.isInteger(port) || port <= 0 || port > this.maxPort) return;
    Atomics.or(this.words, BITS + (port >>> 5), 1 << (port & 31));
    Atomics.store(this.words, DIRTY, 1);
    Atomics.add(this.words, WAKE, 1);
    Atomics.notify(this.words, WAKE);
  }

  /** Forgets a flagged port (its channel was freed: Xen clears pending on free). */
  clear(port: number): void {
    if (port > 0 && port <= this.maxPort) Atomics.and(this.words, BITS + (port >>> 5), ~(1 << (port & 31)));
  }

  /** Takes every flagged port, lowest first, and hands it to `fn`; returns how many. */
  drain(fn: (port: number) => void): number {
    if (Atomics.exchange(this.words, DIRTY, 0) === 0) return 0;
    let n = 0;
    for (let i = BITS; i < this.words.length; i++) {
      let bits = Atomics.exchange(this.words, i, 0);
      while (bits !== 0) {
        const b = 31 - Math.clz32(bits & -bits);
        bits &= bits - 1;
        fn(((i - BITS) << 5) | b);
        n++;
      }
    }
    return n;
  }
}
