/**
 * Our side of the differential test: runs cases on our CPU with the same memory layout as
 * harness.c (an RWX code page and a read/write data region, nothing else mapped), and maps our exits
 * onto the signals Linux would deliver, so outcomes compare field by field.
 */
import { Cpu } from '../../src/arch/arm64/cpu.js';
import { allocateJitMemory, jitAreaOffset } from '../../src/arch/arm64/jit/guest_memory.js';
import { EC, FSC, ecOf, type VcpuExit } from '../../src/arch/arm64/exit.js';
import { Access, type AddressTranslator, type PhysicalBus } from '../../src/arch/arm64/mmu/translator.js';
import {
  CODE_BASE,
  CODE_SIZE,
  DATA_BASE,
  DATA_SIZE,
  SIG,
  TERMINATOR,
  changedChunks,
  fillData,
  type Outcome,
  type TestCase,
} from './layout.js';

/** RAM layout: the code page at offset 0, the data region after it. */
const CODE_OFF = 0;
const DATA_OFF = CODE_SIZE;
/** Instructions before we call it an endless loop (QEMU's side has a 1 s alarm). */
const BUDGET = 100_000;

const u64 = (n: number): bigint => BigInt.asUintN(64, BigInt(n));

export class OurMachine {
  // Guest memory with one vCPU area after it, so the WebAssembly tier runs here too.
  private readonly jit = allocateJitMemory(CODE_SIZE + DATA_SIZE, 1)!;
  private readonly ram = this.jit.memory.buffer;
  private readonly u8 = new Uint8Array(this.ram, 0, CODE_SIZE + DATA_SIZE);
  private readonly initial = new Uint8Array(DATA_SIZE);
  readonly cpu: Cpu;

  constructor() {
    const bus: PhysicalBus = { ram: this.ram, ramBase: 0, ramSize: CODE_SIZE + DATA_SIZE, jit: this.jit, mmioRead: () => null, mmioWrite: () => false };
    const translator: AddressTranslator = {
      translate: (va, access) => {
        if (va >= CODE_BASE && va < CODE_BASE + CODE_SIZE) return va - CODE_BASE + CODE_OFF;
        if (va >= DATA_BASE && va < DATA_BASE + DATA_SIZE && access !== Access.EXEC) return va - DATA_BASE + DATA_OFF;
        return { fsc: va >= DATA_BASE && va < DATA_BASE + DATA_SIZE ? FSC.PERMISSION_L0 + 3 : FSC.TRANSLATION_L0 + 3 };
      },
    };
    this.cpu = new Cpu({ bus, translator, jitArea: jitAreaOffset(this.jit, 0)! });
  }

  /**
   * Runs `tc` from its initial state. With `keepTlb`, the TLB keeps what an earlier run filled (the
   * mappings never change), so compiled loads and stores take their inline hit path.
   */
  run(tc: TestCase, keepTlb = false): Outcome {
    const { cpu, u8 } = this;
    const s = cpu.state;
    const dv = new DataView(this.ram);
    u8.fill(0, CODE_OFF, CODE_OFF + CODE_SIZE);
    tc.words.forEach((w, i) => dv.setUint32(CODE_OFF + 4 * i, w >>> 0, true));
    dv.setUint32(CODE_OFF + 4 * tc.words.length, TERMINATOR, true);
    fillData(tc.state.dataSeed, this.initial);
    u8.set(this.initial, DATA_OFF);
    cpu.flushCode();
    if (!keepTlb) cpu.tlbFlushAll();
    cpu.exclusiveAddr = -1;
    for (let i = 0; i < 32; i++) s.x64[i] = tc.state.x[i]!;
    s.x64[32] = 0n;
    s.v8.set(tc.state.v);
    s.nzcv = tc.state.nzcv;
    s.fpcr = tc.state.fpcr;
    s.fpsr = tc.state.fpsr;
    s.pc = CODE_BASE;

    let exit: VcpuExit;
    let budget = BUDGET;
    for (;;) {
      const before = cpu.icount;
      exit = cpu.run(budget);
      budget -= cpu.icount - before;
      // Linux lets EL0 run WFI/WFE as hints; keep going.
      if ((exit.kind === 'wfi' || exit.kind === 'wfe') && budget > 0) continue;
      break;
    }
    const { signal, pc, addr } = mapExit(exit, s.pc);
    const x: bigint[] = [];
    for (let i = 0; i < 32; i++) x.push(s.x64[i]!);
    return {
      signal,
      pc,
      addr,
      x,
      nzcv: s.nzcv >>> 0,
      fpcr: s.fpcr >>> 0,
      fpsr: s.fpsr >>> 0,
      v: s.v8.slice(),
      chunks: changedChunks(this.initial, u8.subarray(DATA_OFF, DATA_OFF + DATA_SIZE)),
    };
  }
}

/** The signal Linux delivers for each of our exits, with the PC and si_addr it reports. */
function mapExit(exit: VcpuExit, pcNum: number): { signal: number; pc: bigint; addr: bigint } {
  const pc = u64(pcNum);
  switch (exit.kind) {
    case 'brk':
      return { signal: SIG.TRAP, pc, addr: pc };
    case 'budget':
    case 'wfi':
    case 'wfe':
      return { signal: SIG.ALRM, pc, addr: 0n };
    case 'svc':
      // The generators never emit SVC: a syscall would make QEMU's side do real work.
      return { signal: -1, pc: pc - 4n, addr: 0n };
    case 'hvc':
    case 'smc':
      // Undefined at EL0: Linux delivers SIGILL at the instruction.
      return { signal: SIG.ILL, pc: pc - 4n, addr: pc - 4n };
    case 'stage2':
    case 'exception-loop':
      // User mode has no stage 2 and takes no exception itself; a harness that reported one would be broken.
      throw new Error(`Unexpected ${exit.kind} exit at 0x${pc.toString(16)}`);
    case 'exception': {
      const ec = ecOf(exit.esr);
      const far = u64(exit.far);
      switch (ec) {
        case EC.DABT_LOWER:
        case EC.DABT_CUR:
        case EC.IABT_LOWER:
        case EC.IABT_CUR:
          return { signal: (exit.esr & 0x3f) === FSC.ALIGNMENT ? SIG.BUS : SIG.SEGV, pc, addr: far };
        case EC.PC_ALIGN:
        case EC.SP_ALIGN:
          return { signal: SIG.BUS, pc, addr: far };
        case EC.FP_EXC64:
          return { signal: SIG.FPE, pc, addr: pc };
        default:
          return { signal: SIG.ILL, pc, addr: pc };
      }
    }
  }
}
