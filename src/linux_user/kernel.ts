/**
 * The Linux personality of the user-mode runner: processes and threads on guest CPUs, scheduled
 * round-robin on the one host thread, SVC exits served as system calls and faults turned into the
 * signals Linux would send (arch/arm64/mm/fault.c, arch/arm64/kernel/traps.c).
 */
import * as fs from 'node:fs';
import path from 'node:path';
import { CodeCache } from '../arch/arm64/code_cache.js';
import { allocateJitMemory, jitAreaOffset, type JitMemory } from '../arch/arm64/jit/guest_memory.js';
import { EC, ecOf, FSC, type VcpuExit } from '../arch/arm64/exit.js';
import type { PhysicalBus } from '../arch/arm64/mmu/translator.js';
import { Access } from '../arch/arm64/mmu/translator.js';
import { translateInsn } from '../arch/arm64/interp/index.js';
import { XenonError } from '../lib/errors.js';
import { AddressSpace } from './address_space.js';
import { parseElf } from '../lib/elf.js';
import { E, hostErrno } from './errno.js';
import { FdTable, HostFile, Blocked } from './files.js';
import { FrameAllocator } from './frames.js';
import { buildStack, loadSegments, MMAP_TOP } from './loader.js';
import { execImage, hostId, hostUmask } from './exec.js';
import { Process, Thread, type VcpuSlot } from './process.js';
import { dumpsCore, SIG, SIG_DFL, SIG_IGN, defaultIgnored } from './signals.js';
import { setupSignalFrame, type SigInfo } from './signal_frame.js';
import { NO_RETURN, setResult } from './syscalls/args.js';
import { SYSCALLS } from './syscalls/table.js';

export interface KernelOptions {
  readonly memoryBytes: number;
  readonly trace?: boolean;
  /** Where --trace lines go (stderr by default). */
  readonly traceSink?: (line: string) => void;
}

/** How the first process ended: an exit status, or the signal that killed it. */
export type GuestExit = { readonly status: number } | { readonly signal: number };

/** A thread in FUTEX_WAIT: woken by FUTEX_WAKE when the bitsets meet. */
export interface FutexWaiter {
  readonly bitset: number;
  woken: boolean;
  readonly thread: Thread;
  /** The wait it belongs to; the waiter is stale once the thread is no longer in it. */
  blocked: Blocked | null;
}

/** Instructions a thread runs before the next one gets the host thread. */
const SLICE = 200_000;
const SA_RESTART = 0x10000000;

/** Blocks the host thread for `ms` milliseconds (nothing else can run anyway). */
export function hostSleep(ms: number): void {
  if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Math.min(ms, 2 ** 31 - 1));
}

/** Threads whose vCPUs get a JIT area (busybox and its children rarely run more at once). */
const JIT_VCPUS = 64;

export class Kernel {
  readonly frames: FrameAllocator;
  readonly code: CodeCache;
  readonly bus: PhysicalBus;
  readonly trace: boolean;
  private readonly traceSink: (line: string) => void;
  readonly processes = new Map<number, Process>();
  threads: Thread[] = [];
  /** Futex waiters keyed by the RAM offset of the futex word (shared by every process on this RAM). */
  readonly futexWaiters = new Map<number, FutexWaiter[]>();
  init: Process | null = null;
  /** Guest instructions retired by every thread of every process (for --stats). */
  retired = 0;
  private readonly jit: JitMemory | null;
  /** JIT areas handed to vCPUs so far (each vCPU keeps its own; idle ones are reused with it). */
  private jitAreasUsed = 0;
  /** vCPUs of exited threads, for reuse. */
  private readonly idleVcpus: VcpuSlot[] = [];
  private nextId = process.pid > 1 ? process.pid : 1000;
  private result: GuestExit | null = null;

