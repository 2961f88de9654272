/**
 * Node names (docs/misc/xenstore.txt "Paths"): validation, resolution of relative paths against
 * the caller's home, and the parent/child relations that watches and removal use.
 */

/** Longest absolute path anyone may use (xs_wire.h XENSTORE_ABS_PATH_MAX). */
export const XENSTORE_ABS_PATH_MAX = 3072;
/** Longest path relative to a domain's home (xs_wire.h XENSTORE_REL_PATH_MAX); the default path-max quota. */
export const XENSTORE_REL_PATH_MAX = 2048;

/** Special nodes: watch-only event names, fired by the domain management operations. */
export const SPECIAL_INTRODUCE_DOMAIN = '@introduceDomain';
export const SPECIAL_RELEASE_DOMAIN = '@releaseDomain';
/** The special nodes that exist; other "@" names are accepted for watches but never fire. */
export const SPECIAL_PATHS = [SPECIAL_INTRODUCE_DOMAIN, SPECIAL_RELEASE_DOMAIN] as const;

const VALID_CHARS = /^[A-Za-z0-9\-/_@]*$/;
const LOCAL_DOMAIN = /^\/local\/domain\/\d{1,5}\//;

/** The home of domain `domid`, against which its relative paths resolve. */
export function domainPath(domid: number): string {
  return `/local/domain/${domid}`;
}

/** A name resolved to its absolute form, and whether the caller wrote it relative. */
export interface CanonicalPath {
  readonly path: string;
  readonly relative: boolean;
}

/** What canonicalize() needs to know about the caller. */
export interface PathPolicy {
  /** Domain whose home relative names resolve against. */
  readonly domid: number;
  /** Longest allowed length below "/local/domain/<n>/" (the path-max quota); 0 means no limit. */
  readonly pathMax: number;
  /** Whether "@" names (special nodes) are acceptable here: only for watches and permissions. */
  readonly allowSpecial: boolean;
}

/**
 * Checks a name from a request and returns its absolute form, or undefined if invalid (EINVAL),
 * as C xenstored's canonicalize(): legal characters only, no trailing or doubled slash, and the
 * length limits. The path-max quota counts only the part below a domain's home, so every domain
 * has the same room whatever its domid.
 */
export function canonicalize(name: string, policy: PathPolicy): CanonicalPath | undefined {
  if (!VALID_CHARS.test(name)) return undefined;
  if (name.startsWith('@')) {
    return policy.allowSpecial ? { path: name, relative: false } : undefined;
  }
  const relative = !name.startsWith('/');
  const path = relative ? `${domainPath(policy.domid)}/${name}` : name;
  if ((path.endsWith('/') && path !== '/') || path.includes('//')) return undefined;
  if (path.length > XENSTORE_ABS_PATH_MAX) return undefined;
  const localOff = LOCAL_DOMAIN.exec(path)?.[0].length ?? 0;
  if (policy.pathMax > 0 && path.length - localOff >= policy.pathMax) return undefined;
  return { path, relative };
}

/** The parent of an absolute path ("/" for top-level nodes). Not defined for "/" itself. */
export function parentPath(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash <= 0 ? '/' : path.slice(0, slash);
}

/** The last component of an absolute path. */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** The absolute path of child `name` of `parent`. */
export function childPath(parent: string, name: string): string {
  return parent === '/' ? `/${name}` : `${parent}/${name}`;
}

/** True when `path` is `ancestor` or lies below it (C xenstored's is_child, without a depth). */
export function isAtOrBelow(path: string, ancestor: string): boolean {
  if (ancestor === '/') return path.startsWith('/');
  return path === ancestor || (path.startsWith(ancestor) && path[ancestor.length] === '/');
}
