/**
 * One AArch64 vCPU: the interpreter's run loop over translated blocks, and exception reporting.
 *
 * Code is translated once into blocks of closures (at most one page, ending at a branch or other
 * block-ending instruction), cached by the physical RAM offset of their first instruction so that
 * remapping virtual memory never invalidates them, and discarded when a store hits their page.
 *
 * This CPU runs EL0 code whose EL1 is played by the caller (a user-mode runner or a hypervisor):
 * every exception is reported as a VcpuExit.
 */
import { Access, type AddressTranslator, type PhysicalBus } from './mmu/translator.js';
import { MemoryAccessor, PAGE_SIZE } from './mem_access.js';
import { CpuState } from './state.js';
import { EC, EXIT_BUDGET, FSC, makeEsr, type VcpuExit } from './exit.js';
import type { Exec } from './interp/group.js';
import { CodeCache, type Block } from './code_cache.js';
import { translateInsn } from './interp/index.js';
import { hostCounter } from './sysreg/counter.js';

const MAX_BLOCK_INSNS = 64;
const JUMP_CACHE_SIZE = 4096;

/** Thrown (as this one object) by closures to abandon the current instruction after recording an exception. */
export const CPU_TRAP = Symbol('CpuTrap');

export interface CpuOptions {
  readonly bus: PhysicalBus;
  readonly translator: AddressTranslator;
  readonly state?: CpuState;
  /** Shared with the other vCPUs on the same RAM; a new one by default. */
  readonly code?: CodeCache;
  /** The generic timer's count (CNTVCT_EL0) at CNTFRQ_EL0; the host's monotonic clock by default. */
  readonly counter?: () => bigint;
}

export class Cpu extends MemoryAccessor {
  readonly state: CpuState;
  // Views of the state, copied here so closures reach them with one property load.
  readonly x32: Uint32Array;
  readonly xi32: Int32Array;
  readonly x64: BigUint64Array;
  readonly v8: Uint8Array;
  readonly v16: Uint16Array;
  readonly v32: Uint32Array;
  readonly v64: BigUint64Array;
  readonly vf32: Float32Array;
  readonly vf64: Float64Array;
  /** System register storage (`state.sys`) as 32-bit halves, so MRS/MSR of plain registers avoid BigInt. */
  readonly sys32: Uint32Array;
  /** Source of CNTVCT_EL0. */
  readonly counter: () => bigint;

  /** Address of the instruction being executed (sign-extended canonical VA). */
  pc = 0;
  /** Next PC, set by block-ending instructions. */
  npc = 0;
  /** NZCV flags in bits 31..28, kept here while running and in the state buffer otherwise. */
  nzcv = 0;
  /** Guest instructions retired since creation. */
  icount = 0;
  /** Exclusive monitor: address and size of the last load-exclusive, and the value it read (QEMU-style compare on store). */
  exclusiveAddr = -1;
  exclusiveSize = 0;
  exclusiveLo = 0;
  exclusiveHi = 0;
  exclusiveLo2 = 0;
  exclusiveHi2 = 0;

  private pendingExit: VcpuExit | null = null;
  private readonly jcVa = new Float64Array(JUMP_CACHE_SIZE).fill(NaN);
  private readonly jcBlock: (Block | undefined)[] = new Array<Block | undefined>(JUMP_CACHE_SIZE);

  constructor(opts: CpuOptions) {
    super(opts.bus, opts.translator, opts.code ?? new CodeCache(opts.bus.ram.byteLength));
    const s = opts.state ?? new CpuState();
    this.state = s;
    this.x32 = s.x32;
    this.xi32 = s.xi32;
    this.x64 = s.x64;
    this.v8 = s.v8;
    this.v16 = s.v16;
    this.v32 = s.v32;
    this.v64 = s.v64;
    this.vf32 = s.vf32;
    this.vf64 = s.vf64;
    this.sys32 = new Uint32Array(s.sys.buffer, s.sys.byteOffset, s.sys.length * 2);
    this.counter = opts.counter ?? hostCounter;
  }

