/**
 * The toolstack's domain manager (libxl's role, with xl's monitoring of a domain's life): it owns
 * the hypervisor, xenstored and the console backends in Domain-0, creates domUs from DomainSpecs,
 * writes their xenstore entries, connects their xenstore and console rings, applies the
 * on_poweroff/on_reboot/on_crash/on_watchdog actions when they shut down, and runs their vCPUs.
 *
 * Everything here is host-independent: files, terminals and timers come in through the options.
 */
import { type ShutdownReason } from '../abi/xen.js';
import { ConsoleBackend } from '../backends/console/device.js';
import type { HostClock } from '../host/common/clock.js';
import type { DomainState } from '../hv/common/domain.js';
import type { DomainCounters } from '../hv/domain_runtime.js';
import type { DirtyBitmap, DirtyLogOp } from '../lib/dirty_log.js';
import { Hypervisor } from '../hv/hypervisor.js';
import { allPcpus, DEFAULT_WEIGHT, SchedBoard, type SchedParams, type SchedState } from '../hv/common/sched/credit2.js';
import { XsClient, XsRingTransport, Xenstored } from '../xenstore/index.js';
import { cpuListToSet, validateDomainName, type CpuList, type VcpuAffinity } from './config/index.js';
import { uuidBytes, type DomainAction, type DomainSpec } from './domain_spec.js';
import { sleepOnWord, type DomainEvents, type DomainLauncher, type DomainProxy } from './launcher.js';
import { DomainDisks, type DomainDisk, type OpenDisk } from './disks.js';
import { DomainNics } from './nics.js';
import { Networks, type NetworkInfo, type OpenUplink } from './networks.js';
import type { NicSpec } from './config/index.js';
import { removeDomainEntries, writeDom0Entries, writeDomainEntries } from './xenstore_entries.js';
import type { XlBlockListRow, XlNetworkListRow } from './xl_format.js';

export interface DomainManagerHost {
  readonly clock: HostClock;
  readonly launcher: DomainLauncher;
  /** Resolves after `ms` (never for Infinity) or when wake() is called. */
  wait(ms: number): Promise<void>;
  wake(): void;
  /** 128 random bytes for a guest's rng-seed. */
  randomBytes(n: number): Uint8Array;
  /** Where a domain's console output is logged (xenconsoled's /var/log/xen/console/guest-NAME.log). */
  consoleLog(name: string): (bytes: Uint8Array) => void;
  /** Host cores the domains share (the scheduler's pCPUs); 1 when not given. */
  readonly nrPcpus?: number;
  /** The host's memory in MiB; domains get what Domain-0 leaves of it. No limit when not given. */
  readonly memoryMiB?: number;
  /** Opens disk images for blkback; without it, domains cannot have disks. */
  readonly openDisk?: OpenDisk;
  /** The host's uplink for a bridge (passt, TAP); without it, virtual switches join only guests. */
  readonly openUplink?: OpenUplink;
}

export type DomainEvent =
  | { readonly kind: 'created'; readonly domid: number; readonly name: string }
  | { readonly kind: 'shutdown'; readonly domid: number; readonly name: string; readonly reason: ShutdownReason }
  | { readonly kind: 'destroyed'; readonly domid: number; readonly name: string };

/** A domain as the toolstack tracks it. */
export interface DomainInfo {
  readonly domid: number;
  readonly name: string;
  readonly spec: DomainSpec;
  readonly state: DomainState;
  readonly shutdownReason: ShutdownReason | null;
  /** Host wall-clock time of its creation, in ms since the epoch. */
  readonly createdAtMs: number;
}

