/**
 * xenstored: the store, its connections, and the domain management the toolstack drives
 * (C tools/xenstored core.c process_message, domain.c). Every request is handled synchronously
 * to completion, so transports and the in-process client need no locking.
 */
import { DOMID_FIRST_RESERVED } from '../abi/xen.js';
import { XsConnection, type XsTransport } from './connection.js';
import { XsError } from './errors.js';
import type { NodeOpContext } from './node_ops.js';
import { domainPath, SPECIAL_INTRODUCE_DOMAIN, SPECIAL_RELEASE_DOMAIN } from './path.js';
import { decodeImage, encodeImage, type XsImageDomain } from './persist.js';
import { DEFAULT_XS_QUOTAS, quotaExceeded, type XsQuotas } from './quota.js';
import { REQUESTS, type RequestState } from './requests.js';
import { XsStore } from './store.js';
import { XsTransaction } from './transaction.js';
import { matchWatch, reportedPath, watchPermitted, type XsChange } from './watch.js';
import {
  encodeMessage, errorPayload, XENSTORE_PAYLOAD_MAX, XS_ERROR, type XsErrno, type XsMessage,
} from './wire.js';

/** Construction options. */
export interface XenstoredOptions {
  /** Overrides of C xenstored's default quotas. */
  readonly quotas?: Partial<XsQuotas>;
  /**
   * Maps the ring of a domain introduced over the wire (XS_INTRODUCE domid, gfn, port), as C
   * xenstored maps it through the grant table. Without it such requests get ENOSYS; the toolstack
   * normally calls introduceDomain() with a ready transport instead.
   */
  readonly mapRing?: (domid: number, ring: { readonly gfn: bigint; readonly port: number }) => XsTransport | XsErrno;
  /** Sink for XS_CONTROL "print" and, when "log on", one line per request. */
  readonly log?: (line: string) => void;
}

/** The xenstore daemon. */
export class Xenstored {
  readonly store = new XsStore();
  /** Current quotas; XS_CONTROL "quota set" changes them. */
  quotas: XsQuotas;
  /** Whether requests are logged ("xenstore-control log on|off"). */
  tracing = false;
  private readonly connections = new Set<XsConnection>();
  private readonly domains = new Map<number, XsConnection>();
  /** Per-domain state from restore(), waiting for the domain's ring to be introduced again. */
  private readonly restoredDomains = new Map<number, XsImageDomain>();

  constructor(private readonly opts: XenstoredOptions = {}) {
    this.quotas = { ...DEFAULT_XS_QUOTAS, ...opts.quotas };
  }

  /**
   * Connects a Domain-0 client (a Unix-socket client or in-process code). Such clients are
   * privileged, as C xenstored's socket connections are.
   */
  connect(transport: XsTransport): XsConnection {
    const conn = new XsConnection(0, true, transport);
    this.attach(conn);
    return conn;
  }

  /** Drops a client that went away: its watches and transactions go with it. */
  disconnect(conn: XsConnection): void {
    if (!this.connections.delete(conn)) return;
    if (this.domains.get(conn.domid) === conn) this.domains.delete(conn.domid);
    conn.reset();
    conn.transport.detach();
  }

  /** Logs through the configured sink, if any. */
  log(line: string): void {
    this.opts.log?.(line);
  }

  /** Handles one whole request from `conn` and sends its reply, then any watch events it caused. */
  handleMessage(conn: XsConnection, msg: XsMessage): void {
    if (!this.connections.has(conn)) return;
    if (this.tracing) this.log(`xenstored: dom${conn.domid} type ${msg.type} req ${msg.reqId} tx ${msg.txId} len ${msg.payload.length}`);
    const after: (() => void)[] = [];
    const fire: XsChange[] = [];
    let result = this.dispatch(conn, msg, after, fire);
    if (result instanceof Uint8Array && result.length > XENSTORE_PAYLOAD_MAX) result = 'E2BIG';
    const reply = typeof result === 'string'
      ? { type: XS_ERROR, reqId: msg.reqId, txId: msg.txId, payload: errorPayload(result) }
      : { type: msg.type, reqId: msg.reqId, txId: msg.txId, payload: result };
    conn.transport.send(encodeMessage(reply));
    for (const f of after) f();
    for (const change of fire) this.fireWatches(change);
  }

  private dispatch(conn: XsConnection, msg: XsMessage, after: (() => void)[], fire: XsChange[]): Uint8Array | XsErrno {
    const spec = REQUESTS.get(msg.type);
    if (spec === undefined) return 'ENOSYS';
    if (spec.privileged === true && !conn.privileged) return 'EACCES';
    let tx: XsTransaction | undefined;
    if (spec.noTransaction !== true && msg.txId !== 0) {
      tx = conn.transactions.get(msg.txId);
      if (tx === undefined) return 'ENOENT';
    }
    const node: NodeOpContext = { view: tx ?? this.store, caller: conn, quotas: this.quotas, tx, changes: tx?.changes ?? fire };
    const state: RequestState = { srv: this, conn, msg, tx, after, node, fire };
    return spec.handler(state);
  }

