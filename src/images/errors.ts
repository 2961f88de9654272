/** The one error kind of this module: anything that stops images being fetched or verified. */
import { XenonError } from '../lib/errors.js';

/** A `XenonError` with code IMAGE_FETCH; `cause` carries the underlying error, if any. */
export function imageFetchError(message: string, cause?: unknown): XenonError {
  return new XenonError('IMAGE_FETCH', message, cause === undefined ? undefined : { cause });
}
