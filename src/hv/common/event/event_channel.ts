/**
 * One domain's event channels: the port state machine of xen/common/event_channel.c over the
 * shared port table, with delivery through the domain's EvtchnPortOps on its owner thread.
 * Every method returns a port, 0, or -XEN_Exxx, and never throws on guest input.
 */
import { XEN_EACCES, XEN_EBUSY, XEN_EEXIST, XEN_EINVAL, XEN_ENOENT, XEN_ENOSYS, XEN_EOPNOTSUPP, XEN_EPERM, XEN_ESRCH } from '../../../abi/errno.js';
import { DOMID_SELF, NR_VIRQS, XEN_PAGE_SIZE } from '../../../abi/xen.js';
import {
  ARM_DOMU_NR_PIRQS,
  DEFAULT_MAX_EVTCHN_PORT,
  ECS_FREE,
  ECS_INTERDOMAIN,
  ECS_IPI,
  ECS_PIRQ,
  ECS_RESERVED,
  ECS_UNBOUND,
  ECS_VIRQ,
  EVTCHN_2L_NR_CHANNELS,
  EVTCHN_FIFO_CONTROL_BLOCK_BYTES,
  EVTCHN_FIFO_NR_CHANNELS,
  virqIsGlobal,
} from './abi.js';
import type { DirectoryEntry, EventChannelDirectory, EvtchnLocalDomain, EvtchnSharedDescriptor } from './directory.js';
import { Doorbell } from './doorbell.js';
import { Evtchn2l } from './event_2l.js';
import { EvtchnFifo, type FifoSavedState } from './event_fifo.js';
import { EvtchnHost } from './event_host.js';
import { doEventChannelOp } from './hypercall.js';
import { EvtchnMetrics } from './metrics.js';
import { restoreEventChannels, saveEventChannels } from './persist.js';
import type { EvtchnGuestHooks, EvtchnPortOps, HostEvtchnHooks } from './port_ops.js';
import { closeInterdomain, linkToUnbound, portInit } from './interdomain.js';
import { PortField, PortTable, stateWord, wordDomid, wordState } from './port_table.js';
import { evtchnStatus, type EvtchnStatus } from './status.js';

/** Constructor options of DomainEventChannels. */
export interface DomainEventChannelsOptions {
  readonly domid: number;
  /** max_evtchn_port (libxl default 1023), at most the FIFO limit. */
  readonly maxPort?: number;
  readonly nrVcpus: number;
  readonly directory: EventChannelDirectory;
  /** May act on other domains (XSM dummy policy: the control domain). */
  readonly privileged?: boolean;
  /** Exactly one of guest and host. */
  readonly guest?: EvtchnGuestHooks;
  readonly host?: HostEvtchnHooks;
}

export class DomainEventChannels implements EvtchnLocalDomain {
  readonly domid: number;
  readonly nrVcpus: number;
  readonly privileged: boolean;
  readonly table: PortTable;
  readonly doorbell: Doorbell;
  readonly metrics = new EvtchnMetrics();
  /** d->evtchn_port_ops. */
  ops: EvtchnPortOps;
  readonly directory: EventChannelDirectory;
  readonly guest: EvtchnGuestHooks | null;
  private readonly self: DirectoryEntry;

  constructor(o: DomainEventChannelsOptions) {
    const maxPort = o.maxPort ?? DEFAULT_MAX_EVTCHN_PORT;
    if (!Number.isInteger(maxPort) || maxPort < 1 || maxPort >= EVTCHN_FIFO_NR_CHANNELS) throw new RangeError(`Cannot create event channels: maxPort "${maxPort}" is out of range`);
    if (!Number.isInteger(o.nrVcpus) || o.nrVcpus < 1) throw new RangeError(`Cannot create event channels: nrVcpus "${o.nrVcpus}" is out of range`);
    if ((o.guest === undefined) === (o.host === undefined)) throw new RangeError('Cannot create event channels: give exactly one of guest and host hooks');
    this.domid = o.domid;
    this.nrVcpus = o.nrVcpus;
    this.privileged = o.privileged ?? false;
    this.directory = o.directory;
    this.guest = o.guest ?? null;
    this.table = PortTable.create(maxPort, o.nrVcpus, o.host !== undefined ? EVTCHN_FIFO_NR_CHANNELS : EVTCHN_2L_NR_CHANNELS);
    this.ops = o.host !== undefined ? new EvtchnHost(o.host, this.table.recordCount) : new Evtchn2l(this.table, o.guest!, this.metrics);
    this.doorbell = Doorbell.create(maxPort);
    o.directory.add(this.descriptor(), this);
    this.self = o.directory.lookup(this.domid)!;
  }

