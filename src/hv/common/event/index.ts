/**
 * Xen event channels (xen/common/event_channel.c, event_2l.c, event_fifo.c): per-domain port
 * state in shared memory, the EVTCHNOP hypercall, and delivery through the 2-level or FIFO ABI
 * on the domain's owner thread (or host callbacks for Domain-0).
 */
export * from './abi.js';
export { DomainEventChannels, type DomainEventChannelsOptions } from './event_channel.js';
export { EventChannelDirectory, type DirectoryEntry, type EvtchnLocalDomain, type EvtchnSharedDescriptor } from './directory.js';
export { Doorbell } from './doorbell.js';
export { EvtchnMetrics } from './metrics.js';
export type { EvtchnAbi, EvtchnGuestHooks, EvtchnPortOps, HostEvtchnHooks } from './port_ops.js';
export type { EvtchnStatus } from './status.js';
