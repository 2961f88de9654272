/**
 * A bare system-mode CPU for unit tests: RAM at physical 0, no devices, a generic timer on a settable
 * clock whose interrupt outputs are recorded. Code is loaded as segments of instruction words.
 */
import { allocateJitMemory, jitAreaOffset } from '../../src/arch/arm64/jit/guest_memory.js';
import { Cpu, type ExtraSysreg } from '../../src/arch/arm64/cpu.js';
import type { PhysicalBus } from '../../src/arch/arm64/mmu/translator.js';
import { GenericTimer } from '../../src/arch/arm64/generic_timer.js';
import type { VcpuExit } from '../../src/arch/arm64/exit.js';

export interface SystemMachine {
  readonly cpu: Cpu;
  readonly ram: Uint8Array;
  readonly dv: DataView;
  readonly timer: GenericTimer;
  /** Guest time for the timer, in ns. */
  nowNs: number;
  /** Timer interrupt output changes, in order. */
  readonly timerIrqs: string[];
  /** Writes segments of instruction words; PC goes to the first segment's address. */
  load(segments: readonly (readonly [number, readonly number[]])[]): void;
  run(budget?: number): VcpuExit;
  x(n: number): bigint;
  setX(n: number, v: bigint | number): void;
}

/** `jit`: RAM in a WebAssembly.Memory with a JIT area for the CPU, so hot blocks compile to wasm. */
export function systemMachine(opts: { ramBytes?: number; icc?: readonly ExtraSysreg[]; mpidr?: number; jit?: boolean } = {}): SystemMachine {
  const ramBytes = opts.ramBytes ?? 1 << 20;
  const jit = opts.jit === true ? allocateJitMemory(ramBytes, 1) : null;
  const ram = jit === null ? new ArrayBuffer(ramBytes) : jit.memory.buffer;
  const bus: PhysicalBus = { ram, ramBase: 0, ramSize: ramBytes, ...(jit === null ? {} : { jit }), mmioRead: () => null, mmioWrite: () => false };
  const timerIrqs: string[] = [];
  const m = {
    nowNs: 0,
    timerIrqs,
  } as { nowNs: number; timerIrqs: string[] };
  const timer = new GenericTimer({
    nowNs: () => m.nowNs,
    irq: { phys: (l) => timerIrqs.push(`phys:${l}`), virt: (l) => timerIrqs.push(`virt:${l}`) },
  });
  const cpu = new Cpu({
    bus, system: { mpidr: opts.mpidr ?? 0, timer, ...(opts.icc ? { icc: opts.icc } : {}) }, ...(jit === null ? {} : { jitArea: jitAreaOffset(jit, 0)! }),
  });
  const dv = new DataView(ram, 0, ramBytes);
  return Object.assign(m, {
    cpu,
    ram: new Uint8Array(ram, 0, ramBytes),
    dv,
    timer,
    load(segments: readonly (readonly [number, readonly number[]])[]) {
      for (const [at, words] of segments) words.forEach((w, i) => dv.setUint32(at + 4 * i, w >>> 0, true));
      cpu.flushCode();
      cpu.state.pc = segments[0]![0];
    },
    run(budget = 100_000) {
      return cpu.run(budget);
    },
    x(n: number) {
      return cpu.state.getX(n);
    },
    setX(n: number, v: bigint | number) {
      cpu.state.setX(n, BigInt(v));
    },
  });
}
