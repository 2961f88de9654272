/**
 * Watches (C xenstored watch.c): which registered watches a change fires, the path each event
 * reports, and whether the watcher may learn of the change at all.
 */
import { isAtOrBelow, parentPath } from './path.js';
import { hasPerm, XS_PERM_READ, type XsCaller, type XsPerm } from './perms.js';
import type { XsNodeView } from './store.js';

/** One registered watch. `path` is absolute; `prefixLen` strips the caller's home for relative watches. */
export interface XsWatch {
  readonly path: string;
  readonly token: string;
  /** Length of "/local/domain/<n>/" when the watch was registered with a relative path, else 0. */
  readonly prefixLen: number;
}

/**
 * One change that may fire watches.
 * - `modified`: a node was written, created or had its permissions changed. Fires watches at or
 *   above `path`. `perms` are the permissions that let a watcher see it (old and new, for SET_PERMS).
 * - `removed`: the subtree at `path` was deleted. Fires watches at or above it with `path`, and
 *   watches inside it with their own path; `removed` holds the deleted nodes' permissions.
 */
export type XsChange =
  | { readonly kind: 'modified'; readonly path: string; readonly perms: readonly (readonly XsPerm[])[] }
  | { readonly kind: 'removed'; readonly path: string; readonly removed: ReadonlyMap<string, readonly XsPerm[]> };

/** A watch's match for a change: the absolute event path and the permissions known for it. */
export interface XsWatchMatch {
  readonly eventPath: string;
  readonly perms: readonly (readonly XsPerm[])[];
}

/** Whether `change` fires `watch`, and with which path. */
export function matchWatch(watch: XsWatch, change: XsChange): XsWatchMatch | undefined {
  if (isAtOrBelow(change.path, watch.path)) {
    const perms = change.kind === 'modified' ? change.perms : [change.removed.get(change.path)!];
    return { eventPath: change.path, perms };
  }
  // Removing an ancestor removes the watched node too: report the watch's own path, as older
  // C xenstored did and docs/misc/xenstore.txt describes. The watched node may never have existed.
  if (change.kind === 'removed' && isAtOrBelow(watch.path, change.path)) {
    let p = watch.path;
    while (!change.removed.has(p)) p = parentPath(p);
    return { eventPath: watch.path, perms: [change.removed.get(p)!] };
  }
  return undefined;
}

/** The path an event carries: relative if the watch was registered relative. */
export function reportedPath(watch: XsWatch, eventPath: string): string {
  return eventPath.slice(watch.prefixLen);
}

/**
 * C xenstored's watch_permitted: an event is sent only if the watcher can read the node (with any
 * of the permissions it had around the change) or can read its parent, so it could have learnt of
 * the change by reading anyway. Special nodes have no parent: their own permissions decide.
 */
export function watchPermitted(
  caller: XsCaller,
  view: XsNodeView,
  eventPath: string,
  known: readonly (readonly XsPerm[])[],
): boolean {
  if (known.some((p) => hasPerm(caller, p, XS_PERM_READ))) return true;
  const node = view.get(eventPath);
  if (node !== undefined && hasPerm(caller, node.perms, XS_PERM_READ)) return true;
  if (eventPath.startsWith('@')) return false;
  const parent = view.get(parentPath(eventPath));
  return parent !== undefined && hasPerm(caller, parent.perms, XS_PERM_READ);
}
