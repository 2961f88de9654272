/** Signal-disposition and time system calls, and getrandom. */
import { randomFillSync } from 'node:crypto';
import { E } from '../errno.js';
import { Blocked } from '../files.js';
import { copyFromGuest, copyToGuest, guestRanges, StructWriter } from '../guest_memory.js';
import type { Kernel } from '../kernel.js';
import type { Thread } from '../process.js';
import { NSIG, SIG } from '../signals.js';
import { def, i32, u64, NO_RETURN, type SysResult, type SyscallDef } from './args.js';
import { restoreSignalFrame } from '../signal_frame.js';

/** rt_sigaction with arm64's struct sigaction: handler, flags, restorer, mask (8 bytes each). */
function rtSigaction(_k: Kernel, t: Thread): SysResult {
  const sig = i32(t, 0);
  if (sig < 1 || sig > NSIG || u64(t, 3) !== 8) return -E.INVAL;
  const as = t.proc.as;
  const a = t.proc.sigactions[sig]!;
  let next: Uint8Array | null = null;
  if (u64(t, 1) !== 0) {
    if (sig === SIG.KILL || sig === SIG.STOP) return -E.INVAL;
    next = copyFromGuest(as, u64(t, 1), 32);
    if (next === null) return -E.FAULT;
  }
  if (u64(t, 2) !== 0) {
    const w = new StructWriter(32).u64(0, a.handler).u64(8, a.flags).u64(16, a.restorer).u64(24, a.mask);
    if (!copyToGuest(as, u64(t, 2), w.bytes)) return -E.FAULT;
  }
  if (next !== null) {
    const dv = new DataView(next.buffer);
    a.handler = Number(dv.getBigUint64(0, true));
    a.flags = Number(dv.getBigUint64(8, true) & 0xffff_ffffn);
    a.restorer = Number(dv.getBigUint64(16, true));
    a.mask = dv.getBigUint64(24, true);
  }
  return 0;
}

/** SIGKILL and SIGSTOP cannot be blocked. */
const UNBLOCKABLE = ~((1n << BigInt(SIG.KILL - 1)) | (1n << BigInt(SIG.STOP - 1))) & 0xffff_ffff_ffff_ffffn;

function rtSigprocmask(_k: Kernel, t: Thread): SysResult {
  const how = i32(t, 0);
  if (u64(t, 3) !== 8) return -E.INVAL;
  const as = t.proc.as;
  let set: bigint | null = null;
  if (u64(t, 1) !== 0) {
    const b = copyFromGuest(as, u64(t, 1), 8);
    if (b === null) return -E.FAULT;
    set = new DataView(b.buffer).getBigUint64(0, true);
  }
  if (set !== null && (how < 0 || how > 2)) return -E.INVAL;
  if (u64(t, 2) !== 0 && !copyToGuest(as, u64(t, 2), new StructWriter(8).u64(0, t.sigmask).bytes)) return -E.FAULT;
  if (set !== null) {
    if (how === 0) t.sigmask |= set;
    else if (how === 1) t.sigmask &= ~set;
    else t.sigmask = set;
    t.sigmask &= UNBLOCKABLE;
  }
  return 0;
}

/** rt_sigsuspend: wait under a temporary mask until a signal acts; always fails with EINTR. */
function rtSigsuspend(k: Kernel, t: Thread): SysResult {
  if (u64(t, 1) !== 8) return -E.INVAL;
  const b = copyFromGuest(t.proc.as, u64(t, 0), 8);
  if (b === null) return -E.FAULT;
  t.savedSigmask = t.sigmask;
  t.sigmask = new DataView(b.buffer).getBigUint64(0, true) & UNBLOCKABLE;
  return new Blocked(() => k.hasDeliverable(t), { onReady: () => -E.INTR, noRestart: true });
}

function rtSigpending(_k: Kernel, t: Thread): SysResult {
  let set = 0n;
  for (const i of t.pending) set |= 1n << BigInt(i.signo - 1);
  set &= t.sigmask;
  return copyToGuest(t.proc.as, u64(t, 0), new StructWriter(8).u64(0, set).bytes) ? 0 : -E.FAULT;
}

