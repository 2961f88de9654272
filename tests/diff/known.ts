/**
 * Mismatches with QEMU that are known and not yet fixed. The CI test (diff.test.ts) reports them
 * without failing; fuzz_cli.ts still prints them, marked as known. Each entry says why and whose
 * code it is; remove it when the fix lands (the test then fails again if the mismatch remains).
 */
import type { CaseResult } from './session.js';

/** Patterns all of whose mismatches are tolerated (e.g. not finished yet): pattern name -> reason. */
export const KNOWN_MISMATCHES: Readonly<Record<string, string>> = {};

export interface KnownIssue {
  readonly reason: string;
  /** True when this result's differences are exactly this issue. */
  readonly matches: (r: CaseResult) => boolean;
}

/*
 * Example (fixed since, kept as the pattern to follow): a page-crossing access reported a later
 * byte as its fault address.
 *   { reason: 'page-crossing access reports a later byte as the fault address (mem_access.ts)',
 *     matches: (r) => r.diffs.length === 1 && r.diffs[0]!.field === 'fault addr' && ... }
 */
export const KNOWN_ISSUES: readonly KnownIssue[] = [];

/** Why a mismatching result is tolerated, or undefined when it is not. */
export function knownReason(r: CaseResult, patternNames: readonly string[]): string | undefined {
  for (const n of patternNames) {
    const why = KNOWN_MISMATCHES[n];
    if (why !== undefined) return `${n}: ${why}`;
  }
  return KNOWN_ISSUES.find((k) => k.matches(r))?.reason;
}