  /** Sends an event to every watch `change` fires whose owner may know of it. */
  private fireWatches(change: XsChange): void {
    for (const conn of this.connections) {
      for (const w of conn.watches) {
        const m = matchWatch(w, change);
        if (m !== undefined && watchPermitted(conn, this.store, m.eventPath, m.perms)) {
          conn.sendEvent(reportedPath(w, m.eventPath), w.token);
        }
      }
    }
  }

  /** Opens a transaction on `conn` (quota checked by the caller). */
  startTransaction(conn: XsConnection): XsTransaction {
    const tx = new XsTransaction(conn.allocTransactionId(), this.store);
    conn.transactions.set(tx.id, tx);
    return tx;
  }

  /** Ends `tx`: commits (EAGAIN on conflict, ENOSPC over the nodes quota) or aborts. */
  endTransaction(conn: XsConnection, tx: XsTransaction, commit: boolean): XsErrno | undefined {
    conn.transactions.delete(tx.id);
    if (!commit) return undefined;
    const growth = tx.ownedGrowth(conn.domid);
    if (growth > 0 && quotaExceeded(this.quotas.nodes, this.store.ownedCount(conn.domid) + growth, conn.privileged)) {
      return 'ENOSPC';
    }
    return tx.commit();
  }

  /**
   * Connects domain `domid` through its ring and fires @introduceDomain (C do_introduce).
   * The domain's nodes are the toolstack's to create, before or after this call.
   */
  introduceDomain(domid: number, transport: XsTransport): void {
    if (!Number.isInteger(domid) || domid < 0 || domid >= DOMID_FIRST_RESERVED) {
      throw new XsError('EINVAL', `Cannot introduce domain "${domid}": not a valid domid`);
    }
    if (this.domains.has(domid)) throw new XsError('EEXIST', `Cannot introduce domain "${domid}": already introduced`);
    const conn = new XsConnection(domid, domid === 0, transport);
    const saved = this.restoredDomains.get(domid);
    if (saved !== undefined) {
      this.restoredDomains.delete(domid);
      conn.target = saved.target;
      conn.watches.push(...saved.watches);
    }
    this.domains.set(domid, conn);
    this.attach(conn);
    this.fireWatches({ kind: 'modified', path: SPECIAL_INTRODUCE_DOMAIN, perms: [] });
  }

  /** XS_INTRODUCE from a client: maps the ring through `mapRing`; a known domain just has its connection reset. */
  introduceFromWire(domid: number, gfn: bigint, port: number): XsErrno | undefined {
    const known = this.domains.get(domid);
    if (known !== undefined) {
      known.reset();
      return undefined;
    }
    if (this.opts.mapRing === undefined) return 'ENOSYS';
    const transport = this.opts.mapRing(domid, { gfn, port });
    if (typeof transport === 'string') return transport;
    this.introduceDomain(domid, transport);
    return undefined;
  }

  /**
   * Disconnects domain `domid` and fires @releaseDomain (C do_release). Like C xenstored it does
   * not delete the domain's nodes: the toolstack removes /local/domain/<domid> itself.
   */
  releaseDomain(domid: number): void {
    const conn = this.domains.get(domid);
    if (conn === undefined) throw new XsError('ENOENT', `Cannot release domain "${domid}": not introduced`);
    this.disconnect(conn);
    this.fireWatches({ kind: 'modified', path: SPECIAL_RELEASE_DOMAIN, perms: [] });
  }

  /** Whether `domid` has a connection (dom0 always counts: the store serves it). */
  isDomainIntroduced(domid: number): boolean {
    return domid === 0 || this.domains.has(domid);
  }

  /** The connection of an introduced domain. */
  domainConnection(domid: number): XsConnection | undefined {
    return this.domains.get(domid);
  }

  /** The home path of `domid` (XS_GET_DOMAIN_PATH). */
  getDomainPath(domid: number): string {
    return domainPath(domid);
  }

  /**
   * The whole store as versioned bytes: nodes with permissions and generations, the generation
   * counter, quotas, and each introduced domain's target and watches. Open transactions are not
   * saved (C xenstored will not live-update with transactions open either); clients see ENOENT
   * for them after a restore and start again.
   */
  save(): Uint8Array {
    const domains: XsImageDomain[] = [...this.restoredDomains.values()];
    for (const [domid, conn] of this.domains) domains.push({ domid, target: conn.target, watches: [...conn.watches] });
    return encodeImage({ generation: this.store.currentGeneration, nodes: [...this.store.walk()], quotas: this.quotas, domains });
  }

  /**
   * Replaces the store with a saved image (throws XsImageError if malformed). A domain that is
   * connected now gets its saved watches and target at once; others get them when introduced.
   */
  restore(bytes: Uint8Array): void {
    const image = decodeImage(bytes);
    this.store.load(image.nodes, image.generation);
    this.quotas = image.quotas;
    this.restoredDomains.clear();
    for (const conn of this.connections) conn.transactions.clear();
    for (const d of image.domains) {
      const conn = this.domains.get(d.domid);
      if (conn === undefined) {
        this.restoredDomains.set(d.domid, d);
        continue;
      }
      conn.target = d.target;
      conn.watches.length = 0;
      conn.watches.push(...d.watches);
    }
  }

  private attach(conn: XsConnection): void {
    this.connections.add(conn);
    conn.transport.attach((msg) => this.handleMessage(conn, msg));
  }
}
