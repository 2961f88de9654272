/**
 * The node requests (C xenstored core.c do_read, do_write, do_mkdir, do_rm, send_directory,
 * send_directory_part, do_get_perms, do_set_perms), written against XsNodeView so they run the
 * same on the global store and inside a transaction. Each returns its result or an XsErrno.
 */
import { canonicalize, baseName, childPath, parentPath } from './path.js';
import {
  formatPerm, hasPerm, parsePerm, permForCaller, permOwner,
  XS_PERM_OWNER, XS_PERM_READ, XS_PERM_WRITE, type XsCaller, type XsPerm,
} from './perms.js';
import { nodeAccSize, quotaExceeded, type XsQuotas } from './quota.js';
import type { XsNode, XsNodeInit, XsNodeView } from './store.js';
import type { XsTransaction } from './transaction.js';
import { latin1ToBytes, XENSTORE_PAYLOAD_MAX, type XsErrno } from './wire.js';
import type { XsChange } from './watch.js';

/** Everything a node request needs besides its arguments. */
export interface NodeOpContext {
  readonly view: XsNodeView;
  readonly caller: XsCaller;
  readonly quotas: XsQuotas;
  /** The transaction the request runs in, if any (for its touched-nodes quota). */
  readonly tx: XsTransaction | undefined;
  /** Collects the changes that fire watches once the request (or its transaction) completes. */
  readonly changes: XsChange[];
}

interface Found {
  readonly node: XsNode;
  readonly path: string;
}

/** A missing node, with the canonical path it would have. */
interface Missing {
  readonly missing: string;
}

function resolve(ctx: NodeOpContext, name: string, allowSpecial: boolean): string | XsErrno {
  if (ctx.tx !== undefined && quotaExceeded(ctx.quotas.transactionNodes, ctx.tx.touchedCount + 1, ctx.caller.privileged)) {
    return 'ENOSPC';
  }
  const c = canonicalize(name, { domid: ctx.caller.domid, pathMax: ctx.caller.privileged ? 0 : ctx.quotas.pathMax, allowSpecial });
  return c === undefined ? 'EINVAL' : c.path;
}

/**
 * C xenstored's errno_from_parents: a failure only says ENOENT when the nearest existing ancestor
 * grants the access asked for, so a domain cannot probe for names where it has no rights.
 */
function errnoFromParents(ctx: NodeOpContext, path: string, errno: XsErrno, want: number): XsErrno {
  let p = path;
  let ancestor: XsNode | undefined;
  while (ancestor === undefined && p !== '/') {
    p = parentPath(p);
    ancestor = ctx.view.get(p);
  }
  if (ancestor === undefined) return 'EACCES';
  return (permForCaller(ctx.caller, ancestor.perms) & want) !== 0 ? errno : 'EACCES';
}

/** C xenstored's get_node: the node at `name` if the caller holds `want` on it. */
function getNode(ctx: NodeOpContext, name: string, want: number, allowSpecial = false): Found | Missing | XsErrno {
  const path = resolve(ctx, name, allowSpecial);
  if (path === 'EINVAL' || path === 'ENOSPC') return path;
  const node = ctx.view.get(path);
  if (node === undefined) {
    const errno = errnoFromParents(ctx, path, 'ENOENT', want);
    return errno === 'ENOENT' ? { missing: path } : errno;
  }
  return hasPerm(ctx.caller, node.perms, want) ? { node, path } : 'EACCES';
}

function sizeExceeded(ctx: NodeOpContext, n: XsNodeInit): boolean {
  return quotaExceeded(ctx.quotas.nodeSize, nodeAccSize(n.value.length, n.perms.length, n.children), ctx.caller.privileged);
}

/** XS_READ: the value bytes. */
export function doRead(ctx: NodeOpContext, name: string): Uint8Array | XsErrno {
  const r = getNode(ctx, name, XS_PERM_READ);
  if (typeof r === 'string') return r;
  return 'node' in r ? r.node.value : 'ENOENT';
}

/** XS_DIRECTORY: child names in creation order. */
export function doDirectory(ctx: NodeOpContext, name: string): readonly string[] | XsErrno {
  const r = getNode(ctx, name, XS_PERM_READ);
  if (typeof r === 'string') return r;
  return 'node' in r ? r.node.children : 'ENOENT';
}

/**
 * XS_DIRECTORY_PART: the node's generation, then as many whole child names as fit from byte
 * `offset` of the NUL-separated child list; an extra empty string marks the end of the list.
 */
export function doDirectoryPart(ctx: NodeOpContext, name: string, offset: string): Uint8Array | XsErrno {
  if (!/^\d{1,10}$/.test(offset)) return 'EINVAL';
  const r = getNode(ctx, name, XS_PERM_READ);
  if (typeof r === 'string') return r;
  if (!('node' in r)) return 'ENOENT';
  const gen = latin1ToBytes(`${r.node.generation}\0`);
  const children = latin1ToBytes(r.node.children.map((c) => c + '\0').join(''));
  const off = Number(offset);
  const maxLen = XENSTORE_PAYLOAD_MAX - gen.length - 1;
  let len = 0;
  while (off + len < children.length) {
    const nul = children.indexOf(0, off + len);
    const nameLen = nul - (off + len);
    if (len + nameLen >= maxLen) break;
    len += nameLen + 1;
  }
  const atEnd = off + len >= children.length;
  const out = new Uint8Array(gen.length + len + (atEnd ? 1 : 0));
  out.set(gen);
  if (off < children.length) out.set(children.subarray(off, off + len), gen.length);
  return out;
}

