/**
 * The seams of the `virt` machine: what it needs from a vCPU (so unit tests can drive it with fake
 * CPUs, and the real AArch64 CPU plugs in through an adapter) and from the host (sleeping, yielding
 * to the event loop, the clock, the console).
 */
import type { CodeCacheStats } from '../../arch/arm64/code_cache.js';
import type { VcpuExit } from '../../arch/arm64/exit.js';
import type { GenericTimer } from '../../arch/arm64/generic_timer.js';
import type { PhysicalBus } from '../../arch/arm64/mmu/translator.js';
import type { HostClock } from '../../host/common/clock.js';
import type { Gicv3CpuInterface } from '../gic/gicv3.js';

/** One vCPU as the board drives it. */
export interface VirtVcpu {
  /**
   * Powers the vCPU on at `entryPa` as booting.rst and PSCI CPU_ON require: EL1h, DAIF masked, MMU
   * and caches off, x0 = `x0`, every other general register zero.
   */
  reset(entryPa: number, x0: bigint): void;
  /** Runs about `budget` instructions or until an exit. */
  run(budget: number): VcpuExit;
  /** The level of the IRQ input from the interrupt controller. */
  setIrq(level: boolean): void;
  readX(n: number): bigint;
  writeX(n: number, value: bigint): void;
  /**
   * Takes an Undefined Instruction exception to EL1 for the HVC/SMC that just exited (PC is past it;
   * the exception's preferred return is the instruction itself).
   */
  injectUndefined(): void;
  /** Log-dirty mode began or was cleaned: drop every write mapping that would skip marking the log. */
  dropWriteMappingsForLog(): void;
  /** The current PC, for traces. */
  readonly pc: number;
  /** Instructions retired since the machine was created (across power cycles). */
  readonly icount: number;
  /** The counters of the translated code this vCPU runs (shared with the machine's other vCPUs). */
  readonly codeStats: CodeCacheStats;
  /**
   * Evicts translated code not run for a while, when due by guest time `nowNs` (`CodeCache.sweepIfDue`;
   * the code is shared, so one vCPU's call serves them all). Between runs.
   */
  sweepCodeIfDue(nowNs: number): void;
}

/** What a vCPU is built from. */
export interface VcpuFactoryOptions {
  readonly index: number;
  /** MPIDR_EL1 value: bit 31 RES1, Aff0 = index. */
  readonly mpidr: bigint;
  readonly bus: PhysicalBus;
  readonly timer: GenericTimer;
  /** The GICv3 CPU interface for the ICC_* system registers (GICv3 boards only). */
  readonly icc?: Gicv3CpuInterface;
}

export type VcpuFactory = (opts: VcpuFactoryOptions) => VirtVcpu;

/** How the run loop waits: the only host services it needs besides the clock. */
export interface MachineHost {
  /** Resolves after `ms` milliseconds (never, for Infinity) or as soon as wake() is called. */
  wait(ms: number): Promise<void>;
  /** Ends a pending wait() early (console input, a stop request). */
  wake(): void;
  /** Lets the host's event loop run (input, signals) and resolves at once after. */
  yieldNow(): Promise<void>;
}

/** Where the UART's output goes. */
export interface ConsoleSink {
  write(bytes: Uint8Array): void;
}

export interface VirtMachineConfig {
  /** Guest RAM in MiB (16..3072). */
  readonly memoryMiB: number;
  /** Number of vCPUs, 1..8. */
  readonly vcpus: number;
  readonly gicVersion: 2 | 3;
  /** The kernel: an arm64 Image or a raw binary. */
  readonly kernel: Uint8Array;
  readonly initrd?: Uint8Array;
  readonly bootargs: string;
  /** 32 bytes for /chosen/rng-seed. */
  readonly rngSeed: Uint8Array;
  readonly hostClock: HostClock;
  readonly console: ConsoleSink;
  readonly host: MachineHost;
  readonly vcpuFactory: VcpuFactory;
  /** Instructions per scheduling round, shared by the runnable vCPUs (default 100 000; at least 10 000 each). */
  readonly sliceInsns?: number;
  /** Wall time between yields to the host's event loop while the guest is busy (default 10 ms). */
  readonly yieldEveryMs?: number;
  /** Receives one line per interesting event (PSCI calls, power changes, guest failures). */
  readonly trace?: (line: string) => void;
  /** Told once of a vCPU the board had to stop while others go on (one stuck in an exception loop). */
  readonly warn?: (line: string) => void;
}

/** Why a run ended. */
export type MachineResult =
  | { readonly kind: 'off' }
  | { readonly kind: 'reset' }
  /** The host asked the machine to stop (the console's escape key). */
  | { readonly kind: 'stopped' }
  /** The guest cannot continue: every vCPU is off, or a vCPU stopped with an exit the board cannot handle. */
  | { readonly kind: 'failed'; readonly reason: string };

/** The outcome of one scheduling round (runRound), for the run loop and tests. */
export type RoundOutcome =
  | { readonly kind: 'ran' }
  /** Every powered-on vCPU waits for an interrupt; nothing happens for `sleepNs` of guest time (Infinity: until input). */
  | { readonly kind: 'idle'; readonly sleepNs: number }
  | { readonly kind: 'done'; readonly result: MachineResult };