  /** Runs until an exit or until about `budget` instructions have retired (checked at block boundaries). */
  run(budget: number): VcpuExit {
    const s = this.state;
    let pc = s.pc;
    this.nzcv = s.nzcv;
    const stop = this.icount + budget;
    let exit: VcpuExit = EXIT_BUDGET;
    let blockPc = pc;
    try {
      while (this.icount < stop) {
        blockPc = pc;
        const b = this.lookupBlock(pc);
        const ops = b.ops;
        const n = ops.length;
        let i = 0;
        // A store may invalidate the running block (self-modifying code): stop after that instruction.
        for (; i < n && b.valid; i++) {
          this.pc = pc + i * 4;
          ops[i]!(this);
        }
        this.icount += i;
        pc = i === n && b.setsNpc ? this.npc : pc + i * 4;
        if (this.pendingExit !== null) {
          exit = this.pendingExit;
          this.pendingExit = null;
          break;
        }
      }
    } catch (e) {
      if (e !== CPU_TRAP) throw e;
      // The faulting instruction did not retire; the ones before it in its block did.
      pc = this.pc;
      this.icount += (pc - blockPc) / 4;
      exit = this.pendingExit!;
      this.pendingExit = null;
    }
    // An exit is an exception taken by the caller, and resuming is an exception return, which clears
    // the local exclusive monitor (Arm ARM DDI0487 B2.9). Not for the budget, and not for WFI, which
    // QEMU's user mode (the differential reference) executes as a NOP inside the guest loop.
    if (exit !== EXIT_BUDGET && exit.kind !== 'wfi') this.exclusiveAddr = -1;
    s.pc = pc;
    s.nzcv = this.nzcv;
    return exit;
  }

  // ---- exceptions ----

  /**
   * Ends the block after the current instruction with an exit whose preferred return is the next
   * instruction (SVC, HVC, SMC, WFI, WFE). The closure must be block-ending.
   */
  exitAfter(exit: VcpuExit): void {
    this.npc = this.pc + 4;
    this.pendingExit = exit;
  }

  /** Abandons the current instruction with a synchronous exception; PC stays on it. */
  raise(esr: number, far = 0): never {
    return this.raiseExit({ kind: 'exception', esr, far });
  }

  /** Abandons the current instruction with the given exit; PC stays on it (BRK, faults). */
  raiseExit(exit: VcpuExit): never {
    this.pendingExit = exit;
    throw CPU_TRAP;
  }

  /** The architectural Undefined Instruction exception (ESR.EC = 0). */
  undefined(): never {
    return this.raise(makeEsr(EC.UNKNOWN, 0));
  }

  /** Alignment fault for an access the architecture requires to be aligned (exclusives, atomics). */
  alignmentFault(va: number, isWrite: boolean): never {
    return this.abort(va, isWrite ? Access.WRITE : Access.READ, FSC.ALIGNMENT);
  }

  protected abort(va: number, access: Access, fsc: number): never {
    if (access === Access.EXEC) {
      return this.raise(makeEsr(this.el === 0 ? EC.IABT_LOWER : EC.IABT_CUR, fsc), va);
    }
    const wnr = access === Access.WRITE ? 1 << 6 : 0;
    return this.raise(makeEsr(this.el === 0 ? EC.DABT_LOWER : EC.DABT_CUR, wnr | fsc), va);
  }

  // ---- translated code ----

  /** Forgets all translated code (tests, or after the caller rewrites guest memory behind the CPU's back). */
  flushCode(): void {
    this.code.flush();
  }

  /** Flushes the TLB together with the jump cache that depends on the virtual-to-physical mapping. */
  override tlbFlushAll(): void {
    super.tlbFlushAll();
    this.jcVa.fill(NaN);
  }

  override tlbFlushPage(va: number): void {
    super.tlbFlushPage(va);
    this.jcVa.fill(NaN);
  }

  private lookupBlock(pc: number): Block {
    const j = (pc >>> 2) & (JUMP_CACHE_SIZE - 1);
    const cached = this.jcBlock[j];
    if (this.jcVa[j] === pc && cached !== undefined && cached.valid) return cached;
    if ((pc & 3) !== 0) {
      this.pc = pc;
      this.raise(makeEsr(EC.PC_ALIGN, 0), pc);
    }
    this.pc = pc;
    const off = this.fetchOffset(pc);
    let b = this.code.get(off);
    if (b === undefined) b = this.translateBlock(off);
    this.jcVa[j] = pc;
    this.jcBlock[j] = b;
    return b;
  }

  private translateBlock(off: number): Block {
    const ops: Exec[] = [];
    let setsNpc = false;
    const pageEnd = off - (off % PAGE_SIZE) + PAGE_SIZE;
    for (let o = off; o < pageEnd && ops.length < MAX_BLOCK_INSNS; o += 4) {
      const t = translateInsn(this.ramU32[o >>> 2]!);
      ops.push(t.exec);
      if (t.endsBlock) {
        setsNpc = true;
        break;
      }
    }
    const b: Block = { off, ops, setsNpc, valid: true };
    this.code.add(b);
    return b;
  }
}
