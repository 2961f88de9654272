/**
 * Runs cases on both sides and compares them: the core shared by fuzz_cli.ts and the tests.
 */
import { compareOutcomes, type FieldDiff } from './compare.js';
import type { Outcome, TestCase } from './layout.js';
import { runQemu } from './qemu.js';
import { OurMachine } from './run_ours.js';

export interface CaseResult {
  readonly tc: TestCase;
  readonly ours: Outcome | null;
  readonly qemu: Outcome;
  /** Empty when the two sides agree. */
  readonly diffs: readonly FieldDiff[];
}

let machine: OurMachine | null = null;

export function runBoth(cases: readonly TestCase[]): CaseResult[] {
  const qemu = runQemu(cases);
  machine ??= new OurMachine();
  const m = machine;
  return cases.map((tc, i) => {
    const q = qemu[i]!;
    let ours: Outcome;
    try {
      ours = m.run(tc);
    } catch (e) {
      // A handler bug (a JS exception escaping the CPU) is a mismatch like any other.
      machine = new OurMachine();
      const msg = e instanceof Error ? (e.stack ?? e.message) : String(e);
      return { tc, ours: null, qemu: q, diffs: [{ field: 'exception', ours: msg, qemu: '-' }] };
    }
    return { tc, ours, qemu: q, diffs: compareOutcomes(tc, ours, q) };
  });
}
