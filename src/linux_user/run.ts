/**
 * The runner's entry point: start a program, run it to the end, and make the host process end the
 * way the guest did (exit status, or death by the same signal, as qemu-user does).
 */
import { Kernel, type GuestExit } from './kernel.js';
import { HOST_SIGNAL_NAMES } from './signals.js';

export interface RunOptions {
  readonly exe: string;
  /** argv as the guest sees it (argv[0] included). */
  readonly argv: readonly string[];
  readonly envp: readonly string[];
  readonly memoryBytes: number;
  readonly trace: boolean;
  /** Print the instruction count and rate on stderr at the end. */
  readonly stats?: boolean;
}

/** Runs the program; returns its exit status, or never returns when it dies of a signal. */
export function runStaticElf(o: RunOptions): number {
  const k = new Kernel({ memoryBytes: o.memoryBytes, trace: o.trace });
  k.spawn(o.exe, o.argv, o.envp);
  const t0 = performance.now();
  let r: GuestExit;
  try {
    r = k.run();
  } finally {
    if (o.stats) {
      const s = (performance.now() - t0) / 1000;
      process.stderr.write(`xenon: ${k.retired} guest instructions in ${s.toFixed(3)} s (${(k.retired / s / 1e6).toFixed(1)} M/s)\n`);
    }
  }
  if ('status' in r) return r.status;
  return dieOfSignal(r.signal);
}

/**
 * Kills this process with `sig`. Node ignores some signals (SIGPIPE) or handles them itself; adding
 * and removing a listener puts the default action back. Falls back to 128 + sig like a shell.
 */
export function dieOfSignal(sig: number): number {
  const name = HOST_SIGNAL_NAMES[sig];
  if (name !== undefined && name !== 'SIGKILL' && name !== 'SIGSTOP') {
    try {
      const noop = (): void => {};
      process.on(name, noop);
      process.removeListener(name, noop);
      process.kill(process.pid, name);
      // Delivery is asynchronous for some signals; give it a moment before falling back.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
    } catch {
      // Not allowed to signal ourselves here: report it the way a shell would.
    }
  } else if (name === 'SIGKILL') {
    process.kill(process.pid, 'SIGKILL');
  }
  return 128 + sig;
}
