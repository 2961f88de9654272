/** Counters of one virtual block device (Firecracker's per-device metrics; `xl block-list` shows none of these). */
export class BlkbackMetrics {
  readRequests = 0;
  writeRequests = 0;
  flushRequests = 0;
  discardRequests = 0;
  indirectRequests = 0;
  bytesRead = 0;
  bytesWritten = 0;
  /** Requests answered BLKIF_RSP_ERROR (bad request, bad grant, failed I/O). */
  errorResponses = 0;
  /** Requests answered BLKIF_RSP_EOPNOTSUPP. */
  unsupportedResponses = 0;
  /** Times a frontend broke the ring protocol (the ring is then no longer served). */
  brokenRings = 0;
}
