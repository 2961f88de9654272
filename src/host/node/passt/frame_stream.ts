/**
 * The framing of QEMU's "stream" netdev, which passt speaks on its socket: each Ethernet frame is
 * preceded by its length as a 32-bit big-endian integer (QEMU net/stream.c; passt tap.c
 * tap_send). The bytes come from another process, so every length is checked before anything is
 * allocated for it, and a stream that breaks the rules stays broken: after a bad length there is
 * no telling where the next frame starts.
 */
import { MAX_LINK_FRAME_BYTES } from '../../common/ethernet_link.js';

/** Size of the length word before each frame. */
export const FRAME_HEADER_BYTES = 4;

/** One frame as it goes on the stream: its length, big-endian, then the frame (a copy). */
export function encodeFrame(frame: Uint8Array): Uint8Array {
  const out = new Uint8Array(FRAME_HEADER_BYTES + frame.length);
  new DataView(out.buffer).setUint32(0, frame.length, false);
  out.set(frame, FRAME_HEADER_BYTES);
  return out;
}

/**
 * Cuts a byte stream into frames. Chunks may end anywhere, inside a length word or a frame; each
 * frame is delivered in a buffer of its own (the receiver may keep it). Memory held is at most one
 * length word plus one frame of at most `maxFrameBytes`.
 */
export class FrameDecoder {
  private readonly header = new Uint8Array(FRAME_HEADER_BYTES);
  private headerFill = 0;
  /** The frame being filled, once its length word is complete and checked. */
  private frame: Uint8Array | null = null;
  private frameFill = 0;
  private broken: string | null = null;

  constructor(private readonly maxFrameBytes: number = MAX_LINK_FRAME_BYTES) {}

  /** Why the stream is unusable, or null while it is fine. */
  get error(): string | null {
    return this.broken;
  }

  /** True when no partial length word or frame is pending (the stream may end here cleanly). */
  get atBoundary(): boolean {
    return this.headerFill === 0 && this.frame === null;
  }

  /**
   * Feeds `chunk`, calling `onFrame` for each frame it completes. Returns null, or why the stream
   * broke (frames completed before the bad length word are still delivered; nothing after it is).
   */
  push(chunk: Uint8Array, onFrame: (frame: Uint8Array) => void): string | null {
    let off = 0;
    while (this.broken === null && off < chunk.length) {
      off = this.frame === null ? this.fillHeader(chunk, off) : this.fillFrame(chunk, off, onFrame);
    }
    return this.broken;
  }

  private fillHeader(chunk: Uint8Array, off: number): number {
    const n = Math.min(FRAME_HEADER_BYTES - this.headerFill, chunk.length - off);
    this.header.set(chunk.subarray(off, off + n), this.headerFill);
    this.headerFill += n;
    if (this.headerFill === FRAME_HEADER_BYTES) {
      this.headerFill = 0;
      const length = new DataView(this.header.buffer).getUint32(0, false);
      this.broken = this.checkLength(length);
      if (this.broken === null) {
        this.frame = new Uint8Array(length);
        this.frameFill = 0;
      }
    }
    return off + n;
  }

  private fillFrame(chunk: Uint8Array, off: number, onFrame: (frame: Uint8Array) => void): number {
    const frame = this.frame!;
    const n = Math.min(frame.length - this.frameFill, chunk.length - off);
    frame.set(chunk.subarray(off, off + n), this.frameFill);
    this.frameFill += n;
    if (this.frameFill === frame.length) {
      // Reset before the callback, so a callback that throws leaves the decoder consistent.
      this.frame = null;
      onFrame(frame);
    }
    return off + n;
  }

  private checkLength(length: number): string | null {
    if (length === 0) return 'frame length 0 on the stream';
    if (length > this.maxFrameBytes) return `frame length ${length} on the stream exceeds ${this.maxFrameBytes} bytes`;
    return null;
  }
}
