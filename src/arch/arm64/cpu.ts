/**
 * One AArch64 vCPU: the interpreter's run loop over translated blocks, and exception reporting.
 *
 * Code is translated once into blocks of closures (at most one page, ending at a branch or other
 * block-ending instruction), cached by the physical RAM offset of their first instruction so that
 * remapping virtual memory never invalidates them, and discarded when a store hits their page.
 *
 * User mode (no `system` option): the CPU runs EL0 code whose EL1 is played by the caller (a
 * user-mode runner): every exception is reported as a VcpuExit.
 *
 * System mode (`system` option): the CPU runs an OS at EL1 over its own stage-1 MMU. Synchronous
 * exceptions and IRQs are taken to EL1 inside `run` (exception.ts); HVC, SMC, WFI and WFE are
 * reported to the board. IRQs are noticed at block boundaries: `setIrq`, and instructions that
 * unmask (MSR DAIFClr/DAIF, ERET), leave a marker that ends the running block.
 */
import { Access, guestRamBytes, type AddressTranslator, type PhysicalBus, type TranslationFault } from './mmu/translator.js';
import { CPU_AREA } from './jit/guest_memory.js';
import { loadStoreSyndrome } from './syndrome.js';
import { MemoryAccessor, PAGE_SIZE } from './mem_access.js';
import { CpuState } from './state.js';
import { EC, EXIT_BUDGET, FSC, makeEsr, type VcpuExit } from './exit.js';
import type { Exec } from './interp/group.js';
import { CodeCache, Hdr, HDR_WORDS, HdrFlag, SIZE_SETS_NPC, type Block, type CodeCacheStats } from './code_cache.js';
import { insnForm } from './interp/index.js';
import { runPredecoded } from './interp/predecoded_run.js';
import { compileAfterRuns, compileBlock, HOT_WINDOW_INSNS, jitTier, type BlockFn } from './block_fn.js';
import { compileWasmBlocks } from './jit/compile.js';
import { ChainTable } from './jit/chain_table.js';
import { hostCounter } from './sysreg/counter.js';
import { resetSysregs, sysregKey } from './sysreg/table.js';
import type { GenericTimer } from './generic_timer.js';
import { Stage1Mmu, type Stage2 } from './mmu/mmu.js';
import type { Stage1Regs } from './mmu/stage1.js';
import { InnerShareable, type TlbiScope } from './mmu/inner_shareable.js';
import {
  enterException, exceptionReturn, PSTATE_EL1H_MASKED, PSTATE_EL_SHIFT, PSTATE_I, SLOT_SCTLR, SLOT_SP_EL0,
  SLOT_SP_EL1, SLOT_PAR, SLOT_TCR, SLOT_TTBR0, SLOT_TTBR1, usesSpEl0, VECTOR_IRQ, VECTOR_SYNC,
} from './exception.js';

const MAX_BLOCK_INSNS = 64;
/** Hot blocks compiled to WebAssembly in one module. */
const WASM_BATCH = 16;
/** Entries in the jump cache, a direct-mapped front of the code cache indexed by RAM offset. */
const JUMP_CACHE_SIZE = 4096;
/** TCR_EL1.A1 (bit 22): the ASID comes from TTBR1_EL1; TCR_EL1.AS (bit 36): it has 16 bits. */
const TCR_A1 = 1 << 22;
const TCR_HI_AS = 1 << (36 - 32);

/**
 * The first value of the vCPU's number fields that leave V8's small-integer range while a guest runs
 * (virtual addresses, NZCV in bits 31..28, the retired count, the exclusive monitor's values). V8
 * gives a field the representation of its first value, and when a later value does not fit it moves
 * the object to a new map and throws away all code optimised for the old one: a Debian boot paid
 * four such rounds, each leaving the interpreter's switch unoptimised for a tenth of a second while
 * V8 compiled it again. Negative zero is a heap number equal to 0, so these fields are doubles from
 * the start. `cpu_fields.test.ts` holds the map still.
 */
