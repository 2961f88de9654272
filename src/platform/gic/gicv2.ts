/**
 * GICv2 distributor and CPU interface (without the Security Extensions, as QEMU's `virt` exposes it to
 * a kernel entered at EL1). SGIs and PPIs are banked per CPU; SPIs are routed by ITARGETSR.
 *
 * All state lives in typed arrays over one ArrayBuffer, so save() is a copy of it.
 */
import type { MmioDevice } from '../bus.js';
import type { IrqLine } from '../irq.js';
import { GICC, GICC_CTLR_EOIMODE, GICC_IIDR_VALUE, GICD, GICD_IIDR_VALUE, SPURIOUS } from './regs.js';

export interface GicV2Options {
  /** Number of CPU interfaces, 1..8. */
  readonly cpus: number;
  /** Interrupt IDs implemented, a multiple of 32 from 64 to 1024 (QEMU's virt uses 288). */
  readonly irqs: number;
  /** The IRQ line into each CPU. */
  readonly cpuIrq: readonly IrqLine[];
  /**
   * Told when a CPU deactivates an interrupt, so the owner of a level input it models by sampling
   * (a hypervisor's event-channel upcall) can drive the line again (KVM's resampler).
   */
  readonly deactivated?: (intid: number, cpu: number) => void;
}

const MAX_ACTIVE = 32;

/** One CPU's view of a banked register block. */
export interface BankView {
  read(offset: number, sizeBytes: number): number;
  write(offset: number, sizeBytes: number, value: number): void;
}

export class GicV2 {
  readonly cpus: number;
  readonly irqs: number;
  private readonly cpuIrq: readonly IrqLine[];
  private readonly deactivated: ((intid: number, cpu: number) => void) | undefined;
  private readonly buffer: ArrayBuffer;
  // Per interrupt slot (banked SGI/PPI slots per CPU, then the SPIs): see slot().
  private readonly enabled: Uint8Array;
  private readonly pendLatch: Uint8Array;
  private readonly line: Uint8Array;
  private readonly active: Uint8Array;
  private readonly priority: Uint8Array;
  private readonly edge: Uint8Array;
  private readonly target: Uint8Array;
  /** Per target CPU and SGI: bitmask of source CPUs with the SGI pending. */
  private readonly sgiPending: Uint8Array;
  /** Per CPU: CTLR, PMR, BPR, ABPR, active-stack depth, last signalled level. */
  private readonly cpuRegs: Uint32Array;
  /** Per CPU: acknowledged interrupt values (source << 10 | intid), innermost last. */
  private readonly activeStack: Uint16Array;
  private readonly distCtlr: Uint32Array;

  constructor(opts: GicV2Options) {
    if (!(opts.cpus >= 1 && opts.cpus <= 8)) throw new RangeError(`GICv2 supports 1 to 8 CPUs, not ${opts.cpus}`);
    if (!(opts.irqs >= 64 && opts.irqs <= 1024 && opts.irqs % 32 === 0)) throw new RangeError(`GICv2 interrupt count ${opts.irqs} is invalid`);
    if (opts.cpuIrq.length !== opts.cpus) throw new RangeError('GICv2 needs one IRQ line per CPU');
    this.cpus = opts.cpus;
    this.irqs = opts.irqs;
    this.cpuIrq = opts.cpuIrq;
    this.deactivated = opts.deactivated;
    const slots = this.cpus * 32 + this.irqs - 32;
    const sizes = [slots * 7, this.cpus * 16, this.cpus * 6 * 4, this.cpus * MAX_ACTIVE * 2, 4];
    this.buffer = new ArrayBuffer(sizes.reduce((a, b) => a + ((b + 7) & ~7), 0));
    let off = 0;
    const take = <T>(make: (o: number) => T, bytes: number): T => {
      const t = make(off);
      off += (bytes + 7) & ~7;
      return t;
    };
    const u8 = (n: number) => take((o) => new Uint8Array(this.buffer, o, n), n);
    this.enabled = u8(slots);
    this.pendLatch = u8(slots);
    this.line = u8(slots);
    this.active = u8(slots);
    this.priority = u8(slots);
    this.edge = u8(slots);
    this.target = u8(slots);
    this.sgiPending = u8(this.cpus * 16);
    this.cpuRegs = take((o) => new Uint32Array(this.buffer, o, this.cpus * 6), this.cpus * 24);
    this.activeStack = take((o) => new Uint16Array(this.buffer, o, this.cpus * MAX_ACTIVE), this.cpus * MAX_ACTIVE * 2);
    this.distCtlr = take((o) => new Uint32Array(this.buffer, o, 1), 4);
    this.reset();
  }