  constructor(o: KernelOptions) {
    // RAM as a WebAssembly.Memory's, with areas for the first threads' vCPUs after it, so their hot
    // code compiles to WebAssembly; threads beyond those run at the JS tier.
    this.jit = allocateJitMemory(o.memoryBytes, JIT_VCPUS);
    const ram = this.jit === null ? new ArrayBuffer(o.memoryBytes) : this.jit.memory.buffer;
    this.code = new CodeCache(o.memoryBytes);
    this.frames = new FrameAllocator(ram, o.memoryBytes, this.code);
    this.bus = {
      ram, ramBase: 0, ramSize: o.memoryBytes, ...(this.jit === null ? {} : { jit: this.jit }),
      mmioRead: () => null, mmioWrite: () => false,
    };
    this.trace = o.trace ?? false;
    this.traceSink = o.traceSink ?? ((line) => fs.writeSync(2, line + '\n'));
  }

  log(line: string): void {
    this.traceSink(line);
  }

  /** The JIT area for a new vCPU, or undefined once all are taken. */
  takeJitArea(): number | undefined {
    if (this.jit === null) return undefined;
    return jitAreaOffset(this.jit, this.jitAreasUsed++) ?? undefined;
  }

  allocId(): number {
    return this.nextId++;
  }

  /** Creates the first process running `exe` (a host path); throws XenonError for a bad executable. */
  spawn(exe: string, argv: readonly string[], envp: readonly string[]): Process {
    let bytes: Uint8Array;
    try {
      bytes = fs.readFileSync(exe);
    } catch (e) {
      const code = (e as { code?: string }).code;
      throw new XenonError(code === 'ENOENT' ? 'FILE_NOT_FOUND' : 'BAD_EXECUTABLE', `Cannot read "${exe}"`, { cause: e });
    }
    const elf = parseElf(bytes, exe);
    const as = new AddressSpace(this.frames, MMAP_TOP);
    const pid = this.allocId();
    const fds = new FdTable();
    for (let fd = 0; fd < 3; fd++) fds.install(new HostFile(fd, `/dev/fd/${fd}`, fd === 0 ? 0 : 1, false), false, fd);
    const p = new Process({ pid, parent: null, as, ownsAs: true, fds, cwd: process.cwd(), exe: path.resolve(exe) });
    p.umask = hostUmask();
    const t = new Thread({ tid: pid, proc: p, bus: this.bus, code: this.code, kernel: this });
    const image = loadSegments(as, elf);
    const sp = buildStack(as, { argv, envp, execfn: exe, image, phnum: elf.phnum, uid: hostId('uid'), gid: hostId('gid') });
    t.cpu.state.setX(31, BigInt(sp));
    t.cpu.state.pc = image.entry;
    this.addProcess(p);
    this.addThread(t);
    this.init = p;
    return p;
  }

  addProcess(p: Process): void {
    this.processes.set(p.pid, p);
    p.parent?.children.add(p);
  }

  addThread(t: Thread): void {
    t.proc.threads.add(t);
    this.threads.push(t);
  }

  /** Runs until the first process ends. */
  run(): GuestExit {
    while (this.result === null) {
      let ran = false;
      let earliest = this.fireTimers();
      for (const t of this.threads) {
        if (t.exited) continue;
        if (t.wait !== null && t.wait.opts.uninterruptible !== true && this.hasDeliverable(t)) this.interrupt(t);
        if (t.pending.length > 0 && t.wait === null) this.deliverPending(t);
        if (t.exited) continue;
        const w = t.wait;
        if (w !== null) {
          if (w.ready()) {
            t.wait = null;
            if (w.opts.onReady) setResult(t, w.opts.onReady());
            else t.cpu.state.pc -= 4; // issue the SVC again
          } else if (performance.now() >= w.deadline) {
            t.wait = null;
            setResult(t, w.opts.onTimeout ? w.opts.onTimeout() : -E.TIMEDOUT);
          } else {
            earliest = Math.min(earliest, w.deadline);
            continue;
          }
        }
        ran = true;
        this.runSlice(t);
        if (this.result !== null) break;
      }
      if (this.threads.some((t) => t.exited)) this.threads = this.threads.filter((t) => !t.exited);
      if (!ran && this.result === null) {
        if (earliest === Infinity) {
          throw new XenonError('GUEST_FAILED', 'Cannot continue the guest: every thread is blocked (deadlock)');
        }
        hostSleep(earliest - performance.now());
      }
    }
    return this.result;
  }