function kill(k: Kernel, t: Thread): SysResult {
  const pid = i32(t, 0);
  const sig = i32(t, 1);
  if (sig < 0 || sig > NSIG) return -E.INVAL;
  const targets =
    pid > 0 ? [k.processes.get(pid)] : [...k.processes.values()].filter((p) => (pid === -1 ? p !== t.proc : p.pgid === (pid === 0 ? t.proc.pgid : -pid)));
  const live = targets.filter((p) => p !== undefined && !p.zombie);
  if (live.length === 0) return -E.SRCH;
  if (sig === 0) return 0;
  const info = { signo: sig, code: 0, pid: t.proc.pid, uid: process.getuid?.() ?? 0 }; // SI_USER
  for (const p of live) {
    if (p === t.proc) k.signalThread(t, sig, info);
    else k.signalProcess(p!, sig, info);
  }
  return 0;
}

function tgkill(k: Kernel, t: Thread, tid: number, sig: number): SysResult {
  if (sig < 0 || sig > NSIG) return -E.INVAL;
  const target = k.threads.find((x) => x.tid === tid && !x.exited);
  if (target === undefined) return -E.SRCH;
  if (sig !== 0) k.signalThread(target, sig, { signo: sig, code: -6, pid: t.proc.pid, uid: process.getuid?.() ?? 0 }); // SI_TKILL
  return 0;
}

function sigaltstack(_k: Kernel, t: Thread): SysResult {
  const old = u64(t, 1);
  if (old !== 0 && !copyToGuest(t.proc.as, old, new StructWriter(24).i32(8, 2).bytes)) return -E.FAULT; // SS_DISABLE
  return 0;
}

const NS = 1_000_000_000n;
/** Offset turning the host's monotonic clock into the wall clock, fixed at start-up. */
const REALTIME_OFFSET_NS = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();

function clockNs(clk: number): bigint | null {
  switch (clk) {
    case 0: // CLOCK_REALTIME
    case 5: // CLOCK_REALTIME_COARSE
      return process.hrtime.bigint() + REALTIME_OFFSET_NS;
    case 1: // CLOCK_MONOTONIC
    case 4: // CLOCK_MONOTONIC_RAW
    case 6: // CLOCK_MONOTONIC_COARSE
    case 7: // CLOCK_BOOTTIME
      return process.hrtime.bigint();
    case 2: // CLOCK_PROCESS_CPUTIME_ID
    case 3: {
      // CLOCK_THREAD_CPUTIME_ID
      const u = process.cpuUsage();
      return BigInt(u.user + u.system) * 1000n;
    }
    default:
      return null;
  }
}

function putTimespec(t: Thread, va: number, ns: bigint): boolean {
  return copyToGuest(t.proc.as, va, new StructWriter(16).u64(0, ns / NS).u64(8, ns % NS).bytes);
}

/** A timespec argument in nanoseconds, or a negative errno. */
function getTimespec(t: Thread, va: number): bigint | number {
  const b = copyFromGuest(t.proc.as, va, 16);
  if (b === null) return -E.FAULT;
  const dv = new DataView(b.buffer);
  const sec = dv.getBigInt64(0, true);
  const nsec = dv.getBigInt64(8, true);
  if (sec < 0n || nsec < 0n || nsec >= NS) return -E.INVAL;
  return sec * NS + nsec;
}

function sleepFor(ns: bigint): SysResult {
  const deadline = performance.now() + Number(ns) / 1e6;
  return new Blocked(() => false, { deadline, onTimeout: () => 0, noRestart: true });
}

function clockNanosleep(_k: Kernel, t: Thread): SysResult {
  const clk = i32(t, 0);
  const now = clockNs(clk);
  if (now === null) return -E.INVAL;
  const req = getTimespec(t, u64(t, 2));
  if (typeof req === 'number') return req;
  return sleepFor(i32(t, 1) & 1 ? (req > now ? req - now : 0n) : req);
}

function getrandom(k: Kernel, t: Thread): SysResult {
  const len = Math.min(u64(t, 1), 1 << 25);
  const r = guestRanges(t.proc.as, u64(t, 0), len, true);
  if (r === null) return -E.FAULT;
  for (let i = 0; i < r.length; i += 2) randomFillSync(k.frames.ramU8, r[i]!, r[i + 1]!);
  return len;
}

function rtSigreturn(k: Kernel, t: Thread): SysResult {
  if (!restoreSignalFrame(t)) k.exitProcess(t.proc, SIG.SEGV | 0x80);
  return NO_RETURN;
}

