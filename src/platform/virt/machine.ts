/**
 * The `virt` machine: RAM at 0x4000_0000, a GICv2 or GICv3, PL011 console, PL031 RTC, 32 empty
 * virtio-mmio transports, one generic timer per vCPU and PSCI firmware over HVC #0, laid out as
 * QEMU's `-M virt` (hw/arm/virt.c) and booted as QEMU's `-kernel` does (hw/arm/boot.c): the primary
 * vCPU enters the kernel at EL1 with x0 = DTB address, secondaries wait for PSCI CPU_ON.
 *
 * Every vCPU runs on the caller's thread, interleaved in time slices. Device timers and deadlines
 * are checked between slices; a generic timer also drives its interrupt as soon as the guest can see
 * its condition (reading the counter or the timer's registers), so a guest polling ISTATUS takes the
 * interrupt at once rather than at the end of the slice. When every powered-on vCPU is in WFI the
 * run loop sleeps the host until the next deadline or console input, so an idle guest costs nothing.
 */
import type { CodeCacheStats } from '../../arch/arm64/code_cache.js';
import type { VcpuExit } from '../../arch/arm64/exit.js';
import { GenericTimer } from '../../arch/arm64/generic_timer.js';
import { allocateJitMemory } from '../../arch/arm64/jit/guest_memory.js';
import { planBootLayout, type BootLayout } from '../boot/kernel_image.js';
import { MmioBus } from '../bus.js';
import { DirtyLog, runDirtyLogOp, type DirtyBitmap, type DirtyLogOp } from '../../lib/dirty_log.js';
import { GicV2 } from '../gic/gicv2.js';
import { GicV3 } from '../gic/gicv3.js';
import { GICD_SIZE } from '../gic/gicv3_regs.js';
import { GuestClock } from '../guest_clock.js';
import type { IrqLine } from '../irq.js';
import { Pl011 } from '../pl011/device.js';
import { Pl031 } from '../pl031/device.js';
import { psciCall, type AffinityState, type PsciBoard } from '../psci/psci.js';
import { TimerQueue } from '../timer_queue.js';
import { VirtioMmioTransport } from '../virtio_mmio/device.js';
import { buildVirtFdt } from './fdt.js';
import { TIMER_PPI, VIRT, VIRT_GIC_IRQS, VIRT_SPI } from './layout.js';
import type { MachineResult, RoundOutcome, VirtMachineConfig, VirtVcpu } from './machine_types.js';

export type * from './machine_types.js';

const DEFAULT_SLICE_INSNS = 100_000;
/** The smallest share of a round a runnable vCPU gets. */
const MIN_SHARE_INSNS = 10_000;
const DEFAULT_YIELD_EVERY_MS = 10;
const MAX_MEMORY_MIB = 3072;
const PPI_BASE = 16;
const INTID_VTIMER = PPI_BASE + TIMER_PPI.VIRT;
const INTID_PTIMER = PPI_BASE + TIMER_PPI.PHYS;
const CONSOLE_FLUSH_BYTES = 4096;

interface VcpuSlot {
  readonly index: number;
  readonly mpidr: bigint;
  readonly timer: GenericTimer;
  cpu: VirtVcpu;
  power: 'on' | 'off';
  /** In WFI, waiting for its IRQ line. */
  waiting: boolean;
  irq: boolean;
}

/** Checks the configuration a user (or a guest config file) supplied; throws RangeError naming the bad value. */
function checkConfig(cfg: VirtMachineConfig): void {
  if (!Number.isInteger(cfg.memoryMiB) || cfg.memoryMiB < 16 || cfg.memoryMiB > MAX_MEMORY_MIB) {
    throw new RangeError(`Memory must be a whole number of MiB from 16 to ${MAX_MEMORY_MIB}, not ${cfg.memoryMiB}`);
  }
  if (!Number.isInteger(cfg.vcpus) || cfg.vcpus < 1 || cfg.vcpus > 8) throw new RangeError(`vCPUs must be 1 to 8, not ${cfg.vcpus}`);
  if (cfg.gicVersion !== 2 && cfg.gicVersion !== 3) throw new RangeError(`GIC version must be 2 or 3, not ${String(cfg.gicVersion)}`);
  if (cfg.sliceInsns !== undefined && !(Number.isInteger(cfg.sliceInsns) && cfg.sliceInsns > 0)) throw new RangeError('sliceInsns must be a positive integer');
}

