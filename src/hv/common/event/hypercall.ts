/**
 * do_event_channel_op (event_channel.c): decodes each subop's struct, calls the domain, and
 * writes results back into the struct. The caller copied EVTCHNOP_ARG_BYTES[cmd] bytes in from
 * the guest and copies them out afterwards (for the subops in EVTCHNOP_WRITES_BACK, on rc 0).
 */
import { XEN_EFAULT, XEN_EINVAL, XEN_ENOSYS, XEN_EPERM, XEN_ESRCH } from '../../../abi/errno.js';
import {
  EVTCHN_FIFO_LINK_BITS,
  EVTCHNOP_alloc_unbound,
  EVTCHNOP_ARG_BYTES,
  EVTCHNOP_bind_interdomain,
  EVTCHNOP_bind_ipi,
  EVTCHNOP_bind_pirq,
  EVTCHNOP_bind_vcpu,
  EVTCHNOP_bind_virq,
  EVTCHNOP_close,
  EVTCHNOP_expand_array,
  EVTCHNOP_init_control,
  EVTCHNOP_reset,
  EVTCHNOP_reset_cont,
  EVTCHNOP_send,
  EVTCHNOP_set_priority,
  EVTCHNOP_status,
  EVTCHNOP_unmask,
} from './abi.js';
import type { DomainEventChannels } from './event_channel.js';
import { writeEvtchnStatus } from './status.js';

/** A guest u64 frame number as a JS number; -1 (never backed) when it is beyond 2^53. */
function gfnArg(arg: DataView, at: number): number {
  const gfn = arg.getBigUint64(at, true);
  return gfn > BigInt(Number.MAX_SAFE_INTEGER) ? -1 : Number(gfn);
}

/** Stores a bound port into the struct's OUT field and passes rc (a port or -errno) through as 0/-errno. */
function portOut(arg: DataView, at: number, rc: number): number {
  if (rc < 0) return rc;
  arg.setUint32(at, rc, true);
  return 0;
}

/**
 * The hypercall body. `_vcpu` is the calling vCPU: like Xen, no subop depends on it (init_control
 * names its vCPU in the struct).
 */
export function doEventChannelOp(d: DomainEventChannels, cmd: number, arg: DataView, _vcpu: number): number {
  const need = EVTCHNOP_ARG_BYTES[cmd];
  if (need === undefined) return -XEN_ENOSYS;
  if (arg.byteLength < need) return -XEN_EFAULT;
  const u32 = (at: number): number => arg.getUint32(at, true);
  switch (cmd) {
    case EVTCHNOP_alloc_unbound:
      return portOut(arg, 4, d.allocUnbound(arg.getUint16(2, true), arg.getUint16(0, true)));
    case EVTCHNOP_bind_interdomain:
      return portOut(arg, 8, d.bindInterdomain(arg.getUint16(0, true), u32(4)));
    case EVTCHNOP_bind_virq:
      return portOut(arg, 8, d.bindVirq(u32(0), u32(4)));
    case EVTCHNOP_bind_ipi:
      return portOut(arg, 4, d.bindIpi(u32(0)));
    case EVTCHNOP_bind_pirq:
      return portOut(arg, 8, d.bindPirq(u32(0)));
    case EVTCHNOP_close:
      return d.close(u32(0));
    case EVTCHNOP_send:
      return d.send(u32(0));
    case EVTCHNOP_status: {
      const s = d.status(u32(4), arg.getUint16(0, true));
      if (typeof s === 'number') return s;
      writeEvtchnStatus(arg, s);
      return 0;
    }
    case EVTCHNOP_bind_vcpu:
      return d.bindVcpu(u32(0), u32(4));
    case EVTCHNOP_unmask:
      return d.unmask(u32(0));
    case EVTCHNOP_reset:
    case EVTCHNOP_reset_cont:
      return doReset(d, arg.getUint16(0, true), cmd === EVTCHNOP_reset_cont);
    case EVTCHNOP_init_control:
      // Xen fills link_bits before validating anything.
      arg.setUint8(16, EVTCHN_FIFO_LINK_BITS);
      return d.initControl(gfnArg(arg, 0), u32(8), u32(12));
    case EVTCHNOP_expand_array:
      return d.expandArray(gfnArg(arg, 0));
    case EVTCHNOP_set_priority:
      return d.setPriority(u32(0), u32(4));
    default:
      return -XEN_ENOSYS;
  }
}

/**
 * EVTCHNOP_reset: domain lookup, the XSM_TARGET check, then evtchn_reset, which refuses another
 * domain unless its controller paused it; the hypercall path has no controller pause (the
 * toolstack resets a domain through its own object), so that case is -EINVAL.
 */
function doReset(d: DomainEventChannels, dom: number, resuming: boolean): number {
  const e = d.resolve(dom);
  if (e === undefined) return -XEN_ESRCH;
  if (!d.mayControl(e)) return -XEN_EPERM;
  if (e.domid !== d.domid) return -XEN_EINVAL;
  return d.reset(resuming);
}