  reset(): void {
    new Uint8Array(this.buffer).fill(0);
    for (let c = 0; c < this.cpus; c++) {
      for (let i = 0; i < 16; i++) {
        this.enabled[this.slot(c, i)] = 1; // SGIs are always enabled (GIC-400 behaviour)
        this.edge[this.slot(c, i)] = 1;
      }
      this.cpuRegs[c * 6 + 1] = 0; // PMR masks everything until the OS opens it
      this.cpuRegs[c * 6 + 2] = 2;
      this.cpuRegs[c * 6 + 3] = 3;
    }
    this.updateAll();
  }

  private slot(cpu: number, irq: number): number {
    return irq < 32 ? cpu * 32 + irq : this.cpus * 32 + irq - 32;
  }

  /** Drives an interrupt input: an SPI (cpu ignored) or a CPU's PPI. Edge-triggered inputs latch on a rising edge. */
  setLevel(irq: number, level: boolean, cpu = 0): void {
    if (irq < 16 || irq >= this.irqs || cpu < 0 || cpu >= this.cpus) throw new RangeError(`No interrupt input ${irq} on CPU ${cpu}`);
    const s = this.slot(cpu, irq);
    const v = level ? 1 : 0;
    if (v === 1 && this.line[s] === 0 && this.edge[s] === 1) this.pendLatch[s] = 1;
    this.line[s] = v;
    this.updateAll();
  }

  private isPending(cpu: number, irq: number, s: number): boolean {
    if (irq < 16) return this.sgiPending[cpu * 16 + irq] !== 0;
    return this.pendLatch[s] === 1 || (this.edge[s] === 0 && this.line[s] === 1);
  }

  /** Highest-priority pending, enabled, inactive interrupt for `cpu`: [intid, priority], or [SPURIOUS, 256]. */
  private highestPending(cpu: number): [number, number] {
    let best = SPURIOUS;
    let bestPrio = 256;
    for (let irq = 0; irq < this.irqs; irq++) {
      const s = this.slot(cpu, irq);
      if (this.enabled[s] === 0 || this.active[s] === 1 || !this.isPending(cpu, irq, s)) continue;
      if (irq >= 32 && (this.target[s]! & (1 << cpu)) === 0) continue;
      if (this.priority[s]! < bestPrio) {
        best = irq;
        bestPrio = this.priority[s]!;
      }
    }
    return [best, bestPrio];
  }

  private runningPriority(cpu: number): number {
    const depth = this.cpuRegs[cpu * 6 + 4]!;
    if (depth === 0) return 256;
    const top = this.activeStack[cpu * MAX_ACTIVE + depth - 1]! & 0x3ff;
    return this.priority[this.slot(cpu, top)]!;
  }

  /** True when the highest pending interrupt would be taken: enabled, above PMR, and preempting by group priority. */
  private signalled(cpu: number): [number, number] | null {
    if ((this.distCtlr[0]! & 1) === 0 || (this.cpuRegs[cpu * 6]! & 1) === 0) return null;
    const [irq, prio] = this.highestPending(cpu);
    if (irq === SPURIOUS || prio >= this.cpuRegs[cpu * 6 + 1]!) return null;
    const groupMask = (0xff << (this.cpuRegs[cpu * 6 + 2]! + 1)) & 0xff;
    const running = this.runningPriority(cpu);
    if (running !== 256 && (prio & groupMask) >= (running & groupMask)) return null;
    return [irq, prio];
  }

