/**
 * Xenon's HVM domain: the emulated `virt` board (src/platform/virt) run as a domain on its owner
 * thread, for guests with no Xen awareness. It has the Xen domain's life (paused, running, shut
 * down with a reason, destroyed) and reports like a DomainRuntime, but its console is the board's
 * PL011 (xl.cfg's serial console), its firmware is PSCI, and it speaks no Xen ABI: no hypercalls,
 * event channels or xenstore.
 */
import type { ShutdownReason } from '../abi/xen.js';
import type { HostClock } from '../host/common/clock.js';
import { cpuVcpuFactory } from '../platform/virt/machine_cpu.js';
import { VirtMachine, type MachineResult } from '../platform/virt/machine.js';
import type { DomainState } from './common/domain.js';
import type { DomainBuildParams, DomainCounters } from './domain_runtime.js';
import { SchedSlot, type SleepOnWord } from './common/sched/sched_slot.js';
import type { DirtyBitmap, DirtyLogOp } from '../lib/dirty_log.js';

const YIELD_EVERY_MS = 10;

/** An HVM domain is built from the same facts as a Xen domU, less its Xen parts; `rngSeed` is 32 bytes (the board's /chosen/rng-seed). */
export type HvmBuildParams = Pick<DomainBuildParams, 'domid' | 'name' | 'vcpus' | 'memoryBytes' | 'gicVersion' | 'kernel' | 'initrd' | 'cmdline' | 'rngSeed' | 'sched'>;

export interface HvmRuntimeHost {
  readonly clock: HostClock;
  /** Sleeps until `ms` pass or wake() is called. */
  sleep(ms: number): Promise<void>;
  wake(): void;
  /** Sleeps on a shared word (the scheduler board's), as DomainRuntimeHost.sleep. */
  sleepOnWord: SleepOnWord;
  yieldNow(): Promise<void>;
  /** Bytes the guest wrote to its serial console. */
  console(bytes: Uint8Array): void;
  stateChanged(state: DomainState, reason: ShutdownReason | null): void;
}

function reasonOf(r: MachineResult): ShutdownReason | null {
  switch (r.kind) {
    case 'off': return 'poweroff';
    case 'reset': return 'reboot';
    case 'failed': return 'crash';
    case 'stopped': return null;
  }
}

export class HvmRuntime {
  readonly machine: VirtMachine;
  readonly buffer: SharedArrayBuffer;
  state: DomainState = 'paused';
  shutdownReason: ShutdownReason | null = null;
  private destroyed = false;
  private cpuNs = 0;
  private readonly sched: SchedSlot | null;

  constructor(p: HvmBuildParams, private readonly host: HvmRuntimeHost) {
    if (p.memoryBytes % (1024 * 1024) !== 0) throw new RangeError('HVM domain memory must be a whole number of MiB');
    this.machine = new VirtMachine({
      memoryMiB: p.memoryBytes / (1024 * 1024), vcpus: p.vcpus, gicVersion: p.gicVersion, kernel: p.kernel,
      bootargs: p.cmdline ?? '', rngSeed: p.rngSeed.subarray(0, 32), hostClock: host.clock, vcpuFactory: cpuVcpuFactory(),
      console: { write: (b) => host.console(b) },
      host: { wait: (ms) => host.sleep(ms), wake: () => host.wake(), yieldNow: () => host.yieldNow() },
      ...(p.initrd === undefined ? {} : { initrd: p.initrd }),
    });
    this.buffer = this.machine.bus.ram as SharedArrayBuffer;
    this.machine.clock.pause();
    this.sched = p.sched === undefined ? null : new SchedSlot(p.sched, host.clock, host.sleepOnWord);
  }

  private setState(state: DomainState, reason: ShutdownReason | null = null): void {
    if (state === this.state && reason === this.shutdownReason) return;
    this.state = state;
    this.shutdownReason = reason;
    this.host.stateChanged(state, reason);
  }

  unpause(): void {
    if (this.state !== 'paused') return;
    this.machine.clock.resume();
    this.setState('running');
    this.host.wake();
    this.sched?.wake();
  }

  pause(): void {
    if (this.state !== 'running') return;
    this.machine.clock.pause();
    this.setState('paused');
    this.sched?.wake();
  }

  destroy(): void {
    this.destroyed = true;
    this.sched?.release();
    this.host.wake();
    this.sched?.wake();
  }

  consoleInput(bytes: Uint8Array): void {
    this.machine.consoleInput(bytes);
  }

  /** Log-dirty mode over the board's RAM (`VirtMachine.dirtyLogOp`), between the machine's rounds. */
  dirtyLog(op: DirtyLogOp): DirtyBitmap | null {
    return this.machine.dirtyLogOp(op);
  }

  counters(): DomainCounters {
    const v = this.machine.vcpuStates();
    return {
      cpuTimeNs: this.cpuNs, blocked: v.every((s) => s.power === 'off' || s.waiting), instructions: this.machine.instructionsRetired(),
      // The board keeps no per-vCPU time; the domain's is shared out evenly.
      vcpus: v.map((s) => ({ state: s.power === 'off' ? 'offline' : s.waiting ? 'blocked' : 'running', runNs: this.cpuNs / v.length })),
      hypercalls: [], enosys: [], exits: [], stage2Faults: 0, code: { ...this.machine.codeStats() },
    };
  }

  /** Runs the board until the domain is destroyed; a power-off or reset shuts it down with that reason. */
  async run(): Promise<void> {
    let lastYield = this.host.clock.monotonicNs();
    while (!this.destroyed) {
      if (this.state !== 'running') {
        this.sched?.release();
        await this.host.sleep(Infinity);
        continue;
      }
      if (this.sched !== null && !(await this.sched.acquire())) continue;
      const t0 = this.host.clock.monotonicNs();
      const o = this.machine.runRound();
      const ns = this.host.clock.monotonicNs() - t0;
      this.cpuNs += ns;
      this.sched?.ran(ns);
      if (o.kind !== 'ran') this.sched?.release();
      if (o.kind === 'done') {
        this.machine.clock.pause();
        this.setState('shutdown', reasonOf(o.result) ?? 'crash');
      } else if (o.kind === 'idle') {
        if (o.sleepNs > 0) await this.host.sleep(Number.isFinite(o.sleepNs) ? Math.max(1, Math.ceil(o.sleepNs / 1e6)) : Infinity);
        lastYield = this.host.clock.monotonicNs();
      } else if (this.host.clock.monotonicNs() - lastYield >= YIELD_EVERY_MS * 1e6) {
        await this.host.yieldNow();
        lastYield = this.host.clock.monotonicNs();
      }
    }
    this.setState('destroyed');
  }
}