export class VirtMachine {
  readonly bus: MmioBus;
  /** The RAM pages the vCPUs wrote while log-dirty mode is on (`dirtyLogOp`). */
  readonly dirtyLog: DirtyLog;
  readonly clock: GuestClock;
  readonly timers = new TimerQueue();
  readonly uart: Pl011;
  readonly rtc: Pl031;
  /** The 32 virtio-mmio transports the device tree lists, all empty for now (as QEMU's without -device). */
  readonly virtio: readonly VirtioMmioTransport[] = Array.from({ length: VIRT.VIRTIO_MMIO.count }, () => new VirtioMmioTransport());
  readonly gic: GicV2 | GicV3;
  readonly layout: BootLayout;
  /** The device tree given to the kernel. */
  readonly dtb: Uint8Array;
  private readonly cfg: VirtMachineConfig;
  private readonly slots: VcpuSlot[] = [];
  private readonly slice: number;
  private result: MachineResult | null = null;
  private stopRequested = false;
  private readonly input: number[] = [];
  private out: number[] = [];

  constructor(cfg: VirtMachineConfig) {
    checkConfig(cfg);
    this.cfg = cfg;
    this.slice = cfg.sliceInsns ?? DEFAULT_SLICE_INSNS;
    const ramBytes = cfg.memoryMiB * 1024 * 1024;
    // Shared, so the domain can run on a worker thread while its owner reads it (snapshots, debugging);
    // a WebAssembly.Memory's with an area per vCPU after RAM, so hot code can be compiled to wasm.
    const jit = allocateJitMemory(ramBytes, cfg.vcpus);
    this.dirtyLog = new DirtyLog({ bytes: ramBytes });
    this.bus = new MmioBus(jit === null ? new SharedArrayBuffer(ramBytes) : { jit, ramSize: ramBytes }, VIRT.RAM.base, this.dirtyLog);
    this.clock = new GuestClock(cfg.hostClock);

    // The DTB's size does not depend on where the initrd goes, so plan with a placeholder range.
    const fdtFor = (initrd?: { start: number; end: number }) => buildVirtFdt({
      ramBytes, cpus: cfg.vcpus, gicVersion: cfg.gicVersion, bootargs: cfg.bootargs, rngSeed: cfg.rngSeed,
      ...(initrd === undefined ? {} : { initrd }),
    });
    const probe = fdtFor(cfg.initrd === undefined ? undefined : { start: 0, end: 0 });
    this.layout = planBootLayout({
      kernel: cfg.kernel, dtbBytes: probe.byteLength, ramBase: VIRT.RAM.base, ramBytes,
      ...(cfg.initrd === undefined ? {} : { initrdBytes: cfg.initrd.byteLength }),
    });
    this.dtb = fdtFor(this.layout.initrd);

    const cpuIrq: IrqLine[] = Array.from({ length: cfg.vcpus }, (_, i) => ({ set: (level: boolean) => this.setCpuIrq(i, level) }));
    this.gic = cfg.gicVersion === 2
      ? new GicV2({ cpus: cfg.vcpus, irqs: VIRT_GIC_IRQS, cpuIrq })
      : new GicV3({ cpus: cfg.vcpus, irqs: VIRT_GIC_IRQS, cpuIrq });
    const gic = this.gic;
    const spi = (n: number): IrqLine => ({ set: (level) => gic.setLevel(32 + n, level) });
    this.uart = new Pl011({ irq: spi(VIRT_SPI.UART), tx: (b) => this.consoleByte(b) });
    this.rtc = new Pl031({
      clock: this.clock, timers: this.timers, irq: spi(VIRT_SPI.RTC), epochSeconds: Math.floor(cfg.hostClock.wallClockMs() / 1000),
    });
    this.mapDevices();

    for (let i = 0; i < cfg.vcpus; i++) {
      const timer = new GenericTimer({
        nowNs: () => this.clock.nowNs(),
        irq: { virt: (l) => gic.setLevel(INTID_VTIMER, l, i), phys: (l) => gic.setLevel(INTID_PTIMER, l, i) },
      });
      const mpidr = 0x8000_0000n | BigInt(i);
      const icc = gic instanceof GicV3 ? { icc: gic.cpuInterface(i) } : {};
      const slot: VcpuSlot = { index: i, mpidr, timer, power: 'off', waiting: false, irq: false, cpu: undefined as unknown as VirtVcpu };
      this.slots.push(slot);
      slot.cpu = cfg.vcpuFactory({ index: i, mpidr, bus: this.bus, timer, ...icc });
    }
    this.loadImages();
    const boot = this.slots[0]!;
    boot.cpu.reset(this.layout.kernel.entryPa, BigInt(this.layout.dtbPa));
    boot.power = 'on';
  }

