/**
 * The request table (C xenstored core.c `wire_funcs`): one handler per message type, with the
 * flags that say whether it is for privileged callers only and whether it ignores tx_id.
 * Handlers return the reply payload or an XsErrno; the server frames either.
 */
import { DOMID_SELF } from '../abi/xen.js';
import type { XsConnection } from './connection.js';
import { doDirectory, doDirectoryPart, doGetPerms, doMkdir, doRead, doRm, doSetPerms, doWrite, type NodeOpContext } from './node_ops.js';
import { canonicalize, domainPath } from './path.js';
import { quotaExceeded } from './quota.js';
import type { XsTransaction } from './transaction.js';
import { reportedPath, type XsChange } from './watch.js';
import type { Xenstored } from './xenstored.js';
import { doControl } from './control.js';
import {
  bytesToLatin1, encodeStrings, splitStrings,
  XS_CONTROL, XS_DIRECTORY, XS_DIRECTORY_PART, XS_GET_DOMAIN_PATH, XS_GET_PERMS, XS_INTRODUCE,
  XS_IS_DOMAIN_INTRODUCED, XS_MKDIR, XS_READ, XS_RELEASE, XS_RESET_WATCHES, XS_RESUME, XS_RM,
  XS_SET_PERMS, XS_SET_TARGET, XS_TRANSACTION_END, XS_TRANSACTION_START, XS_UNWATCH, XS_WATCH, XS_WRITE,
  type XsErrno, type XsMessage,
} from './wire.js';

/** State of the request being handled. */
export interface RequestState {
  readonly srv: Xenstored;
  readonly conn: XsConnection;
  readonly msg: XsMessage;
  /** The transaction named by tx_id (undefined for 0 and for handlers that ignore it). */
  readonly tx: XsTransaction | undefined;
  /** Work to do after the reply is sent (XS_WATCH's first event). */
  readonly after: (() => void)[];
  /** Node operations' context; changes go to the transaction or, outside one, to `fire`. */
  readonly node: NodeOpContext;
  /** Changes whose watches fire once the reply is sent (a commit adds its transaction's). */
  readonly fire: XsChange[];
}

type Handler = (r: RequestState) => Uint8Array | XsErrno;

/** One row of the table. */
export interface RequestSpec {
  readonly handler: Handler;
  /** XS_FLAG_PRIV: unprivileged callers get EACCES. */
  readonly privileged?: boolean;
  /** XS_FLAG_NOTID: tx_id is ignored. */
  readonly noTransaction?: boolean;
}

const OK = encodeStrings(['OK']);

/** The single NUL-terminated argument (C's onearg), or undefined. */
function oneArg(msg: XsMessage): string | undefined {
  const s = splitStrings(msg.payload);
  return s?.length === 1 ? s[0] : undefined;
}

/** Exactly `n` NUL-terminated arguments, or undefined. */
function args(msg: XsMessage, n: number): string[] | undefined {
  const s = splitStrings(msg.payload);
  return s?.length === n ? s : undefined;
}

/** A decimal domid as C xenstored's parse_domid accepts it (0..65535). */
export function parseDomid(s: string | undefined): number | undefined {
  if (s === undefined || !/^\d{1,5}$/.test(s)) return undefined;
  const d = Number(s);
  return d <= 0xffff ? d : undefined;
}

function withOneArg(f: (r: RequestState, arg: string) => Uint8Array | XsErrno | undefined | readonly string[]): Handler {
  return (r) => {
    const a = oneArg(r.msg);
    if (a === undefined) return 'EINVAL';
    const res = f(r, a);
    if (res === undefined) return OK;
    if (typeof res === 'string') return res;
    return res instanceof Uint8Array ? res : encodeStrings(res);
  };
}

function doWatch(r: RequestState): Uint8Array | XsErrno {
  const a = args(r.msg, 2);
  if (a === undefined) return 'EINVAL';
  const { conn, srv } = r;
  const c = canonicalize(a[0]!, { domid: conn.domid, pathMax: conn.privileged ? 0 : srv.quotas.pathMax, allowSpecial: true });
  if (c === undefined) return 'EINVAL';
  const token = a[1]!;
  if (conn.watches.some((w) => w.path === c.path && w.token === token)) return 'EEXIST';
  if (quotaExceeded(srv.quotas.watches, conn.watches.length + 1, conn.privileged)) return 'ENOSPC';
  const watch = { path: c.path, token, prefixLen: c.relative ? domainPath(conn.domid).length + 1 : 0 };
  conn.watches.push(watch);
  // C xenstored fires every new watch once, so clients need not read the initial state separately.
  r.after.push(() => conn.sendEvent(reportedPath(watch, watch.path), token));
  return OK;
}

function doUnwatch(r: RequestState): Uint8Array | XsErrno {
  const a = args(r.msg, 2);
  if (a === undefined) return 'EINVAL';
  const c = canonicalize(a[0]!, { domid: r.conn.domid, pathMax: 0, allowSpecial: true });
  if (c === undefined) return 'EINVAL';
  const i = r.conn.watches.findIndex((w) => w.path === c.path && w.token === a[1]);
  if (i < 0) return 'ENOENT';
  r.conn.watches.splice(i, 1);
  return OK;
}

function doTransactionStart(r: RequestState): Uint8Array | XsErrno {
  if (r.tx !== undefined) return 'EBUSY';
  const { conn, srv } = r;
  if (quotaExceeded(srv.quotas.transactions, conn.transactions.size + 1, conn.privileged)) return 'ENOSPC';
  const tx = srv.startTransaction(conn);
  return encodeStrings([String(tx.id)]);
}