  private updateAll(): void {
    for (let c = 0; c < this.cpus; c++) {
      const level = this.signalled(c) !== null ? 1 : 0;
      if (this.cpuRegs[c * 6 + 5] !== level) {
        this.cpuRegs[c * 6 + 5] = level;
        this.cpuIrq[c]!.set(level === 1);
      }
    }
  }

  // ---- CPU interface ----

  private acknowledge(cpu: number): number {
    const hit = this.signalled(cpu);
    if (hit === null) return SPURIOUS;
    const [irq] = hit;
    const s = this.slot(cpu, irq);
    let value = irq;
    if (irq < 16) {
      const sources = this.sgiPending[cpu * 16 + irq]!;
      const src = 31 - Math.clz32(sources & -sources);
      this.sgiPending[cpu * 16 + irq] = sources & ~(1 << src);
      value |= src << 10;
    } else {
      this.pendLatch[s] = 0;
    }
    this.active[s] = 1;
    const depth = this.cpuRegs[cpu * 6 + 4]!;
    if (depth < MAX_ACTIVE) {
      this.activeStack[cpu * MAX_ACTIVE + depth] = value;
      this.cpuRegs[cpu * 6 + 4] = depth + 1;
    }
    this.updateAll();
    return value;
  }

  private endOfInterrupt(cpu: number, value: number): void {
    const irq = value & 0x3ff;
    if (irq >= this.irqs) return;
    const base = cpu * MAX_ACTIVE;
    const depth = this.cpuRegs[cpu * 6 + 4]!;
    for (let i = depth - 1; i >= 0; i--) {
      if ((this.activeStack[base + i]! & 0x3ff) !== irq) continue;
      this.activeStack.copyWithin(base + i, base + i + 1, base + depth);
      this.cpuRegs[cpu * 6 + 4] = depth - 1;
      break;
    }
    if ((this.cpuRegs[cpu * 6]! & GICC_CTLR_EOIMODE) === 0) {
      this.active[this.slot(cpu, irq)] = 0;
      this.deactivated?.(irq, cpu);
    }
    this.updateAll();
  }

  /** The CPU interface as mapped on a bus: each CPU sees its own bank at the same address. */
  readonly cpuInterfaceDevice: MmioDevice = {
    name: 'gicc',
    read: (off, size, cpu) => (size === 4 ? this.readCpu(cpu, off) : 0),
    write: (off, size, v, cpu) => {
      if (size === 4) this.writeCpu(cpu, off, v >>> 0);
    },
  };

  /** The CPU interface as CPU `cpu` sees it, whoever accesses it (tests). */
  cpuInterface(cpu: number): BankView {
    const d = this.cpuInterfaceDevice;
    return { read: (off, size) => d.read(off, size, cpu), write: (off, size, v) => d.write(off, size, v, cpu) };
  }

  private readCpu(cpu: number, off: number): number {
    const r = cpu * 6;
    switch (off) {
      case GICC.CTLR: return this.cpuRegs[r]!;
      case GICC.PMR: return this.cpuRegs[r + 1]!;
      case GICC.BPR: return this.cpuRegs[r + 2]!;
      case GICC.ABPR: return this.cpuRegs[r + 3]!;
      case GICC.IAR: return this.acknowledge(cpu);
      case GICC.RPR: return this.runningPriority(cpu) & 0xff;
      case GICC.HPPIR: return this.highestPending(cpu)[0];
      case GICC.AIAR: case GICC.AHPPIR: return SPURIOUS; // no Group 1 without the Security Extensions
      case GICC.IIDR: return GICC_IIDR_VALUE;
      default: return 0; // APRn read as zero: the active stack is kept internally
    }
  }

  private writeCpu(cpu: number, off: number, v: number): void {
    const r = cpu * 6;
    switch (off) {
      case GICC.CTLR: this.cpuRegs[r] = v & (1 | GICC_CTLR_EOIMODE); break;
      case GICC.PMR: this.cpuRegs[r + 1] = v & 0xff; break;
      case GICC.BPR: this.cpuRegs[r + 2] = v & 7; break;
      case GICC.ABPR: this.cpuRegs[r + 3] = v & 7; break;
      case GICC.EOIR: this.endOfInterrupt(cpu, v); return;
      case GICC.DIR: {
        const irq = v & 0x3ff;
        if (irq < this.irqs) {
          this.active[this.slot(cpu, irq)] = 0;
          this.deactivated?.(irq, cpu);
        }
        break;
      }
      default: return; // read-only or unimplemented registers ignore writes
    }
    this.updateAll();
  }