interface ManagedDomain {
  readonly domid: number;
  /** What it was created from; its name changes with `xl rename`. */
  spec: DomainSpec;
  /** What every kind of domain answers. */
  readonly control: DomainControl;
  /** A Xen domU's proxy (its shared parts, peers); null for an HVM domain. */
  readonly xen: DomainProxy | null;
  readonly consoleInput: (bytes: Uint8Array) => void;
  readonly consoleListeners: Set<(bytes: Uint8Array) => void>;
  readonly dom0Ports: number[];
  /** A Xen domU's virtual disks; null for an HVM domain. */
  readonly disks: DomainDisks | null;
  /** A Xen domU's virtual NICs; null for an HVM domain. */
  readonly nics: DomainNics | null;
  state: DomainState;
  shutdownReason: ShutdownReason | null;
  handledShutdown: boolean;
  readonly createdAtMs: number;
  /** Its scheduler slot and each vCPU's hard and soft affinity (pCPU masks). */
  readonly sched: { readonly slot: number; readonly hard: number[]; readonly soft: number[] };
}

/** Where a domain's vCPUs may and do run (`xl vcpu-list`). */
export interface VcpuPlacement {
  /** The pCPU the domain's thread holds or last held. */
  readonly pcpu: number;
  readonly state: SchedState;
  /** Each vCPU's hard and soft affinity, as pCPU masks. */
  readonly hard: readonly number[];
  readonly soft: readonly number[];
}

/** The most domains at once (scheduler slots). */
const MAX_DOMAINS = 512;

/** The control requests both kinds of domain answer. */
type DomainControl = Pick<DomainProxy, 'unpause' | 'pause' | 'destroy' | 'counters' | 'dirtyLog'>;

/** Longest single wait of Domain-0's loop on its doorbell (it loops again after). */
const DOM0_WAIT_MS = 1000;

/** Domain-0's memory as `xl list` shows it: what this host process reserves for its own work. */
const DOM0_MEMORY_KIB = 512 * 1024;

export class DomainManager {
  readonly hv: Hypervisor;
  readonly xenstored: Xenstored;
  readonly xs: XsClient;
  /** The host's pCPUs as the domains share them. */
  readonly sched: SchedBoard;
  /** Domain-0's virtual switches, one per bridge name. */
  readonly networks: Networks;
  private readonly domains = new Map<number, ManagedDomain>();
  private readonly listeners = new Set<(e: DomainEvent) => void>();
  /** Domains whose state changed since the run loop last looked. */
  private dirty = false;
  private stopping = false;

  constructor(private readonly host: DomainManagerHost) {
    this.hv = new Hypervisor();
    this.xenstored = new Xenstored({ log: (line) => this.hv.log.info(`xenstored: ${line}`) });
    this.xs = new XsClient(this.xenstored);
    this.sched = SchedBoard.create(host.nrPcpus ?? 1, MAX_DOMAINS);
    writeDom0Entries(this.xs, DOM0_MEMORY_KIB);
    this.networks = new Networks({
      nowMs: () => host.clock.monotonicNs() / 1e6, log: (line) => this.hv.log.info(line),
      ...(host.openUplink === undefined ? {} : { openUplink: host.openUplink }),
    });
    // As xl's monitor: VIRQ_DOM_EXC says some domain shut down; the loop then reaps it.
    this.hv.bindDomExc(() => {
      this.dirty = true;
    });
  }

