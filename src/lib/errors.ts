/**
 * Typed errors for host and user faults, and assertions for bugs.
 *
 * Guest-triggered conditions never use these: they become architectural exceptions or Xen error returns.
 */
import { ERROR_CODES, type ErrorCode } from './error_codes.js';

/** A host or user error with a stable code from the catalogue in error_codes.ts. */
export class XenonError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'XenonError';
    this.code = code;
  }
  /** Exit status for the CLI, derived from the code so every command reports the same failure the same way. */
  get exitStatus(): number {
    return ERROR_CODES[this.code].exitStatus;
  }
}

/** Thrown only for conditions that indicate a bug in Xenon, never for bad input. */
export class BugIndicatingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BugIndicatingError';
  }
}

export function assert(cond: unknown, message: string): asserts cond {
  if (!cond) throw new BugIndicatingError(message);
}

export function assertNever(x: never): never {
  throw new BugIndicatingError(`Unexpected value ${String(x)}`);
}
