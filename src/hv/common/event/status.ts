/** EVTCHNOP_status results (event_channel.c evtchn_status). */
import {
  ECS_FREE,
  ECS_INTERDOMAIN,
  ECS_IPI,
  ECS_PIRQ,
  ECS_RESERVED,
  ECS_UNBOUND,
  ECS_VIRQ,
  EVTCHNSTAT_closed,
  EVTCHNSTAT_interdomain,
  EVTCHNSTAT_ipi,
  EVTCHNSTAT_pirq,
  EVTCHNSTAT_unbound,
  EVTCHNSTAT_virq,
} from './abi.js';
import { PortField, wordDomid, wordState, type PortTable } from './port_table.js';

/** One port's status, as struct evtchn_status reports it. */
export type EvtchnStatus =
  | { readonly status: typeof EVTCHNSTAT_closed; readonly vcpu: number }
  | { readonly status: typeof EVTCHNSTAT_unbound; readonly vcpu: number; readonly dom: number }
  | { readonly status: typeof EVTCHNSTAT_interdomain; readonly vcpu: number; readonly dom: number; readonly port: number }
  | { readonly status: typeof EVTCHNSTAT_pirq; readonly vcpu: number; readonly pirq: number }
  | { readonly status: typeof EVTCHNSTAT_virq; readonly vcpu: number; readonly virq: number }
  | { readonly status: typeof EVTCHNSTAT_ipi; readonly vcpu: number };

/** Reads a valid port's status from a table (this domain's or, for a privileged caller, another's). */
export function evtchnStatus(t: PortTable, port: number): EvtchnStatus {
  const w = t.get(port, PortField.STATE);
  const vcpu = t.get(port, PortField.NOTIFY_VCPU);
  switch (wordState(w)) {
    case ECS_UNBOUND:
      return { status: EVTCHNSTAT_unbound, vcpu, dom: wordDomid(w) };
    case ECS_INTERDOMAIN:
      return { status: EVTCHNSTAT_interdomain, vcpu, dom: wordDomid(w), port: t.get(port, PortField.REMOTE_PORT) };
    case ECS_PIRQ:
      return { status: EVTCHNSTAT_pirq, vcpu, pirq: t.get(port, PortField.VIRQ) };
    case ECS_VIRQ:
      return { status: EVTCHNSTAT_virq, vcpu, virq: t.get(port, PortField.VIRQ) };
    case ECS_IPI:
      return { status: EVTCHNSTAT_ipi, vcpu };
    case ECS_FREE:
    case ECS_RESERVED:
    default:
      return { status: EVTCHNSTAT_closed, vcpu };
  }
}

/** Writes a status into the guest's struct evtchn_status (union at offset 16). */
export function writeEvtchnStatus(arg: DataView, s: EvtchnStatus): void {
  arg.setUint32(8, s.status, true);
  arg.setUint32(12, s.vcpu, true);
  switch (s.status) {
    case EVTCHNSTAT_unbound:
      arg.setUint16(16, s.dom, true);
      break;
    case EVTCHNSTAT_interdomain:
      arg.setUint16(16, s.dom, true);
      arg.setUint32(20, s.port, true);
      break;
    case EVTCHNSTAT_pirq:
      arg.setUint32(16, s.pirq, true);
      break;
    case EVTCHNSTAT_virq:
      arg.setUint32(16, s.virq, true);
      break;
    default:
      break;
  }
}
