/**
 * Prerequisites from outside the repository (a cross compiler, qemu-aarch64-static, dtc, the cached
 * guest images): every test that needs one declares it through this module, so that a missing one is
 * handled the same way everywhere. Outside CI the test is skipped and the reporter prints the reason.
 * Under CI (`CI` set, as `.ci/run` runs) the run fails instead: CI installs everything, so a skip
 * there means a broken setup, and a green run with 20 differential tests skipped tests nothing.
 */
import { test, type TestContext } from 'node:test';
import { spawnSync } from 'node:child_process';

/** A prerequisite's state: null (or false) when present, else why it is missing. */
export type Missing = string | null | false;

/** True under CI: `CI` is set to anything but an empty string, "0" or "false". */
export function inCi(): boolean {
  const v = process.env['CI'];
  return v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
}

function onPath(cmd: string): boolean {
  return spawnSync('sh', ['-c', 'command -v "$1"', 'sh', cmd], { stdio: 'ignore' }).status === 0;
}

/** Why the commands cannot run here ("dtc, cpio are not installed"), or null when all are on PATH. */
export function missingCommands(...cmds: readonly string[]): string | null {
  const missing = cmds.filter((c) => !onPath(c));
  if (missing.length === 0) return null;
  return `${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not installed (.ci/run installs ${missing.length === 1 ? 'it' : 'them'})`;
}

/** The first missing prerequisite of several, or null. */
export function firstMissing(...reasons: readonly Missing[]): string | null {
  return reasons.find((r): r is string => typeof r === 'string') ?? null;
}

function ciMessage(reason: string): string {
  return `${reason}: a missing prerequisite fails the run under CI (CI=${process.env['CI']}) instead of skipping`;
}

const reportedInCi = new Set<string>();

/**
 * Options for `test()`/`describe()` that skip when `missing` is a reason. Under CI the tests are
 * still skipped (running them would only fail less clearly), and one failing test named after the
 * reason is added to the file so the run fails.
 */
export function skipUnlessAvailable(missing: Missing): { skip: string | false } {
  if (missing === null || missing === false) return { skip: false };
  if (inCi() && !reportedInCi.has(missing)) {
    reportedInCi.add(missing);
    test(`prerequisite: ${missing}`, () => {
      throw new Error(ciMessage(missing));
    });
  }
  return { skip: missing };
}

/**
 * The same inside a running test, for prerequisites known only then: returns true after skipping
 * `t` (the caller returns), false when nothing is missing; under CI it throws, failing `t`.
 */
export function skipTestUnlessAvailable(t: TestContext, missing: Missing): boolean {
  if (missing === null || missing === false) return false;
  if (inCi()) throw new Error(ciMessage(missing));
  t.skip(missing);
  return true;
}
