/** Linux signal numbers (arm64 uses the asm-generic set) and their default actions (signal(7)). */
export const SIG = {
  HUP: 1, INT: 2, QUIT: 3, ILL: 4, TRAP: 5, ABRT: 6, BUS: 7, FPE: 8, KILL: 9, USR1: 10, SEGV: 11, USR2: 12,
  PIPE: 13, ALRM: 14, TERM: 15, STKFLT: 16, CHLD: 17, CONT: 18, STOP: 19, TSTP: 20, TTIN: 21, TTOU: 22,
  URG: 23, XCPU: 24, XFSZ: 25, VTALRM: 26, PROF: 27, WINCH: 28, IO: 29, PWR: 30, SYS: 31,
} as const;

export const NSIG = 64;
export const SIG_DFL = 0;
export const SIG_IGN = 1;

/** Signals whose default action is to do nothing (stop/continue are treated the same here). */
const DEFAULT_IGNORE = new Set<number>([SIG.CHLD, SIG.CONT, SIG.URG, SIG.WINCH, SIG.STOP, SIG.TSTP, SIG.TTIN, SIG.TTOU]);
/** Signals whose default action dumps core (the wait status carries WCOREFLAG). */
const DEFAULT_CORE = new Set<number>([SIG.QUIT, SIG.ILL, SIG.TRAP, SIG.ABRT, SIG.BUS, SIG.FPE, SIG.SEGV, SIG.XCPU, SIG.XFSZ, SIG.SYS]);

export function defaultIgnored(sig: number): boolean {
  return DEFAULT_IGNORE.has(sig);
}

export function dumpsCore(sig: number): boolean {
  return DEFAULT_CORE.has(sig);
}

/** Host signal names, for killing ourselves with the guest's fatal signal as qemu-user does. */
export const HOST_SIGNAL_NAMES: Readonly<Record<number, NodeJS.Signals>> = {
  1: 'SIGHUP', 2: 'SIGINT', 3: 'SIGQUIT', 4: 'SIGILL', 5: 'SIGTRAP', 6: 'SIGABRT', 7: 'SIGBUS', 8: 'SIGFPE',
  9: 'SIGKILL', 10: 'SIGUSR1', 11: 'SIGSEGV', 12: 'SIGUSR2', 13: 'SIGPIPE', 14: 'SIGALRM', 15: 'SIGTERM',
  16: 'SIGSTKFLT', 24: 'SIGXCPU', 25: 'SIGXFSZ', 26: 'SIGVTALRM', 27: 'SIGPROF', 29: 'SIGIO', 30: 'SIGPWR', 31: 'SIGSYS',
};

export interface SigAction {
  /** SIG_DFL, SIG_IGN or the handler's address. */
  handler: number;
  flags: number;
  mask: bigint;
  restorer: number;
}
