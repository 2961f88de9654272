/**
 * The UNDEF check: random encodings our decoder calls UNDEFINED should raise SIGILL under QEMU too,
 * except encodings of features the QEMU CPU model has and ours (ARMv8.0 + CRC32 + LSE) does not.
 */
import { translateInsn } from '../../src/arch/arm64/interp/index.js';
import { disassemble } from './compare.js';
import { randomState } from './gen.js';
import { CODE_BASE, Rng, SIG, type TestCase } from './layout.js';
import { runQemu } from './qemu.js';

export interface UndefFinding {
  readonly word: number;
  readonly asm: string;
  /** The feature beyond ours that explains it, or null: a gap in our decoder. */
  readonly feature: string | null;
}

export function undefCheck(seed: number, count: number): { tested: number; executed: UndefFinding[] } {
  const rng = new Rng(seed, 0x0def);
  const cases: TestCase[] = [];
  for (let tries = 0; cases.length < count && tries < count * 1000; tries++) {
    let w = rng.u32();
    // Random words hit the system space rarely; draw a quarter of the cases from it. MSR TPIDR_EL0
    // would break the harness process's own thread pointer, so it is never tried.
    if (tries % 4 === 0) w = (0xd500_0000 | (w & 0x003f_ffff)) >>> 0;
    if ((w & 0xfff0_0000) >>> 0 === 0xd510_0000 && ((w >>> 5) & 0x7fff) === 0x5e82) continue;
    if (translateInsn(w).name !== 'UNDEFINED') continue;
    cases.push({ words: [w], state: randomState(rng), label: `seed ${seed} undef case ${cases.length}` });
  }
  const q = runQemu(cases);
  const words = cases.filter((_, i) => !(q[i]!.signal === SIG.ILL && q[i]!.pc === BigInt(CODE_BASE))).map((c) => c.words[0]!);
  const asm = words.length > 0 ? disassemble(words) : [];
  return { tested: cases.length, executed: words.map((word, i) => ({ word, asm: asm[i]!, feature: beyondOurs(asm[i]!, word) })) };
}

/**
 * The cortex-a76 feature beyond ours that an instruction belongs to (or the kernel service it
 * relies on), from objdump's disassembly; null when our decoder should know it.
 */
export function beyondOurs(asm: string, word: number): string | null {
  const [mn = '', ops = ''] = asm.split(/ (.*)/);
  // MRS in the ID register space (op0=3, op1=0, CRn=0): Linux traps and emulates these for EL0
  // (HWCAP_CPUID), and qemu-user does the same. That is the user-mode runner's job, not the CPU's.
  if ((word & 0xffff_f000) >>> 0 === 0xd538_0000) return 'ID register, emulated by Linux';
  if (/^(ldlar|stllr)/.test(mn)) return 'LOR';
  if (/^sqrdml[as]h/.test(mn)) return 'RDM';
  if (/^[su]dot/.test(mn)) return 'DotProd';
  if (/^ldapur?/.test(mn)) return 'RCPC';
  // Seen in glibc's ifunc variants, chosen only when HWCAP says so: SVE, MOPS, MTE.
  if (/^(cnt[bhwd]|ptrue|while\w+|rdvl|addvl)$/.test(mn) || /\b[zp]\d{1,2}\b/.test(ops)) return 'SVE';
  if (/^(cpy|set)[fpme]/.test(mn)) return 'MOPS';
  if (/^(irg|gmi|addg|subg|subps?|ldg|stg|st2g|stzg|stz2g|ldgm|stgm|stzgm|stgp)$/.test(mn) || /^dc (gva|gzva|igvac|igsw|cgvac|cgdvac)/.test(asm)) return 'MTE';
  if (/^f(mlal|mlsl)/.test(mn)) return 'FHM';
  if (/^(aes|sha1|sha256|sha512|sm3|sm4)/.test(mn) || (/^pmull2?$/.test(mn) && ops.includes('.1q'))) return 'Crypto';
  // Half-precision arithmetic: FP instructions on H registers or .4h/.8h lanes, except the v8.0 conversions.
  const half = /\bh\d+\b|\.[48]h\b|\.h\[/.test(ops);
  if (half && /^(f|scvtf|ucvtf)/.test(mn) && !/^fcvt$/.test(mn)) return 'FP16';
  return null;
}
