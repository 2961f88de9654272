/**
 * One domU on its owner thread: built from parts (its memory and p2m, the common domain state, the
 * arm64 vCPUs, vGIC and timers, kernel/initrd/DTB placed as Xen's toolstack places them, the
 * xenstore and console ports) and run by its own loop. The thread that runs it may be a worker
 * (Node's domain workers) or the toolstack's own (tests, a browser): everything it shares with
 * Domain-0 lives in SharedArrayBuffers (guest memory, event-channel port tables and doorbells), and
 * everything else crosses as plain messages.
 */
import type { CodeCacheStats } from '../arch/arm64/code_cache.js';
import { DOMID_FIRST_RESERVED, GUEST_EVTCHN_PPI, NR_MAGIC_PAGES, VIRQ, XEN_PAGE_SIZE, type ShutdownReason } from '../abi/xen.js';
import type { HostClock } from '../host/common/clock.js';
import { GuestClock } from '../platform/guest_clock.js';
import { ArmDomain } from './arm64/arch_domain.js';
import { buildDomainImages } from './arm64/domain_build.js';
import { XenDomain, type DomainState } from './common/domain.js';
import { Doorbell, EventChannelDirectory, type EvtchnSharedDescriptor } from './common/event/index.js';
import { GrantTableDirectory, newSharedNrFrames } from './common/grant/index.js';
import { callbackIrqParam, HVM_PARAM } from './common/hvm_params.js';
import { HypervisorLog } from './common/hypervisor_log.js';
import { buildDomainP2m, magicGfn, planDomainMemory, type DomainMemoryLayout } from './common/memory/layout.js';
import { allocateJitMemory } from '../arch/arm64/jit/guest_memory.js';
import { XEN_EPERM } from '../abi/errno.js';
import { SchedSlot, type SchedAttachment } from './common/sched/sched_slot.js';
import { BugIndicatingError } from '../lib/errors.js';
import { countDirtyPages, DIRTY_PAGE_SHIFT, runDirtyLogOp, type DirtyBitmap, type DirtyLogOp } from '../lib/dirty_log.js';

/** libxl's default max_evtchn_port for a domU. */
export const DEFAULT_MAX_EVTCHN_PORT = 1023;
const YIELD_EVERY_MS = 10;
/**
 * Instructions in a round while another domain waits for this one's pCPU: about 2 ms of the
 * interpreter, so credit2's accounting (once a round) stays near its 1 ms ratelimit. Uncontended
 * rounds are longer, since each round costs some fixed work.
 */
const CONTENDED_SLICE_INSNS = 25_000;

/** Everything needed to build a domU; structured-clone safe, so it can be posted to a worker. */
export interface DomainBuildParams {
  readonly domid: number;
  readonly name: string;
  readonly uuid: Uint8Array;
  readonly vcpus: number;
  readonly memoryBytes: number;
  readonly gicVersion: 2 | 3;
  readonly kernel: Uint8Array;
  readonly initrd?: Uint8Array;
  readonly cmdline?: string;
  readonly rngSeed: Uint8Array;
  /** Unix time in ns at the guest's time 0 (its shared_info wall clock). */
  readonly bootUnixNs: bigint;
  readonly maxEvtchnPort?: number;
  /**
   * Host memory to build the domain in, from `offset` (page-aligned): a SharedArrayBuffer, or a
   * shared WebAssembly.Memory's buffer. A new SharedArrayBuffer of the right size by default.
   */
  readonly hostMemory?: { readonly buffer: SharedArrayBuffer; readonly offset: number };
  /** Event channels of the domains it may bind to (Domain-0). */
  readonly peers: readonly EvtchnSharedDescriptor[];
  /** Its place on the host's scheduler board; without one it runs whenever it has work. */
  readonly sched?: SchedAttachment;
}

/** What the toolstack needs to know of a built domain; structured-clone safe. */
export interface DomainBuilt {
  readonly domid: number;
  readonly buffer: SharedArrayBuffer;
  readonly layout: DomainMemoryLayout;
  readonly evtchn: EvtchnSharedDescriptor;
  readonly storePort: number;
  readonly consolePort: number;
  readonly storeGfn: number;
  readonly consoleGfn: number;
  /** Host offsets of the two ring pages in `buffer`. */
  readonly storeRingOffset: number;
  readonly consoleRingOffset: number;
  /** The grant table's nr_grant_frames word (one Int32), for Domain-0's view of the table. */
  readonly grantNrFrames: SharedArrayBuffer;
  /** The domain's dirty log (`DirtyLog.shared`), for Domain-0's view of its memory. */
  readonly dirtyLog: SharedArrayBuffer;
}


