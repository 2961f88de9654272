/**
 * Mismatches with QEMU that are known and not yet fixed. The CI test (diff.test.ts) reports them
 * without failing; fuzz_cli.ts still prints them, marked as known. Each entry says why and whose
 * code it is; remove it when the fix lands (the test then fails again if the mismatch remains).
 */
import { CODE_BASE, SIG } from './layout.js';
import type { CaseResult } from './session.js';

/** Patterns all of whose mismatches are tolerated (e.g. not finished yet): pattern name -> reason. */
export const KNOWN_MISMATCHES: Readonly<Record<string, string>> = {};

export interface KnownIssue {
  readonly reason: string;
  /** True when this result's differences are exactly this issue. */
  readonly matches: (r: CaseResult) => boolean;
}

export const KNOWN_ISSUES: readonly KnownIssue[] = [
  {
    // ldst_simd / ldst_pair: an access made of several parts (LD1-4/ST1-4 structures, LDP/STP of
    // Q registers) that crosses into an unmapped page. QEMU performs the parts in the first page
    // before faulting and reports the first faulting part's address; ours checks first and performs
    // none. Both are allowed (the Arm ARM leaves memory and registers UNKNOWN after a fault part-way
    // through), but we aim to match QEMU.
    reason: 'multi-part load/store faulting part-way: QEMU does the parts before the fault, we do none (ldst_simd, ldst_pair)',
    matches: (r) => {
      if (r.ours === null || r.ours.signal !== SIG.SEGV || r.qemu.signal !== SIG.SEGV || r.ours.pc !== r.qemu.pc) return false;
      const w = r.tc.words[Number(r.ours.pc - BigInt(CODE_BASE)) / 4];
      if (w === undefined) return false;
      const structure = ((w & 0xbe00_0000) >>> 0) === 0x0c00_0000;
      const pair = ((w & 0x3800_0000) >>> 0) === 0x2800_0000;
      return (structure || pair) && r.diffs.every((d) => d.field === 'fault addr' || d.field.startsWith('mem ') || /^[vx]\d+$/.test(d.field));
    },
  },
];

/** Why a mismatching result is tolerated, or undefined when it is not. */
export function knownReason(r: CaseResult, patternNames: readonly string[]): string | undefined {
  for (const n of patternNames) {
    const why = KNOWN_MISMATCHES[n];
    if (why !== undefined) return `${n}: ${why}`;
  }
  return KNOWN_ISSUES.find((k) => k.matches(r))?.reason;
}
