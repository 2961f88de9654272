/**
 * One client of xenstored: a domain's ring, a Unix-socket client or an in-process Domain-0 user.
 * Holds what C xenstored keeps per connection: identity, watches and open transactions.
 */
import type { XsCaller } from './perms.js';
import type { XsTransaction } from './transaction.js';
import type { XsWatch } from './watch.js';
import { encodeMessage, encodeStrings, XENSTORE_PAYLOAD_MAX, XS_WATCH_EVENT, type XsMessage } from './wire.js';

/** How the server talks to one client; each transport frames bytes with XsWireParser. */
export interface XsTransport {
  /** Starts handing whole requests to `deliver`; the server calls it once, when connecting. */
  attach(deliver: (msg: XsMessage) => void): void;
  /** Sends one whole encoded reply or watch event. */
  send(bytes: Uint8Array): void;
  /** The server has dropped this client; no more calls follow. */
  detach(): void;
}

/** Per-connection state. */
export class XsConnection implements XsCaller {
  readonly watches: XsWatch[] = [];
  readonly transactions = new Map<number, XsTransaction>();
  target: number | undefined = undefined;
  /** Watch events that could not be framed (event path and token over XENSTORE_PAYLOAD_MAX). */
  unsentEvents = 0;
  private nextTxId = 1;

  constructor(
    readonly domid: number,
    readonly privileged: boolean,
    readonly transport: XsTransport,
  ) {}

  /** A transaction id not in use on this connection; never 0, which means "no transaction". */
  allocTransactionId(): number {
    while (this.nextTxId === 0 || this.transactions.has(this.nextTxId)) this.nextTxId = (this.nextTxId + 1) >>> 0;
    const id = this.nextTxId;
    this.nextTxId = (this.nextTxId + 1) >>> 0;
    return id;
  }

  /** Sends an XS_WATCH_EVENT (req_id and tx_id 0). */
  sendEvent(path: string, token: string): void {
    const payload = encodeStrings([path, token]);
    if (payload.length > XENSTORE_PAYLOAD_MAX) {
      this.unsentEvents++;
      return;
    }
    this.transport.send(encodeMessage({ type: XS_WATCH_EVENT, reqId: 0, txId: 0, payload }));
  }

  /** Drops every watch and open transaction (XS_RESET_WATCHES, release, disconnect). */
  reset(): void {
    this.watches.length = 0;
    this.transactions.clear();
  }
}