const DOUBLE_FIELD = -0;

/** Internal exit: an IRQ may be deliverable (system mode only; never returned to the caller). */
const EXIT_IRQ_CHECK: VcpuExit = Object.freeze({ kind: 'budget' });

/** Thrown (as this one object) by closures to abandon the current instruction after recording an exception. */
export const CPU_TRAP = Symbol('CpuTrap');

/**
 * A system register the board adds to one CPU (the GICv3 ICC_*_EL1 set), by MRS/MSR encoding.
 * EL1 only; a missing accessor makes that direction UNDEFINED.
 */
export interface ExtraSysreg {
  readonly name: string;
  readonly op0: number;
  readonly op1: number;
  readonly crn: number;
  readonly crm: number;
  readonly op2: number;
  readonly read?: () => bigint;
  readonly write?: (v: bigint) => void;
}

export interface SystemOptions {
  /** MPIDR_EL1 affinity (Aff0 = CPU number); bit 31 (RES1) is added. */
  readonly mpidr: number;
  /** This vCPU's generic timer (CNT* registers). */
  readonly timer: GenericTimer;
  /** GICv3 CPU interface registers; also sets ID_AA64PFR0_EL1.GIC = 1. */
  readonly icc?: readonly ExtraSysreg[];
  /** The hypervisor's stage 2, between the stage-1 walk and RAM (next issue). */
  readonly stage2?: Stage2;
  /** The vCPUs that broadcast TLB maintenance reaches (this machine's); this vCPU alone by default. */
  readonly shareable?: InnerShareable;
}

export interface CpuOptions {
  readonly bus: PhysicalBus;
  /** User mode: the address space. Ignored in system mode, which uses its own stage-1 MMU. */
  readonly translator?: AddressTranslator;
  /** Run an OS at EL1 (see the file comment). */
  readonly system?: SystemOptions;
  readonly state?: CpuState;
  /** Shared with the other vCPUs on the same RAM; a new one by default. */
  readonly code?: CodeCache;
  /** The generic timer's count (CNTVCT_EL0) at CNTFRQ_EL0; the host's monotonic clock by default. */
  readonly counter?: () => bigint;
  /** This vCPU's index, given to the bus with each device access (default 0). */
  readonly cpuIndex?: number;
  /**
   * Byte offset of this vCPU's area in guest memory (`bus.jit`, `jit/guest_memory.ts`): its state and
   * TLB go there, and hot blocks are compiled to WebAssembly. Without one, or with `state`, the vCPU
   * stops at compiled JavaScript blocks.
   */
  readonly jitArea?: number;
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
  /** Source of CNTVCT_EL0 in user mode. */
  readonly counter: () => bigint;
  /** System mode: the options, else null (user mode). */
  readonly system: SystemOptions | null;
  /** System mode: this vCPU's generic timer. */
  readonly timer: GenericTimer | null;
  /** MPIDR_EL1 as read. */
  readonly mpidr: bigint;
  /** Board-supplied system registers by `sysregKey`, or null. */
  readonly extraSysregs: ReadonlyMap<number, ExtraSysreg> | null;
  /** A GICv3 CPU interface is attached (ID_AA64PFR0_EL1.GIC). */
  readonly hasGicSysregs: boolean;
  /** Level of the IRQ input (system mode). */
  irqLine = false;

  /** Address of the instruction being executed (sign-extended canonical VA). */
  pc = DOUBLE_FIELD;
  /** Next PC, set by block-ending instructions. */
  npc = DOUBLE_FIELD;
  /** NZCV flags in bits 31..28, kept here while running and in the state buffer otherwise. */
  nzcv = DOUBLE_FIELD;
  /** Guest instructions retired since creation. */
  icount = DOUBLE_FIELD;
  /**
   * Exclusive monitor: address (-1 for none, set in the constructor) and size of the last
   * load-exclusive, and the value it read (QEMU-style compare on store).
   */
  exclusiveAddr = DOUBLE_FIELD;
  exclusiveSize = 0;
  exclusiveLo = DOUBLE_FIELD;
  exclusiveHi = DOUBLE_FIELD;
  exclusiveLo2 = DOUBLE_FIELD;
  exclusiveHi2 = DOUBLE_FIELD;