  /** What another thread needs to add this domain to its directory. */
  descriptor(): EvtchnSharedDescriptor {
    return { domid: this.domid, ports: this.table.words.buffer as SharedArrayBuffer, doorbell: this.doorbell.words.buffer as SharedArrayBuffer };
  }

  /** The hypercall (do_event_channel_op). `arg` holds EVTCHNOP_ARG_BYTES[cmd] bytes; results are written into it. */
  doEventChannelOp(cmd: number, arg: DataView, vcpu: number): number {
    this.metrics.countCall(cmd);
    return doEventChannelOp(this, cmd, arg, vcpu);
  }

  /** rcu_lock_domain_by_any_id(): DOMID_SELF or a domid in the directory. */
  resolve(dom: number): DirectoryEntry | undefined {
    return dom === DOMID_SELF ? this.self : this.directory.lookup(dom);
  }

  /** XSM dummy XSM_TARGET: the domain itself or a privileged caller. */
  mayControl(e: DirectoryEntry): boolean {
    return e.domid === this.domid || this.privileged;
  }

  isBusy(port: number): boolean {
    return this.ops.isBusy(port);
  }

  private usable(port: number): boolean {
    return this.table.isValid(port) && this.table.state(port) > ECS_RESERVED;
  }

  /** evtchn_port_set_pending() on the port's notify vCPU (owner thread). */
  raisePort(port: number): void {
    if (!this.usable(port)) return;
    this.metrics.raises++;
    this.ops.setPending(this.table.get(port, PortField.NOTIFY_VCPU), port);
  }

  /** Allocates a port here and publishes it in state `word` with `notify` as its vCPU. */
  private bindLocal(word: number, notify: number, virq = 0): number {
    const port = this.table.allocate((p) => this.ops.isBusy(p));
    if (port < 0) return port;
    this.table.set(port, PortField.NOTIFY_VCPU, notify);
    this.table.set(port, PortField.VIRQ, virq);
    portInit(this.table, port);
    this.table.unlock(port, word);
    return port;
  }

  /**
   * EVTCHNOP_alloc_unbound: a port in `dom` that `remoteDomid` may bind to. Xen's order: the
   * domain must exist (-ESRCH), a port must be free (-ENOSPC), then the XSM check (-EPERM).
   */
  allocUnbound(remoteDomid: number, dom: number = DOMID_SELF): number {
    const e = this.resolve(dom);
    if (e === undefined) return -XEN_ESRCH;
    const port = e.table.allocate((p) => e.local?.isBusy(p) ?? false);
    if (port < 0) return port;
    if (!this.mayControl(e)) {
      e.table.unlock(port, stateWord(ECS_FREE));
      return -XEN_EPERM;
    }
    portInit(e.table, port);
    e.table.unlock(port, stateWord(ECS_UNBOUND, remoteDomid === DOMID_SELF ? this.domid : remoteDomid));
    return port;
  }

  /**
   * EVTCHNOP_bind_interdomain: connect a new local port to `remotePort` of `remoteDomid`, which
   * must be unbound and waiting for this domain. The new port is set pending, since notifications
   * sent to the unbound remote end were dropped.
   */
  bindInterdomain(remoteDomid: number, remotePort: number): number {
    const rd = this.resolve(remoteDomid);
    if (rd === undefined) return -XEN_ESRCH;
    const lport = this.table.allocate((p) => this.ops.isBusy(p));
    if (lport < 0) return lport;
    if (!linkToUnbound({ table: this.table, domid: this.domid, port: lport }, { table: rd.table, domid: rd.domid, port: remotePort })) {
      this.table.unlock(lport, stateWord(ECS_FREE));
      return -XEN_EINVAL;
    }
    this.raisePort(lport);
    return lport;
  }

  /** EVTCHNOP_bind_virq. */
  bindVirq(virq: number, vcpu: number): number {
    if (!Number.isInteger(virq) || virq < 0 || virq >= NR_VIRQS) return -XEN_EINVAL;
    if (virqIsGlobal(virq) && vcpu !== 0) return -XEN_EINVAL;
    if (!this.validVcpu(vcpu)) return -XEN_ENOENT;
    if (this.table.virqPort(vcpu, virq) !== 0) return -XEN_EEXIST;
    const port = this.bindLocal(stateWord(ECS_VIRQ), vcpu, virq);
    if (port > 0) this.table.setVirqPort(vcpu, virq, port);
    return port;
  }

  /** EVTCHNOP_bind_ipi. */
  bindIpi(vcpu: number): number {
    if (!this.validVcpu(vcpu)) return -XEN_ENOENT;
    return this.bindLocal(stateWord(ECS_IPI), vcpu);
  }

