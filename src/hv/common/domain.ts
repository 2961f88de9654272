/**
 * The architecture-independent part of a domain (Xen's struct domain): identity, lifecycle,
 * guest-physical memory, event channels, grant table, HVM parameters, shared_info and the per-vCPU
 * areas the guest registers, and the counters a debug command prints. The architecture part (vCPUs,
 * interrupt controller, timers, the run loop) lives in hv/arm64 and reaches the guest through the
 * `DomainArch` hooks.
 */
import { XEN_PAGE_SIZE, type ShutdownReason } from '../../abi/xen.js';
import { BugIndicatingError } from '../../lib/errors.js';
import { DomainEventChannels, type EventChannelDirectory } from './event/index.js';
import { GrantTable, type GrantTableDirectory } from './grant/index.js';
import { HVM_NR_PARAMS } from './hvm_params.js';
import type { DomainMemoryLayout } from './memory/layout.js';
import type { GuestPhysMemory } from './memory/p2m.js';
import { SHARED_INFO, VCPU_INFO, writeWallClock } from './shared_info.js';
import type { HypervisorLog } from './hypervisor_log.js';

/** Hypercall numbers Xen has room for (xen.h NR_hypercalls). */
const NR_HYPERCALLS = 64;
/** Distinct names the -ENOSYS counter keeps; a guest picking endless subop numbers cannot grow it further. */
export const MAX_ENOSYS_NAMES = 63;

/** Xen's domain life: running or paused while alive; shut down with a reason; dying; destroyed. */
export type DomainState = 'running' | 'paused' | 'shutdown' | 'dying' | 'destroyed';

export interface DomainIdentity {
  readonly domid: number;
  readonly name: string;
  /** 16 bytes (xen_domain_handle_t). */
  readonly uuid: Uint8Array;
}

/** What the common code needs from the architecture side of a domain. */
export interface DomainArch {
  readonly nrVcpus: number;
  /** evtchn_upcall_pending of vCPU v went 0 -> 1: assert the event PPI and wake the vCPU. */
  raiseUpcall(v: number): void;
  /** Is vCPU v powered on (PSCI)? */
  isVcpuUp(v: number): boolean;
  /** The domain's guest time in ns (for runstate times). */
  nowNs(): number;
}

export interface XenDomainOptions extends DomainIdentity {
  readonly mem: GuestPhysMemory;
  readonly layout: DomainMemoryLayout;
  readonly nrVcpus: number;
  readonly privileged: boolean;
  readonly maxEvtchnPort: number;
  readonly evtchnDirectory: EventChannelDirectory;
  readonly grantDirectory: GrantTableDirectory;
  /** nr_grant_frames in shared memory, so Domain-0's view of the table sees it grow (GrantTableOptions). */
  readonly grantNrFrames?: Int32Array;
  readonly log: HypervisorLog;
  /** Unix time in ns at guest time 0 (published as shared_info's wall clock). */
  readonly bootUnixNs: bigint;
}

export class XenDomain implements DomainIdentity {
  readonly domid: number;
  name: string;
  readonly uuid: Uint8Array;
  readonly privileged: boolean;
  readonly mem: GuestPhysMemory;
  readonly layout: DomainMemoryLayout;
  readonly nrVcpus: number;
  readonly evtchn: DomainEventChannels;
  readonly grant: GrantTable;
  readonly log: HypervisorLog;
  readonly bootUnixNs: bigint;
  state: DomainState = 'paused';
  shutdownReason: ShutdownReason | null = null;
  /** SCHEDOP_shutdown_code: the reason the guest announced before a later shutdown. */
  shutdownCode: ShutdownReason | null = null;
  readonly hvmParams = new BigUint64Array(HVM_NR_PARAMS);
  /** Guest frame holding shared_info, or -1 before XENMEM_add_to_physmap(shared_info). */
  sharedInfoGfn = -1;
  /** Host offset of each vCPU's registered vcpu_info, or -1. */
  readonly vcpuInfoOffsets: number[];
  /** Guest VA of each vCPU's registered runstate area, or null. */
  readonly runstateVa: (number | null)[];
  /** VMASST_TYPE_runstate_update_flag enabled. */
  runstateUpdateFlag = false;
  /**
   * Hypercalls by number (NR_hypercalls = 64; larger numbers count as -1), and those answered
   * -ENOSYS by name, for the debug counters. Both are bounded: the guest chooses the numbers.
   */
  readonly hypercallCounts = new Map<number, number>();
  readonly enosysCounts = new Map<string, number>();
  private arch: DomainArch | null = null;