  private mapDevices(): void {
    const bus = this.bus;
    const gic = this.gic;
    if (gic instanceof GicV2) {
      bus.map(VIRT.GIC_DIST.base, VIRT.GIC_DIST.size, gic.distributor);
      bus.map(VIRT.GIC_CPU.base, VIRT.GIC_CPU.size, gic.cpuInterfaceDevice);
    } else {
      bus.map(VIRT.GIC_DIST.base, GICD_SIZE, gic.distributor);
      bus.map(VIRT.GIC_REDIST.base, gic.redistributors.sizeBytes, gic.redistributors);
    }
    bus.map(VIRT.UART.base, VIRT.UART.size, this.uart);
    bus.map(VIRT.RTC.base, VIRT.RTC.size, this.rtc);
    this.virtio.forEach((t, i) => bus.map(VIRT.VIRTIO_MMIO.base + i * VIRT.VIRTIO_MMIO.size, VIRT.VIRTIO_MMIO.size, t));
  }

  private loadImages(): void {
    const ram = new Uint8Array(this.bus.ram, 0, this.bus.ramSize);
    const at = (pa: number) => pa - VIRT.RAM.base;
    for (const seg of this.layout.kernel.segments) {
      ram.set(seg.bytes, at(seg.pa));
      ram.fill(0, at(seg.pa) + seg.bytes.byteLength, at(seg.pa) + seg.memBytes); // an ELF's bss
    }
    if (this.cfg.initrd !== undefined && this.layout.initrd !== undefined) ram.set(this.cfg.initrd, at(this.layout.initrd.start));
    ram.set(this.dtb, at(this.layout.dtbPa));
  }

  // ---- interrupts and console ----

  private setCpuIrq(i: number, level: boolean): void {
    const s = this.slots[i];
    if (s === undefined) return; // the GIC announces its reset state before the vCPUs exist
    s.irq = level;
    s.cpu.setIrq(level);
    if (level && s.waiting) {
      s.waiting = false;
      this.cfg.host.wake();
    }
  }

  private consoleByte(b: number): void {
    this.out.push(b);
    if (this.out.length >= CONSOLE_FLUSH_BYTES) this.flushConsole();
  }

  private flushConsole(): void {
    if (this.out.length === 0) return;
    const bytes = Uint8Array.from(this.out);
    this.out = [];
    this.cfg.console.write(bytes);
  }

  /** Console input for the UART; held back while its receive FIFO is full. */
  consoleInput(bytes: Uint8Array): void {
    for (const b of bytes) this.input.push(b);
    this.feedUart();
    this.cfg.host.wake();
  }

  private feedUart(): void {
    let n = Math.min(this.uart.rxSpace(), this.input.length);
    while (n-- > 0) this.uart.receive(this.input.shift()!);
  }

  /** Asks run() to return { kind: 'stopped' } at the next slice boundary. */
  stop(): void {
    this.stopRequested = true;
    this.cfg.host.wake();
  }

  // ---- PSCI ----

