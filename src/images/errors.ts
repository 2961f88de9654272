/** The error kinds of this module: images that cannot be fetched or verified, and disk images that cannot be built. */
import { XenonError } from '../lib/errors.js';

/** A `XenonError` with code IMAGE_FETCH; `cause` carries the underlying error, if any. */
export function imageFetchError(message: string, cause?: unknown): XenonError {
  return new XenonError('IMAGE_FETCH', message, cause === undefined ? undefined : { cause });
}

/** A `XenonError` with code IMAGE_BUILD: a host tool (mke2fs, debugfs, qemu-img) failed, or the output is in the way. */
export function imageBuildError(message: string, cause?: unknown): XenonError {
  return new XenonError('IMAGE_BUILD', message, cause === undefined ? undefined : { cause });
}