  constructor(o: XenDomainOptions) {
    this.domid = o.domid;
    this.name = o.name;
    this.uuid = o.uuid;
    this.privileged = o.privileged;
    this.mem = o.mem;
    this.layout = o.layout;
    this.nrVcpus = o.nrVcpus;
    this.log = o.log;
    this.bootUnixNs = o.bootUnixNs;
    this.vcpuInfoOffsets = new Array<number>(o.nrVcpus).fill(-1);
    this.runstateVa = new Array<number | null>(o.nrVcpus).fill(null);
    this.evtchn = new DomainEventChannels({
      domid: o.domid, maxPort: o.maxEvtchnPort, nrVcpus: o.nrVcpus, directory: o.evtchnDirectory, privileged: o.privileged,
      guest: {
        mem: o.mem,
        nrVcpus: o.nrVcpus,
        sharedInfoOffset: () => this.sharedInfoOffset(),
        vcpuInfoOffset: (v) => this.vcpuInfoOffset(v),
        raiseUpcall: (v) => this.arch?.raiseUpcall(v),
      },
    });
    this.grant = new GrantTable({
      domid: o.domid, mem: o.mem, frameHostOffsets: o.layout.grantFrameHostOffsets, directory: o.grantDirectory, privileged: o.privileged,
      ...(o.grantNrFrames === undefined ? {} : { sharedNrFrames: o.grantNrFrames }),
    });
  }

  /** Connects the architecture side (once, when its vCPUs exist). */
  attachArch(arch: DomainArch): void {
    this.arch = arch;
  }

  get archOps(): DomainArch {
    if (this.arch === null) throw new BugIndicatingError(`Domain ${this.domid} has no vCPUs yet`);
    return this.arch;
  }

  /** Host offset of shared_info, or -1 before the guest placed it. */
  sharedInfoOffset(): number {
    return this.sharedInfoGfn < 0 ? -1 : this.mem.offsetOfGfn(this.sharedInfoGfn, true);
  }

  /** Host offset of vCPU v's vcpu_info: its registered area, else shared_info's slot for vCPU 0. */
  vcpuInfoOffset(v: number): number {
    const reg = this.vcpuInfoOffsets[v];
    if (reg === undefined) return -1;
    if (reg >= 0) return reg;
    if (v !== 0) return -1;
    const si = this.sharedInfoOffset();
    return si < 0 ? -1 : si + SHARED_INFO.VCPU_INFO0;
  }

  /**
   * XENMEM_add_to_physmap(XENMAPSPACE_shared_info): the guest's fresh page at `gfn` becomes
   * shared_info. Xen swaps in its own page; adopting the guest's (zeroed) page is equivalent once
   * the wall clock is written, which Xen's page already holds.
   */
  mapSharedInfo(gfn: number): boolean {
    const off = this.mem.offsetOfGfn(gfn, true);
    if (off < 0) return false;
    if (this.sharedInfoGfn >= 0) this.mem.unpinFrame(this.sharedInfoGfn);
    this.sharedInfoGfn = gfn;
    this.mem.pinFrame(gfn);
    this.mem.u8.fill(0, off, off + XEN_PAGE_SIZE);
    writeWallClock(this.mem.dv, off, this.bootUnixNs);
    this.evtchn.sharedInfoMapped();
    return true;
  }

  /**
   * VCPUOP_register_vcpu_info (common/domain.c map_vcpu_info): copy the current vcpu_info to the new
   * place, then mark everything pending and raise the upcall so no event raised before is lost.
   */
  registerVcpuInfo(v: number, gfn: number, hostOffset: number): void {
    // Xen holds a reference on the page: the guest cannot balloon it out from under the hypervisor.
    this.mem.pinFrame(gfn);
    const u8 = this.mem.u8;
    const old = this.vcpuInfoOffset(v);
    if (old >= 0) u8.copyWithin(hostOffset, old, old + VCPU_INFO.SIZE);
    else u8.fill(0, hostOffset, hostOffset + VCPU_INFO.SIZE);
    this.vcpuInfoOffsets[v] = hostOffset;
    const dv = this.mem.dv;
    dv.setUint32(hostOffset + VCPU_INFO.PENDING_SEL, 0xffff_ffff, true);
    dv.setUint32(hostOffset + VCPU_INFO.PENDING_SEL + 4, 0xffff_ffff, true);
    u8[hostOffset + VCPU_INFO.UPCALL_PENDING] = 1;
    this.arch?.raiseUpcall(v);
  }

  /** Counts a hypercall by number. */
  countHypercall(nr: number): void {
    const key = nr >= 0 && nr < NR_HYPERCALLS ? nr : -1;
    this.hypercallCounts.set(key, (this.hypercallCounts.get(key) ?? 0) + 1);
  }

  /** Counts a hypercall that answered -ENOSYS (not implemented), by name; past MAX_ENOSYS_NAMES names, as "other". */
  countEnosys(name: string): void {
    const key = this.enosysCounts.has(name) || this.enosysCounts.size < MAX_ENOSYS_NAMES ? name : 'other';
    this.enosysCounts.set(key, (this.enosysCounts.get(key) ?? 0) + 1);
  }

  /** Records a shutdown (SCHEDOP_shutdown, PSCI SYSTEM_OFF/RESET, a crash): the vCPUs stop for good. */
  shutdown(reason: ShutdownReason): void {
    if (this.state === 'shutdown' || this.state === 'dying' || this.state === 'destroyed') return;
    this.state = 'shutdown';
    this.shutdownReason = reason;
    this.log.info(`d${this.domid}: shutdown: reason ${reason}`);
  }

  /** Releases everything the domain holds in the hypervisor: its ports, its grants, their peers' links. */
  destroy(): void {
    if (this.state === 'destroyed') return;
    this.state = 'dying';
    this.evtchn.destroy();
    this.grant.destroy();
    this.state = 'destroyed';
  }
}
