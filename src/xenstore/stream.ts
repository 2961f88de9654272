/**
 * xenstored over a byte stream (a Unix socket, a pipe): framing with XsWireParser, one privileged
 * Domain-0 connection per stream, as C xenstored treats its socket clients. Host code supplies
 * the bytes and never needs to know the wire format.
 */
import type { XsTransport } from './connection.js';
import { XsWireError } from './errors.js';
import { XsWireParser, type XsMessage } from './wire.js';
import type { Xenstored } from './xenstored.js';

/** The host's end of one stream. */
export interface XsStreamPeer {
  /** Writes bytes to the client. */
  send(bytes: Uint8Array): void;
  /** Closes the stream (the server dropped the client). */
  close(): void;
}

/** One client session. */
export interface XsStreamSession {
  /** Bytes from the client, in any chunking. A framing violation drops the client. */
  receive(chunk: Uint8Array): void;
  /** The client went away: its watches and transactions are dropped. */
  close(): void;
}

/** Something that opens sessions for new streams. */
export interface XsStreamService {
  open(peer: XsStreamPeer): XsStreamSession;
}

/** Serves `srv` to stream clients. */
export function xenstoredStreamService(srv: Xenstored): XsStreamService {
  return {
    open(peer: XsStreamPeer): XsStreamSession {
      const parser = new XsWireParser();
      let deliver: ((msg: XsMessage) => void) | undefined;
      const transport: XsTransport = {
        attach: (d) => { deliver = d; },
        send: (bytes) => peer.send(bytes),
        detach: () => {
          deliver = undefined;
          peer.close();
        },
      };
      const conn = srv.connect(transport);
      return {
        receive(chunk: Uint8Array): void {
          let msgs: XsMessage[];
          try {
            msgs = parser.feed(chunk);
          } catch (err) {
            // The stream has no message markers to resynchronise on: drop the client, as xenstored does.
            if (!(err instanceof XsWireError)) throw err;
            srv.disconnect(conn);
            return;
          }
          for (const m of msgs) deliver?.(m);
        },
        close: () => srv.disconnect(conn),
      };
    },
  };
}
