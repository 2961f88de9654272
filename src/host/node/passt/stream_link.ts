/**
 * An EthernetLink over a byte stream in QEMU's stream framing (frame_stream.ts). passt's link is
 * one; tests drive it over plain streams. The link owns the stream; whatever serves the far end
 * (the passt process) stays with the owner, which the link reaches through `stop` and
 * `explainEnd`.
 */
import type { Duplex } from 'node:stream';
import { MAX_LINK_FRAME_BYTES, type EthernetLink } from '../../common/ethernet_link.js';
import { encodeFrame, FRAME_HEADER_BYTES, FrameDecoder } from './frame_stream.js';

/** Destination MAC, source MAC and EtherType: nothing shorter is an Ethernet frame. */
export const ETH_HEADER_BYTES = 14;
/** Default bound on bytes written to the stream but not yet taken by the kernel. */
export const DEFAULT_MAX_TX_BACKLOG_BYTES = 1 << 20;

/** What a link carried and what it dropped, by reason (as Firecracker's net metrics count them). */
export interface LinkStats {
  txFrames: number;
  txBytes: number;
  /** Frames send() refused for their size: shorter than an Ethernet header or longer than the link carries. */
  txDroppedSize: number;
  /** Frames dropped because the stream's unwritten backlog was at its bound (the far end is not reading). */
  txDroppedBacklog: number;
  /** Frames sent after the link went down or was closed. */
  txDroppedDown: number;
  rxFrames: number;
  rxBytes: number;
  /** Received frames shorter than an Ethernet header. */
  rxDroppedRunt: number;
  /** Received frames that arrived while no onFrame was set. */
  rxDroppedUnclaimed: number;
}

export interface StreamLinkOptions {
  /** The link's name (EthernetLink.name). */
  readonly name: string;
  /** Largest frame send() passes on; MAX_LINK_FRAME_BYTES when omitted. */
  readonly maxTxFrameBytes?: number;
  /** Unwritten bytes the stream may hold before send() drops; DEFAULT_MAX_TX_BACKLOG_BYTES when omitted. */
  readonly maxTxBacklogBytes?: number;
  /** Stops whatever serves the far end; called once, when the link goes down or is closed. Must not reject. */
  readonly stop: () => Promise<void>;
  /**
   * Why the far end went away, when the stream ends on its own (a helper's exit status and
   * message). Without it, onDown gets the stream's own account. Must not reject.
   */
  readonly explainEnd?: () => Promise<string>;
}

function zeroStats(): LinkStats {
  return {
    txFrames: 0, txBytes: 0, txDroppedSize: 0, txDroppedBacklog: 0, txDroppedDown: 0,
    rxFrames: 0, rxBytes: 0, rxDroppedRunt: 0, rxDroppedUnclaimed: 0,
  };
}

export class StreamLink implements EthernetLink {
  readonly name: string;
  onFrame: ((frame: Uint8Array) => void) | null = null;
  onDown: ((reason: string) => void) | null = null;
  readonly stats: LinkStats = zeroStats();
  /** "down": went down on its own (onDown pending or called); "closed": close() was called. */
  private state: 'up' | 'down' | 'closed' = 'up';
  private readonly decoder = new FrameDecoder();
  private readonly maxTxFrameBytes: number;
  private readonly maxTxBacklogBytes: number;
  private stopping: Promise<void> | null = null;

  constructor(
    private readonly stream: Duplex,
    private readonly opts: StreamLinkOptions,
  ) {
    this.name = opts.name;
    this.maxTxFrameBytes = opts.maxTxFrameBytes ?? MAX_LINK_FRAME_BYTES;
    this.maxTxBacklogBytes = opts.maxTxBacklogBytes ?? DEFAULT_MAX_TX_BACKLOG_BYTES;
    stream.on('data', (chunk: Uint8Array) => this.receive(chunk));
    stream.on('end', () => this.streamEnded('closed the stream'));
    stream.on('error', (err: NodeJS.ErrnoException) => this.streamEnded(`stream failed (${err.code ?? err.message})`));
    stream.on('close', () => this.streamEnded('stream closed'));
  }

  /** True until the link goes down or is closed. */
  get isUp(): boolean {
    return this.state === 'up';
  }

  send(frame: Uint8Array): void {
    if (this.state !== 'up') {
      this.stats.txDroppedDown++;
      return;
    }
    if (frame.length < ETH_HEADER_BYTES || frame.length > this.maxTxFrameBytes) {
      this.stats.txDroppedSize++;
      return;
    }
    // A NIC whose peer stops reading drops; queueing here would grow without bound.
    if (this.stream.writableLength + FRAME_HEADER_BYTES + frame.length > this.maxTxBacklogBytes) {
      this.stats.txDroppedBacklog++;
      return;
    }
    this.stream.write(encodeFrame(frame));
    this.stats.txFrames++;
    this.stats.txBytes += frame.length;
  }

  /** Takes the link down with `reason` (the owner's word that the far end died); onDown follows once. */
  fail(reason: string): void {
    if (this.state !== 'up') return;
    this.state = 'down';
    this.stream.destroy();
    void this.stop();
    this.announceDown(reason);
  }

  close(): Promise<void> {
    this.state = 'closed';
    this.stream.destroy();
    return this.stop();
  }

  private stop(): Promise<void> {
    return (this.stopping ??= this.opts.stop());
  }

  private receive(chunk: Uint8Array): void {
    if (this.state !== 'up') return;
    const broken = this.decoder.push(chunk, (frame) => this.deliver(frame));
    if (broken !== null) this.fail(`${this.name} sent a broken stream: ${broken}`);
  }

  private deliver(frame: Uint8Array): void {
    // An earlier frame's receiver may have closed the link.
    if (this.state !== 'up') return;
    if (frame.length < ETH_HEADER_BYTES) {
      this.stats.rxDroppedRunt++;
      return;
    }
    this.stats.rxFrames++;
    this.stats.rxBytes += frame.length;
    if (this.onFrame === null) {
      this.stats.rxDroppedUnclaimed++;
      return;
    }
    this.onFrame(frame);
  }

  private streamEnded(what: string): void {
    if (this.state !== 'up') return;
    this.state = 'down';
    // Destroyed at once, so a helper process waiting on its stdio can be seen to end.
    this.stream.destroy();
    const explain = this.opts.explainEnd ?? (() => Promise.resolve(`${this.name} ${what}`));
    // Stopped only after the explanation: a signal sent first would be what it reports.
    void explain().then((reason) => {
      void this.stop();
      this.announceDown(reason);
    });
  }

  private announceDown(reason: string): void {
    // close() in the meantime means the owner no longer listens.
    if (this.state === 'closed') return;
    this.onDown?.(reason);
  }
}