  private readonly psci: PsciBoard & { current: number } = {
    current: 0,
    cpuIndexOf: (mpidr) => (mpidr >= 0 && mpidr < this.slots.length ? mpidr : -1),
    cpuState: (i): AffinityState => (this.slots[i]!.power === 'on' ? 'on' : 'off'),
    isEntryAddressValid: (pa) => pa % 4 === 0 && pa >= VIRT.RAM.base && pa < VIRT.RAM.base + this.bus.ramSize,
    startCpu: (i, entryPa, contextId) => {
      const s = this.slots[i]!;
      this.trace(`psci: CPU_ON vcpu ${i} at 0x${entryPa.toString(16)} context 0x${contextId.toString(16)}`);
      s.cpu.reset(entryPa, contextId);
      s.power = 'on';
      s.waiting = false;
    },
    stopCurrentCpu: () => {
      this.trace(`psci: CPU_OFF vcpu ${this.psci.current}`);
      this.slots[this.psci.current]!.power = 'off';
    },
    systemOff: () => {
      this.result ??= { kind: 'off' };
    },
    systemReset: () => {
      this.result ??= { kind: 'reset' };
    },
  };

  private trace(line: string): void {
    if (this.cfg.trace === undefined) return;
    this.flushConsole(); // keep the guest's output and the trace in order
    this.cfg.trace(line);
  }

  private handleExit(s: VcpuSlot, exit: VcpuExit): void {
    const cpu = s.cpu;
    switch (exit.kind) {
      case 'budget':
      case 'wfe': // the kernel bounds WFE with the timer event stream: a NOP is correct
        return;
      case 'wfi':
        s.waiting = !s.irq;
        return;
      case 'hvc':
      case 'smc': {
        // PSCI answers on both conduits with immediate 0 (SMCCC); anything else has no firmware
        // behind it, and with no EL2/EL3 the instruction is UNDEFINED.
        const conduit = exit.kind.toUpperCase();
        if (exit.imm !== 0) {
          this.trace(`vcpu ${s.index}: ${conduit} #${exit.imm} at 0x${hexVa(cpu.pc - 4)}: UNDEFINED`);
          cpu.injectUndefined();
          return;
        }
        const fn = Number(cpu.readX(0) & 0xffff_ffffn);
        this.psci.current = s.index;
        const r = psciCall(fn, [cpu.readX(1), cpu.readX(2), cpu.readX(3)], this.psci);
        this.trace(`vcpu ${s.index}: PSCI 0x${fn.toString(16)} (${conduit}) at PC 0x${hexVa(cpu.pc - 4)} -> ${r}`);
        cpu.writeX(0, BigInt.asUintN(64, BigInt(r)));
        return;
      }
      case 'exception-loop': {
        // It would spin at 100 % forever, slowing every other vCPU: stop it and say so once.
        const why = `vCPU ${s.index} is stuck: its exception vector at 0x${hexVa(cpu.pc)} faults again (ESR 0x${exit.esr.toString(16)}, FAR 0x${hexVa(exit.far)}), so it was stopped`;
        s.power = 'off';
        this.trace(why);
        if (this.slots.some((o) => o.power === 'on')) this.cfg.warn?.(why);
        else this.result ??= { kind: 'failed', reason: why };
        return;
      }
      default:
        this.result ??= { kind: 'failed', reason: `vCPU ${s.index} stopped at PC 0x${hexVa(cpu.pc)}: ${describeExit(exit)}` };
    }
  }

  // ---- scheduling ----

  /** Fires every deadline that guest time has reached: device timers and the vCPUs' generic timers. */
  private deliverTimers(): void {
    this.timers.runDue(this.clock.nowNs());
    for (const s of this.slots) s.timer.update();
  }

  /** Guest time of the next timer event any vCPU or device waits for (Infinity: none). */
  nextDeadlineNs(): number {
    let t = this.timers.nextDueNs();
    for (const s of this.slots) if (s.power === 'on') t = Math.min(t, s.timer.nextDeadlineNs());
    return t;
  }