  // ---- distributor ----

  /** The distributor; the accessing CPU selects the banked registers (SGIs and PPIs). */
  readonly distributor: MmioDevice = {
    name: 'gicd',
    read: (off, size, cpu) => this.readDist(cpu, off, size),
    write: (off, size, v, cpu) => this.writeDist(cpu, off, size, v >>> 0),
  };

  private bitRegister(off: number, base: number): number {
    return off >= base && off < base + this.irqs / 8 ? ((off - base) >> 2) * 32 : -1;
  }

  private readDist(cpu: number, off: number, size: number): number {
    if (off >= GICD.IPRIORITYR && off < GICD.IPRIORITYR + this.irqs) return this.readBytes(cpu, off - GICD.IPRIORITYR, size, this.priority);
    if (off >= GICD.ITARGETSR && off < GICD.ITARGETSR + this.irqs) {
      if (off < GICD.ITARGETSR + 32) return this.repeatByte(1 << cpu, size); // SGI/PPI targets: this CPU
      return this.readBytes(cpu, off - GICD.ITARGETSR, size, this.target);
    }
    if (size !== 4) return 0;
    switch (off) {
      case GICD.CTLR: return this.distCtlr[0]!;
      case GICD.TYPER: return (this.irqs / 32 - 1) | ((this.cpus - 1) << 5);
      case GICD.IIDR: return GICD_IIDR_VALUE;
      case GICD.PIDR2: return 0x2 << 4;
    }
    for (const [base, arr] of [[GICD.ISENABLER, this.enabled], [GICD.ICENABLER, this.enabled], [GICD.ISACTIVER, this.active], [GICD.ICACTIVER, this.active]] as const) {
      const first = this.bitRegister(off, base);
      if (first >= 0) return this.readBits(cpu, first, (s) => arr[s] === 1);
    }
    for (const base of [GICD.ISPENDR, GICD.ICPENDR]) {
      const first = this.bitRegister(off, base);
      if (first >= 0) return this.readBits(cpu, first, (s, irq) => this.isPending(cpu, irq, s));
    }
    if (off >= GICD.ICFGR && off < GICD.ICFGR + this.irqs / 4) {
      const first = (off - GICD.ICFGR) * 4;
      let v = 0;
      for (let i = 0; i < 16; i++) if (this.edge[this.slot(cpu, first + i)] === 1) v |= 2 << (2 * i);
      return v >>> 0;
    }
    if (off >= GICD.SPENDSGIR && off < GICD.SPENDSGIR + 16) return this.readBytes(cpu, off - GICD.SPENDSGIR, size, null);
    if (off >= GICD.CPENDSGIR && off < GICD.CPENDSGIR + 16) return this.readBytes(cpu, off - GICD.CPENDSGIR, size, null);
    return 0; // IGROUPR and reserved space: RAZ/WI
  }

  private repeatByte(b: number, size: number): number {
    let v = 0;
    for (let i = 0; i < size; i++) v |= b << (8 * i);
    return v >>> 0;
  }

  /** Byte-per-interrupt registers; arr null means the SGI pending-source bytes. */
  private readBytes(cpu: number, first: number, size: number, arr: Uint8Array | null): number {
    let v = 0;
    for (let i = 0; i < size; i++) {
      const irq = first + i;
      const b = arr === null ? this.sgiPending[cpu * 16 + irq]! : arr[this.slot(cpu, irq)]!;
      v |= b << (8 * i);
    }
    return v >>> 0;
  }

  private readBits(cpu: number, first: number, test: (slot: number, irq: number) => boolean): number {
    let v = 0;
    for (let i = 0; i < 32; i++) if (test(this.slot(cpu, first + i), first + i)) v |= 1 << i;
    return v >>> 0;
  }