  private pendingExit: VcpuExit | null = null;
  /**
   * Jump cache, block ids by RAM offset: blocks are physical, and the fetch TLB, probed before it,
   * checks the mapping and the permission to execute, so no TLB maintenance concerns it. An entry
   * whose block was discarded, or whose id a block at another offset has since taken, fails the
   * header's check.
   */
  private readonly jcId = new Int32Array(JUMP_CACHE_SIZE).fill(-1);
  private readonly shareable: InnerShareable;
  /** Guest memory as a WebAssembly.Memory, when this vCPU has a JIT area there; else null. */
  private readonly wasmMemory: WebAssembly.Memory | null;

  constructor(opts: CpuOptions) {
    const jitArea = opts.state === undefined ? opts.jitArea ?? null : null;
    const s = opts.state ?? (jitArea === null ? new CpuState() : new CpuState(opts.bus.ram, jitArea + CPU_AREA.state));
    const sys = opts.system;
    let translator = opts.translator;
    if (sys !== undefined) {
      translator = new Stage1Mmu(opts.bus, stage1Regs(s.sys), sys.stage2 ?? null);
    }
    if (translator === undefined) throw new TypeError('Cpu: a translator is required in user mode');
    super(opts.bus, translator, opts.code ?? new CodeCache(guestRamBytes(opts.bus)), jitArea);
    this.busCpu = opts.cpuIndex ?? 0;
    this.exclusiveAddr = -1;
    this.wasmMemory = jitArea === null ? null : opts.bus.jit!.memory;
    this.shareable = sys?.shareable ?? new InnerShareable();
    this.shareable.join(this.busCpu, this);
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
    this.system = sys ?? null;
    this.timer = sys?.timer ?? null;
    this.mpidr = BigInt(((sys?.mpidr ?? 0) | 0x8000_0000) >>> 0);
    const icc = sys?.icc;
    this.hasGicSysregs = icc !== undefined && icc.length > 0;
    this.extraSysregs = icc === undefined ? null : new Map(icc.map((r) => [sysregKeyOf(r), r]));
    if (sys !== undefined && opts.state === undefined) {
      // Reset: EL1h, interrupts masked, MMU off, system registers at their reset values.
      resetSysregs(s.sys);
      s.pstate = PSTATE_EL1H_MASKED;
    }
    this.syncEl();
    this.syncAsid();
  }

  // ---- system mode: PSTATE, exceptions, interrupts ----

  /**
   * Writes PSTATE (SPSR layout, without NZCV), banking the SP when the SP in use changes, and
   * switching the TLB and jump cache sets when the EL changes.
   */
  setPstate(v: number): void {
    const s = this.state;
    const old = s.pstate;
    const oldSp0 = usesSpEl0(old);
    if (oldSp0 !== usesSpEl0(v)) {
      const x = this.x64;
      s.sys[oldSp0 ? SLOT_SP_EL0 : SLOT_SP_EL1] = x[31]!;
      x[31] = s.sys[oldSp0 ? SLOT_SP_EL1 : SLOT_SP_EL0]!;
    }
    s.pstate = v >>> 0;
    this.syncEl();
  }

  /** Re-derives the EL-dependent caches from PSTATE (after construction or a state restore). */
  syncEl(): void {
    const el = (this.state.pstate >>> PSTATE_EL_SHIFT) & 3;
    this.setTranslationEl(el);
  }