function doTransactionEnd(r: RequestState, arg: string): XsErrno | undefined {
  if (arg !== 'T' && arg !== 'F') return 'EINVAL';
  if (r.tx === undefined) return 'ENOENT';
  const rc = r.srv.endTransaction(r.conn, r.tx, arg === 'T');
  if (rc === undefined && arg === 'T') r.fire.push(...r.tx.changes);
  return rc;
}

function doWriteRequest(r: RequestState): Uint8Array | XsErrno {
  const nul = r.msg.payload.indexOf(0);
  if (nul < 0) return 'EINVAL';
  const path = bytesToLatin1(r.msg.payload.subarray(0, nul));
  return doWrite(r.node, path, r.msg.payload.slice(nul + 1)) ?? OK;
}

function doIntroduce(r: RequestState): Uint8Array | XsErrno {
  const a = splitStrings(r.msg.payload);
  if (a === undefined || a.length < 3) return 'EINVAL';
  const domid = parseDomid(a[0]);
  const port = /^\d{1,10}$/.test(a[2]!) ? Number(a[2]) : 0;
  if (domid === undefined || !/^\d{1,20}$/.test(a[1]!) || port <= 0) return 'EINVAL';
  return r.srv.introduceFromWire(domid, BigInt(a[1]!), port) ?? OK;
}

/** The domain named by a RELEASE/RESUME argument: never dom0, and it must be introduced. */
function connectedDomain(r: RequestState, arg: string): XsConnection | XsErrno {
  const domid = parseDomid(arg);
  if (domid === undefined || domid === 0) return 'EINVAL';
  return r.srv.domainConnection(domid) ?? 'ENOENT';
}

function doSetTarget(r: RequestState): Uint8Array | XsErrno {
  const a = splitStrings(r.msg.payload);
  if (a === undefined || a.length < 2) return 'EINVAL';
  const domid = parseDomid(a[0]);
  const target = parseDomid(a[1]);
  if (domid === undefined || target === undefined) return 'EINVAL';
  const conn = r.srv.domainConnection(domid);
  if (conn === undefined || r.srv.domainConnection(target) === undefined) return 'ENOENT';
  conn.target = target;
  return OK;
}

/** The request table. Types without a row (XS_WATCH_EVENT, XS_ERROR, 20, ≥ 23) get ENOSYS. */
export const REQUESTS: ReadonlyMap<number, RequestSpec> = new Map<number, RequestSpec>([
  [XS_CONTROL, { handler: (r) => doControl(r), privileged: true }],
  [XS_DIRECTORY, { handler: withOneArg((r, p) => doDirectory(r.node, p)) }],
  [XS_READ, { handler: withOneArg((r, p) => doRead(r.node, p)) }],
  [XS_GET_PERMS, { handler: withOneArg((r, p) => doGetPerms(r.node, p)) }],
  [XS_WATCH, { handler: doWatch, noTransaction: true }],
  [XS_UNWATCH, { handler: doUnwatch, noTransaction: true }],
  [XS_TRANSACTION_START, { handler: doTransactionStart }],
  [XS_TRANSACTION_END, { handler: withOneArg(doTransactionEnd) }],
  [XS_INTRODUCE, { handler: doIntroduce, privileged: true }],
  [XS_RELEASE, {
    handler: withOneArg((r, a) => {
      const c = connectedDomain(r, a);
      if (typeof c === 'string') return c;
      r.srv.releaseDomain(c.domid);
      return undefined;
    }),
    privileged: true,
  }],
  [XS_GET_DOMAIN_PATH, {
    handler: withOneArg((_r, a) => {
      const domid = parseDomid(a);
      return domid === undefined ? 'EINVAL' : [domainPath(domid)];
    }),
  }],
  [XS_WRITE, { handler: doWriteRequest }],
  [XS_MKDIR, { handler: withOneArg((r, p) => doMkdir(r.node, p)) }],
  [XS_RM, { handler: withOneArg((r, p) => doRm(r.node, p)) }],
  [XS_SET_PERMS, {
    handler: (r) => {
      const a = splitStrings(r.msg.payload);
      if (a === undefined || a.length < 2) return 'EINVAL';
      return doSetPerms(r.node, a[0]!, a.slice(1)) ?? OK;
    },
  }],
  [XS_IS_DOMAIN_INTRODUCED, {
    handler: withOneArg((r, a) => {
      const domid = parseDomid(a);
      return domid === undefined ? 'EINVAL' : [domid === DOMID_SELF || r.srv.isDomainIntroduced(domid) ? 'T' : 'F'];
    }),
    privileged: true,
  }],
  // Xen clears its "shutdown" mark so @releaseDomain can fire again; we keep no such mark, so
  // resuming is checking that the domain is there.
  [XS_RESUME, { handler: withOneArg((r, a) => { const c = connectedDomain(r, a); return typeof c === 'string' ? c : undefined; }), privileged: true }],
  [XS_SET_TARGET, { handler: doSetTarget, privileged: true }],
  [XS_RESET_WATCHES, { handler: (r) => { r.conn.reset(); return OK; } }],
  [XS_DIRECTORY_PART, {
    handler: (r) => {
      const a = args(r.msg, 2);
      return a === undefined ? 'EINVAL' : doDirectoryPart(r.node, a[0]!, a[1]!);
    },
  }],
]);
