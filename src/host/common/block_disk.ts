/**
 * A disk image as a block backend sees it: byte-addressed reads and writes, a flush that returns
 * only once everything written before it is on stable storage, and (where the image supports it)
 * discard. Implemented on the host side: raw files natively, every other format through QEMU's
 * block layer over NBD. Core code (the backends) depends only on this interface, so it runs
 * wherever some host provides disks.
 */

/** A failed disk operation; the backend turns it into an error response to the guest. */
export class BlockDiskError extends Error {
  constructor(
    /** Which operation failed: "read", "write", "flush", "discard" or "open". */
    readonly op: string,
    /** The image, as the user named it. */
    readonly image: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${op} on "${image}" failed: ${message}`, options);
    this.name = 'BlockDiskError';
  }
}

export interface BlockDisk {
  /** Size in bytes (a whole number of 512-byte sectors). */
  readonly sizeBytes: number;
  /** True when the image was opened read-only: write and discard then reject. */
  readonly readOnly: boolean;
  /** True when `discard` frees space (raw files on Node cannot punch holes). */
  readonly canDiscard: boolean;
  /** Fills `into` from byte `offset`; `offset + into.length` must not pass `sizeBytes`. */
  read(offset: number, into: Uint8Array): Promise<void>;
  /** Writes `from` at byte `offset`; `offset + from.length` must not pass `sizeBytes`. */
  write(offset: number, from: Uint8Array): Promise<void>;
  /** Resolves once every write that resolved before this call is on stable storage (fsync). */
  flush(): Promise<void>;
  /** Drops `length` bytes at `offset` (reads of them then return zeros or old data). */
  discard(offset: number, length: number): Promise<void>;
  /** Flushes and releases the image; no call may follow. */
  close(): Promise<void>;
}
