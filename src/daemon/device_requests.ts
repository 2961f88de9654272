/**
 * What the device routes' requests share (xl block-* and network-*): the attach body's
 * specification, given as one string or as the components xl takes from its command line, and
 * the device named by the last path segment. Both are bounded and checked before any parser runs.
 */
import { ApiError } from './api_error.js';

/** Components one attach may have (xl takes them from its command line, one per argument). */
export const MAX_SPEC_COMPONENTS = 64;
/**
 * Characters a whole spec may have: a PATH_MAX target and every keyword fit in half of it. Past it
 * the request is refused as too large (413) before any parser runs; the disk scanner, quadratic
 * in the spec's length, keeps the same bound itself (MAX_DISK_SPEC_CHARS) for specs from files.
 */
export const MAX_SPEC_CHARS = 8 * 1024;

/**
 * The components of `body.spec`: a string is one component, a list is taken as it is. `what`
 * names the specification in messages ("a disk specification"); `minComponents` is 0 where xl
 * accepts none (network-attach with every default).
 */
export function specComponents(body: unknown, o: { readonly what: string; readonly minComponents: number }): string[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ApiError(400, 'The request body must be a JSON object');
  const raw = (body as Record<string, unknown>)['spec'];
  const components: unknown = typeof raw === 'string' ? [raw] : raw;
  if (!Array.isArray(components) || components.length < o.minComponents || components.length > MAX_SPEC_COMPONENTS || !components.every((c) => typeof c === 'string')) {
    throw new ApiError(400, `"spec" must be ${o.what} or a list of ${o.minComponents} to ${MAX_SPEC_COMPONENTS} of its components`);
  }
  const strings = components as string[];
  if (strings.reduce((n, c) => n + c.length, 0) > MAX_SPEC_CHARS) throw new ApiError(413, `"spec" is over ${MAX_SPEC_CHARS} characters`);
  if (strings.some((c) => c.includes('\0'))) throw new ApiError(400, '"spec" must not contain NUL characters');
  return strings;
}

/** The percent-decoded device name of a path segment (`noun`: "disk", "NIC"), or a 400 naming the bad encoding. */
export function deviceName(segment: string, noun: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new ApiError(400, `Malformed ${noun} name "${segment}" in the path (bad percent-encoding)`);
  }
}