  onEvent(listener: (e: DomainEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(e: DomainEvent): void {
    for (const l of this.listeners) l(e);
  }

  /** Builds a domain on its own thread and starts it (unless `paused`); resolves to its id. */
  async create(spec: DomainSpec, opts: { paused?: boolean } = {}): Promise<number> {
    if ([...this.domains.values()].some((m) => m.spec.name === spec.name)) {
      throw new RangeError(`A domain named "${spec.name}" already exists`);
    }
    const free = this.freeMemoryMiB();
    if (spec.memoryMiB > free) {
      throw new RangeError(`Cannot create "${spec.name}": it needs ${spec.memoryMiB} MiB, and the host has ${free} MiB left for domains`);
    }
    const domid = this.hv.allocateDomid();
    // The domain's record exists only after launch; its thread may report before that.
    const ref: { m?: ManagedDomain } = {};
    const events: DomainEvents = {
      state: (state, reason) => {
        const m = ref.m;
        if (m === undefined) return;
        m.state = state;
        m.shutdownReason = reason;
        this.dirty = true;
        this.host.wake();
      },
      log: (line) => this.hv.log.relay(line),
      failed: (reason) => {
        this.hv.log.info(`d${domid}: its thread failed: ${reason}`);
        const m = ref.m;
        if (m === undefined) return;
        m.state = 'shutdown';
        m.shutdownReason = 'crash';
        this.dirty = true;
        this.host.wake();
      },
    };
    const log = this.host.consoleLog(spec.name);
    const consoleListeners = new Set<(bytes: Uint8Array) => void>();
    const consoleOutput = (bytes: Uint8Array) => {
      log(bytes);
      for (const l of consoleListeners) l(bytes);
    };
    const hard = this.affinityMasks(spec.cpus, spec.vcpus);
    const soft = this.affinityMasks(spec.cpusSoft, spec.vcpus);
    const slot = this.sched.addDomain(domid, { weight: spec.weight ?? DEFAULT_WEIGHT, cap: spec.cap ?? 0 }, hard.reduce((a, b) => a | b, 0), soft.reduce((a, b) => a | b, 0));
    let parts: Pick<ManagedDomain, 'control' | 'xen' | 'consoleInput' | 'dom0Ports' | 'disks' | 'nics'>;
    try {
      parts = spec.type === 'hvm' ? await this.launchHvm(domid, slot, spec, events, consoleOutput) : await this.launchXen(domid, slot, spec, events, consoleOutput);
    } catch (e) {
      this.sched.removeDomain(slot);
      this.hv.removeDomain(domid);
      throw e;
    }
    const m: ManagedDomain = {
      domid, spec, ...parts, consoleListeners, state: 'paused', shutdownReason: null, handledShutdown: false,
      createdAtMs: this.host.clock.wallClockMs(), sched: { slot, hard, soft },
    };
    ref.m = m;
    this.domains.set(domid, m);
    this.emit({ kind: 'created', domid, name: spec.name });
    if (opts.paused !== true) this.unpause(domid);
    return domid;
  }

  /** A Xen domU: its xenstore entries, xenstored's and xenconsoled's ends of its rings. */
  private async launchXen(domid: number, slot: number, spec: DomainSpec, events: DomainEvents, consoleOutput: (b: Uint8Array) => void) {
    const proxy = await this.host.launcher.launch({
      domid, name: spec.name, uuid: uuidBytes(spec.uuid), vcpus: spec.vcpus, memoryBytes: spec.memoryMiB * 1024 * 1024,
      gicVersion: spec.gicVersion, kernel: spec.kernel, rngSeed: this.host.randomBytes(128),
      bootUnixNs: BigInt(Math.round(this.host.clock.wallClockMs())) * 1_000_000n,
      // Every domain reaches every other's event channels, as under Xen (interdomain channels between domUs).
      peers: [this.hv.dom0Descriptor, ...[...this.domains.values()].flatMap((o) => (o.xen === null ? [] : [o.xen.built.evtchn]))],
      sched: { board: this.sched.buffer, slot },
      ...(spec.ramdisk === undefined ? {} : { initrd: spec.ramdisk }), ...(spec.cmdline === undefined ? {} : { cmdline: spec.cmdline }),
    }, events);
    const b = proxy.built;
    this.hv.addDomain(b.evtchn);
    this.hv.attachGrants(b);
    for (const o of this.domains.values()) o.xen?.addPeer(b.evtchn);
    const page = (off: number) => new Uint8Array(b.buffer, off, 4096);
    writeDomainEntries(this.xs, {
      domid, name: spec.name, uuid: spec.uuid, vcpus: spec.vcpus, memoryKiB: spec.memoryMiB * 1024,
      maxMemoryKiB: spec.maxMemoryMiB * 1024, type: 'pvh', startTime: (this.host.clock.wallClockMs() / 1000).toFixed(2),
      pv: { storePort: b.storePort, storeGfn: b.storeGfn, consolePort: b.consolePort, consoleGfn: b.consoleGfn, consoleTty: `xenon:${domid}` },
    });
    // xenstored's end of the store ring (C xenstored binds the port from the introduce request).
    let storePort = -1;
    const ring = new XsRingTransport({
      page: page(b.storeRingOffset), notify: () => this.hv.notifyFromDom0(storePort),
      // A later turn of Domain-0's loop, so other domains' events are served in between.
      rekick: () => void setTimeout(() => ring.kick(), 0),
    });
    storePort = this.hv.bindDom0(domid, b.storePort, () => ring.kick());
    this.xenstored.introduceDomain(domid, ring);
    // xenconsoled's end of the console ring.
    let consolePort = -1;
    const console = new ConsoleBackend({ page: page(b.consoleRingOffset), notify: () => this.hv.notifyFromDom0(consolePort), output: consoleOutput });
    consolePort = this.hv.bindDom0(domid, b.consolePort, () => console.kick());
    const dom0Ports = [storePort, consolePort];
    const disks = this.domainDisks(domid);
    const nics = this.domainNics(domid);
    try {
      for (const d of spec.disks ?? []) await disks.attach(d);
      for (const n of spec.nics ?? []) await nics.attach(n);
    } catch (e) {
      // Undo everything this domain got, so a bad disk or NIC leaves nothing behind.
      nics.stopAll();
      await disks.stopAll();
      for (const p of dom0Ports) this.hv.unbindDom0(p);
      this.xenstored.releaseDomain(domid);
      removeDomainEntries(this.xs, domid, spec.uuid);
      await proxy.destroy();
      for (const o of this.domains.values()) o.xen?.removePeer(domid);
      throw e;
    }
    return { control: proxy, xen: proxy, consoleInput: (bytes: Uint8Array) => console.input(bytes), dom0Ports, disks, nics };
  }

  /** An HVM domain (the emulated `virt` board): no Xen interfaces; its console is its serial port. */
  private async launchHvm(domid: number, slot: number, spec: DomainSpec, events: DomainEvents, consoleOutput: (b: Uint8Array) => void) {
    if ((spec.disks ?? []).length > 0) throw new RangeError(`Domain "${spec.name}": HVM domains cannot have disks yet (the virt board has no virtio-blk device)`);
    if ((spec.nics ?? []).length > 0) throw new RangeError(`Domain "${spec.name}": HVM domains cannot have NICs yet (the virt board has no virtio-net device)`);
    const proxy = await this.host.launcher.launchHvm({
      domid, name: spec.name, sched: { board: this.sched.buffer, slot }, vcpus: spec.vcpus, memoryBytes: spec.memoryMiB * 1024 * 1024, gicVersion: spec.gicVersion,
      kernel: spec.kernel, rngSeed: this.host.randomBytes(32),
      ...(spec.ramdisk === undefined ? {} : { initrd: spec.ramdisk }), ...(spec.cmdline === undefined ? {} : { cmdline: spec.cmdline }),
    }, { ...events, console: consoleOutput });
    writeDomainEntries(this.xs, {
      domid, name: spec.name, uuid: spec.uuid, vcpus: spec.vcpus, memoryKiB: spec.memoryMiB * 1024,
      maxMemoryKiB: spec.maxMemoryMiB * 1024, type: 'hvm', startTime: (this.host.clock.wallClockMs() / 1000).toFixed(2),
    });
    return { control: proxy, xen: null, consoleInput: (bytes: Uint8Array) => proxy.consoleInput(bytes), dom0Ports: [], disks: null, nics: null };
  }

  /**
   * Asks the guest to shut down or reboot through xenstore, as `xl shutdown`/`xl reboot` do. An HVM
   * domain reads no xenstore; xl would send it an ACPI power event (-F), which Xenon's virt board
   * cannot (it has no power button), so both are refused for it with a message.
   */
  requestShutdown(domid: number, kind: 'poweroff' | 'reboot' | 'halt' | 'suspend', o: { fallback?: boolean } = {}): void {
    const m = this.mustGet(domid);
    if (m.spec.type === 'hvm') {
      throw new RangeError(`"${m.spec.name}" is an HVM domain with no PV control interface, and Xenon's board has no ACPI power button for ${o.fallback === true ? '-F' : 'a fallback'}: shut it down from inside the guest, or destroy it`);
    }
    this.xs.write(`/local/domain/${domid}/control/shutdown`, kind);
  }

  /** `xl sysrq`: the guest's control/sysrq node takes one key (Linux acknowledges by clearing it). */
  sysrq(domid: number, key: string): void {
    this.mustGet(domid);
    if (!/^[\x21-\x7e]$/.test(key)) throw new RangeError(`A sysrq key is one printable character, not "${key}"`);
    this.xs.write(`/local/domain/${domid}/control/sysrq`, key);
  }

  /**
   * `xl mem-set`: the balloon target the guest's driver follows (memory/target, in KiB), at most
   * the domain's maximum; `xl mem-max`: that maximum (memory/static-max), at most its boot memory.
   */
  setMemory(domid: number, o: { targetKiB?: number; maxKiB?: number }): void {
    const m = this.mustGet(domid);
    const home = `/local/domain/${domid}/memory`;
    const bootKiB = m.spec.memoryMiB * 1024;
    if (o.maxKiB !== undefined) {
      if (!Number.isInteger(o.maxKiB) || o.maxKiB < 1024 || o.maxKiB > bootKiB) {
        throw new RangeError(`The maximum memory of "${m.spec.name}" must be from 1 MiB to its ${m.spec.memoryMiB} MiB`);
      }
      this.xs.write(`${home}/static-max`, String(o.maxKiB));
    }
    if (o.targetKiB !== undefined) {
      const max = Number(this.xs.read(`${home}/static-max`));
      if (!Number.isInteger(o.targetKiB) || o.targetKiB < 1024 || o.targetKiB > max) {
        throw new RangeError(`The memory target of "${m.spec.name}" must be from 1 MiB to its maximum of ${max} KiB`);
      }
      this.xs.write(`${home}/target`, String(o.targetKiB));
    }
  }

  /** `xl vcpu-set`: vCPUs 0..n-1 online, the rest offline (cpu/<i>/availability, which Linux watches). */
  setVcpus(domid: number, n: number): void {
    const m = this.mustGet(domid);
    if (!Number.isInteger(n) || n < 1 || n > m.spec.vcpus) throw new RangeError(`"${m.spec.name}" can have 1 to ${m.spec.vcpus} vCPUs online, not ${n}`);
    for (let i = 0; i < m.spec.vcpus; i++) this.xs.write(`/local/domain/${domid}/cpu/${i}/availability`, i < n ? 'online' : 'offline');
  }

  /** `xl rename`: a new, unique name, in the manager and in xenstore. */
  rename(domid: number, name: string): void {
    const m = this.mustGet(domid);
    const problem = validateDomainName(name);
    if (problem !== undefined) throw new RangeError(`Cannot rename "${m.spec.name}" to "${name}": the name ${problem}`);
    if (this.domid(name) !== undefined) throw new RangeError(`A domain named "${name}" already exists`);
    m.spec = { ...m.spec, name };
    this.xs.write(`/local/domain/${domid}/name`, name);
    this.xs.write(`/vm/${m.spec.uuid}/name`, name);
  }

  /** The host's memory not yet given to Domain-0 or a domain (`xl info`'s free_memory), in MiB. */
  freeMemoryMiB(): number {
    const used = [...this.domains.values()].reduce((n, m) => n + m.spec.memoryMiB, DOM0_MEMORY_KIB / 1024);
    return Math.max(0, (this.host.memoryMiB ?? Infinity) - used);
  }

  /** `xl sched-credit2 -d`: the domain's weight and cap. */
  schedParams(domid: number): SchedParams {
    const i = this.sched.info(this.mustGet(domid).sched.slot);
    return { weight: i.weight, cap: i.cap };
  }

  /** `xl sched-credit2 -d D -w W -c C`: a new weight or cap, effective from the next scheduling decision. */
  setSchedParams(domid: number, p: Partial<SchedParams>): void {
    const m = this.mustGet(domid);
    const now = this.sched.info(m.sched.slot);
    this.sched.setParams(m.sched.slot, { weight: p.weight ?? now.weight, cap: p.cap ?? now.cap });
  }

  /** Where the domain's vCPUs may run and where its thread last ran. */
  vcpuPlacement(domid: number): VcpuPlacement {
    const m = this.mustGet(domid);
    const i = this.sched.info(m.sched.slot);
    return { pcpu: i.pcpu, state: i.state, hard: [...m.sched.hard], soft: [...m.sched.soft] };
  }

  /**
   * `xl vcpu-pin`: a vCPU's (or every vCPU's) hard and soft affinity; undefined leaves one as it is.
   * The domain's thread runs on the pCPUs of its vCPUs' hard affinities together, preferring those
   * of their soft affinities.
   */
  pinVcpu(domid: number, vcpu: number | 'all', hard: CpuList | undefined, soft: CpuList | undefined): void {
    const m = this.mustGet(domid);
    if (vcpu !== 'all' && (!Number.isInteger(vcpu) || vcpu < 0 || vcpu >= m.spec.vcpus)) {
      throw new RangeError(`"${m.spec.name}" has vCPUs 0 to ${m.spec.vcpus - 1}, not ${vcpu}`);
    }
    const hardMask = hard === undefined ? undefined : this.cpuMask(hard);
    const softMask = soft === undefined ? undefined : this.cpuMask(soft);
    for (let v = 0; v < m.spec.vcpus; v++) {
      if (vcpu !== 'all' && v !== vcpu) continue;
      if (hardMask !== undefined) m.sched.hard[v] = hardMask;
      if (softMask !== undefined) m.sched.soft[v] = softMask;
    }
    this.sched.setAffinity(m.sched.slot, m.sched.hard.reduce((a, b) => a | b, 0), m.sched.soft.reduce((a, b) => a | b, 0));
  }

  private cpuMask(list: CpuList): number {
    const n = this.sched.nrPcpus;
    let mask = 0;
    for (const c of cpuListToSet(list, { nrCpus: n, nodeCpus: [Array.from({ length: n }, (_, i) => i)] })) mask |= 1 << c;
    if (mask === 0) throw new RangeError(`The CPU list names none of this host's CPUs (0 to ${n - 1})`);
    return mask;
  }

  /** Each vCPU's affinity mask from xl.cfg's `cpus`/`cpus_soft` (all pCPUs where none is given). */
  private affinityMasks(a: VcpuAffinity | undefined, vcpus: number): number[] {
    const all = allPcpus(this.sched.nrPcpus);
    return Array.from({ length: vcpus }, (_, v) => {
      if (a === undefined) return all;
      const list = a.kind === 'all-vcpus' ? a.cpus : a.cpus[v];
      return list === undefined ? all : this.cpuMask(list);
    });
  }

  /** Tears a domain down at once (`xl destroy`). */
  async destroy(domid: number): Promise<void> {
    const m = this.mustGet(domid);
    this.domains.delete(domid);
    m.nics?.stopAll();
    await m.disks?.stopAll();
    for (const p of m.dom0Ports) this.hv.unbindDom0(p);
    if (this.xenstored.isDomainIntroduced(domid)) this.xenstored.releaseDomain(domid);
    removeDomainEntries(this.xs, domid, m.spec.uuid);
    await m.control.destroy();
    this.sched.removeDomain(m.sched.slot);
    for (const o of this.domains.values()) o.xen?.removePeer(domid);
    this.hv.removeDomain(domid);
    this.hv.log.info(`d${domid}: destroyed`);
    this.emit({ kind: 'destroyed', domid, name: m.spec.name });
  }

  private domainDisks(domid: number): DomainDisks {
    const openDisk: OpenDisk = this.host.openDisk ?? (() => Promise.reject(new RangeError('This host cannot open disk images')));
    return new DomainDisks({
      domid, hv: this.hv, xenstored: this.xenstored, xs: this.xs, openDisk, log: (line) => this.hv.log.info(line),
    });
  }

  /** `xl block-list`: the domain's virtual disks as xenstore shows them. */
  blockList(domid: number): XlBlockListRow[] {
    const m = this.mustGet(domid);
    if (m.disks === null) throw new RangeError(`Domain ${domid} is an HVM domain: it has no Xen virtual disks`);
    return m.disks.list();
  }

  /** `xl block-attach`: a new disk on a running domain (the guest sees it hotplugged); kept for its restarts. */
  async blockAttach(domid: number, disk: DomainDisk): Promise<void> {
    const m = this.mustGet(domid);
    if (m.disks === null) throw new RangeError(`Domain ${domid} is an HVM domain: it has no Xen virtual disks`);
    await m.disks.attach(disk);
    m.spec = { ...m.spec, disks: [...(m.spec.disks ?? []), disk] };
  }

  /** `xl block-detach`: the guest lets go of the disk, then it is removed; `force` (--force) does not wait for the guest. */
  async blockDetach(domid: number, devid: number, opts: { readonly force?: boolean } = {}): Promise<void> {
    const m = this.mustGet(domid);
    if (m.disks === null) throw new RangeError(`Domain ${domid} is an HVM domain: it has no Xen virtual disks`);
    await m.disks.detach(devid, opts);
    m.spec = { ...m.spec, disks: (m.spec.disks ?? []).filter((d) => d.spec.devid !== devid) };
  }

  private domainNics(domid: number): DomainNics {
    return new DomainNics({
      domid, hv: this.hv, xenstored: this.xenstored, xs: this.xs, networks: this.networks, log: (line) => this.hv.log.info(line),
    });
  }

  private mustGetNics(domid: number): { m: ManagedDomain; nics: DomainNics } {
    const m = this.mustGet(domid);
    if (m.nics === null) throw new RangeError(`Domain ${domid} is an HVM domain: it has no Xen virtual NICs`);
    return { m, nics: m.nics };
  }

  /** `xl network-list`: the domain's virtual NICs as xenstore shows them. */
  networkList(domid: number): XlNetworkListRow[] {
    return this.mustGetNics(domid).nics.list();
  }

  /** `xl network-attach`: a new NIC on a running domain (the guest sees it hotplugged); kept for its restarts. */
  async networkAttach(domid: number, nic: NicSpec): Promise<void> {
    const { m, nics } = this.mustGetNics(domid);
    await nics.attach(nic);
    m.spec = { ...m.spec, nics: [...(m.spec.nics ?? []), nic] };
  }

  /** `xl network-detach`: by devid or MAC, the guest lets go of the NIC, then it is removed. */
  async networkDetach(domid: number, devidOrMac: number | string): Promise<void> {
    const { m, nics } = this.mustGetNics(domid);
    const devid = typeof devidOrMac === 'number' ? devidOrMac : nics.devidOfMac(devidOrMac);
    if (devid === undefined) throw new RangeError(`Domain ${domid} has no vif with MAC ${String(devidOrMac)}`);
    await nics.detach(devid);
    m.spec = { ...m.spec, nics: (m.spec.nics ?? []).filter((n) => n.devid !== devid) };
  }

  /** The virtual switches (bridges) with their port counts and uplinks. */
  networkInfo(): NetworkInfo[] {
    return this.networks.list();
  }

  /** Pauses a running domain; its state reads paused at once (its thread confirms it later). */
  pause(domid: number): void {
    const m = this.mustGet(domid);
    m.control.pause();
    if (m.state === 'running') m.state = 'paused';
  }

  unpause(domid: number): void {
    const m = this.mustGet(domid);
    m.control.unpause();
    if (m.state === 'paused') m.state = 'running';
  }

  /** Sends terminal input to a domain's console. */
  consoleInput(domid: number, bytes: Uint8Array): void {
    this.mustGet(domid).consoleInput(bytes);
  }

  /** Receives a domain's console output until the returned function is called. */
  attachConsole(domid: number, sink: (bytes: Uint8Array) => void): () => void {
    const m = this.mustGet(domid);
    m.consoleListeners.add(sink);
    return () => m.consoleListeners.delete(sink);
  }

  domid(name: string): number | undefined {
    for (const [id, m] of this.domains) if (m.spec.name === name) return id;
    return undefined;
  }

  info(domid: number): DomainInfo | undefined {
    const m = this.domains.get(domid);
    return m === undefined ? undefined : { domid, name: m.spec.name, spec: m.spec, state: m.state, shutdownReason: m.shutdownReason, createdAtMs: m.createdAtMs };
  }

  list(): readonly DomainInfo[] {
    return [...this.domains.keys()].map((id) => this.info(id)!);
  }

  /** A domain's debug counters: hypercalls by number, those answered -ENOSYS, exits, stage-2 faults. */
  counters(domid: number): Promise<DomainCounters> {
    return this.mustGet(domid).control.counters();
  }

  /**
   * Log-dirty mode of a domain (XEN_DOMCTL_SHADOW_OP, what migration drives), carried out on its
   * thread: `DomainRuntime.dirtyLog` for a Xen domain, `VirtMachine.dirtyLogOp` for an HVM one.
   */
  dirtyLog(domid: number, op: DirtyLogOp): Promise<DirtyBitmap | null> {
    return this.mustGet(domid).control.dirtyLog(op);
  }

  private mustGet(domid: number): ManagedDomain {
    const m = this.domains.get(domid);
    if (m === undefined) throw new RangeError(`Domain ${domid} does not exist`);
    return m;
  }

  /** xl's reaction to a shutdown (xl_vmcontrol.c handle_domain_death). */
  private async handleShutdown(m: ManagedDomain): Promise<void> {
    m.handledShutdown = true;
    const reason = m.shutdownReason ?? 'crash';
    this.emit({ kind: 'shutdown', domid: m.domid, name: m.spec.name, reason });
    const action: DomainAction = reason === 'poweroff' ? m.spec.onPoweroff
      : reason === 'reboot' ? m.spec.onReboot
        : reason === 'watchdog' ? m.spec.onWatchdog
          : reason === 'suspend' ? 'preserve' : m.spec.onCrash;
    switch (action) {
      case 'preserve':
        return;
      case 'destroy':
      case 'coredump-destroy':
        await this.destroy(m.domid);
        return;
      case 'restart':
      case 'rename-restart':
      case 'coredump-restart':
        await this.destroy(m.domid);
        try {
          await this.create(m.spec);
        } catch (e) {
          // As xl: this domain is given up; the others, and Domain-0's services, go on.
          this.hv.log.info(`Cannot restart "${m.spec.name}": ${e instanceof Error ? e.message : String(e)}`);
        }
        return;
    }
  }

  /** Asks run() to return soon. */
  stop(): void {
    this.stopping = true;
    this.host.wake();
  }

  /**
   * Domain-0's loop until `done()` holds or stop() is called: events other threads raised for
   * Domain-0's services, and the on_poweroff/on_reboot/on_crash actions of domains that shut down.
   */
  async run(done: () => boolean): Promise<void> {
    this.stopping = false;
    const wake = this.hv.dom0Wake;
    while (!this.stopping && !done()) {
      const seen = Atomics.load(wake.words, wake.index);
      this.hv.processEvents();
      if (this.dirty) {
        this.dirty = false;
        for (const m of [...this.domains.values()]) {
          if (m.state === 'shutdown' && !m.handledShutdown) await this.handleShutdown(m);
        }
        continue;
      }
      if (done() || this.stopping) break;
      // Bounded, so a wait-on-word left behind when the host woke us first does not linger.
      await Promise.race([this.host.wait(Infinity), sleepOnWord(wake.words, wake.index, seen, DOM0_WAIT_MS)]);
      this.host.wake();
    }
  }
}