  /**
   * EVTCHNOP_bind_pirq as an ARM domain sees it: ARM domains are HVM, so Xen binds any pirq below
   * nr_pirqs without touching a physical IRQ (nothing ever raises it).
   */
  bindPirq(pirq: number): number {
    if (!Number.isInteger(pirq) || pirq < 0 || pirq >= ARM_DOMU_NR_PIRQS) return -XEN_EINVAL;
    for (let p = 1; p < this.table.validEvtchns; p++) {
      if (this.table.state(p) === ECS_PIRQ && this.table.get(p, PortField.VIRQ) === pirq) return -XEN_EEXIST;
    }
    return this.bindLocal(stateWord(ECS_PIRQ), 0, pirq);
  }

  private validVcpu(vcpu: number): boolean {
    return Number.isInteger(vcpu) && vcpu >= 0 && vcpu < this.nrVcpus;
  }

  /** evtchn_free with the port's lock held: clear pending, back to vCPU 0, state free. */
  private free(port: number): void {
    if (this.table.state(port) > ECS_RESERVED) this.ops.clearPending(port);
    this.doorbell.clear(port);
    this.table.set(port, PortField.NOTIFY_VCPU, 0);
    this.table.unlock(port, stateWord(ECS_FREE));
  }

  /** EVTCHNOP_close: an interdomain peer reverts to unbound, waiting for this domain again. */
  close(port: number): number {
    if (!this.table.isValid(port)) return -XEN_EINVAL;
    for (;;) {
      const w = this.table.lock(port);
      switch (wordState(w)) {
        case ECS_FREE:
        case ECS_RESERVED:
          this.table.unlock(port, w);
          return -XEN_EINVAL;
        case ECS_VIRQ: {
          const virq = this.table.get(port, PortField.VIRQ);
          this.table.setVirqPort(virqIsGlobal(virq) ? 0 : this.table.get(port, PortField.NOTIFY_VCPU), virq, 0);
          this.free(port);
          return 0;
        }
        case ECS_INTERDOMAIN:
          if (closeInterdomain({ directory: this.directory, domid: this.domid, table: this.table, free: (p) => this.free(p) }, port, w)) return 0;
          continue;
        default:
          this.free(port);
          return 0;
      }
    }
  }

  /** EVTCHNOP_send: interdomain raises the peer, ipi raises locally, unbound drops the event. */
  send(port: number): number {
    if (!this.table.isValid(port)) return -XEN_EINVAL;
    const w = this.table.get(port, PortField.STATE);
    switch (wordState(w)) {
      case ECS_INTERDOMAIN:
        this.metrics.sends++;
        this.directory.raise(wordDomid(w), this.table.get(port, PortField.REMOTE_PORT));
        return 0;
      case ECS_IPI:
        this.metrics.sends++;
        this.raisePort(port);
        return 0;
      case ECS_UNBOUND:
        return 0;
      default:
        return -XEN_EINVAL;
    }
  }

  /**
   * Raises a VIRQ bound in this domain (send_guest_global_virq / send_guest_vcpu_virq). Returns 0,
   * also when nothing is bound, or -EINVAL for a bad VIRQ or vCPU.
   */
  sendVirq(virq: number, vcpu = 0): number {
    if (!Number.isInteger(virq) || virq < 0 || virq >= NR_VIRQS || !this.validVcpu(vcpu)) return -XEN_EINVAL;
    const global = virqIsGlobal(virq);
    const port = this.table.virqPort(global ? 0 : vcpu, virq);
    if (port === 0 || !this.usable(port)) return 0;
    this.metrics.raises++;
    this.ops.setPending(global ? this.table.get(port, PortField.NOTIFY_VCPU) : vcpu, port);
    return 0;
  }

  /** EVTCHNOP_status of `port` in `dom`. */
  status(port: number, dom: number = DOMID_SELF): EvtchnStatus | number {
    const e = this.resolve(dom);
    if (e === undefined) return -XEN_ESRCH;
    if (!e.table.isValid(port)) return -XEN_EINVAL;
    if (!this.mayControl(e)) return -XEN_EPERM;
    return evtchnStatus(e.table, port);
  }

  /** EVTCHNOP_bind_vcpu: unbound, interdomain and global-VIRQ ports may move. */
  bindVcpu(port: number, vcpu: number): number {
    if (!this.validVcpu(vcpu)) return -XEN_ENOENT;
    if (!this.table.isValid(port)) return -XEN_EINVAL;
    switch (this.table.state(port)) {
      case ECS_VIRQ:
        if (!virqIsGlobal(this.table.get(port, PortField.VIRQ))) return -XEN_EINVAL;
        break;
      case ECS_UNBOUND:
      case ECS_INTERDOMAIN:
      // Xen 4.17 on ARM BUG()s moving a pirq port (pirq_set_affinity); nothing delivers on one here.
      case ECS_PIRQ:
        break;
      default:
        return -XEN_EINVAL;
    }
    this.table.set(port, PortField.NOTIFY_VCPU, vcpu);
    return 0;
  }

