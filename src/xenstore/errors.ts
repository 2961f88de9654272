/**
 * Typed errors of the xenstore service. Guests never see these: a guest request gets an XS_ERROR
 * reply. They reach Domain-0 code (the in-process client), transports that must drop a connection,
 * and whoever restores a saved store.
 */
import { XenonError } from '../lib/errors.js';
import type { XsErrno } from './wire.js';

/** A request was refused by xenstored; `errno` is the name it replied with (e.g. "ENOENT"). */
export class XsError extends XenonError {
  readonly errno: XsErrno;
  constructor(errno: XsErrno, message: string, options?: { cause?: unknown }) {
    super('XENSTORE', message, options);
    this.name = 'XsError';
    this.errno = errno;
  }
}

/** A byte stream broke the wire protocol; the connection it came from cannot continue. */
export class XsWireError extends XenonError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('XENSTORE', message, options);
    this.name = 'XsWireError';
  }
}

/** A saved store image is malformed or of an unknown version. */
export class XsImageError extends XenonError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('XENSTORE', message, options);
    this.name = 'XsImageError';
  }
}
