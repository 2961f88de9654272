/**
 * The guest's serial console on the Node process's terminal: guest output to stdout, stdin to the
 * guest (raw mode on a TTY, so Ctrl-C and friends reach the guest), and an escape sequence to leave,
 * as `virsh console` (Ctrl-]) and QEMU's `-nographic` (Ctrl-A x) have. Also the idle waiter the
 * machine's run loop sleeps on.
 */

/** The escape key: Ctrl-] (GS). Followed by `q` it quits; pressed twice it sends one Ctrl-] to the guest. */
export const ESCAPE_BYTE = 0x1d;
/** setTimeout's largest delay. */
const MAX_TIMEOUT_MS = 0x7fff_ffff;
const QUIT_KEYS = new Set([0x71, 0x51, 0x2e]); // q, Q, .

/** Splits terminal input into guest bytes and escape commands. */
export class EscapeFilter {
  private armed = false;

  /** Returns the bytes for the guest and whether the user asked to quit. */
  feed(bytes: Uint8Array): { readonly guest: Uint8Array; readonly quit: boolean } {
    const out: number[] = [];
    for (const b of bytes) {
      if (this.armed) {
        this.armed = false;
        if (QUIT_KEYS.has(b)) return { guest: Uint8Array.from(out), quit: true };
        if (b !== ESCAPE_BYTE) out.push(ESCAPE_BYTE);
        out.push(b);
      } else if (b === ESCAPE_BYTE) {
        this.armed = true;
      } else {
        out.push(b);
      }
    }
    return { guest: Uint8Array.from(out), quit: false };
  }
}

export interface TerminalConsoleOptions {
  readonly stdin?: NodeJS.ReadStream;
  readonly stdout?: NodeJS.WriteStream;
  /** Bytes typed for the guest. */
  readonly onInput: (bytes: Uint8Array) => void;
  /** The user pressed the escape sequence. */
  readonly onQuit: () => void;
  /** xl console's escape: Ctrl-] alone detaches (instead of Ctrl-] followed by q). */
  readonly singleKeyEscape?: boolean;
  /** Piped input that ends quits as the escape would (a script's `xenon console` detaches at EOF). */
  readonly quitAtEnd?: boolean;
}

/** The process's terminal as the guest console; close() restores the terminal. */
export class TerminalConsole {
  private readonly stdin: NodeJS.ReadStream;
  private readonly stdout: NodeJS.WriteStream;
  private readonly filter = new EscapeFilter();
  private readonly raw: boolean;
  private readonly onData: (chunk: Buffer) => void;
  private readonly onEnd: () => void;

  constructor(opts: TerminalConsoleOptions) {
    this.stdin = opts.stdin ?? process.stdin;
    this.stdout = opts.stdout ?? process.stdout;
    this.raw = this.stdin.isTTY === true;
    this.onData = (chunk) => {
      const bytes = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      // Piped input is data, not keystrokes: only a terminal gets the escape sequence.
      if (!this.raw) {
        opts.onInput(Uint8Array.from(bytes));
        return;
      }
      if (opts.singleKeyEscape === true) {
        const at = bytes.indexOf(ESCAPE_BYTE);
        if (at < 0) {
          opts.onInput(Uint8Array.from(bytes));
          return;
        }
        if (at > 0) opts.onInput(Uint8Array.from(bytes.subarray(0, at)));
        opts.onQuit();
        return;
      }
      const { guest, quit } = this.filter.feed(bytes);
      if (guest.length > 0) opts.onInput(guest);
      if (quit) opts.onQuit();
    };
    if (this.raw) this.stdin.setRawMode(true);
    this.stdin.on('data', this.onData);
    this.onEnd = () => {
      if (!this.raw && opts.quitAtEnd === true) opts.onQuit();
    };
    this.stdin.on('end', this.onEnd);
    this.stdin.resume();
  }

  write(bytes: Uint8Array): void {
    this.stdout.write(bytes);
  }

  close(): void {
    this.stdin.off('data', this.onData);
    this.stdin.off('end', this.onEnd);
    this.stdin.pause();
    if (this.raw) this.stdin.setRawMode(false);
  }
}

/** Sleeping and yielding on Node's event loop, for the machine's run loop (MachineHost). */
export class NodeIdleWaiter {
  private pending: { resolve: () => void; timer: NodeJS.Timeout } | null = null;

  wait(ms: number): Promise<void> {
    this.wake();
    return new Promise((resolve) => {
      // An endless wait still holds a timer, so Node does not exit while the guest idles without input.
      const timer = setTimeout(() => this.wake(), Math.min(Math.max(0, ms), MAX_TIMEOUT_MS));
      this.pending = { resolve, timer };
    });
  }

  wake(): void {
    const p = this.pending;
    if (p === null) return;
    this.pending = null;
    clearTimeout(p.timer);
    p.resolve();
  }

  yieldNow(): Promise<void> {
    return new Promise((resolve) => setImmediate(resolve));
  }
}
