/**
 * Patterns whose mismatches with QEMU are known and not yet fixed. The bounded test (diff.test.ts)
 * reports them without failing; fuzz_cli.ts still shows them. Each entry says why; remove it when the
 * owner fixes the pattern.
 */
export const KNOWN_MISMATCHES: Readonly<Record<string, string>> = {};
