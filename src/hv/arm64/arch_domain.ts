/**
 * The arm64 side of a domain (Xen's arch_domain + vcpu): its vCPUs over the domain's stage 2, a
 * virtual GIC (v2 or v3) at the guest addresses Xen uses, one generic timer per vCPU on the
 * domain's guest clock, the event-channel upcall on PPI 31, and a chain of trap handlers for the
 * vCPUs' exits (traps.ts).
 *
 * The run loop gives each runnable vCPU a slice per round and keeps running it across hypercalls
 * until its slice is used; it fires timers between rounds and tells its caller how long it may
 * sleep when every vCPU waits.
 */
import { CodeCache, type CodeCacheStats } from '../../arch/arm64/code_cache.js';
import { InnerShareable } from '../../arch/arm64/mmu/inner_shareable.js';
import { FSC, type VcpuExit } from '../../arch/arm64/exit.js';
import { GenericTimer } from '../../arch/arm64/generic_timer.js';
import { Access } from '../../arch/arm64/mmu/translator.js';
import { GUEST, GUEST_EVTCHN_PPI, GUEST_TIMER_PHYS_NS_PPI, GUEST_TIMER_VIRT_PPI, type ShutdownReason } from '../../abi/xen.js';
import { MmioBus } from '../../platform/bus.js';
import type { JitMemory } from '../../arch/arm64/jit/guest_memory.js';
import { GicV2 } from '../../platform/gic/gicv2.js';
import { GicV3, iccExtraSysregs } from '../../platform/gic/gicv3.js';
import { GICD_SIZE } from '../../platform/gic/gicv3_regs.js';
import type { GuestClock } from '../../platform/guest_clock.js';
import { TimerQueue } from '../../platform/timer_queue.js';
import type { DomainArch, XenDomain } from '../common/domain.js';
import { GuestCopy } from '../common/guest_copy.js';
import type { HypercallContext, HypervisorServices, VcpuSchedOps } from '../common/hypercall/context.js';
import { dispatchHypercall } from '../common/hypercall/dispatch.js';
import { HOST_PA_BASE } from '../common/memory/p2m.js';
import type { RunstateName } from '../common/runstate.js';
import { VCPU_INFO } from '../common/shared_info.js';
import { vcpuAffinity } from './domain_fdt.js';
import { xenDomuTraps, type TrapHandler, type TrapHost } from './traps.js';
import { ArmVcpu } from './vcpu.js';

const DEFAULT_SLICE_INSNS = 100_000;
const MIN_SHARE_INSNS = 5_000;
/** Interrupt ids of the vGIC: SGIs, PPIs and 32 SPIs (Xen gives a domU without devices none; GICs here need at least 32). */
const VGIC_IRQS = 64;
/** GICv3 redistributor frames (RD + SGI) per vCPU. */
const GICR_STRIDE = 0x2_0000;
/** Watchdogs per domain (sched.h NR_DOMAIN_WATCHDOG_TIMERS). */
const NR_WATCHDOGS = 2;

export interface ArmDomainOptions {
  readonly d: XenDomain;
  readonly gicVersion: 2 | 3;
  readonly clock: GuestClock;
  readonly hv: HypervisorServices;
  /** Called when the host should stop sleeping (an interrupt for a waiting vCPU). */
  readonly wake: () => void;
  readonly sliceInsns?: number;
  /** The exit handlers of this kind of domain (default: a Xen domU's). */
  readonly traps?: (host: TrapHost) => TrapHandler[];
  /**
   * When the domain's host buffer (`d.mem.buffer`) is this WebAssembly.Memory's: the first
   * `hostBytes` are the domain's, the vCPUs' JIT areas follow.
   */
  readonly jit?: { readonly memory: JitMemory; readonly hostBytes: number };
}

/** A vCPU's reusable hypercall context, with the continuation its current call asked for. */
type VcpuCallContext = HypercallContext & { continuation: readonly bigint[] | null };

export type RoundOutcome = { readonly kind: 'ran' } | { readonly kind: 'idle'; readonly sleepNs: number } | { readonly kind: 'stopped' };

export class ArmDomain implements DomainArch {
  readonly d: XenDomain;
  readonly bus: MmioBus;
  readonly gic: GicV2 | GicV3;
  readonly clock: GuestClock;
  readonly timers = new TimerQueue();
  readonly vcpus: ArmVcpu[] = [];
  /** Exits handled, by kind, for debug output. */
  readonly exitCounts = new Map<string, number>();
  private readonly code: CodeCache;
  private readonly hv: HypervisorServices;
  private readonly wakeHost: () => void;
  private readonly slice: number;
  private readonly watchdogs: (ReturnType<TimerQueue['at']> | null)[] = new Array(NR_WATCHDOGS).fill(null);
  /** Set by SCHEDOP_yield/block and shutdowns: the running vCPU's slice ends at its next exit. */
  private endSlice = false;
  private readonly traps: readonly TrapHandler[];
  private readonly callContexts: VcpuCallContext[] = [];

