/**
 * Reading a frontend's xenstore keys and reporting a fatal device error, as every backend does
 * (Linux's xenbus_read_unsigned and xenbus_dev_fatal). The frontend owns its keys, so each value
 * is untrusted text: anything that is not what the protocol says reads as absent.
 */
import type { XsClient } from '../xenstore/index.js';

/** The key's value, or undefined when it is absent or unreadable. */
export function readKey(xs: XsClient, path: string): string | undefined {
  try {
    return xs.read(path);
  } catch {
    return undefined;
  }
}

/** A non-negative decimal integer below 2^32, or undefined when absent or malformed. */
export function readUint(xs: XsClient, path: string): number | undefined {
  const s = readKey(xs, path);
  if (s === undefined || !/^\d{1,10}$/.test(s)) return undefined;
  const n = Number(s);
  return n <= 0xffffffff ? n : undefined;
}

/** A frontend feature flag: "1" is on; absent, "0" or anything else is off. */
export function readFlag(xs: XsClient, path: string): boolean {
  return readUint(xs, path) === 1;
}

/**
 * xenbus_dev_fatal's report: `<errno> <reason>` under `/local/domain/0/error/<backend, relative to
 * Domain-0's home>/error`, where `xl` and an administrator look. Best effort: the caller's state
 * change to Closing is what the frontend acts on.
 */
export function reportFatal(xs: XsClient, backendPath: string, reason: string, errno = 22): void {
  const rel = backendPath.replace(/^\/local\/domain\/0\//, '');
  try {
    xs.write(`/local/domain/0/error/${rel}/error`, `${errno} ${reason}`);
  } catch {
    // Xenstore refusing the report must not stop the device from closing.
  }
}
