/**
 * The EL1&0 stage-1 MMU as an AddressTranslator: with SCTLR_EL1.M clear, virtual = physical; with it
 * set, `walkStage1` over descriptors read from guest RAM, then the permission check for the EL.
 *
 * The seam for the hypervisor's stage 2 is `Stage2`: when present, every descriptor address produced
 * by the walk and the walk's output address are intermediate physical addresses that it translates.
 * A stage-2 fault comes back with the IPA and whether the walk itself faulted (S1PTW), so the CPU
 * can exit to the hypervisor with a data or instruction abort syndrome as EL2 would see it.
 */
import { Access, guestRamBytes, type AddressTranslator, type MappingInfo, type PhysicalBus, type TranslationFault } from './translator.js';
import { checkStage1Access, isStage1Fault, stage1Fsc, walkStage1, type Stage1Regs } from './stage1.js';

const SCTLR_M = 1;
/** A contiguous run is 16 entries with the 4 KiB granule (D8.6.1). */
const CONTIGUOUS_LOG2 = 4;
/** Physical addresses beyond 48 bits do not exist on this machine (ID_AA64MMFR0.PARange <= 48 bits). */
const PA_LIMIT = 2 ** 48;
/** FSC of a translation fault at level 0 (an address out of the input range with the MMU off). */
const FSC_ADDRESS_SIZE_L0 = 0x00;
/** FSC of a translation fault at level 0: what a stage-2 refusal reports (the p2m has no levels). */
const FSC_TRANSLATION_L0 = 0x04;

/** Stage 2 (IPA -> PA); returns the PA or a fault. */
export type Stage2 = (ipa: number, access: Access) => number | TranslationFault;

export class Stage1Mmu implements AddressTranslator {
  readonly last: MappingInfo = { global: true, spanLog2: 12 };
  private readonly regs: Stage1Regs;
  private readonly ram: Uint32Array;
  private readonly ramBase: number;
  private readonly ramSize: number;
  private readonly stage2: Stage2 | null;
  /** The IPA of a descriptor read that stage 2 refused during the current walk, or null. */
  private walkFaultIpa: number | null = null;

  /** `regs` is read at every walk: a live view of the translation registers. */
  constructor(bus: PhysicalBus, regs: Stage1Regs, stage2: Stage2 | null = null) {
    this.regs = regs;
    this.ramSize = guestRamBytes(bus);
    this.ram = new Uint32Array(bus.ram, 0, Math.floor(this.ramSize / 4));
    this.ramBase = bus.ramBase;
    this.stage2 = stage2;
  }

  /** A 64-bit descriptor from RAM; false when the address is outside RAM or misaligned (external abort on the walk). */
  private readonly readDesc = (ipa: number, out: Uint32Array): boolean => {
    let pa = ipa;
    if (this.stage2 !== null) {
      const r = this.stage2(ipa, Access.READ);
      if (typeof r !== 'number') {
        this.walkFaultIpa = ipa;
        return false;
      }
      pa = r;
    }
    const off = pa - this.ramBase;
    if (off < 0 || off + 8 > this.ramSize || (off & 7) !== 0) return false;
    out[0] = this.ram[off / 4]!;
    out[1] = this.ram[off / 4 + 1]!;
    return true;
  };

  translate(va: number, access: Access, el: number): number | TranslationFault {
    const regs = this.regs;
    const last = this.last;
    if ((regs.sctlrLo & SCTLR_M) === 0) {
      // MMU off: flat, and addresses beyond the physical range fault.
      if (va < 0 || va >= PA_LIMIT) return { fsc: FSC_ADDRESS_SIZE_L0 };
      last.global = true;
      last.spanLog2 = 12;
      return this.stage2 === null ? va : this.second(va, access);
    }
    this.walkFaultIpa = null;
    const m = walkStage1(va, regs, this.readDesc);
    if (this.walkFaultIpa !== null) return { fsc: FSC_TRANSLATION_L0, stage2: { ipa: this.walkFaultIpa, s1ptw: true } };
    if (isStage1Fault(m)) return { fsc: stage1Fsc(m) };
    const denied = checkStage1Access(m, access, el);
    if (denied !== null) return { fsc: stage1Fsc(denied) };
    last.global = !m.nG;
    last.spanLog2 = m.contiguous ? m.sizeLog2 + CONTIGUOUS_LOG2 : m.sizeLog2;
    return this.stage2 === null ? m.pa : this.second(m.pa, access);
  }

  /** Stage 2 of an output address; a refusal carries the IPA. */
  private second(ipa: number, access: Access): number | TranslationFault {
    const r = this.stage2!(ipa, access);
    return typeof r === 'number' ? r : { fsc: r.fsc, stage2: { ipa, s1ptw: false } };
  }
}