  /** Re-derives the current ASID from TCR_EL1 and the TTBR it names (after a write to one of them). */
  syncAsid(): void {
    const w = this.sys32;
    const tcrLo = w[SLOT_TCR * 2]!;
    const ttbrHi = w[((tcrLo & TCR_A1) !== 0 ? SLOT_TTBR1 : SLOT_TTBR0) * 2 + 1]!;
    this.setAsid((ttbrHi >>> 16) & ((w[SLOT_TCR * 2 + 1]! & TCR_HI_AS) !== 0 ? 0xffff : 0xff));
  }

  /**
   * TLBI: `operand` is X[t] as halves. By VA, it holds VA[55:12] in bits 43..0 (sign-extended from
   * VA bit 55, as addresses are kept); by ASID, the ASID in bits 63..48. The Inner Shareable forms
   * reach every vCPU of this machine.
   */
  tlbInvalidate(scope: TlbiScope, lo: number, hi: number, broadcast: boolean): void {
    const va = ((hi << 20) >> 20) * 2 ** 44 + lo * 4096;
    const asid = hi >>> 16;
    if (broadcast) this.shareable.invalidate(scope, va, asid);
    else this.tlbInvalidateLocal(scope, va, asid);
  }

  /** One vCPU's part of a TLBI (the `InnerShareable` calls it on each member). */
  tlbInvalidateLocal(scope: TlbiScope, va: number, asid: number): void {
    if (scope === 'all') this.tlbFlushAll();
    else if (scope === 'va') this.tlbFlushVa(va);
    else this.tlbFlushAsid(asid);
  }

  /** Sets the level of the IRQ input (from the interrupt controller). */
  setIrq(level: boolean): void {
    this.irqLine = level;
    if (level) this.checkIrq();
  }

  /** Ends the running block if an IRQ is deliverable, so the run loop takes it. */
  checkIrq(): void {
    if (this.irqLine && (this.state.pstate & PSTATE_I) === 0 && this.system !== null && this.pendingExit === null) {
      this.pendingExit = EXIT_IRQ_CHECK;
    }
  }

  /** ERET (the instruction's closure calls this; sets npc). */
  exceptionReturn(): void {
    exceptionReturn(this);
  }

  /**
   * After an 'hvc' or 'smc' exit the board does not handle: take the Undefined Instruction exception
   * at that instruction instead (as with no EL2/EL3). Call before the next `run`.
   */
  injectUndefined(): void {
    const s = this.state;
    s.pc = enterException(this, makeEsr(EC.UNKNOWN, 0), 0, VECTOR_SYNC, s.pc - 4);
  }

  /**
   * Takes a synchronous exception to EL1 at the current PC (the faulting instruction of a 'stage2'
   * exit): what a hypervisor does to hand an abort it will not handle back to the guest.
   */
  injectException(esr: number, far: number): void {
    const s = this.state;
    this.nzcv = s.nzcv;
    s.pc = enterException(this, esr, far, VECTOR_SYNC, s.pc);
    // Counted against the budget, so a vector that faults again cannot spin the caller forever.
    this.icount++;
  }

  /**
   * AT S1E{0,1}{R,W}: translates `va` as an access at `el` into PAR_EL1 (D17.2 PAR_EL1): the PA's
   * bits 47..12 on success (attributes reported as 0), or F = 1 with the fault status code.
   */
  addressTranslate(va: number, write: boolean, el: number): void {
    const r = this.translator.translate(va, write ? Access.WRITE : Access.READ, el);
    this.state.sys[SLOT_PAR] =
      typeof r === 'number' ? BigInt(r - (r % PAGE_SIZE)) : (1n << 11n) | (BigInt(r.fsc & 0x3f) << 1n) | 1n;
  }

  /**
   * Translates `va` as an EL1 data access of the current regime would (stage 1, then the stage 2 the
   * board supplied): the physical address, or null on any fault. For a hypervisor that reads and
   * writes hypercall arguments at guest virtual addresses (Xen's copy_from_guest); no state changes.
   */
  translateDataVa(va: number, write: boolean): number | null {
    const r = this.translator.translate(va, write ? Access.WRITE : Access.READ, 1);
    return typeof r === 'number' ? r : null;
  }