  constructor(o: ArmDomainOptions) {
    const d = o.d;
    this.d = d;
    this.clock = o.clock;
    this.hv = o.hv;
    this.wakeHost = o.wake;
    this.slice = o.sliceInsns ?? DEFAULT_SLICE_INSNS;
    const n = d.nrVcpus;
    this.bus = new MmioBus(o.jit === undefined ? d.mem.buffer : { jit: o.jit.memory, ramSize: o.jit.hostBytes }, HOST_PA_BASE, d.mem.dirtyLog);
    const cpuIrq = Array.from({ length: n }, (_, i) => ({ set: (level: boolean) => this.setVcpuIrq(i, level) }));
    const deactivated = (intid: number, cpu: number) => {
      if (intid === GUEST_EVTCHN_PPI) this.resampleUpcall(cpu);
    };
    this.gic = o.gicVersion === 2
      ? new GicV2({ cpus: n, irqs: VGIC_IRQS, cpuIrq, deactivated })
      : new GicV3({ cpus: n, irqs: VGIC_IRQS, cpuIrq, deactivated });
    this.mapGic();

    const code = (this.code = new CodeCache(this.bus.ramSize));
    const shareable = new InnerShareable();
    const mem = d.mem;
    const stage2 = (ipa: number, access: Access) => mem.translate(ipa, access === Access.WRITE) ?? { fsc: FSC.TRANSLATION_L0 };
    const gic = this.gic;
    for (let i = 0; i < n; i++) {
      const timer = new GenericTimer({
        nowNs: () => this.clock.nowNs(),
        irq: { virt: (l) => gic.setLevel(GUEST_TIMER_VIRT_PPI, l, i), phys: (l) => gic.setLevel(GUEST_TIMER_PHYS_NS_PPI, l, i) },
      });
      const icc = gic instanceof GicV3 ? { icc: iccExtraSysregs(gic.cpuInterface(i)) } : {};
      this.vcpus.push(new ArmVcpu({ index: i, affinity: vcpuAffinity(i), bus: this.bus, stage2, timer, code, shareable, ...icc }));
    }
    // A changed p2m entry must not survive in any vCPU's TLB.
    mem.onUnmap = () => {
      for (const v of this.vcpus) v.cpu.tlbFlushAll();
    };
    const host: TrapHost = {
      d, vcpus: this.vcpus, count: (kind) => this.count(kind), shutdown: (reason) => this.shutdown(reason),
      hypercall: (v) => this.hypercall(v),
      endSlice: () => {
        this.endSlice = true;
      },
    };
    this.traps = (o.traps ?? xenDomuTraps)(host);
    d.attachArch(this);
  }

  private mapGic(): void {
    const bus = this.bus;
    const gic = this.gic;
    const mem = this.d.mem;
    if (gic instanceof GicV2) {
      bus.map(GUEST.GICD_BASE, 0x1000, gic.distributor);
      bus.map(GUEST.GICC_BASE, GUEST.GICC_SIZE, gic.cpuInterfaceDevice);
      mem.addMmioHole({ gpa: GUEST.GICD_BASE, sizeBytes: 0x1000 });
      mem.addMmioHole({ gpa: GUEST.GICC_BASE, sizeBytes: GUEST.GICC_SIZE });
    } else {
      bus.map(GUEST.GICV3_GICD_BASE, GICD_SIZE, gic.distributor);
      bus.map(GUEST.GICV3_GICR0_BASE, this.d.nrVcpus * GICR_STRIDE, gic.redistributors);
      mem.addMmioHole({ gpa: GUEST.GICV3_GICD_BASE, sizeBytes: GUEST.GICV3_GICD_SIZE });
      mem.addMmioHole({ gpa: GUEST.GICV3_GICR0_BASE, sizeBytes: GUEST.GICV3_GICR0_SIZE });
    }
  }

  // ---- DomainArch ----

  get nrVcpus(): number {
    return this.vcpus.length;
  }

  /** The upcall is a level: PPI 31 follows vcpu_info.evtchn_upcall_pending (Xen's newer vGIC). */
  raiseUpcall(v: number): void {
    if (v < 0 || v >= this.vcpus.length) return;
    this.gic.setLevel(GUEST_EVTCHN_PPI, true, v);
  }

