/**
 * A BlockDisk served by an NBD server on a Unix socket (qemu-storage-daemon, see
 * storage_daemon.ts). One connection carries every request: requests are pipelined, each with
 * its own cookie, and the server may answer them in any order (proto.md "Transmission"). READ
 * payloads are copied straight from the socket into the caller's buffer, which may be a view on
 * guest memory in a SharedArrayBuffer.
 *
 * Failure model: a reply with an error number rejects that request only; anything that makes the
 * stream untrustworthy (a protocol violation, the socket closing or failing) rejects every
 * outstanding request and every later one, since the stream's framing is lost.
 */
import { createConnection, type Socket } from 'node:net';
import { BlockDiskError, type BlockDisk } from '../../common/block_disk.js';
import {
  decodeGreeting,
  decodeInfoReply,
  decodeOptionReplyHeader,
  decodeSimpleReply,
  describeOptionError,
  encodeClientFlags,
  encodeOptGo,
  encodeRequestHeader,
  GREETING_BYTES,
  MAX_PAYLOAD_BYTES,
  MAX_TRIM_BYTES,
  NBD_CMD_DISC,
  NBD_CMD_FLUSH,
  NBD_CMD_READ,
  NBD_CMD_TRIM,
  NBD_CMD_WRITE,
  NBD_ESHUTDOWN,
  NBD_FLAG_READ_ONLY,
  NBD_FLAG_SEND_FLUSH,
  NBD_FLAG_SEND_TRIM,
  NBD_OPT_GO,
  NBD_REP_ACK,
  NBD_REP_FLAG_ERROR,
  NBD_REP_INFO,
  nbdErrnoName,
  NbdProtocolError,
  MAX_OPTION_REPLY_BYTES,
  OPTION_REPLY_HEADER_BYTES,
  SIMPLE_REPLY_BYTES,
  type ExportInfo,
  type SimpleReply,
} from './protocol.js';

type DiskOp = 'read' | 'write' | 'flush' | 'discard';

/** Options of NbdClient.connect(). */
export interface NbdConnectOptions {
  /** The image as the user named it, for messages. */
  readonly image: string;
  /** Open read-only even if the export is writable. */
  readonly readOnly: boolean;
  /**
   * False hides discard even when the export offers NBD_CMD_TRIM: qemu-storage-daemon offers it
   * on every writable export, also when told to ignore discards. True when omitted.
   */
  readonly discard?: boolean;
  /** How long the server may take to complete the handshake; 10 s when omitted. */
  readonly handshakeTimeoutMs?: number;
}

/** One request awaiting its reply. */
interface Pending {
  readonly op: DiskOp;
  readonly isWrite: boolean;
  /** Where a READ's payload goes; null for every other command. */
  readonly into: Uint8Array | null;
  readonly done: Promise<void>;
  resolve(): void;
  reject(err: Error): void;
}

/** An NBD_OPT_GO reply may be preceded by NBD_REP_INFOs; a server sending endless ones is refused. */
const MAX_INFO_REPLIES = 64;
/** How long close() waits for the server to close its end after NBD_CMD_DISC. */
const CLOSE_TIMEOUT_MS = 5000;

/**
 * The byte stream during the handshake, read as whole fields. It buffers at most about
 * 2 × MAX_OPTION_REPLY_BYTES (pausing the socket beyond that), whatever the server sends, and
 * turns a closed or failed socket, or a server that stays silent past the timeout, into an
 * NbdProtocolError for the pending read.
 */
class HandshakeReader {
  private readonly chunks: Buffer[] = [];
  private buffered = 0;
  private waiter: { readonly n: number; resolve(b: Uint8Array): void; reject(e: Error): void } | null = null;
  private failure: Error | null = null;
  private readonly timer: NodeJS.Timeout;
  private readonly onData = (chunk: Buffer): void => {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    if (this.buffered > 2 * MAX_OPTION_REPLY_BYTES) this.socket.pause();
    this.wake();
  };
  private readonly onError = (err: NodeJS.ErrnoException): void => this.setFailure(`the connection failed (${err.code ?? err.message})`);
  private readonly onClose = (): void => this.setFailure('the server closed the connection');

  constructor(
    private readonly socket: Socket,
    timeoutMs: number,
  ) {
    socket.on('data', this.onData);
    socket.on('error', this.onError);
    socket.on('close', this.onClose);
    this.timer = setTimeout(() => {
      this.setFailure(`the server did not complete it within ${timeoutMs} ms`);
      socket.destroy();
    }, timeoutMs);
  }