  /** Takes a pending, unmasked IRQ between blocks; returns whether it did. */
  private takeIrq(): boolean {
    if (!this.irqLine || (this.state.pstate & PSTATE_I) !== 0) return false;
    const s = this.state;
    this.nzcv = s.nzcv;
    s.pc = enterException(this, null, 0, VECTOR_IRQ, s.pc);
    this.icount++;
    return true;
  }

  /** System mode's run: synchronous exceptions and IRQs are taken here; the rest goes to the board. */
  private runSystem(stop: number): VcpuExit {
    const s = this.state;
    if (this.pendingExit === EXIT_IRQ_CHECK) this.pendingExit = null;
    this.takeIrq();
    for (;;) {
      const exit = this.runBlocks(stop);
      if (exit === EXIT_IRQ_CHECK) {
        this.takeIrq();
        continue;
      }
      switch (exit.kind) {
        case 'budget':
          return exit;
        case 'svc':
        case 'brk':
        case 'exception': {
          // PC is the preferred return: the next instruction for SVC, the faulting one otherwise.
          this.nzcv = s.nzcv;
          const at = s.pc;
          s.pc = enterException(this, exit.esr, exit.kind === 'exception' ? exit.far : 0, VECTOR_SYNC, s.pc);
          // Counted against the budget, so a vector that faults again cannot loop forever inside run.
          this.icount++;
          // The fault was at the vector it enters: nothing the entry changes can make the next try differ.
          if (exit.kind === 'exception' && s.pc === at) return { kind: 'exception-loop', esr: exit.esr, far: exit.far };
          break;
        }
        default:
          // HVC, SMC (the board runs PSCI or calls injectUndefined), WFI, WFE.
          return exit;
      }
    }
  }

  /** Runs until an exit or until about `budget` instructions have retired (checked at block boundaries). */
  run(budget: number): VcpuExit {
    const stop = this.icount + budget;
    if (this.system !== null) return this.runSystem(stop);
    const exit = this.runBlocks(stop);
    // An exit is an exception taken by the caller, and resuming is an exception return, which clears
    // the local exclusive monitor (Arm ARM DDI0487 B2.9). Not for the budget, and not for WFI, which
    // QEMU's user mode (the differential reference) executes as a NOP inside the guest loop.
    if (exit !== EXIT_BUDGET && exit.kind !== 'wfi') this.exclusiveAddr = -1;
    return exit;
  }

  /** Runs blocks until an exit or the instruction count reaches `stop`; PC and NZCV go back to the state. */
  private runBlocks(stop: number): VcpuExit {
    const s = this.state;
    const code = this.code;
    let pc = s.pc;
    this.nzcv = s.nzcv;
    let exit: VcpuExit = EXIT_BUDGET;
    let blockPc = pc;
    let prev = -1;
    const compiled = this.wasmMemory !== null && jitTier === 'wasm' ? HdrFlag.FN_WASM : HdrFlag.FN_JS;
    try {
      while (this.icount < stop) {
        blockPc = pc;
        const id = prev < 0 ? this.lookupBlock(pc) : this.followLink(prev, pc);
        prev = id;
        // Read after the lookup, which may have translated a block into new arrays.
        const hdr = code.hdr;
        const row = id * HDR_WORDS;
        let fn: BlockFn | null = null;
        const runs = ++hdr[row + Hdr.RUNS]!;
        if ((hdr[row + Hdr.FLAGS]! & compiled) !== 0) {
          const b = code.block(id);
          fn = compiled === HdrFlag.FN_WASM ? b.wasm : b.fn;
        } else if (runs > compileAfterRuns) {
          fn = this.compileIfHot(id);
        }
        if (fn !== null) {
          pc = fn(this, pc, stop);
        } else {
          // A store may invalidate the running block (self-modifying code): it stops after that instruction.
          const i = runPredecoded(this, hdr, row, code.forms, code.closures, pc);
          this.icount += i;
          const size = hdr[row + Hdr.SIZE]!;
          pc = i === (size & 0xff) && (size & SIZE_SETS_NPC) !== 0 ? this.npc : pc + i * 4;
        }
        if (this.pendingExit !== null) {
          exit = this.pendingExit;
          this.pendingExit = null;
          break;
        }
      }
    } catch (e) {
      if (e !== CPU_TRAP) throw e;
      // The faulting instruction did not retire; the ones before it in its block did (a block that
      // compiled code chained to says where it began).
      pc = this.pc;
      this.icount += (pc - (this.faultBlockPc ?? blockPc)) / 4;
      this.faultBlockPc = null;
      exit = this.pendingExit!;
      this.pendingExit = null;
    }
    s.pc = pc;
    s.nzcv = this.nzcv;
    return exit;
  }