  /** EVTCHNOP_unmask. */
  unmask(port: number): number {
    if (!this.table.isValid(port)) return -XEN_EINVAL;
    if (this.usable(port)) this.ops.unmask(port);
    return 0;
  }

  /** Host domains only: hold back deliveries of `port` until unmask(). */
  mask(port: number): number {
    if (!this.table.isValid(port) || !(this.ops instanceof EvtchnHost)) return -XEN_EINVAL;
    this.ops.mask(port);
    return 0;
  }

  /** EVTCHNOP_set_priority (FIFO only). */
  setPriority(port: number, priority: number): number {
    if (!this.table.isValid(port)) return -XEN_EINVAL;
    if (this.ops.setPriority === null) return -XEN_ENOSYS;
    if (!this.usable(port)) return -XEN_EACCES;
    return this.ops.setPriority(port, priority);
  }

  /**
   * evtchn_reset: close every port and fall back to the 2-level ABI. A reset is never preempted
   * here, so EVTCHNOP_reset_cont (`resuming`) finds none in progress: -EBUSY, as in Xen.
   */
  reset(resuming = false): number {
    if (resuming) return -XEN_EBUSY;
    for (let p = 1; p < this.table.validEvtchns; p++) this.close(p);
    if (this.ops.abi === 'fifo') {
      this.ops = new Evtchn2l(this.table, this.guest!, this.metrics);
      this.table.maxEvtchns = this.ops.maxEvtchns;
    }
    return 0;
  }

  /** EVTCHNOP_init_control: the first call switches the domain to FIFO. */
  initControl(gfn: number, offset: number, vcpu: number): number {
    if (!this.validVcpu(vcpu)) return -XEN_ENOENT;
    if (offset > XEN_PAGE_SIZE - EVTCHN_FIFO_CONTROL_BLOCK_BYTES || offset % 8 !== 0) return -XEN_EINVAL;
    if (this.guest === null) return -XEN_ENOSYS;
    if (this.ops instanceof EvtchnFifo) return this.ops.mapControlBlock(vcpu, gfn, offset);
    const fifo = new EvtchnFifo(this.table, this.guest, this.metrics);
    const rc = fifo.mapControlBlock(vcpu, gfn, offset);
    if (rc !== 0) return rc;
    const old = this.ops;
    this.ops = fifo;
    this.table.maxEvtchns = fifo.maxEvtchns;
    fifo.setupPorts(old.maxEvtchns, (p) => old.isPending(p));
    return 0;
  }

  /** EVTCHNOP_expand_array. */
  expandArray(gfn: number): number {
    if (!(this.ops instanceof EvtchnFifo)) return -XEN_EOPNOTSUPP;
    return this.ops.addPage(gfn);
  }

  /** Owner thread: performs the raises other threads flagged. Returns how many ports it took. */
  processDoorbell(): number {
    const n = this.doorbell.drain((p) => this.raisePort(p));
    this.metrics.doorbellPorts += n;
    return n;
  }

  /** The guest mapped shared_info: 2-level ports raised before now become visible. */
  sharedInfoMapped(): void {
    if (this.ops instanceof Evtchn2l) this.ops.sharedInfoMapped();
  }

  /** evtchn_destroy: close everything (peers revert to unbound) and leave the directory. */
  destroy(): void {
    this.table.dying = true;
    for (let p = this.table.validEvtchns - 1; p > 0; p--) this.close(p);
    this.directory.remove(this.domid);
  }

  /** Restore only (persist.ts): FIFO with the saved control blocks and event-array frames. */
  restoreFifo(s: FifoSavedState): void {
    if (this.guest === null) throw new RangeError('Saved FIFO state cannot be loaded into a host domain');
    const fifo = new EvtchnFifo(this.table, this.guest, this.metrics);
    fifo.load(s);
    this.ops = fifo;
  }

  /** Versioned bytes of all event-channel state (guest memory is saved by its owner). */
  save(): Uint8Array {
    return saveEventChannels(this);
  }

  /** Rebuilds a domain saved by save(); throws RangeError on bytes that do not fit `o`. */
  static restore(bytes: Uint8Array, o: DomainEventChannelsOptions): DomainEventChannels {
    const d = new DomainEventChannels(o);
    try {
      restoreEventChannels(d, bytes);
    } catch (e) {
      // Do not leave a half-restored domain reachable.
      o.directory.remove(o.domid);
      throw e;
    }
    return d;
  }
}
