/**
 * The EL1&0 stage-1 MMU as an AddressTranslator: with SCTLR_EL1.M clear, virtual = physical; with it
 * set, `walkStage1` over descriptors read from guest RAM, then the permission check for the EL.
 *
 * The seam for the hypervisor's stage 2 is `Stage2`: when present, every descriptor address produced
 * by the walk and the walk's output address are intermediate physical addresses that it translates
 * (a stage-2 fault is reported as the returned fault; the hypervisor will need a richer report).
 */
import { Access, type AddressTranslator, type PhysicalBus, type TranslationFault } from './translator.js';
import { checkStage1Access, isStage1Fault, stage1Fsc, walkStage1, type Stage1Regs } from './stage1.js';

const SCTLR_M = 1n;
/** Physical addresses beyond 48 bits do not exist on this machine (ID_AA64MMFR0.PARange <= 48 bits). */
const PA_LIMIT = 2 ** 48;
/** FSC of a translation fault at level 0 (an address out of the input range with the MMU off). */
const FSC_ADDRESS_SIZE_L0 = 0x00;

/** Stage 2 (IPA -> PA); returns the PA or a fault. */
export type Stage2 = (ipa: number, access: Access) => number | TranslationFault;

export class Stage1Mmu implements AddressTranslator {
  private readonly regs: () => Stage1Regs;
  private readonly ram: BigUint64Array;
  private readonly ramBase: number;
  private readonly ramSize: number;
  private readonly stage2: Stage2 | null;

  constructor(bus: PhysicalBus, regs: () => Stage1Regs, stage2: Stage2 | null = null) {
    this.regs = regs;
    this.ram = new BigUint64Array(bus.ram, 0, bus.ram.byteLength >>> 3);
    this.ramBase = bus.ramBase;
    this.ramSize = bus.ram.byteLength;
    this.stage2 = stage2;
  }

  /** A 64-bit descriptor from RAM; null when the address is outside RAM or misaligned (external abort on the walk). */
  private readonly readDesc = (ipa: number): bigint | null => {
    let pa = ipa;
    if (this.stage2 !== null) {
      const r = this.stage2(ipa, Access.READ);
      if (typeof r !== 'number') return null;
      pa = r;
    }
    const off = pa - this.ramBase;
    if (off < 0 || off + 8 > this.ramSize || (off & 7) !== 0) return null;
    return this.ram[off / 8]!;
  };

  translate(va: number, access: Access, el: number): number | TranslationFault {
    const regs = this.regs();
    if ((regs.sctlr & SCTLR_M) === 0n) {
      // MMU off: flat, and addresses beyond the physical range fault.
      if (va < 0 || va >= PA_LIMIT) return { fsc: FSC_ADDRESS_SIZE_L0 };
      return this.stage2 === null ? va : this.stage2(va, access);
    }
    const m = walkStage1(va, regs, this.readDesc);
    if (isStage1Fault(m)) return { fsc: stage1Fsc(m) };
    const denied = checkStage1Access(m, access, el);
    if (denied !== null) return { fsc: stage1Fsc(denied) };
    return this.stage2 === null ? m.pa : this.stage2(m.pa, access);
  }
}