/** struct itimerval {it_interval, it_value} as timevals, for ITIMER_REAL. */
function itimerBytes(t: Thread): Uint8Array {
  const p = t.proc;
  const left = p.alarmAt === Infinity ? 0 : Math.max(1, Math.round((p.alarmAt - performance.now()) * 1000));
  const iv = Math.round(p.alarmIntervalMs * 1000);
  return new StructWriter(32).u64(0, Math.floor(iv / 1e6)).u64(8, iv % 1e6).u64(16, Math.floor(left / 1e6)).u64(24, left % 1e6).bytes;
}

function setitimer(k: Kernel, t: Thread): SysResult {
  const which = i32(t, 0);
  if (which < 0 || which > 2) return -E.INVAL;
  if (which !== 0) return -E.NOSYS; // ITIMER_VIRTUAL/ITIMER_PROF: no CPU-time timers
  let next: DataView | null = null;
  if (u64(t, 1) !== 0) {
    const b = copyFromGuest(t.proc.as, u64(t, 1), 32);
    if (b === null) return -E.FAULT;
    next = new DataView(b.buffer);
  }
  if (u64(t, 2) !== 0 && !copyToGuest(t.proc.as, u64(t, 2), itimerBytes(t))) return -E.FAULT;
  if (next !== null) {
    const ms = (o: number): number => Number(next!.getBigInt64(o, true)) * 1000 + Number(next!.getBigInt64(o + 8, true)) / 1000;
    const value = ms(16);
    const p = t.proc;
    p.alarmIntervalMs = ms(0);
    p.alarmAt = value > 0 ? performance.now() + value : Infinity;
    if (p.alarmAt !== Infinity) k.timers.add(p);
    else k.timers.delete(p);
  }
  return 0;
}

export const SIGNAL_TIME_SYSCALLS: readonly SyscallDef[] = [
  def(103, 'setitimer', 3, setitimer),
  def(102, 'getitimer', 2, (_k, t) => {
    if (i32(t, 0) !== 0) return i32(t, 0) === 1 || i32(t, 0) === 2 ? -E.NOSYS : -E.INVAL;
    return copyToGuest(t.proc.as, u64(t, 1), itimerBytes(t)) ? 0 : -E.FAULT;
  }),
  def(139, 'rt_sigreturn', 0, rtSigreturn),
  def(134, 'rt_sigaction', 4, rtSigaction),
  def(135, 'rt_sigprocmask', 4, rtSigprocmask),
  def(132, 'sigaltstack', 2, sigaltstack),
  def(133, 'rt_sigsuspend', 2, rtSigsuspend),
  def(136, 'rt_sigpending', 2, rtSigpending),
  def(129, 'kill', 2, kill),
  def(131, 'tgkill', 3, (k, t) => tgkill(k, t, i32(t, 1), i32(t, 2))),
  def(130, 'tkill', 2, (k, t) => tgkill(k, t, i32(t, 0), i32(t, 1))),
  def(113, 'clock_gettime', 2, (_k, t) => {
    const ns = clockNs(i32(t, 0));
    if (ns === null) return -E.INVAL;
    return putTimespec(t, u64(t, 1), ns) ? 0 : -E.FAULT;
  }),
  def(114, 'clock_getres', 2, (_k, t) => {
    const clk = i32(t, 0);
    if (clockNs(clk) === null) return -E.INVAL;
    if (u64(t, 1) === 0) return 0;
    return putTimespec(t, u64(t, 1), clk === 5 || clk === 6 ? 4_000_000n : 1n) ? 0 : -E.FAULT;
  }),
  def(169, 'gettimeofday', 2, (_k, t) => {
    if (u64(t, 0) === 0) return 0;
    const us = (process.hrtime.bigint() + REALTIME_OFFSET_NS) / 1000n;
    return copyToGuest(t.proc.as, u64(t, 0), new StructWriter(16).u64(0, us / 1_000_000n).u64(8, us % 1_000_000n).bytes) ? 0 : -E.FAULT;
  }),
  def(101, 'nanosleep', 2, (_k, t) => {
    const req = getTimespec(t, u64(t, 0));
    return typeof req === 'number' ? req : sleepFor(req);
  }),
  def(115, 'clock_nanosleep', 4, clockNanosleep),
  def(278, 'getrandom', 3, getrandom),
];

