/**
 * The PV console backend (xenconsoled's role for one domain): drains the guest's output ring to a
 * sink (the terminal while attached, and a log file always), and feeds terminal input into the
 * guest's input ring. The ring page is shared guest memory that the guest writes concurrently, so
 * its indices are read once per pass with Atomics and checked: a producer index more than a ring
 * ahead of the consumer is a hostile or broken guest, and the ring is then treated as empty.
 */
import { ConsoleMetrics } from './metrics.js';
import { restoreConsoleState, saveConsoleState } from './persist.js';
import { XENCONS, XENCONS_PAGE_BYTES } from './regs.js';

export interface ConsoleBackendOptions {
  /** The guest's console ring page (4096 bytes of its memory). */
  readonly page: Uint8Array;
  /** Signals the guest (EVTCHNOP_send on the backend's end of the console port). */
  readonly notify: () => void;
  /** Receives everything the guest writes. */
  readonly output: (bytes: Uint8Array) => void;
}

/** Input kept while the guest's input ring is full; more is dropped, as a full tty drops it. */
const MAX_INPUT_BACKLOG = 64 * 1024;

export class ConsoleBackend {
  readonly metrics = new ConsoleMetrics();
  private readonly page: Uint8Array;
  private readonly idx: Int32Array;
  private readonly notify: () => void;
  private readonly output: (bytes: Uint8Array) => void;
  private pendingInput: number[] = [];

  constructor(o: ConsoleBackendOptions) {
    if (o.page.byteLength !== XENCONS_PAGE_BYTES || o.page.byteOffset % 4 !== 0) throw new RangeError('The console ring must be one aligned 4 KiB page');
    this.page = o.page;
    this.idx = new Int32Array(o.page.buffer, o.page.byteOffset + XENCONS.IN_CONS, 4);
    this.notify = o.notify;
    this.output = o.output;
  }

  /** The guest signalled its console port: take its output, and continue any held-back input. */
  kick(): void {
    const drained = this.drainOutput();
    const fed = this.feedInput();
    if (drained || fed) this.notify();
  }

  private drainOutput(): boolean {
    const cons = Atomics.load(this.idx, 2) >>> 0;
    const prod = Atomics.load(this.idx, 3) >>> 0;
    const avail = (prod - cons) >>> 0;
    if (avail === 0) return false;
    if (avail > XENCONS.OUT_SIZE) {
      this.metrics.badIndices++;
      Atomics.store(this.idx, 2, prod | 0);
      return true;
    }
    const bytes = new Uint8Array(avail);
    for (let i = 0; i < avail; i++) bytes[i] = this.page[XENCONS.OUT + ((cons + i) % XENCONS.OUT_SIZE)]!;
    Atomics.store(this.idx, 2, (cons + avail) | 0);
    this.metrics.outBytes += avail;
    this.output(bytes);
    return true;
  }

  /** Input from the terminal for the guest. */
  input(bytes: Uint8Array): void {
    for (const b of bytes) {
      if (this.pendingInput.length >= MAX_INPUT_BACKLOG) break;
      this.pendingInput.push(b);
    }
    if (this.feedInput()) this.notify();
    this.metrics.inputBacklog = this.pendingInput.length;
  }

  private feedInput(): boolean {
    if (this.pendingInput.length === 0) return false;
    const cons = Atomics.load(this.idx, 0) >>> 0;
    const prod = Atomics.load(this.idx, 1) >>> 0;
    const used = (prod - cons) >>> 0;
    if (used > XENCONS.IN_SIZE) {
      this.metrics.badIndices++;
      return false;
    }
    const n = Math.min(XENCONS.IN_SIZE - used, this.pendingInput.length);
    if (n === 0) return false;
    for (let i = 0; i < n; i++) this.page[XENCONS.IN + ((prod + i) % XENCONS.IN_SIZE)] = this.pendingInput[i]!;
    this.pendingInput = this.pendingInput.slice(n);
    Atomics.store(this.idx, 1, (prod + n) | 0);
    this.metrics.inBytes += n;
    this.metrics.inputBacklog = this.pendingInput.length;
    return true;
  }

  save(): Uint8Array {
    return saveConsoleState(Uint8Array.from(this.pendingInput));
  }

  restore(bytes: Uint8Array): void {
    this.pendingInput = [...restoreConsoleState(bytes)];
  }
}
