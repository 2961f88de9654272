/** Counters of one domain's event channels, for debug output. */
import { EVTCHNOP_NAMES } from './abi.js';
import type { EvtchnDeliveryCounters } from './port_ops.js';

export class EvtchnMetrics implements EvtchnDeliveryCounters {
  /** EVTCHNOP_send and host send() calls that found a bound port. */
  sends = 0;
  /** Ports raised on this domain (evtchn_port_set_pending). */
  raises = 0;
  /** Upcalls injected (evtchn_upcall_pending 0 -> 1). */
  upcalls = 0;
  /** Ports taken from the doorbell. */
  doorbellPorts = 0;
  /** EVTCHNOP_* calls by subop number (unknown numbers included). */
  readonly calls = new Map<number, number>();

  countCall(cmd: number): void {
    this.calls.set(cmd, (this.calls.get(cmd) ?? 0) + 1);
  }

  /** The per-subop calls keyed by upstream name ("unknown(99)" for the rest). */
  callsByName(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [cmd, n] of this.calls) out[EVTCHNOP_NAMES[cmd] ?? `unknown(${cmd})`] = n;
    return out;
  }
}
