/**
 * Delivery to Domain-0, which is the host process rather than a guest: a raised port becomes a
 * call of the host's onEvent(port) on the owner thread. Pending and mask bits are kept here, with
 * the semantics of the 2-level ABI: raising a pending port does nothing, a masked port stays
 * pending until unmasked, and delivering a port consumes its pending bit.
 */
import { EVTCHN_FIFO_NR_CHANNELS } from './abi.js';
import type { EvtchnPortOps, HostEvtchnHooks } from './port_ops.js';

export class EvtchnHost implements EvtchnPortOps {
  readonly abi = 'host';
  /** The host is not limited by a guest bitmap; max_evtchn_port bounds it. */
  readonly maxEvtchns = EVTCHN_FIFO_NR_CHANNELS;
  readonly setPriority = null;
  private readonly pending: Uint8Array;
  private readonly masked: Uint8Array;

  constructor(
    private readonly hooks: HostEvtchnHooks,
    recordCount: number,
  ) {
    this.pending = new Uint8Array(recordCount);
    this.masked = new Uint8Array(recordCount);
  }

  setPending(_v: number, port: number): void {
    if (this.pending[port] !== 0) return;
    this.pending[port] = 1;
    if (this.masked[port] === 0) this.deliver(port);
  }

  private deliver(port: number): void {
    this.pending[port] = 0;
    this.hooks.onEvent(port);
  }

  clearPending(port: number): void {
    this.pending[port] = 0;
  }

  unmask(port: number): void {
    this.masked[port] = 0;
    if (this.pending[port] !== 0) this.deliver(port);
  }

  /** Holds back deliveries of `port` until unmask(). */
  mask(port: number): void {
    this.masked[port] = 1;
  }

  isPending(port: number): boolean {
    return this.pending[port] !== 0;
  }

  isMasked(port: number): boolean {
    return this.masked[port] !== 0;
  }

  isBusy(): boolean {
    return false;
  }

  printState(port: number): string {
    return this.masked[port] !== 0 ? 'm' : '-';
  }

  /** Pending and mask bytes, for save. */
  save(): { pending: Uint8Array; masked: Uint8Array } {
    return { pending: this.pending.slice(), masked: this.masked.slice() };
  }

  load(pending: Uint8Array, masked: Uint8Array): void {
    if (pending.length !== this.pending.length || masked.length !== this.masked.length) throw new RangeError('Saved host event state does not match this domain');
    this.pending.set(pending);
    this.masked.set(masked);
  }
}