  /**
   * Whether a compiled block that branched back to itself may run again without returning to the
   * run loop: budget left, no exit or IRQ check pending, and fetches still translate as at `epoch`.
   */
  mayLoop(stop: number, epoch: number): boolean {
    return this.icount < stop && this.pendingExit === null && this.fetchEpoch === epoch;
  }

  /** `fetchEpoch` when the running WebAssembly block was entered. */
  jitEpoch = 0;
  /** Set when an instruction faults inside a WebAssembly block: the PC that block began at. */
  faultBlockPc: number | null = null;

  /**
   * Whether a WebAssembly block may go on after an instruction it had the interpreter run: no exit
   * is pending and fetches translate as when it began (else it returns, and the run loop takes over).
   */
  jitMayContinue(): boolean {
    return this.pendingExit === null && this.fetchEpoch === this.jitEpoch;
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

  protected abort(va: number, access: Access, fsc: number, stage2?: TranslationFault['stage2']): never {
    if (stage2 !== undefined) {
      // To the hypervisor, as a lower-EL abort (its EL2 view), with the syndrome of the instruction.
      const wnr = access === Access.WRITE && !stage2.s1ptw ? 1 << 6 : 0;
      const s1ptw = stage2.s1ptw ? 1 << 7 : 0;
      const iss = access === Access.EXEC ? s1ptw | fsc : loadStoreSyndrome(this.ramU32[this.fetchOffset(this.pc) >>> 2]!) | s1ptw | wnr | fsc;
      return this.raiseExit({ kind: 'stage2', esr: makeEsr(access === Access.EXEC ? EC.IABT_LOWER : EC.DABT_LOWER, iss), far: va, ipa: stage2.ipa });
    }
    if (access === Access.EXEC) {
      return this.raise(makeEsr(this.el === 0 ? EC.IABT_LOWER : EC.IABT_CUR, fsc), va);
    }
    const wnr = access === Access.WRITE ? 1 << 6 : 0;
    return this.raise(makeEsr(this.el === 0 ? EC.DABT_LOWER : EC.DABT_CUR, wnr | fsc), va);
  }

  // ---- translated code ----

  /** The counters of the code cache this CPU runs from (shared with the other vCPUs on the same RAM). */
  get codeStats(): CodeCacheStats {
    return this.code.stats;
  }

  /** Forgets all translated code (tests, or after the caller rewrites guest memory behind the CPU's back). */
  flushCode(): void {
    this.code.flush();
  }

  /**
   * A block that has run `compileAfterRuns` times: compiled if those runs fell within the last
   * HOT_WINDOW_INSNS instructions, else its count starts again from this run (so a block that turns
   * hot is compiled within twice the count). The vCPUs sharing the code each count their own
   * instructions, so a block another vCPU began counting may be judged on a slightly different
   * span: that moves when a block is compiled, never what it does.
   *
   * A block already waiting for its WebAssembly batch was hot and is not judged again: its runs go
   * on counting until the batch fills or they double (`compile`). Judged again, a block whose doubled
   * runs took longer than the window (md5sum's rounds: about 5,000 runs a window) went back to one
   * run each window and waited for a batch that a program with fewer than 16 hot blocks never fills,
   * interpreted all the while.
   */
  private compileIfHot(id: number): BlockFn | null {
    const hdr = this.code.hdr;
    const row = id * HDR_WORDS;
    const b = this.code.block(id);
    // The window is short of 2^32: the low halves' difference, as unsigned, is the distance (a block
    // left alone 2^32 instructions or more may look recent: compiled early, never run wrong).
    if (!b.queued && ((this.icount | 0) - hdr[row + Hdr.HOT]!) >>> 0 > HOT_WINDOW_INSNS) {
      hdr[row + Hdr.RUNS] = 1;
      hdr[row + Hdr.HOT] = this.icount | 0;
      return null;
    }
    return this.compile(b, hdr[row + Hdr.RUNS]!);
  }

  /**
   * Compiles a hot block, run `runs` times, to this vCPU's tier: JavaScript at once, or WebAssembly
   * in a batch with other hot blocks (one module for many costs far less than one each), made when
   * the batch is full or this block's runs have doubled; it is interpreted meanwhile.
   */
  private compile(b: Block, runs: number): BlockFn | null {
    if (this.wasmMemory === null || jitTier !== 'wasm') {
      b.fn = compileBlock(b);
      if (b.fn !== null) this.code.stats.blocksCompiled++;
      this.code.noteCompiled(b);
      return b.fn;
    }
    const queue = this.code.wasmQueue;
    if (!b.queued) {
      b.queued = true;
      queue.push(b);
    }
    if (queue.length < WASM_BATCH && runs <= 2 * compileAfterRuns) return null;
    const batch = queue.filter((q) => q.valid);
    queue.length = 0;
    const fns = compileWasmBlocks(batch, this.wasmMemory, (this.code.chainTable ??= new ChainTable()), (off) => this.code.get(off));
    batch.forEach((q, i) => {
      q.queued = false;
      const fn = fns[i]!;
      if (fn === null) {
        q.wasm = q.fn ?? (q.fn = compileBlock(q));
      } else {
        q.wasm = fn;
        this.jitRemember(q.off, q.wasmSlot);
      }
      if (q.wasm !== null) this.code.stats.blocksCompiled++;
      this.code.noteCompiled(q);
    });
    return b.wasm;
  }

  /** The id of the block at `pc`: from the jump cache, the code cache, or translated now. */
  private lookupBlock(pc: number): number {
    this.pc = pc;
    if ((pc & 3) !== 0) this.raise(makeEsr(EC.PC_ALIGN, 0), pc);
    const off = this.fetchOffset(pc);
    const j = (off >>> 2) & (JUMP_CACHE_SIZE - 1);
    const cached = this.jcId[j]!;
    if (cached >= 0) {
      const hdr = this.code.hdr;
      const row = cached * HDR_WORDS;
      if (hdr[row + Hdr.OFF] === (off | 0) && (hdr[row + Hdr.FLAGS]! & HdrFlag.VALID) !== 0) return cached;
    }
    const b = this.code.get(off) ?? this.translateBlock(off);
    this.jcId[j] = b.id;
    if (b.wasmSlot >= 0) this.jitRemember(off, b.wasmSlot);
    return b.id;
  }

  /** The id of the block at `pc` after block `prev`: by `prev`'s links while they hold, else looked up and linked. */
  private followLink(prev: number, pc: number): number {
    const hdr = this.code.hdr;
    const p = prev * HDR_WORDS;
    // A block a store discarded while it ran keeps no links (its id may go to the next translation).
    if ((hdr[p + Hdr.FLAGS]! & HdrFlag.VALID) === 0) return this.lookupBlock(pc);
    const epoch = this.fetchEpoch;
    // PCs are integers within ±2^53 (sign-extended VAs): these halves are exact, and int32s to V8.
    const lo = pc | 0;
    const hi = ((pc - lo) / 2 ** 32) | 0;
    const l0 = hdr[p + Hdr.L0]!;
    if (l0 >= 0 && hdr[p + Hdr.L0_LO] === lo && hdr[p + Hdr.L0_HI] === hi && hdr[p + Hdr.L0_EPOCH] === epoch && this.holds(hdr, l0, hdr[p + Hdr.L0_OFF]!)) return l0;
    const l1 = hdr[p + Hdr.L1]!;
    if (l1 >= 0 && hdr[p + Hdr.L1_LO] === lo && hdr[p + Hdr.L1_HI] === hi && hdr[p + Hdr.L1_EPOCH] === epoch && this.holds(hdr, l1, hdr[p + Hdr.L1_OFF]!)) return l1;
    const id = this.lookupBlock(pc);
    // The lookup may have translated into a new header array; the older link makes way, so both
    // ways out of a conditional branch keep one.
    const h = this.code.hdr;
    h.copyWithin(p + Hdr.L1, p + Hdr.L0, p + Hdr.L0 + (Hdr.L1 - Hdr.L0));
    h[p + Hdr.L0] = id;
    h[p + Hdr.L0_LO] = lo;
    h[p + Hdr.L0_HI] = hi;
    h[p + Hdr.L0_EPOCH] = epoch;
    h[p + Hdr.L0_OFF] = h[id * HDR_WORDS + Hdr.OFF]!;
    return id;
  }

  /**
   * Whether linked block `id` is still the live block at RAM offset `off`. A compiled one goes back
   * into this vCPU's jump cache, as `lookupBlock` puts it there: compiled code chains only through
   * that cache, whose entry another block may have taken, or which this vCPU never filled (another
   * vCPU compiled the block).
   */
  private holds(hdr: Int32Array, id: number, off: number): boolean {
    const row = id * HDR_WORDS;
    const flags = hdr[row + Hdr.FLAGS]!;
    if ((flags & HdrFlag.VALID) === 0 || hdr[row + Hdr.OFF] !== off) return false;
    if ((flags & HdrFlag.WASM_SLOT) !== 0) this.jitRemember(off >>> 0, this.code.block(id).wasmSlot);
    return true;
  }

  private translateBlock(off: number): Block {
    const forms: number[] = [];
    const closures: Exec[] = [];
    const insns: number[] = [];
    let setsNpc = false;
    const pageEnd = off - (off % PAGE_SIZE) + PAGE_SIZE;
    for (let o = off; o < pageEnd && insns.length < MAX_BLOCK_INSNS; o += 4) {
      const insn = this.ramU32[o >>> 2]!;
      const f = insnForm(insn);
      forms.push(f.preHead, f.preImm0, f.preImm1);
      if (f.closure !== null) closures.push(f.closure);
      insns.push(insn);
      if (f.endsBlock) {
        setsNpc = true;
        break;
      }
    }
    return this.code.add(off, { forms, closures, insns: Uint32Array.from(insns), setsNpc }, this.icount);
  }

}

/** The stage-1 walk's live view of the translation registers, as 32-bit halves of the sysreg storage. */
function stage1Regs(sys: BigUint64Array): Stage1Regs {
  const w = new Uint32Array(sys.buffer, sys.byteOffset, sys.length * 2);
  return {
    get tcrLo() { return w[SLOT_TCR * 2]!; },
    get tcrHi() { return w[SLOT_TCR * 2 + 1]!; },
    get ttbr0Lo() { return w[SLOT_TTBR0 * 2]!; },
    get ttbr0Hi() { return w[SLOT_TTBR0 * 2 + 1]!; },
    get ttbr1Lo() { return w[SLOT_TTBR1 * 2]!; },
    get ttbr1Hi() { return w[SLOT_TTBR1 * 2 + 1]!; },
    get sctlrLo() { return w[SLOT_SCTLR * 2]!; },
  };
}

function sysregKeyOf(r: ExtraSysreg): number {
  return sysregKey(r.op0, r.op1, r.crn, r.crm, r.op2);
}