  /** The next `n` bytes (n is bounded by the caller: a field, or a checked option reply length). */
  read(n: number): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      this.waiter = { n, resolve, reject };
      this.socket.resume();
      this.wake();
    });
  }

  /** Stops reading and hands over what the server sent beyond the handshake; the socket is left paused. */
  detach(): Uint8Array {
    clearTimeout(this.timer);
    this.socket.pause();
    this.socket.off('data', this.onData);
    this.socket.off('error', this.onError);
    this.socket.off('close', this.onClose);
    return Buffer.concat(this.chunks);
  }

  private wake(): void {
    const w = this.waiter;
    if (w === null) return;
    if (this.buffered >= w.n) {
      this.waiter = null;
      const all = Buffer.concat(this.chunks);
      this.chunks.length = 0;
      if (all.length > w.n) this.chunks.push(all.subarray(w.n));
      this.buffered -= w.n;
      w.resolve(all.subarray(0, w.n));
    } else if (this.failure !== null) {
      this.waiter = null;
      w.reject(this.failure);
    }
  }

  private setFailure(why: string): void {
    this.failure ??= new NbdProtocolError(why);
    clearTimeout(this.timer);
    this.wake();
  }
}

/**
 * Negotiates NBD_OPT_GO for `exportName` (proto.md "Fixed newstyle negotiation") and returns what
 * NBD_INFO_EXPORT said.
 */
async function negotiate(socket: Socket, reader: HandshakeReader, exportName: string): Promise<ExportInfo> {
  const { handshakeFlags } = decodeGreeting(await reader.read(GREETING_BYTES));
  socket.write(encodeClientFlags(handshakeFlags));
  socket.write(encodeOptGo(exportName));
  let info: ExportInfo | null = null;
  for (let replies = 0; replies <= MAX_INFO_REPLIES; replies++) {
    const header = decodeOptionReplyHeader(await reader.read(OPTION_REPLY_HEADER_BYTES), NBD_OPT_GO);
    const payload = await reader.read(header.length);
    if ((header.type & NBD_REP_FLAG_ERROR) !== 0) {
      throw new NbdProtocolError(`server refused export "${exportName}": ${describeOptionError(header.type, payload)}`);
    }
    if (header.type === NBD_REP_ACK) {
      if (info === null) throw new NbdProtocolError('server accepted NBD_OPT_GO without sending NBD_INFO_EXPORT');
      return info;
    }
    if (header.type !== NBD_REP_INFO) throw new NbdProtocolError(`unexpected reply type ${header.type} to NBD_OPT_GO`);
    info = decodeInfoReply(payload) ?? info;
  }
  throw new NbdProtocolError(`server sent more than ${MAX_INFO_REPLIES} NBD_REP_INFO replies`);
}

/** Connects to a Unix socket, rejecting with the system error (ENOENT, ECONNREFUSED...). */
function connectUnix(socketPath: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ path: socketPath });
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
  });
}

export class NbdClient implements BlockDisk {
  readonly sizeBytes: number;
  readonly readOnly: boolean;
  readonly canDiscard: boolean;
  private readonly canFlush: boolean;
  private readonly pending = new Map<number, Pending>();
  private nextCookie = 1;
  /** Why no request can be sent any more (connection lost, protocol violation, closed); null while usable. */
  private unusable: string | null = null;
  /** Set by close(), and when the server answered ESHUTDOWN: new requests are refused. */
  private stopping: string | null = null;
  private closing: Promise<void> | null = null;
  private readonly closed: Promise<void>;
  private socketError: NodeJS.ErrnoException | null = null;
  // Reply parsing state: a header being assembled, or a READ payload being copied.
  private readonly header = new Uint8Array(SIMPLE_REPLY_BYTES);
  private headerFill = 0;
  private payload: { readonly p: Pending; readonly into: Uint8Array; filled: number } | null = null;

