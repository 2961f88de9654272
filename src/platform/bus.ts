/**
 * The physical address space of a machine: one RAM region and memory-mapped devices
 * (crosvm's Bus: devices see offsets from their own base, and regions never overlap).
 */
import type { PhysicalBus } from '../arch/arm64/mmu/translator.js';
import type { JitMemory } from '../arch/arm64/jit/guest_memory.js';
import { DIRTY_PAGE_SHIFT, type DirtyLog } from '../lib/dirty_log.js';

/**
 * A memory-mapped device. Offsets are relative to its base; accesses are 1, 2 or 4 bytes; `cpu` is
 * the accessing vCPU (devices with per-CPU banks, like the GICv2, answer for that CPU).
 */
export interface MmioDevice {
  readonly name: string;
  read(offset: number, sizeBytes: number, cpu: number): number;
  write(offset: number, sizeBytes: number, value: number, cpu: number): void;
}

interface Region {
  readonly base: number;
  readonly size: number;
  readonly device: MmioDevice;
}

export class MmioBus implements PhysicalBus {
  readonly ram: ArrayBuffer | SharedArrayBuffer;
  readonly ramBase: number;
  readonly ramSize: number;
  readonly jit?: JitMemory;
  readonly dirtyLog?: DirtyLog;
  private readonly regions: Region[] = [];

  /**
   * RAM at `ramBase`: `ram` itself, or the first `ramSize` bytes of `jit.memory`'s buffer (the rest
   * holds the vCPUs' JIT areas). `dirtyLog`, if given, covers `ram`'s pages and the CPUs mark it.
   */
  constructor(ram: ArrayBuffer | SharedArrayBuffer | { jit: JitMemory; ramSize: number }, ramBase: number, dirtyLog?: DirtyLog) {
    if ('jit' in ram) {
      this.ram = ram.jit.memory.buffer;
      this.ramSize = ram.ramSize;
      this.jit = ram.jit;
    } else {
      this.ram = ram;
      this.ramSize = ram.byteLength;
    }
    this.ramBase = ramBase;
    if (dirtyLog !== undefined) {
      if (dirtyLog.pages * 2 ** DIRTY_PAGE_SHIFT < this.ramSize) throw new RangeError(`A dirty log of ${dirtyLog.pages} pages does not cover ${this.ramSize} bytes of RAM`);
      this.dirtyLog = dirtyLog;
    }
  }

  /** Maps `device` at [base, base + size); overlapping RAM or another device is a bug in the board. */
  map(base: number, size: number, device: MmioDevice): void {
    const end = base + size;
    const clash = this.regions.find((r) => base < r.base + r.size && r.base < end);
    if (clash !== undefined || (base < this.ramBase + this.ramSize && this.ramBase < end)) {
      throw new RangeError(`Device "${device.name}" at ${base.toString(16)} overlaps ${clash?.device.name ?? 'RAM'}`);
    }
    this.regions.push({ base, size, device });
  }

  private find(pa: number, sizeBytes: number): Region | undefined {
    return this.regions.find((r) => pa >= r.base && pa + sizeBytes <= r.base + r.size);
  }

  mmioRead(pa: number, sizeBytes: number, cpu: number): bigint | null {
    const r = this.find(pa, sizeBytes);
    if (r === undefined) return null;
    const off = pa - r.base;
    if (sizeBytes === 8) {
      // Two 32-bit accesses, low word first, as a 32-bit bus would perform them.
      const lo = r.device.read(off, 4, cpu) >>> 0;
      const hi = r.device.read(off + 4, 4, cpu) >>> 0;
      return (BigInt(hi) << 32n) | BigInt(lo);
    }
    return BigInt(r.device.read(off, sizeBytes, cpu) >>> 0);
  }

  mmioWrite(pa: number, sizeBytes: number, value: bigint, cpu: number): boolean {
    const r = this.find(pa, sizeBytes);
    if (r === undefined) return false;
    const off = pa - r.base;
    if (sizeBytes === 8) {
      r.device.write(off, 4, Number(value & 0xffff_ffffn), cpu);
      r.device.write(off + 4, 4, Number((value >> 32n) & 0xffff_ffffn), cpu);
      return true;
    }
    r.device.write(off, sizeBytes, Number(value & 0xffff_ffffn), cpu);
    return true;
  }
}
