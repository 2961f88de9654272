/**
 * The hypervisor as Domain-0 sees it: the domain-id allocator, Domain-0's own event channels (Domain-0
 * is the host process, so its events are calls into its services: xenstored, the console backends)
 * and the directory through which every domain's event channels are reached, whichever thread owns
 * the domain. Each domU itself runs in a DomainRuntime on its own thread.
 *
 * Domain ids are handed out by a rover that moves forward (Xen's domid allocation), so a rebooted
 * domain gets a new id, as under Xen.
 */
import { DOMID_FIRST_RESERVED, VIRQ, XEN_PAGE_SIZE } from '../abi/xen.js';
import { DomainEventChannels, Doorbell, EventChannelDirectory, type EvtchnSharedDescriptor } from './common/event/index.js';
import { GrantTable, GrantTableDirectory } from './common/grant/index.js';
import { HypervisorLog } from './common/hypervisor_log.js';
import { DirtyLog } from '../lib/dirty_log.js';
import { buildDomainP2m, type DomainMemoryLayout } from './common/memory/layout.js';
import { GuestPhysMemory } from './common/memory/p2m.js';

/** What Domain-0 needs to reach a domU's grants from its own thread (DomainBuilt has it all). */
export interface DomainGrantShare {
  readonly domid: number;
  readonly buffer: SharedArrayBuffer;
  readonly layout: DomainMemoryLayout;
  readonly grantNrFrames: SharedArrayBuffer;
  /** The domain's dirty log (`DirtyLog.shared`): Domain-0's grant copies and unmaps mark it too. */
  readonly dirtyLog: SharedArrayBuffer;
}

/** Largest port Domain-0 may hold (its backends serve every domU). */
const DOM0_MAX_EVTCHN_PORT = 4095;

export class Hypervisor {
  readonly log: HypervisorLog;
  readonly evtchnDirectory = new EventChannelDirectory();
  /** Domain-0's event channels: raised ports become calls of the handler bound to them. */
  readonly dom0Evtchn: DomainEventChannels;
  private readonly dom0Handlers = new Map<number, () => void>();
  private readonly live = new Set<number>();
  private rover = 0;
  /** Domain-0's grant table and its views of every domU's: what backends map and copy through. */
  readonly grantDirectory = new GrantTableDirectory();
  /**
   * Domain-0's own table. It grants nothing (its backends live in this process), so one frame of
   * private memory backs it; its maptrack holds the backends' mappings of domU pages.
   */
  readonly dom0Grants: GrantTable;

  constructor() {
    this.log = new HypervisorLog();
    this.dom0Grants = new GrantTable({
      domid: 0, mem: new GuestPhysMemory(new SharedArrayBuffer(XEN_PAGE_SIZE)), frameHostOffsets: [0], directory: this.grantDirectory, privileged: true,
    });
    this.dom0Evtchn = new DomainEventChannels({
      domid: 0, maxPort: DOM0_MAX_EVTCHN_PORT, nrVcpus: 1, directory: this.evtchnDirectory, privileged: true,
      host: { onEvent: (port) => this.dom0Handlers.get(port)?.() },
    });
  }

  /** What a domain's thread needs to reach Domain-0's event channels. */
  get dom0Descriptor(): EvtchnSharedDescriptor {
    return this.dom0Evtchn.descriptor();
  }

  /** The word Domain-0's thread sleeps on: it changes whenever another thread raises a Domain-0 port. */
  get dom0Wake(): { readonly words: Int32Array; readonly index: number } {
    return { words: this.dom0Evtchn.doorbell.words, index: Doorbell.WAKE_INDEX };
  }

  allocateDomid(): number {
    for (let i = 0; i < DOMID_FIRST_RESERVED; i++) {
      this.rover = this.rover + 1 >= DOMID_FIRST_RESERVED ? 1 : this.rover + 1;
      if (!this.live.has(this.rover)) {
        this.live.add(this.rover);
        return this.rover;
      }
    }
    throw new RangeError('Every domain id is in use');
  }

  /** Makes a built domain's event channels reachable from Domain-0. */
  addDomain(desc: EvtchnSharedDescriptor): void {
    this.evtchnDirectory.add(desc);
  }

  /**
   * Makes a built domU's grants reachable by Domain-0's backends: a view of its table over the
   * same shared memory (GrantTable.attach), with its p2m rebuilt from the layout.
   */
  attachGrants(share: DomainGrantShare): void {
    GrantTable.attach({
      domid: share.domid, mem: buildDomainP2m(share.buffer, share.layout, share.layout.hostBase + share.layout.totalBytes, new DirtyLog({ shared: share.dirtyLog })),
      frameHostOffsets: share.layout.grantFrameHostOffsets,
      directory: this.grantDirectory, sharedNrFrames: new Int32Array(share.grantNrFrames),
    });
  }

  /** Forgets a destroyed domain; its id may be handed out again once the rover comes round. */
  removeDomain(domid: number): void {
    // Backends' mappings of its pages are revoked: a late access touches scratch memory, never a successor's.
    this.grantDirectory.byId(domid)?.destroy();
    this.evtchnDirectory.remove(domid);
    this.live.delete(domid);
  }

  /**
   * Binds a Domain-0 port to `remotePort` of domain `domid` and calls `handler` whenever it is
   * raised; returns Domain-0's port (what xenstored and xenconsoled do with EVTCHNOP_bind_interdomain).
   */
  bindDom0(domid: number, remotePort: number, handler: () => void): number {
    const port = this.dom0Evtchn.bindInterdomain(domid, remotePort);
    if (port < 0) throw new Error(`Domain-0 cannot bind port ${remotePort} of domain ${domid} (error ${-port})`);
    this.dom0Handlers.set(port, handler);
    return port;
  }

  /** Signals Domain-0's port `port` (EVTCHNOP_send from a backend). */
  notifyFromDom0(port: number): void {
    this.dom0Evtchn.send(port);
  }

  unbindDom0(port: number): void {
    this.dom0Handlers.delete(port);
    this.dom0Evtchn.close(port);
  }

  /**
   * Binds Domain-0's VIRQ_DOM_EXC, which a domain raises when it shuts down (what a toolstack
   * waits on to reap domains); `handler` runs for each. Returns the port.
   */
  bindDomExc(handler: () => void): number {
    const port = this.dom0Evtchn.bindVirq(VIRQ.DOM_EXC, 0);
    if (port < 0) throw new Error(`Domain-0 cannot bind VIRQ_DOM_EXC (error ${-port})`);
    this.dom0Handlers.set(port, handler);
    return port;
  }

  /** Delivers the Domain-0 events other threads raised (call when dom0Wake changed). */
  processEvents(): number {
    return this.dom0Evtchn.processDoorbell();
  }
}