  /** After the guest deactivates PPI 31, the line takes the value of evtchn_upcall_pending again. */
  private resampleUpcall(v: number): void {
    const off = this.d.vcpuInfoOffset(v);
    const pending = off >= 0 && this.d.mem.u8[off + VCPU_INFO.UPCALL_PENDING] !== 0;
    this.gic.setLevel(GUEST_EVTCHN_PPI, pending, v);
  }

  isVcpuUp(v: number): boolean {
    return this.vcpus[v]?.power === 'on';
  }

  nowNs(): number {
    return this.clock.nowNs();
  }

  // ---- lifecycle ----

  /** Starts vCPU 0 at the kernel entry with x0 = the device tree's address (xg_dom_arm.c vcpu_arm64). */
  boot(entryIpa: number, dtbIpa: number): void {
    this.vcpus[0]!.powerOn(entryIpa, BigInt(dtbIpa));
    this.d.state = 'running';
  }

  private setVcpuIrq(i: number, level: boolean): void {
    const v = this.vcpus[i];
    if (v === undefined) return; // the GIC announces its reset state before the vCPUs exist
    v.setIrq(level);
    if (level && v.waiting) {
      v.waiting = false;
      this.wakeHost();
    }
  }

  private shutdown(reason: ShutdownReason): void {
    this.d.shutdown(reason);
    this.endSlice = true;
    for (const v of this.vcpus) v.waiting = false;
    for (const w of this.watchdogs) this.timers.cancel(w);
  }

  // ---- traps ----

  private count(kind: string): void {
    this.exitCounts.set(kind, (this.exitCounts.get(kind) ?? 0) + 1);
  }

  private schedOps(v: ArmVcpu): VcpuSchedOps {
    return {
      yield: () => {
        this.endSlice = true;
      },
      block: (untilNs) => {
        if (!v.irq) {
          v.waiting = true;
          v.wakeAtNs = untilNs ?? Infinity;
        }
        this.endSlice = true;
      },
      shutdown: (reason) => this.shutdown(reason),
      watchdog: (id, timeoutS) => this.watchdog(id, timeoutS),
    };
  }

  /** SCHEDOP_watchdog (common/sched/core.c domain_watchdog): id 0 allocates, a zero timeout frees. */
  private watchdog(id: number, timeoutS: number): number {
    const arm = (slot: number) => {
      this.timers.cancel(this.watchdogs[slot]!);
      this.watchdogs[slot] = this.timers.at(this.clock.nowNs() + timeoutS * 1e9, () => {
        this.d.log.info(`d${this.d.domid}: watchdog ${slot + 1} expired`);
        this.shutdown('watchdog');
      });
    };
    if (id === 0) {
      const slot = this.watchdogs.findIndex((w) => w === null);
      if (slot < 0) return -28; // -ENOSPC
      arm(slot);
      return slot + 1;
    }
    const slot = id - 1;
    if (slot < 0 || slot >= NR_WATCHDOGS || this.watchdogs[slot] === null) return -22; // -EINVAL
    if (timeoutS === 0) {
      this.timers.cancel(this.watchdogs[slot]!);
      this.watchdogs[slot] = null;
    } else {
      arm(slot);
    }
    return 0;
  }

  /**
   * The hypercall context of vCPU v, built once and reused for every call (its arguments are
   * refreshed in place): a hypercall exit allocates nothing, so guests that make many calls do not
   * keep the garbage collector busy.
   */
  private callContext(v: ArmVcpu): VcpuCallContext {
    let c = this.callContexts[v.index];
    if (c === undefined) {
      const state: VcpuCallContext = {
        d: this.d, vcpu: v.index, args: [0n, 0n, 0n, 0n, 0n], depth: 0, hv: this.hv,
        guest: new GuestCopy(this.d.mem, (va, write) => v.cpu.translateDataVa(va, write)),
        sched: this.schedOps(v),
        continuation: null,
        continueWith: (args) => {
          state.continuation = args;
        },
      };
      c = state;
      this.callContexts[v.index] = c;
    }
    return c;
  }