  private constructor(
    private readonly socket: Socket,
    private readonly image: string,
    info: ExportInfo,
    opts: NbdConnectOptions,
    leftover: Uint8Array,
  ) {
    // Sector-based callers cannot address a partial last sector; QEMU's block layer reports
    // whole sectors anyway.
    this.sizeBytes = info.sizeBytes - (info.sizeBytes % 512);
    this.readOnly = opts.readOnly || (info.transmissionFlags & NBD_FLAG_READ_ONLY) !== 0;
    this.canDiscard = !this.readOnly && opts.discard !== false && (info.transmissionFlags & NBD_FLAG_SEND_TRIM) !== 0;
    this.canFlush = (info.transmissionFlags & NBD_FLAG_SEND_FLUSH) !== 0;
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      this.socketError = err;
    });
    socket.on('close', () => this.fail(this.connectionLostReason()));
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    if (leftover.length > 0) this.receive(leftover);
    socket.resume();
  }

  /**
   * Connects to the NBD server at `socketPath` and opens `exportName`. Rejects with a
   * BlockDiskError (op "open") when the socket cannot be reached (its cause is the system error),
   * the server refuses the export, breaks the protocol or does not finish the handshake in time.
   */
  static async connect(socketPath: string, exportName: string, opts: NbdConnectOptions): Promise<NbdClient> {
    let socket: Socket;
    try {
      socket = await connectUnix(socketPath);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'unknown error';
      throw new BlockDiskError('open', opts.image, `cannot connect to NBD socket "${socketPath}" (${code})`, { cause: err });
    }
    const reader = new HandshakeReader(socket, opts.handshakeTimeoutMs ?? 10_000);
    try {
      const info = await negotiate(socket, reader, exportName);
      return new NbdClient(socket, opts.image, info, opts, reader.detach());
    } catch (err) {
      reader.detach();
      socket.destroy();
      if (!(err instanceof NbdProtocolError)) throw err;
      throw new BlockDiskError('open', opts.image, `NBD handshake on "${socketPath}": ${err.message}`);
    }
  }

  async read(offset: number, into: Uint8Array): Promise<void> {
    this.checkRange('read', offset, into.length);
    await this.split(offset, into.length, MAX_PAYLOAD_BYTES, (off, len) =>
      this.send('read', NBD_CMD_READ, off, len, { into: into.subarray(off - offset, off - offset + len) }),
    );
  }

  /** `from` must not change until the promise settles: it may be sent from the caller's memory. */
  async write(offset: number, from: Uint8Array): Promise<void> {
    this.checkWritable('write');
    this.checkRange('write', offset, from.length);
    await this.split(offset, from.length, MAX_PAYLOAD_BYTES, (off, len) =>
      this.send('write', NBD_CMD_WRITE, off, len, { data: from.subarray(off - offset, off - offset + len) }),
    );
  }

  /**
   * With NBD_FLAG_SEND_FLUSH, sends NBD_CMD_FLUSH: the server then persists every write it
   * replied to before processing the flush, which covers every write that resolved before this
   * call. Without it the server offers no cache control (it writes through, or cannot do better),
   * so the most we can promise is that every write still in flight has completed.
   */
  async flush(): Promise<void> {
    this.checkOpen('flush');
    await this.flushNow();
  }

  async discard(offset: number, length: number): Promise<void> {
    this.checkWritable('discard');
    if (!this.canDiscard) throw new BlockDiskError('discard', this.image, 'discard is not enabled, or the NBD export lacks NBD_FLAG_SEND_TRIM');
    this.checkRange('discard', offset, length);
    await this.split(offset, length, MAX_TRIM_BYTES, (off, len) => this.send('discard', NBD_CMD_TRIM, off, len, {}));
  }

  /**
   * Refuses new requests, waits for the outstanding ones, flushes (if writable), sends
   * NBD_CMD_DISC and ends the connection. Rejects if that last flush fails: then writes may be
   * lost. Calling it again returns the same promise.
   */
  close(): Promise<void> {
    this.closing ??= this.closeNow();
    return this.closing;
  }

  private async closeNow(): Promise<void> {
    this.stopping ??= 'the disk is closed';
    await Promise.allSettled([...this.pending.values()].map((p) => p.done));
    let flushError: unknown = null;
    if (this.unusable === null && !this.readOnly) {
      await this.flushNow().catch((err: unknown) => {
        flushError = err;
      });
    }
    this.disconnect();
    const timer = setTimeout(() => this.socket.destroy(), CLOSE_TIMEOUT_MS);
    await this.closed;
    clearTimeout(timer);
    if (flushError !== null) throw flushError;
  }

  /** Sends NBD_CMD_DISC (when the stream is still sound) and half-closes; the server closes its end. */
  private disconnect(): void {
    if (this.unusable === null) {
      this.socket.write(encodeRequestHeader({ type: NBD_CMD_DISC, cookie: this.nextCookie++, offset: 0, length: 0 }));
    }
    this.unusable ??= 'the disk is closed';
    this.socket.end();
  }

  private async flushNow(): Promise<void> {
    if (this.canFlush) {
      await this.send('flush', NBD_CMD_FLUSH, 0, 0, {});
      return;
    }
    const writes = [...this.pending.values()].filter((p) => p.isWrite).map((p) => p.done);
    await Promise.allSettled(writes);
  }

  private checkOpen(op: DiskOp): void {
    const why = this.stopping ?? this.unusable;
    if (why !== null) throw new BlockDiskError(op, this.image, why);
  }

  private checkWritable(op: DiskOp): void {
    this.checkOpen(op);
    if (this.readOnly) throw new BlockDiskError(op, this.image, 'the disk is read-only');
  }

  private checkRange(op: DiskOp, offset: number, length: number): void {
    this.checkOpen(op);
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > this.sizeBytes) {
      throw new BlockDiskError(op, this.image, `${length} bytes at offset ${offset} is outside the disk (${this.sizeBytes} bytes)`);
    }
  }

  /** Issues [offset, offset+length) as requests of at most `max` bytes; a zero length sends nothing. */
  private async split(offset: number, length: number, max: number, issue: (off: number, len: number) => Promise<void>): Promise<void> {
    const parts: Promise<void>[] = [];
    for (let off = offset; off < offset + length; off += max) parts.push(issue(off, Math.min(max, offset + length - off)));
    await Promise.all(parts);
  }

  private send(op: DiskOp, type: number, offset: number, length: number, io: { into?: Uint8Array; data?: Uint8Array }): Promise<void> {
    if (this.unusable !== null) return Promise.reject(new BlockDiskError(op, this.image, this.unusable));
    const cookie = this.nextCookie++;
    let resolve!: () => void;
    let reject!: (err: Error) => void;
    const done = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const isWrite = type === NBD_CMD_WRITE || type === NBD_CMD_TRIM;
    this.pending.set(cookie, { op, isWrite, into: io.into ?? null, done, resolve, reject });
    // One writev for header and payload. No backpressure here: the block backend bounds the
    // requests in flight by its ring size, so what the socket buffers is bounded too.
    this.socket.cork();
    this.socket.write(encodeRequestHeader({ type, cookie, offset, length }));
    if (io.data !== undefined) this.socket.write(io.data);
    this.socket.uncork();
    return done;
  }

  /** Parses replies out of a chunk of the stream (headers may straddle chunks, READ payloads too). */
  private receive(chunk: Uint8Array): void {
    let pos = 0;
    while (pos < chunk.length && this.unusable === null) {
      if (this.payload !== null) {
        const { p, into } = this.payload;
        const n = Math.min(into.length - this.payload.filled, chunk.length - pos);
        into.set(chunk.subarray(pos, pos + n), this.payload.filled);
        this.payload.filled += n;
        pos += n;
        if (this.payload.filled === into.length) {
          this.payload = null;
          this.settle(p, 0);
        }
        continue;
      }
      const n = Math.min(SIMPLE_REPLY_BYTES - this.headerFill, chunk.length - pos);
      this.header.set(chunk.subarray(pos, pos + n), this.headerFill);
      this.headerFill += n;
      pos += n;
      if (this.headerFill === SIMPLE_REPLY_BYTES) {
        this.headerFill = 0;
        this.onReplyHeader();
      }
    }
  }

  private onReplyHeader(): void {
    let reply: SimpleReply;
    try {
      reply = decodeSimpleReply(this.header);
    } catch (err) {
      if (!(err instanceof NbdProtocolError)) throw err;
      this.abort(`protocol error from the NBD server: ${err.message}`);
      return;
    }
    const p = this.pending.get(reply.cookie);
    if (p === undefined) {
      this.abort(`protocol error from the NBD server: reply for unknown cookie ${reply.cookie}`);
      return;
    }
    this.pending.delete(reply.cookie);
    // A failed READ carries no payload (proto.md "Simple reply message").
    if (p.into !== null && reply.error === 0 && p.into.length > 0) {
      this.payload = { p, into: p.into, filled: 0 };
      return;
    }
    this.settle(p, reply.error);
  }

  private settle(p: Pending, error: number): void {
    if (error === 0) {
      p.resolve();
    } else {
      p.reject(new BlockDiskError(p.op, this.image, `the NBD server returned ${nbdErrnoName(error)}`));
      // proto.md: on ESHUTDOWN the client must disconnect softly; what is in flight may still finish.
      if (error === NBD_ESHUTDOWN) this.stopping ??= 'the NBD server is shutting down';
    }
    const idle = this.pending.size === 0 && this.payload === null;
    if (this.stopping !== null && this.closing === null && idle && this.unusable === null) this.disconnect();
  }

  /** Drops a connection whose stream can no longer be trusted. */
  private abort(reason: string): void {
    this.fail(reason);
    this.socket.destroy();
  }

  /** Rejects everything outstanding, and all later requests, with `reason`. */
  private fail(reason: string): void {
    this.unusable ??= reason;
    const outstanding = [...this.pending.values(), ...(this.payload === null ? [] : [this.payload.p])];
    this.pending.clear();
    this.payload = null;
    for (const p of outstanding) p.reject(new BlockDiskError(p.op, this.image, reason));
  }

  private connectionLostReason(): string {
    const e = this.socketError;
    return e === null ? 'the NBD server closed the connection' : `the connection to the NBD server failed (${e.code ?? e.message})`;
  }
}
