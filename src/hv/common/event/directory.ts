/**
 * The per-thread map from domid to a domain's shared event-channel parts, used to resolve the
 * remote end of every interdomain operation (Xen's rcu_lock_domain_by_id). Domains owned by this
 * thread are registered with their live object, so raising their ports is immediate; the others
 * are reached through their doorbell.
 */
import { XEN_EINVAL, XEN_ESRCH } from '../../../abi/errno.js';
import { NR_VIRQS } from '../../../abi/xen.js';
import { virqIsGlobal } from './abi.js';
import { Doorbell } from './doorbell.js';
import { PortTable } from './port_table.js';

/** What another thread needs to reach a domain's event channels (structured-clone safe). */
export interface EvtchnSharedDescriptor {
  readonly domid: number;
  readonly ports: SharedArrayBuffer;
  readonly doorbell: SharedArrayBuffer;
}

/** The owner-thread side of a domain, as the directory needs it. */
export interface EvtchnLocalDomain {
  /** Its own views, so that every reference to the domain on this thread is the same object. */
  readonly table: PortTable;
  readonly doorbell: Doorbell;
  /** Owner thread only: evtchn_port_set_pending() on the port's notify vCPU. */
  raisePort(port: number): void;
  /** Owner thread only: the port ops' is_busy (FIFO: word still LINKED). */
  isBusy(port: number): boolean;
}

export interface DirectoryEntry {
  readonly domid: number;
  readonly table: PortTable;
  readonly doorbell: Doorbell;
  /** Set when the domain is owned by this thread. */
  readonly local: EvtchnLocalDomain | null;
}

export class EventChannelDirectory {
  private readonly entries = new Map<number, DirectoryEntry>();

  /** Makes a domain reachable; `local` only on the domain's owner thread. */
  add(desc: EvtchnSharedDescriptor, local: EvtchnLocalDomain | null = null): void {
    if (local !== null) {
      this.entries.set(desc.domid, { domid: desc.domid, table: local.table, doorbell: local.doorbell, local });
      return;
    }
    const table = PortTable.attach(desc.ports);
    this.entries.set(desc.domid, { domid: desc.domid, table, doorbell: Doorbell.attach(desc.doorbell, table.maxPort), local });
  }

  remove(domid: number): void {
    this.entries.delete(domid);
  }

  lookup(domid: number): DirectoryEntry | undefined {
    return this.entries.get(domid);
  }

  /** Raises `port` of domain `domid`: directly on its owner thread, else through its doorbell. */
  raise(domid: number, port: number): void {
    const e = this.entries.get(domid);
    if (e === undefined) return;
    if (e.local !== null) e.local.raisePort(port);
    else e.doorbell.ring(port);
  }

  /**
   * send_guest_global_virq() for a domain on any thread: the port bound to a global VIRQ lives in
   * vCPU 0's virq_to_evtchn. Returns 0 (also when nothing is bound, as Xen), -ESRCH or -EINVAL.
   */
  sendGlobalVirq(domid: number, virq: number): number {
    if (!Number.isInteger(virq) || virq < 0 || virq >= NR_VIRQS || !virqIsGlobal(virq)) return -XEN_EINVAL;
    const e = this.entries.get(domid);
    if (e === undefined) return -XEN_ESRCH;
    const port = e.table.virqPort(0, virq);
    if (port !== 0) this.raise(domid, port);
    return 0;
  }
}
