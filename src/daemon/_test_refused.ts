/** Test helper for the daemon's request parsers: a call that must be refused with an ApiError. */
import assert from 'node:assert/strict';
import { ApiError } from './api_error.js';

/**
 * Asserts that `f` throws an error whose message matches `re`, with HTTP status `status` (an
 * error that is not an ApiError, such as a ConfigError from a spec parser, counts as 400: the
 * server answers it so).
 */
export function refused(f: () => unknown, re: RegExp, status = 400): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof Error, String(e));
    assert.equal(e instanceof ApiError ? e.status : 400, status, e.message);
    assert.match(e.message, re);
    return true;
  });
}