  private hypercall(v: ArmVcpu): void {
    const cpu = v.cpu;
    const x = cpu.state.x64;
    const nr = Number(x[16]! & 0xffff_ffffn);
    const ctx = this.callContext(v);
    const args = ctx.args as bigint[];
    for (let i = 0; i < 5; i++) args[i] = x[i]!;
    ctx.continuation = null;
    let rc: number;
    try {
      rc = dispatchHypercall(nr, ctx);
    } catch (e) {
      // A handler that throws is a hypervisor bug: it crashes this domain, never the host.
      this.d.log.info(`d${this.d.domid}v${v.index}: BUG in hypercall ${nr}: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
      this.shutdown('crash');
      return;
    }
    const more = ctx.continuation as readonly bigint[] | null;
    if (more !== null) {
      // Run the HVC again with the remaining work (traps.c: PC rewound by one instruction).
      more.forEach((a, i) => (x[i] = a));
      cpu.state.pc -= 4;
      return;
    }
    x[0] = BigInt.asUintN(64, BigInt(rc));
  }

  /**
   * Records vCPU v's runstate and, when the guest registered an area for it, writes it there (at
   * once after a registration, as Xen does); with VMASST_TYPE_runstate_update_flag, the update is
   * bracketed by XEN_RUNSTATE_UPDATE in state_entry_time.
   */
  private setRunstate(v: ArmVcpu, next: RunstateName): void {
    const changed = v.runstate.change(next, this.clock.nowNs());
    const va = this.d.runstateVa[v.index] ?? null;
    if (va === null || (!changed && v.runstateWrittenVa === va)) return;
    const guest = this.callContext(v).guest;
    if (this.d.runstateUpdateFlag) guest.write(va, v.runstate.bytes(true));
    guest.write(va, v.runstate.bytes());
    v.runstateWrittenVa = va;
  }

  /** Passes an exit down the domain's trap chain; one nobody takes crashes the domain. */
  private handleExit(v: ArmVcpu, exit: VcpuExit): void {
    if (exit.kind === 'budget') return;
    for (const t of this.traps) if (t(v, exit)) return;
    this.count('unexpected');
    this.d.log.guest(this.d.domid, `vcpu ${v.index}: unexpected exit ${exit.kind} at 0x${BigInt.asUintN(64, BigInt(v.cpu.pc)).toString(16)}`);
    this.shutdown('crash');
  }

  // ---- scheduling ----

  /** Guest time of the next timer event any vCPU waits for (Infinity: none). */
  nextDeadlineNs(): number {
    let t = this.timers.nextDueNs();
    for (const v of this.vcpus) {
      if (v.power !== 'on') continue;
      t = Math.min(t, v.timer.nextDeadlineNs(), v.wakeAtNs);
    }
    return t;
  }

  private deliverTimers(now: number): void {
    this.timers.runDue(now);
    for (const v of this.vcpus) {
      v.timer.update();
      if (v.waiting && v.wakeAtNs <= now) {
        v.waiting = false;
        v.wakeAtNs = Infinity;
      }
    }
  }

  /** Runs vCPU v for up to `budget` instructions, across the exits it takes. */
  private runVcpu(v: ArmVcpu, budget: number): void {
    const stop = v.icount + budget;
    this.endSlice = false;
    while (v.power === 'on' && !v.waiting && this.d.state === 'running') {
      const left = stop - v.icount;
      if (left <= 0) return;
      this.handleExit(v, v.cpu.run(left));
      if (this.endSlice) return;
    }
  }

  /** One round: timers, then a slice for each runnable vCPU (`sliceInsns` among them, by default the domain's). */
  runRound(sliceInsns = this.slice): RoundOutcome {
    if (this.d.state !== 'running') return { kind: 'stopped' };
    const now = this.clock.nowNs();
    this.deliverTimers(now);
    this.code.sweepIfDue(now);
    this.d.evtchn.processDoorbell();
    let runnable = 0;
    for (const v of this.vcpus) {
      if (v.power === 'on' && v.waiting && v.irq) v.waiting = false;
      if (v.power === 'on' && !v.waiting) runnable++;
    }
    if (runnable === 0) {
      if (!this.vcpus.some((v) => v.power === 'on')) {
        // Every vCPU called PSCI CPU_OFF: nothing can ever run again.
        this.d.log.guest(this.d.domid, 'every vCPU is off');
        this.shutdown('crash');
        return { kind: 'stopped' };
      }
      return { kind: 'idle', sleepNs: Math.max(0, this.nextDeadlineNs() - this.clock.nowNs()) };
    }
    const budget = Math.max(MIN_SHARE_INSNS, Math.floor(sliceInsns / runnable));
    for (const v of this.vcpus) {
      if (v.power !== 'on' || v.waiting) continue;
      this.setRunstate(v, 'running');
      this.runVcpu(v, budget);
      this.setRunstate(v, v.power !== 'on' ? 'offline' : v.waiting ? 'blocked' : 'runnable');
      if (this.d.state !== 'running') return { kind: 'stopped' };
    }
    return { kind: 'ran' };
  }

  /** Log-dirty mode began or was cleaned: no vCPU may keep a write mapping that skips marking. */
  dropWriteMappingsForLog(): void {
    for (const v of this.vcpus) v.cpu.dropWriteMappingsForLog();
  }

  /** Instructions retired by all vCPUs. */
  instructionsRetired(): number {
    return this.vcpus.reduce((n, v) => n + v.icount, 0);
  }

  /** The counters of the code cache its vCPUs share. */
  codeStats(): CodeCacheStats {
    return this.code.stats;
  }
}
