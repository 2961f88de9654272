/**
 * The event-channel part of Xen's public ABI (xen/include/public/event_channel.h) and the channel
 * states of xen/include/xen/sched.h `struct evtchn`. Struct offsets are those of the arm64 layout
 * (docs: xen-arm-guest-abi.md §5.0). These belong in src/abi once that folder takes them.
 */
import { VIRQ } from '../../../abi/xen.js';

/** EVTCHNOP_* subop numbers (public/event_channel.h). */
export const EVTCHNOP_bind_interdomain = 0;
export const EVTCHNOP_bind_virq = 1;
export const EVTCHNOP_bind_pirq = 2;
export const EVTCHNOP_close = 3;
export const EVTCHNOP_send = 4;
export const EVTCHNOP_status = 5;
export const EVTCHNOP_alloc_unbound = 6;
export const EVTCHNOP_bind_ipi = 7;
export const EVTCHNOP_bind_vcpu = 8;
export const EVTCHNOP_unmask = 9;
export const EVTCHNOP_reset = 10;
export const EVTCHNOP_init_control = 11;
export const EVTCHNOP_expand_array = 12;
export const EVTCHNOP_set_priority = 13;
/** Xen-internal continuation of EVTCHNOP_reset; Xen compiles it in, so a guest can issue it too. */
export const EVTCHNOP_reset_cont = 14;

/** Subop names, for the per-subop counters and debug output. */
export const EVTCHNOP_NAMES: Readonly<Record<number, string>> = {
  [EVTCHNOP_bind_interdomain]: 'bind_interdomain',
  [EVTCHNOP_bind_virq]: 'bind_virq',
  [EVTCHNOP_bind_pirq]: 'bind_pirq',
  [EVTCHNOP_close]: 'close',
  [EVTCHNOP_send]: 'send',
  [EVTCHNOP_status]: 'status',
  [EVTCHNOP_alloc_unbound]: 'alloc_unbound',
  [EVTCHNOP_bind_ipi]: 'bind_ipi',
  [EVTCHNOP_bind_vcpu]: 'bind_vcpu',
  [EVTCHNOP_unmask]: 'unmask',
  [EVTCHNOP_reset]: 'reset',
  [EVTCHNOP_init_control]: 'init_control',
  [EVTCHNOP_expand_array]: 'expand_array',
  [EVTCHNOP_set_priority]: 'set_priority',
  [EVTCHNOP_reset_cont]: 'reset_cont',
};

/**
 * Size in bytes of each subop's argument struct: the hypercall layer copies this many bytes in
 * from the guest before calling doEventChannelOp, and back out afterwards.
 */
export const EVTCHNOP_ARG_BYTES: Readonly<Record<number, number>> = {
  [EVTCHNOP_bind_interdomain]: 12,
  [EVTCHNOP_bind_virq]: 12,
  [EVTCHNOP_bind_pirq]: 12,
  [EVTCHNOP_close]: 4,
  [EVTCHNOP_send]: 4,
  [EVTCHNOP_status]: 24,
  [EVTCHNOP_alloc_unbound]: 8,
  [EVTCHNOP_bind_ipi]: 8,
  [EVTCHNOP_bind_vcpu]: 8,
  [EVTCHNOP_unmask]: 4,
  [EVTCHNOP_reset]: 2,
  [EVTCHNOP_reset_cont]: 2,
  [EVTCHNOP_init_control]: 24,
  [EVTCHNOP_expand_array]: 8,
  [EVTCHNOP_set_priority]: 8,
};

/**
 * Subops whose struct Xen copies back to the guest on success (do_event_channel_op's
 * `__copy_to_guest` calls); the others are inputs only.
 */
export const EVTCHNOP_WRITES_BACK: ReadonlySet<number> = new Set([
  EVTCHNOP_alloc_unbound,
  EVTCHNOP_bind_interdomain,
  EVTCHNOP_bind_virq,
  EVTCHNOP_bind_ipi,
  EVTCHNOP_bind_pirq,
  EVTCHNOP_status,
  EVTCHNOP_init_control,
]);