/** A domain's debug counters, as `xenon debug` prints them. */
export interface DomainCounters {
  /** Host time its vCPUs ran, in ns (`xl list`'s Time column). */
  readonly cpuTimeNs: number;
  /** Every powered-on vCPU waits for an interrupt (`xl list`'s "b"). */
  readonly blocked: boolean;
  /** Each vCPU's state and the guest time it has run (`xl vcpu-list`). */
  readonly vcpus: readonly { readonly state: 'running' | 'runnable' | 'blocked' | 'offline'; readonly runNs: number }[];
  readonly instructions: number;
  readonly hypercalls: readonly (readonly [number, number])[];
  readonly enosys: readonly (readonly [string, number])[];
  readonly exits: readonly (readonly [string, number])[];
  readonly stage2Faults: number;
  /** Its translated code: blocks translated, pages discarded by stores or IC, whole flushes. */
  readonly code: CodeCacheStats;
}

export interface DomainRuntimeHost {
  readonly clock: HostClock;
  /** Sleeps until `ms` pass or the domain's wake word changes (a doorbell, a control request). */
  sleep(words: Int32Array, index: number, seen: number, ms: number): Promise<void>;
  /** Lets the thread's event loop run (messages). */
  yieldNow(): Promise<void>;
  /** Lines of the hypervisor log about this domain. */
  log(line: string): void;
  /** The domain's state changed (running, paused, shutdown with a reason, destroyed). */
  stateChanged(state: DomainState, reason: ShutdownReason | null): void;
}

export class DomainRuntime {
  readonly d: XenDomain;
  readonly arch: ArmDomain;
  readonly clock: GuestClock;
  readonly built: DomainBuilt;
  private readonly wakeWords: Int32Array;
  private readonly wakeIndex: number;
  private lastState: DomainState;
  private destroyed = false;
  /** Host time spent running vCPUs. */
  private cpuNs = 0;
  private readonly sched: SchedSlot | null;