/** XS_GET_PERMS: the permission strings. Special nodes have permissions too. */
export function doGetPerms(ctx: NodeOpContext, name: string): readonly string[] | XsErrno {
  const r = getNode(ctx, name, XS_PERM_READ, true);
  if (typeof r === 'string') return r;
  return 'node' in r ? r.node.perms.map(formatPerm) : 'ENOENT';
}

/** XS_WRITE: sets the value, creating the node and any missing parents. */
export function doWrite(ctx: NodeOpContext, name: string, value: Uint8Array): undefined | XsErrno {
  const r = getNode(ctx, name, XS_PERM_WRITE);
  if (typeof r === 'string') return r;
  if ('missing' in r) return createNode(ctx, r.missing, value);
  const updated = { ...r.node, value };
  if (sizeExceeded(ctx, updated)) return 'ENOSPC';
  const node = ctx.view.put(updated);
  ctx.changes.push({ kind: 'modified', path: r.path, perms: [node.perms] });
  return undefined;
}

/** XS_MKDIR: creates an empty node (and parents); an existing node is left alone. */
export function doMkdir(ctx: NodeOpContext, name: string): undefined | XsErrno {
  const r = getNode(ctx, name, XS_PERM_WRITE);
  if (typeof r === 'string') return r;
  return 'missing' in r ? createNode(ctx, r.missing, new Uint8Array(0)) : undefined;
}

/**
 * C xenstored's create_node: every missing node from the nearest existing ancestor down inherits
 * that ancestor's permissions, except that an unprivileged creator becomes the owner ("domains own
 * what they create"). Quotas are checked before anything changes, so a refusal leaves no trace.
 */
function createNode(ctx: NodeOpContext, path: string, value: Uint8Array): undefined | XsErrno {
  const missing: string[] = [];
  let p = path;
  let ancestor: XsNode | undefined;
  while ((ancestor = ctx.view.get(p)) === undefined) {
    missing.unshift(p);
    p = parentPath(p);
  }
  const { caller, quotas } = ctx;
  if (quotaExceeded(quotas.nodes, ctx.view.ownedCount(caller.domid) + missing.length, caller.privileged)) return 'ENOSPC';
  const perms: readonly XsPerm[] = caller.privileged ? ancestor.perms : [{ ...ancestor.perms[0]!, domid: caller.domid }, ...ancestor.perms.slice(1)];
  const top = { ...ancestor, children: [...ancestor.children, baseName(missing[0]!)] };
  const created: XsNodeInit[] = missing.map((m, i) => ({
    path: m,
    value: i === missing.length - 1 ? value : new Uint8Array(0),
    perms,
    children: i === missing.length - 1 ? [] : [baseName(missing[i + 1]!)],
  }));
  if (sizeExceeded(ctx, top) || created.some((n) => sizeExceeded(ctx, n))) return 'ENOSPC';
  ctx.view.put(top);
  for (const n of created) ctx.view.put(n);
  ctx.changes.push({ kind: 'modified', path, perms: [perms] });
  return undefined;
}

/** XS_RM: removes a subtree. Removing a missing node is fine if its parent exists; "/" cannot go. */
export function doRm(ctx: NodeOpContext, name: string): undefined | XsErrno {
  const r = getNode(ctx, name, XS_PERM_WRITE);
  if (typeof r === 'string') return r;
  if ('missing' in r) return ctx.view.get(parentPath(r.missing)) !== undefined ? undefined : 'ENOENT';
  if (r.path === '/') return 'EINVAL';
  const removed = new Map<string, readonly XsPerm[]>();
  const stack = [r.node];
  while (stack.length > 0) {
    const n = stack.pop()!;
    removed.set(n.path, n.perms);
    for (const c of n.children) {
      const child = ctx.view.get(childPath(n.path, c));
      if (child !== undefined) stack.push(child);
    }
    ctx.view.remove(n.path);
  }
  const parent = ctx.view.get(parentPath(r.path))!;
  const gone = baseName(r.path);
  ctx.view.put({ ...parent, children: parent.children.filter((c) => c !== gone) });
  ctx.changes.push({ kind: 'removed', path: r.path, removed });
  return undefined;
}

/**
 * XS_SET_PERMS: only the owner (or a privileged caller) may change permissions, and an
 * unprivileged owner cannot give the node away (EPERM).
 */
export function doSetPerms(ctx: NodeOpContext, name: string, permStrings: readonly string[]): undefined | XsErrno {
  if (permStrings.length === 0) return 'EINVAL';
  if (quotaExceeded(ctx.quotas.nodePermissions, permStrings.length, ctx.caller.privileged)) return 'ENOSPC';
  const perms: XsPerm[] = [];
  for (const s of permStrings) {
    const p = parsePerm(s);
    if (p === undefined) return 'EINVAL';
    perms.push(p);
  }
  const r = getNode(ctx, name, XS_PERM_WRITE | XS_PERM_OWNER, true);
  if (typeof r === 'string') return r;
  if ('missing' in r) return 'ENOENT';
  if (!ctx.caller.privileged && permOwner(perms) !== permOwner(r.node.perms)) return 'EPERM';
  const updated = { ...r.node, perms };
  if (sizeExceeded(ctx, updated)) return 'ENOSPC';
  ctx.view.put(updated);
  ctx.changes.push({ kind: 'modified', path: r.path, perms: [r.node.perms, perms] });
  return undefined;
}