  /** Processes with an armed ITIMER_REAL (setitimer). */
  readonly timers = new Set<Process>();

  /** Sends SIGALRM for expired timers; returns when the next one is due. */
  private fireTimers(): number {
    if (this.timers.size === 0) return Infinity;
    const now = performance.now();
    let next = Infinity;
    for (const p of this.timers) {
      if (p.zombie) {
        this.timers.delete(p);
        continue;
      }
      if (p.alarmAt <= now) {
        this.signalProcess(p, SIG.ALRM, { signo: SIG.ALRM, code: 0x80 }); // SI_KERNEL
        p.alarmAt = p.alarmIntervalMs > 0 ? now + p.alarmIntervalMs : Infinity;
        if (p.alarmAt === Infinity) this.timers.delete(p);
      }
      next = Math.min(next, p.alarmAt);
    }
    return next;
  }

  /** A signal arrived for a thread blocked in a system call: the call fails with EINTR or, under SA_RESTART, is issued again. */
  private interrupt(t: Thread): void {
    const info = t.pending[this.deliverable(t)]!;
    const restart = (t.proc.sigactions[info.signo]!.flags & SA_RESTART) !== 0 && t.wait!.opts.noRestart !== true;
    t.wait = null;
    if (restart) t.cpu.state.pc -= 4;
    else setResult(t, -E.INTR);
  }

  private runSlice(t: Thread): void {
    const cpu = t.cpu;
    const stop = cpu.icount + SLICE;
    while (!t.exited && t.wait === null && this.result === null && cpu.icount < stop) {
      const before = cpu.icount;
      const exit = cpu.run(stop - cpu.icount);
      this.retired += cpu.icount - before;
      if (exit.kind === 'budget') return;
      if (exit.kind === 'svc') this.syscall(t);
      else if (exit.kind === 'wfi' || exit.kind === 'wfe') return;
      else this.fault(t, exit);
      // A signal sent to this thread by itself (raise, abort) acts when the call returns.
      if (t.pending.length > 0) this.deliverPending(t);
    }
  }

  private syscall(t: Thread): void {
    const nr = t.cpu.x32[16]!; // X8
    const d = SYSCALLS.get(nr);
    const args = this.trace ? Array.from({ length: d?.argc ?? 6 }, (_, i) => '0x' + t.cpu.x64[i]!.toString(16)).join(', ') : '';
    let r;
    try {
      r = d === undefined ? -E.NOSYS : d.fn(this, t);
    } catch (e) {
      // A host call that failed outside a handler's own checks: the guest gets its errno, the host survives.
      r = hostErrno(e);
    }
    if (this.trace) {
      const shown = r === NO_RETURN ? '?' : typeof r === 'number' ? (r < 0 ? `-1 errno=${-r}` : '0x' + r.toString(16)) : '<blocked>';
      this.log(`${t.proc.pid} ${d?.name ?? `syscall_${nr}`}(${args}) = ${shown}`);
    }
    if (r === NO_RETURN) return;
    if (typeof r === 'number') setResult(t, r);
    else t.wait = r;
  }