  constructor(p: DomainBuildParams, private readonly host: DomainRuntimeHost) {
    if (!Number.isInteger(p.domid) || p.domid < 1 || p.domid >= DOMID_FIRST_RESERVED) throw new RangeError(`Invalid domid ${p.domid}`);
    const offset = p.hostMemory?.offset ?? 0;
    const layout = planDomainMemory(p.memoryBytes, { hostBase: offset });
    // Our own memory is a WebAssembly.Memory's with an area per vCPU after the domain's bytes, so
    // its vCPUs compile hot code to WebAssembly; a caller's buffer keeps them at the JS tier.
    const jit = p.hostMemory === undefined ? allocateJitMemory(layout.totalBytes, p.vcpus) : null;
    const buffer = p.hostMemory?.buffer ?? (jit === null ? new SharedArrayBuffer(layout.totalBytes) : jit.memory.buffer as SharedArrayBuffer);
    // Frames are backed only below the JIT areas, when the memory has them.
    const mem = buildDomainP2m(buffer, layout, jit === null ? buffer.byteLength : layout.totalBytes);
    // A domain starts with zeroed memory, whatever the caller's buffer held.
    if (p.hostMemory !== undefined) new Uint8Array(buffer, offset, layout.totalBytes).fill(0);
    const directory = new EventChannelDirectory();
    for (const peer of p.peers) directory.add(peer);
    this.clock = new GuestClock(host.clock);
    const log = new HypervisorLog();
    log.sink = (line) => host.log(line);
    const grantNrFrames = newSharedNrFrames();
    const d = new XenDomain({
      domid: p.domid, name: p.name, uuid: p.uuid, mem, layout, nrVcpus: p.vcpus, privileged: false,
      maxEvtchnPort: p.maxEvtchnPort ?? DEFAULT_MAX_EVTCHN_PORT, evtchnDirectory: directory,
      grantDirectory: new GrantTableDirectory(), grantNrFrames, log, bootUnixNs: p.bootUnixNs,
    });
    this.d = d;
    const wake = d.evtchn.descriptor().doorbell;
    this.wakeWords = new Int32Array(wake);
    this.wakeIndex = Doorbell.WAKE_INDEX;
    this.sched = p.sched === undefined ? null : new SchedSlot(p.sched, host.clock, host.sleep);
    this.arch = new ArmDomain({
      d, gicVersion: p.gicVersion, clock: this.clock, wake: () => this.wake(),
      ...(jit === null ? {} : { jit: { memory: jit, hostBytes: layout.totalBytes } }),
      // A domU may act on no other domain: its remote operations are refused as XSM refuses them.
      hv: { domain: (id) => (id === d.domid ? d : undefined), remoteShutdown: () => -XEN_EPERM },
    });
    const boot = buildDomainImages(d, {
      kernel: p.kernel, rngSeed: p.rngSeed, gicVersion: p.gicVersion,
      ...(p.initrd === undefined ? {} : { initrd: p.initrd }), ...(p.cmdline === undefined ? {} : { cmdline: p.cmdline }),
    });
    // libxl__build_pre: the xenstore port first, then the console port, both for Domain-0.
    const storePort = d.evtchn.allocUnbound(0);
    const consolePort = d.evtchn.allocUnbound(0);
    if (storePort < 0 || consolePort < 0) throw new BugIndicatingError(`Cannot allocate the xenstore and console ports of new domain ${p.domid}`);
    const storeGfn = magicGfn('XENSTORE');
    const consoleGfn = magicGfn('CONSOLE');
    d.hvmParams[HVM_PARAM.STORE_PFN] = BigInt(storeGfn);
    d.hvmParams[HVM_PARAM.STORE_EVTCHN] = BigInt(storePort);
    d.hvmParams[HVM_PARAM.CONSOLE_PFN] = BigInt(consoleGfn);
    d.hvmParams[HVM_PARAM.CONSOLE_EVTCHN] = BigInt(consolePort);
    d.hvmParams[HVM_PARAM.CALLBACK_IRQ] = callbackIrqParam(GUEST_EVTCHN_PPI);
    this.arch.boot(boot.entryIpa, boot.dtbIpa);
    d.state = 'paused';
    this.clock.pause();
    this.lastState = d.state;
    this.built = {
      domid: p.domid, buffer, layout, evtchn: d.evtchn.descriptor(), storePort, consolePort, storeGfn, consoleGfn,
      storeRingOffset: mem.offsetOfGfn(storeGfn), consoleRingOffset: mem.offsetOfGfn(consoleGfn),
      grantNrFrames: grantNrFrames.buffer as SharedArrayBuffer, dirtyLog: mem.dirtyLog.shared,
    };
    log.info(`d${p.domid}: created "${p.name}" with ${p.vcpus} vCPU(s) and ${p.memoryBytes >> 20} MiB`);
  }

  /** Makes a domain created after this one reachable (every domain may bind to every other, as under Xen). */
  addPeer(desc: EvtchnSharedDescriptor): void {
    this.d.evtchn.directory.add(desc);
  }

  /** Forgets a destroyed domain: its ports were closed by its own destroy. */
  removePeer(domid: number): void {
    if (domid !== this.d.domid) this.d.evtchn.directory.remove(domid);
  }

  /** Ends a sleep of the run loop (control requests from the toolstack's thread). */
  wake(): void {
    Atomics.add(this.wakeWords, this.wakeIndex, 1);
    Atomics.notify(this.wakeWords, this.wakeIndex);
    this.sched?.wake();
  }

  pause(): void {
    if (this.d.state !== 'running') return;
    this.d.state = 'paused';
    this.clock.pause();
    this.noteState();
  }

  unpause(): void {
    if (this.d.state !== 'paused') return;
    this.d.state = 'running';
    this.clock.resume();
    this.noteState();
    this.wake();
  }

