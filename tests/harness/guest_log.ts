/**
 * Kernel trouble in a guest's console log. A guest can hit an Oops, a WARN_ON or an RCU stall and
 * still reach its poweroff, so a boot test that only checks the script's output passes over a
 * kernel that is quietly broken on our CPU or board. Every test that boots a kernel runs its log
 * through `assertCleanGuestLog`.
 */
import assert from 'node:assert/strict';

/** One kind of kernel report, and how its first line looks once the printk prefixes are removed. */
const TROUBLE: readonly (readonly [string, RegExp])[] = [
  // arm64's die() prints "Internal error: Oops: <esr> [#1] SMP" ("Oops - BUG:" for a BUG()); other
  // architectures start the line with "Oops:".
  ['kernel Oops', /^(?:Internal error: )?Oops\b/],
  ['kernel BUG', /^BUG: |^kernel BUG at /],
  ['kernel WARNING', /^WARNING: /],
  // "rcu: INFO: rcu_preempt self-detected stall on CPU", "... detected stalls on CPUs/tasks:",
  // "... detected expedited stalls ..." (rcu_sched, rcu_preempt or a tasks flavour); older kernels
  // print no "rcu: " prefix.
  ['RCU stall', /^(?:rcu: )?INFO: rcu\w* (?:self-detected stall|detected (?:expedited )?stalls?)|\bRCU stall\b/],
  ['kernel panic', /^Kernel panic - /],
  ['kernel fault', /^Unable to handle kernel /],
];

/** printk's "[    1.234567] " timestamp and "[    T1] " / "[  C0] " caller id, in any number. */
const PRINTK_PREFIX = /^(?:\[[^\]]*\]\s*)+/;

/** A line of the log that reports kernel trouble. */
export interface GuestLogProblem {
  readonly kind: string;
  /** 1-based line number in the log. */
  readonly lineNo: number;
  readonly line: string;
}

/** Every line of `log` that reports kernel trouble (see TROUBLE), in order. */
export function guestLogProblems(log: string): GuestLogProblem[] {
  const out: GuestLogProblem[] = [];
  log.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r/g, '').trimEnd();
    const msg = line.replace(PRINTK_PREFIX, '');
    const hit = TROUBLE.find(([, re]) => re.test(msg));
    if (hit !== undefined) out.push({ kind: hit[0], lineNo: i + 1, line });
  });
  return out;
}

/**
 * Fails when the guest's console log reports an Oops, BUG, WARNING, RCU stall, panic or a kernel
 * fault, quoting each report with the lines that follow the first one (the register dump and
 * backtrace say where to look).
 */
export function assertCleanGuestLog(log: string, what = 'guest console log'): void {
  const problems = guestLogProblems(log);
  if (problems.length === 0) return;
  const lines = log.replace(/\r/g, '').split('\n');
  const first = problems[0]!;
  const listed = problems.slice(0, 10).map((p) => `  line ${p.lineNo} (${p.kind}): ${p.line}`).join('\n');
  const context = lines.slice(first.lineNo - 1, first.lineNo + 30).join('\n');
  assert.fail(`${what}: the kernel reported trouble ${problems.length} time(s)\n${listed}\n--- from line ${first.lineNo} ---\n${context}`);
}