  /** A synchronous exception: the signal Linux would send for it (with si_code and si_addr). */
  private fault(t: Thread, exit: VcpuExit): void {
    const pc = t.cpu.state.pc;
    let info: SigInfo = { signo: SIG.SEGV, code: 1, addr: pc };
    if (exit.kind === 'brk') info = { signo: SIG.TRAP, code: 1, addr: pc }; // TRAP_BRKPT
    else if (exit.kind === 'exception') {
      const ec = ecOf(exit.esr);
      const fsc = exit.esr & 0x3f;
      if (ec === EC.UNKNOWN || ec === EC.SYSREG || ec === EC.ILLEGAL_STATE || ec === EC.FP_ACCESS) info = { signo: SIG.ILL, code: 1, addr: pc };
      else if (ec === EC.PC_ALIGN || ec === EC.SP_ALIGN) info = { signo: SIG.BUS, code: 1, addr: exit.far };
      else if (ec === EC.FP_EXC64) info = { signo: SIG.FPE, code: 0, addr: pc };
      else if (ec === EC.DABT_LOWER || ec === EC.IABT_LOWER || ec === EC.DABT_CUR || ec === EC.IABT_CUR) {
        if (fsc === FSC.ALIGNMENT) info = { signo: SIG.BUS, code: 1, addr: exit.far }; // BUS_ADRALN
        else if (fsc === FSC.SYNC_EXTERNAL) info = { signo: SIG.BUS, code: 3, addr: exit.far }; // BUS_OBJERR
        else info = { signo: SIG.SEGV, code: (fsc & 0x3c) === FSC.PERMISSION_L0 ? 2 : 1, addr: exit.far }; // SEGV_ACCERR / SEGV_MAPERR
      }
    }
    if (this.trace) {
      const esr = 'esr' in exit ? exit.esr : 0;
      const far = exit.kind === 'exception' ? exit.far : 0;
      const off = t.proc.as.translate(pc, Access.EXEC, 0);
      const word = typeof off === 'number' ? new DataView(this.frames.ram).getUint32(off, true) : -1;
      const name = word >= 0 ? `${translateInsn(word).name} (0x${word.toString(16).padStart(8, '0')})` : '<unmapped>';
      this.log(`${t.proc.pid} fault: pc=0x${pc.toString(16)} esr=0x${esr.toString(16)} far=0x${far.toString(16)} insn=${name} -> signal ${info.signo}`);
    }
    t.pending.unshift({ ...info, sync: true } as SigInfo);
    this.deliverPending(t);
  }

  /** Queues a signal for a thread; it acts when the thread next runs (or at once for a thread blocked in a system call). */
  signalThread(t: Thread, sig: number, info: SigInfo = { signo: sig, code: 0 }): void {
    if (t.exited) return;
    t.pending.push(info);
  }

  /** Sends `sig` to a process (kill): to its first thread that does not block it. */
  signalProcess(p: Process, sig: number, info?: SigInfo): void {
    const live = [...p.threads].filter((x) => !x.exited);
    const t = live.find((x) => (x.sigmask & (1n << BigInt(sig - 1))) === 0n) ?? live[0];
    if (t !== undefined) this.signalThread(t, sig, info);
  }

  /** The first pending signal that can act now (not blocked, or a synchronous fault), or -1. */
  private deliverable(t: Thread): number {
    return t.pending.findIndex((i) => (i as { sync?: boolean }).sync === true || i.signo === SIG.KILL || (t.sigmask & (1n << BigInt(i.signo - 1))) === 0n);
  }

  /** True when a signal should interrupt the thread's blocking system call. */
  hasDeliverable(t: Thread): boolean {
    return t.pending.length > 0 && this.deliverable(t) >= 0;
  }

  /**
   * Acts on pending signals in the manner of Linux's get_signal: ignored ones are dropped, default
   * actions kill the process, handlers get a signal frame. A fault whose signal is blocked or ignored
   * kills the process (force_sig), as would a frame that cannot be written.
   */
  deliverPending(t: Thread): void {
    for (;;) {
      if (t.exited) return;
      const i = this.deliverable(t);
      if (i < 0) {
        // rt_sigsuspend returned without running a handler: its temporary mask goes.
        if (t.savedSigmask !== null && t.wait === null) {
          t.sigmask = t.savedSigmask;
          t.savedSigmask = null;
        }
        return;
      }
      const info = t.pending.splice(i, 1)[0]!;
      const sig = info.signo;
      const act = t.proc.sigactions[sig]!;
      if (this.trace) this.log(`${t.proc.pid} --- signal ${sig} (code ${info.code}) handler=0x${act.handler.toString(16)}`);
      const sync = (info as { sync?: boolean }).sync === true;
      const blocked = (t.sigmask & (1n << BigInt(sig - 1))) !== 0n;
      if (sig === SIG.KILL || act.handler === SIG_DFL || (sync && (blocked || act.handler === SIG_IGN))) {
        if (!sync && act.handler === SIG_DFL && defaultIgnored(sig)) continue;
        this.exitProcess(t.proc, sig | (dumpsCore(sig) ? 0x80 : 0));
        return;
      }
      if (act.handler === SIG_IGN) continue;
      if (!setupSignalFrame(t, act, info)) {
        this.exitProcess(t.proc, SIG.SEGV | 0x80);
        return;
      }
      return; // one frame at a time: the rest act when the handler has started
    }
  }