  /** Releases everything the domain holds; run() returns. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.sched?.release();
    this.d.destroy();
    this.noteState();
    this.wake();
  }

  counters(): DomainCounters {
    return {
      cpuTimeNs: this.cpuNs, blocked: this.arch.vcpus.every((v) => v.power !== 'on' || v.waiting),
      vcpus: this.arch.vcpus.map((v) => ({
        state: v.power !== 'on' ? 'offline' : v.waiting ? 'blocked' : 'running', runNs: v.runstate.runningNs(this.clock.nowNs()),
      })),
      instructions: this.arch.instructionsRetired(), hypercalls: [...this.d.hypercallCounts], enosys: [...this.d.enosysCounts],
      exits: [...this.arch.exitCounts], stage2Faults: this.d.mem.stage2Faults, code: { ...this.arch.codeStats() },
    };
  }

  /**
   * Log-dirty mode (`DirtyLogOp`), on the domain's own thread between rounds, so no vCPU is inside a
   * block while its write mappings are dropped. The bitmap is over host pages of `built.buffer`. It
   * always includes the pages the hypervisor and Domain-0 write through long-lived views rather than
   * through marked copies (shared_info and vcpu_info, the grant frames in use, the xenstore and console
   * rings), as Xen's migration stream resends its special pages in every round. Null for `off`, or
   * when the log is off.
   */
  dirtyLog(op: DirtyLogOp): DirtyBitmap | null {
    const r = runDirtyLogOp(this.d.mem.dirtyLog, op, () => this.arch.dropWriteMappingsForLog());
    return r === null ? null : this.withSpecialPages(r.bits);
  }

  private withSpecialPages(bits: Uint32Array): DirtyBitmap {
    const { layout } = this.built;
    // The grant frames the table has grown to (the guest may map more later; those are zero until then).
    const grantFrames = Atomics.load(new Int32Array(this.built.grantNrFrames), 0);
    const offsets = [...this.d.mem.pinnedHostOffsets(), ...layout.grantFrameHostOffsets.slice(0, grantFrames)];
    for (let k = 0; k < NR_MAGIC_PAGES; k++) offsets.push(layout.magicHostOffset + k * XEN_PAGE_SIZE);
    for (const off of offsets) {
      const page = Math.floor(off / 2 ** DIRTY_PAGE_SHIFT);
      bits[page >>> 5]! |= 1 << (page & 31);
    }
    return { bits, dirtyCount: countDirtyPages(bits) };
  }

  private noteState(): void {
    if (this.d.state === this.lastState) return;
    this.lastState = this.d.state;
    // Xen tells the control domain (common/domain.c domain_shutdown: send_global_virq(VIRQ_DOM_EXC)).
    if (this.d.state === 'shutdown') this.d.evtchn.directory.sendGlobalVirq(0, VIRQ.DOM_EXC);
    this.host.stateChanged(this.d.state, this.d.shutdownReason);
  }

  /** Runs the domain until it is destroyed: rounds of vCPU slices, sleeping while every vCPU waits. */
  async run(): Promise<void> {
    let lastYield = this.host.clock.monotonicNs();
    while (!this.destroyed) {
      const seen = Atomics.load(this.wakeWords, this.wakeIndex);
      if (this.d.state !== 'running') {
        this.sched?.release();
        this.d.evtchn.processDoorbell();
        this.noteState();
        await this.host.sleep(this.wakeWords, this.wakeIndex, seen, Infinity);
        continue;
      }
      // A pCPU first (the wait ends early for control requests; the loop then looks again).
      if (this.sched !== null && !(await this.sched.acquire())) continue;
      const t0 = this.host.clock.monotonicNs();
      const o = this.arch.runRound(this.sched?.contended === true ? CONTENDED_SLICE_INSNS : undefined);
      if (o.kind === 'ran') {
        const ns = this.host.clock.monotonicNs() - t0;
        this.cpuNs += ns;
        this.sched?.ran(ns);
      }
      this.noteState();
      if (o.kind === 'idle') {
        this.sched?.release();
        if (o.sleepNs > 0) await this.host.sleep(this.wakeWords, this.wakeIndex, seen, Number.isFinite(o.sleepNs) ? Math.max(1, Math.ceil(o.sleepNs / 1e6)) : Infinity);
        lastYield = this.host.clock.monotonicNs();
        continue;
      }
      const now = this.host.clock.monotonicNs();
      if (now - lastYield >= YIELD_EVERY_MS * 1e6) {
        await this.host.yieldNow();
        lastYield = this.host.clock.monotonicNs();
      }
    }
  }
}
