/** Counters of one vif (what `ip -s link` shows for a Xen host's vifN.M, from the guest's side). */
export class NetbackMetrics {
  /** Packets and bytes the guest sent (the TX ring). */
  txPackets = 0;
  txBytes = 0;
  /** Packets from the guest dropped with error responses (bad packet, bad grant). */
  txErrors = 0;
  /** Packets and bytes given to the guest (the RX ring). */
  rxPackets = 0;
  rxBytes = 0;
  /** Packets for the guest dropped: not connected, its receive queue full, or too large for it. */
  rxDropped = 0;
  /** Receive buffers the guest granted that could not be mapped (the packet then reached it as an error). */
  rxGrantErrors = 0;
  /** Times the frontend broke a ring protocol (the device is then closed). */
  brokenRings = 0;
}