/** Channel states (sched.h ECS_*). */
export const ECS_FREE = 0;
export const ECS_RESERVED = 1;
export const ECS_UNBOUND = 2;
export const ECS_INTERDOMAIN = 3;
export const ECS_PIRQ = 4;
export const ECS_VIRQ = 5;
export const ECS_IPI = 6;

/** EVTCHNOP_status results (public/event_channel.h EVTCHNSTAT_*). */
export const EVTCHNSTAT_closed = 0;
export const EVTCHNSTAT_unbound = 1;
export const EVTCHNSTAT_interdomain = 2;
export const EVTCHNSTAT_pirq = 3;
export const EVTCHNSTAT_virq = 4;
export const EVTCHNSTAT_ipi = 5;

/** 2-level ABI: 64 words of 64 bits (event_2l.c, BITS_PER_EVTCHN_WORD squared on a 64-bit guest). */
export const EVTCHN_2L_NR_CHANNELS = 4096;
/** shared_info offsets (xen.h struct shared_info, arm64). */
export const SHARED_INFO_EVTCHN_PENDING = 48;
export const SHARED_INFO_EVTCHN_MASK = 560;
/** vcpu_info offsets (xen.h struct vcpu_info, arm64). */
export const VCPU_INFO_EVTCHN_UPCALL_PENDING = 0;
export const VCPU_INFO_EVTCHN_PENDING_SEL = 8;

/** FIFO ABI (public/event_channel.h). */
export const EVTCHN_FIFO_PRIORITY_MAX = 0;
export const EVTCHN_FIFO_PRIORITY_DEFAULT = 7;
export const EVTCHN_FIFO_PRIORITY_MIN = 15;
export const EVTCHN_FIFO_MAX_QUEUES = EVTCHN_FIFO_PRIORITY_MIN + 1;
export const EVTCHN_FIFO_LINK_BITS = 17;
export const EVTCHN_FIFO_NR_CHANNELS = 1 << EVTCHN_FIFO_LINK_BITS;
export const EVTCHN_FIFO_PENDING = 31;
export const EVTCHN_FIFO_MASKED = 30;
export const EVTCHN_FIFO_LINKED = 29;
export const EVTCHN_FIFO_BUSY = 28;
export const EVTCHN_FIFO_LINK_MASK = (1 << EVTCHN_FIFO_LINK_BITS) - 1;
/** struct evtchn_fifo_control_block: ready u32 @0, _rsvd @4, head[16] u32 @8. */
export const EVTCHN_FIFO_CONTROL_BLOCK_BYTES = 72;
export const EVTCHN_FIFO_CONTROL_BLOCK_HEAD = 8;
/** event_fifo.c: a page holds 1024 event words, and 128 pages cover every FIFO port. */
export const EVTCHN_FIFO_EVENT_WORDS_PER_PAGE = 1024;
export const EVTCHN_FIFO_MAX_EVENT_ARRAY_PAGES = EVTCHN_FIFO_NR_CHANNELS / EVTCHN_FIFO_EVENT_WORDS_PER_PAGE;

/** The per-vCPU VIRQs that src/abi/xen.ts does not name (xen.h VIRQ_XENOPROF, VIRQ_XENPMU). */
const VIRQ_XENOPROF = 7;
const VIRQ_XENPMU = 13;

/**
 * event_channel.c `virq_is_global`: every VIRQ except the per-vCPU ones is global; on ARM the
 * VIRQ_ARCH_* ones are global too (asm-arm/event.h arch_virq_is_global).
 */
export function virqIsGlobal(virq: number): boolean {
  return virq !== VIRQ.TIMER && virq !== VIRQ.DEBUG && virq !== VIRQ_XENOPROF && virq !== VIRQ_XENPMU;
}

/**
 * PIRQs an ARM domU may name: common/domain.c sets nr_pirqs = min(nr_static_irqs + extra_domU_irqs,
 * nr_irqs), and nr_irqs is NR_IRQS = 1024 on ARM (asm-arm/irq.h).
 */
export const ARM_DOMU_NR_PIRQS = 1024;

/** Xen allocates channel structs in buckets of 64 (sched.h EVTCHNS_PER_BUCKET, 64-byte struct evtchn). */
export const EVTCHNS_PER_BUCKET = 64;

/** libxl's default max_event_channels. */
export const DEFAULT_MAX_EVTCHN_PORT = 1023;
