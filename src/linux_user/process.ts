/** Guest processes and threads: what Linux keeps in task_struct, mm_struct and friends, for our runner. */
import { Cpu } from '../arch/arm64/cpu.js';
import type { CodeCache } from '../arch/arm64/code_cache.js';
import type { Access, AddressTranslator, PhysicalBus, TranslationFault } from '../arch/arm64/mmu/translator.js';
import { CpuState, STATE_LAYOUT } from '../arch/arm64/state.js';
import { resetSysregs, SYSREGS } from '../arch/arm64/sysreg/table.js';
import type { AddressSpace } from './address_space.js';
import type { Blocked, FdTable } from './files.js';
import type { SigInfo } from './signal_frame.js';
import { NSIG, SIG_DFL, type SigAction } from './signals.js';

/** Storage slot of TPIDR_EL0 in CpuState.sys (the thread pointer that clone's CLONE_SETTLS sets). */
export const TPIDR_EL0_SLOT = SYSREGS.findIndex((r) => r.name === 'TPIDR_EL0');

/**
 * The translator a thread's CPU uses: the current address space of its process, which execve
 * replaces; the CPU keeps one translator for life.
 */
export class ThreadTranslator implements AddressTranslator {
  constructor(public as: AddressSpace) {}
  translate(va: number, access: Access, el: number): number | TranslationFault {
    return this.as.translate(va, access, el);
  }
}

/**
 * A vCPU with its translator, reused by later threads: every Cpu registers with the shared CodeCache
 * for good, so creating one per fork would grow that list without bound in a long shell script.
 */
export interface VcpuSlot {
  readonly cpu: Cpu;
  readonly mmu: ThreadTranslator;
}

export class Thread {
  readonly tid: number;
  proc: Process;
  readonly cpu: Cpu;
  readonly slot: VcpuSlot;
  /** cpu.icount when this thread started (the CPU may have run earlier threads). */
  readonly icountBase: number;
  /** set_tid_address / CLONE_CHILD_CLEARTID: zeroed and futex-woken when the thread exits. */
  clearChildTid = 0;
  wait: Blocked | null = null;
  sigmask = 0n;
  /** The mask to put back once rt_sigsuspend's temporary one has done its job (Linux's saved_sigmask). */
  savedSigmask: bigint | null = null;
  exited = false;
  /** Signals sent to this thread but not yet acted on. */
  pending: SigInfo[] = [];

  /** A thread on a recycled vCPU (`reuse`) or a new one; its state is reset, or copied from `from`. */
  constructor(o: { tid: number; proc: Process; bus: PhysicalBus; code: CodeCache; kernel: { takeJitArea(): number | undefined }; reuse?: VcpuSlot; from?: CpuState }) {
    this.tid = o.tid;
    this.proc = o.proc;
    let slot = o.reuse;
    if (slot === undefined) {
      const mmu = new ThreadTranslator(o.proc.as);
      const jitArea = o.kernel.takeJitArea();
      slot = { cpu: new Cpu({ bus: o.bus, translator: mmu, code: o.code, ...(jitArea === undefined ? {} : { jitArea }) }), mmu };
    } else {
      slot.mmu.as = o.proc.as;
      slot.cpu.tlbFlushAll();
      slot.cpu.exclusiveAddr = -1;
    }
    this.slot = slot;
    this.cpu = slot.cpu;
    const st = this.cpu.state;
    if (o.from !== undefined) st.restore(o.from.save());
    else {
      st.restore(new Uint8Array(STATE_LAYOUT.size));
      resetSysregs(st.sys);
    }
    this.icountBase = this.cpu.icount;
    o.proc.as.attach(this.cpu);
  }

  /** Follows the process to a new address space (execve). */
  switchAddressSpace(as: AddressSpace): void {
    this.slot.mmu.as.detach(this.cpu);
    this.slot.mmu.as = as;
    as.attach(this.cpu);
    this.cpu.tlbFlushAll();
  }

  detach(): void {
    this.slot.mmu.as.detach(this.cpu);
  }
}

export class Process {
  readonly pid: number;
  parent: Process | null;
  as: AddressSpace;
  /** False for a vfork child still borrowing its parent's memory. */
  ownsAs: boolean;
  fds: FdTable;
  /** Host path of the working directory. */
  cwd: string;
  umask = 0o022;
  /** Host path of the running executable (/proc/self/exe). */
  exe: string;
  pgid: number;
  sid: number;
  readonly threads = new Set<Thread>();
  readonly children = new Set<Process>();
  sigactions: SigAction[];
  /** Set once every thread is gone; `waitStatus` is what wait4 reports. */
  zombie = false;
  waitStatus = 0;
  /** Cleared when a vfork child execs or exits, releasing its parent. */
  vforkPending = false;
  /** Wall-clock start for times()/getrusage(). */
  readonly startMs = performance.now();
  /** Instructions retired by threads that already exited, for CPU-time accounting. */
  icountDone = 0;
  /** ITIMER_REAL: when SIGALRM is due (performance.now() ms, Infinity when disarmed) and its reload interval. */
  alarmAt = Infinity;
  alarmIntervalMs = 0;

  constructor(o: { pid: number; parent: Process | null; as: AddressSpace; ownsAs: boolean; fds: FdTable; cwd: string; exe: string }) {
    this.pid = o.pid;
    this.parent = o.parent;
    this.as = o.as;
    this.ownsAs = o.ownsAs;
    this.fds = o.fds;
    this.cwd = o.cwd;
    this.exe = o.exe;
    this.pgid = o.parent?.pgid ?? o.pid;
    this.sid = o.parent?.sid ?? o.pid;
    this.sigactions = Array.from({ length: NSIG + 1 }, () => ({ handler: SIG_DFL, flags: 0, mask: 0n, restorer: 0 }));
  }
}