  /** One scheduling round: timers, console input, then one slice for each runnable vCPU. */
  runRound(): RoundOutcome {
    if (this.result === null && this.stopRequested) this.result = { kind: 'stopped' };
    if (this.result !== null) return { kind: 'done', result: this.result };
    this.deliverTimers();
    // Between vCPU runs; the cache is the vCPUs' shared one.
    this.slots[0]!.cpu.sweepCodeIfDue(this.clock.nowNs());
    this.feedUart();
    let runnable = 0;
    for (const s of this.slots) {
      if (s.power === 'on' && s.waiting && s.irq) s.waiting = false;
      if (s.power === 'on' && !s.waiting) runnable++;
    }
    // A round is about one slice in all, shared by the runnable vCPUs, so the time between a vCPU's
    // turns (its interrupt latency) does not grow with the number of vCPUs.
    const budget = Math.max(MIN_SHARE_INSNS, Math.floor(this.slice / Math.max(1, runnable)));
    let ran = false;
    for (const s of this.slots) {
      if (s.power !== 'on' || s.waiting) continue;
      ran = true;
      this.handleExit(s, s.cpu.run(budget));
      if (this.result !== null) break;
    }
    this.flushConsole();
    if (this.result !== null) return { kind: 'done', result: this.result };
    if (ran) return { kind: 'ran' };
    if (!this.slots.some((s) => s.power === 'on')) {
      this.result = { kind: 'failed', reason: 'Every vCPU is off' };
      return { kind: 'done', result: this.result };
    }
    return { kind: 'idle', sleepNs: Math.max(0, this.nextDeadlineNs() - this.clock.nowNs()) };
  }

  /** Runs until the guest powers off or resets, the host stops it, or it fails. */
  async run(): Promise<MachineResult> {
    const host = this.cfg.host;
    const yieldEveryNs = (this.cfg.yieldEveryMs ?? DEFAULT_YIELD_EVERY_MS) * 1e6;
    let lastYield = this.cfg.hostClock.monotonicNs();
    for (;;) {
      const o = this.runRound();
      if (o.kind === 'done') return o.result;
      if (o.kind === 'idle') {
        if (o.sleepNs > 0) await host.wait(Number.isFinite(o.sleepNs) ? Math.ceil(o.sleepNs / 1e6) : Infinity);
        lastYield = this.cfg.hostClock.monotonicNs();
        continue;
      }
      const now = this.cfg.hostClock.monotonicNs();
      if (now - lastYield >= yieldEveryNs) {
        await host.yieldNow();
        lastYield = this.cfg.hostClock.monotonicNs();
      }
    }
  }

  /**
   * Log-dirty mode over the board's RAM (page 0 at the RAM base): only between runs, on the thread
   * that runs the machine. The board has no device that writes RAM, so the vCPUs are its only writers.
   */
  dirtyLogOp(op: DirtyLogOp): DirtyBitmap | null {
    return runDirtyLogOp(this.dirtyLog, op, () => {
      for (const s of this.slots) s.cpu.dropWriteMappingsForLog();
    });
  }

  /** Instructions retired by all vCPUs. */
  instructionsRetired(): number {
    return this.slots.reduce((n, s) => n + s.cpu.icount, 0);
  }

  /** The translated-code counters of the vCPUs' shared code cache. */
  codeStats(): CodeCacheStats {
    return this.slots[0]!.cpu.codeStats;
  }

  /** PSCI power state of each vCPU, and whether it waits in WFI (for tests and status). */
  vcpuStates(): readonly { readonly power: 'on' | 'off'; readonly waiting: boolean }[] {
    return this.slots.map((s) => ({ power: s.power, waiting: s.waiting }));
  }
}

/** A sign-extended virtual address as the 64-bit hex the kernel prints. */
function hexVa(va: number): string {
  return BigInt.asUintN(64, BigInt(va)).toString(16);
}

function describeExit(exit: VcpuExit): string {
  switch (exit.kind) {
    case 'exception': return `exception ESR 0x${exit.esr.toString(16)} FAR 0x${hexVa(exit.far)}`;
    case 'svc': case 'brk': return `${exit.kind.toUpperCase()} #${exit.imm}`;
    default: return exit.kind;
  }
}