  /** A thread ends (exit): CLONE_CHILD_CLEARTID is honoured; the last thread ends the process. */
  exitThread(t: Thread, status: number): void {
    if (t.exited) return;
    this.reapThread(t);
    if ([...t.proc.threads].every((x) => x.exited)) this.finishProcess(t.proc, (status & 0xff) << 8);
  }

  /** The whole process ends with the given wait status (exit_group, fatal signal). */
  exitProcess(p: Process, waitStatus: number): void {
    for (const t of p.threads) if (!t.exited) this.reapThread(t);
    this.finishProcess(p, waitStatus);
  }

  /** Ends one thread: its futex-cleared TID, its CPU time, its vCPU back to the pool. */
  reapThread(t: Thread): void {
    t.exited = true;
    t.wait = null;
    t.proc.icountDone += t.cpu.icount - t.icountBase;
    if (t.clearChildTid !== 0 && t.proc.threads.size > 1) {
      const off = t.proc.as.kernelOffset(t.clearChildTid, true);
      if (off >= 0 && off % 4 === 0) {
        new DataView(this.frames.ram).setUint32(off, 0, true);
        this.futexWake(off, 1, -1);
      }
    }
    t.detach();
    this.idleVcpus.push(t.slot);
  }

  private finishProcess(p: Process, waitStatus: number): void {
    if (p.zombie) return;
    p.zombie = true;
    p.waitStatus = waitStatus;
    p.fds.closeAll();
    if (p.ownsAs) p.as.destroy();
    p.vforkPending = false;
    for (const c of p.children) c.parent = this.init !== p ? this.init : null;
    const parent = p.parent;
    if (parent !== null && !parent.zombie && parent.sigactions[SIG.CHLD]!.handler > SIG_IGN) {
      this.signalProcess(parent, SIG.CHLD, { signo: SIG.CHLD, code: (waitStatus & 0x7f) === 0 ? 1 : 2, pid: p.pid });
    }
    if (p === this.init) {
      this.result = (waitStatus & 0x7f) === 0 ? { status: (waitStatus >> 8) & 0xff } : { signal: waitStatus & 0x7f };
    }
    if (p.parent === null || p.parent.sigactions[SIG.CHLD]!.handler === SIG_IGN) this.processes.delete(p.pid);
  }

  /** Wakes up to `n` waiters on the futex word at RAM offset `off` whose bitset meets `bitset`. */
  futexWake(off: number, n: number, bitset: number): number {
    const list = this.futexWaiters.get(off);
    if (list === undefined) return 0;
    let woken = 0;
    for (let i = 0; i < list.length && woken < n; ) {
      const w = list[i]!;
      // A waiter whose thread left the wait (signal, exit) is stale: drop it without counting it.
      if (w.thread.exited || w.thread.wait !== w.blocked) list.splice(i, 1);
      else if ((w.bitset & bitset) !== 0) {
        w.woken = true;
        list.splice(i, 1);
        woken++;
      } else i++;
    }
    if (list.length === 0) this.futexWaiters.delete(off);
    return woken;
  }

  /** Starts a copy of `t` as a new thread (clone with CLONE_THREAD), in `proc`. */
  cloneThread(t: Thread, proc: Process): Thread {
    const reuse = this.idleVcpus.pop();
    const child = new Thread({ tid: this.allocId(), proc, bus: this.bus, code: this.code, kernel: this, from: t.cpu.state, ...(reuse ? { reuse } : {}) });
    child.sigmask = t.sigmask;
    return child;
  }

  /** Replaces the image of `t`'s process (execve); returns a negative errno on failure, 0 on success. */
  exec(t: Thread, exe: string, argv: readonly string[], envp: readonly string[]): number {
    return execImage(this, t, exe, argv, envp);
  }

}