  private writeDist(cpu: number, off: number, size: number, v: number): void {
    if (off >= GICD.IPRIORITYR && off < GICD.IPRIORITYR + this.irqs) {
      for (let i = 0; i < size; i++) this.priority[this.slot(cpu, off - GICD.IPRIORITYR + i)] = (v >>> (8 * i)) & 0xff;
    } else if (off >= GICD.ITARGETSR + 32 && off < GICD.ITARGETSR + this.irqs) {
      const mask = (1 << this.cpus) - 1;
      for (let i = 0; i < size; i++) this.target[this.slot(cpu, off - GICD.ITARGETSR + i)] = (v >>> (8 * i)) & mask;
    } else if (off >= GICD.SPENDSGIR && off < GICD.SPENDSGIR + 16) {
      for (let i = 0; i < size; i++) this.sgiPending[cpu * 16 + off - GICD.SPENDSGIR + i]! |= (v >>> (8 * i)) & 0xff;
    } else if (off >= GICD.CPENDSGIR && off < GICD.CPENDSGIR + 16) {
      for (let i = 0; i < size; i++) this.sgiPending[cpu * 16 + off - GICD.CPENDSGIR + i]! &= ~((v >>> (8 * i)) & 0xff);
    } else if (size === 4) {
      this.writeDistWord(cpu, off, v);
    }
    this.updateAll();
  }

  private writeDistWord(cpu: number, off: number, v: number): void {
    if (off === GICD.CTLR) {
      this.distCtlr[0] = v & 1;
      return;
    }
    if (off === GICD.SGIR) {
      this.sendSgi(cpu, v);
      return;
    }
    const ops: [number, (s: number, irq: number) => void][] = [
      [GICD.ISENABLER, (s, irq) => { if (irq >= 16) this.enabled[s] = 1; }],
      [GICD.ICENABLER, (s, irq) => { if (irq >= 16) this.enabled[s] = 0; }],
      [GICD.ISPENDR, (s, irq) => { if (irq >= 16) this.pendLatch[s] = 1; }],
      [GICD.ICPENDR, (s, irq) => { if (irq >= 16) this.pendLatch[s] = 0; }],
      [GICD.ISACTIVER, (s) => { this.active[s] = 1; }],
      [GICD.ICACTIVER, (s) => { this.active[s] = 0; }],
    ];
    for (const [base, op] of ops) {
      const first = this.bitRegister(off, base);
      if (first < 0) continue;
      for (let i = 0; i < 32; i++) if ((v >>> i) & 1) op(this.slot(cpu, first + i), first + i);
      return;
    }
    if (off >= GICD.ICFGR + 4 && off < GICD.ICFGR + this.irqs / 4) {
      // ICFGR0 (SGIs) is read-only; PPIs and SPIs take bit 1 of each field.
      const first = (off - GICD.ICFGR) * 4;
      for (let i = 0; i < 16; i++) this.edge[this.slot(cpu, first + i)] = (v >>> (2 * i + 1)) & 1;
    }
  }

  private sendSgi(cpu: number, v: number): void {
    const sgi = v & 0xf;
    const filter = (v >>> 24) & 3;
    let targets = filter === 0 ? (v >>> 16) & 0xff : filter === 1 ? ~(1 << cpu) & 0xff : filter === 2 ? 1 << cpu : 0;
    targets &= (1 << this.cpus) - 1;
    for (let t = 0; t < this.cpus; t++) if ((targets >>> t) & 1) this.sgiPending[t * 16 + sgi]! |= 1 << cpu;
  }

  /** The whole state as bytes. */
  save(): Uint8Array {
    return new Uint8Array(this.buffer.slice(0));
  }

  restore(bytes: Uint8Array): void {
    if (bytes.byteLength !== this.buffer.byteLength) {
      throw new RangeError(`GICv2 state must be ${this.buffer.byteLength} bytes for this configuration, got ${bytes.byteLength}`);
    }
    new Uint8Array(this.buffer).set(bytes);
    // Re-announce every CPU's line: the receiver does not share our saved "last level".
    for (let c = 0; c < this.cpus; c++) this.cpuRegs[c * 6 + 5] = 2;
    this.updateAll();
  }
}
