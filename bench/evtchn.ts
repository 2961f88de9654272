/**
 * The event-channel benchmark: notifications between two domUs, each on its own worker thread.
 * Two hand-assembled guests (MMU off, one vCPU, GICv3) use the 2-level ABI as a guest does without
 * an upcall handler: each maps shared_info with XENMEM_add_to_physmap and polls its port's bit in
 * evtchn_pending, calling SCHEDOP_yield while it is clear. A does EVTCHNOP_alloc_unbound(DOMID_SELF,
 * B); the host reads A's port from A's memory and writes it into B's; B does
 * EVTCHNOP_bind_interdomain(A, port). Then:
 *  - ping-pong: B sends, A sees its bit, clears it and sends back, B sees its bit and counts a
 *    round trip;
 *  - one-way: B sends in a loop without waiting; A counts the times it finds its bit set (sends
 *    that arrive while the bit is still set coalesce, as in Xen).
 * The counters live in guest memory; the host samples them over a few seconds of wall time. There
 * is no peer figure: Xen's own rate is not measured here. Timings are printed, never asserted.
 *
 * The domains run on worker threads through the WorkerLauncher, as `xenon create` runs them, and
 * are made peers of each other as the domain manager makes every pair of domains.
 */
import { DOMID_SELF, GUEST, HYPERVISOR } from '../src/abi/xen.js';
import type { DomainBuildParams, DomainBuilt } from '../src/hv/domain_runtime.js';
import { Hypervisor } from '../src/hv/hypervisor.js';
import { WorkerLauncher } from '../src/main/worker_launcher.js';
import type { DomainProxy } from '../src/toolstack/launcher.js';
import { Asm, arm64Image } from '../tests/hostile/a64.js';

const RAM0 = GUEST.RAM0_BASE;
/** The page the host and the guest share their parameters and counters in. */
const PARAM = RAM0 + 0x10_0000;
/** Hypercall argument structs. */
const ARGS = PARAM + 0x800;
/** The guest page handed to Xen as shared_info. */
const SHARED_INFO_GFN = (RAM0 + 0x11_0000) / 4096;
/** shared_info.evtchn_pending[0] on arm64 (after the one 48-byte legacy vcpu_info). */
const EVTCHN_PENDING = 48;
/** Offsets in PARAM (all u64). */
const P = {
  /** Host writes: the other domain's id. */
  PEER_DOMID: 0,
  /** Host writes (B only): A's unbound port. */
  PEER_PORT: 8,
  /** Guest writes: return values of add_to_physmap and of alloc_unbound/bind_interdomain. */
  RC_PHYSMAP: 16,
  RC_EVTCHN: 24,
  /** Guest writes: its own port. */
  PORT: 32,
  /** Guest writes 1 when set up (last). */
  READY: 40,
  /** Round trips (B, ping-pong), notifications seen (A), sends made (B, one-way). */
  COUNT: 48,
  /** Polls that found the bit clear (each one a SCHEDOP_yield). */
  EMPTY_POLLS: 56,
} as const;
const XEN_HVC = 0xea1;
const XENMEM_add_to_physmap = 7;
const XENMAPSPACE_shared_info = 0;
const EVTCHNOP_bind_interdomain = 0;
const EVTCHNOP_send = 4;
const EVTCHNOP_alloc_unbound = 6;
const SCHEDOP_yield = 0;
const DEFAULT_SECONDS = 2;
const DEFAULT_REPEATS = 3;
const WARMUP_MS = 500;
const SETUP_TIMEOUT_MS = 30_000;

type Role = 'A' | 'B';
type Mode = 'pingpong' | 'oneway';

/** HVC #0xEA1 with x16 = op, x0 = a0, x1 = ARGS (or 0), result left in x0. */
function hypercall(a: Asm, op: number, a0: number, withArgs: boolean): void {
  a.movz(16, op).movz(0, a0);
  if (withArgs) a.mov(1, 19);
  else a.movz(1, 0);
  a.hvc(XEN_HVC);
}

/** Waits for the port's pending bit (x22 = its mask), yielding while clear, then clears it. */
function waitAndClear(a: Asm, name: string): void {
  a.label(`${name}-poll`);
  a.ldr(1, 21, EVTCHN_PENDING).and(3, 1, 22).cbnz(3, `${name}-got`);
  a.addImm(25, 25, 1).str(25, 20, P.EMPTY_POLLS);
  hypercall(a, HYPERVISOR.sched_op, SCHEDOP_yield, false);
  a.b(`${name}-poll`);
  a.label(`${name}-got`);
  // Only this vCPU's exits can set bits, and none comes between the load and the store unless a slice ends there.
  a.ldr(1, 21, EVTCHN_PENDING).eorLsl(1, 1, 22, 0).str(1, 21, EVTCHN_PENDING);
}

/**
 * The guest. Registers: x19 ARGS, x20 PARAM, x21 shared_info, x22 1 << port, x23 port,
 * x24 count, x25 empty polls.
 */
function guestImage(role: Role, mode: Mode): Uint8Array {
  const a = new Asm();
  a.mov64(19, ARGS).mov64(20, PARAM).mov64(21, SHARED_INFO_GFN * 4096).movz(24, 0).movz(25, 0);
  // XENMEM_add_to_physmap { domid u16, size u16, space u32, idx u64, gpfn u64 }
  a.movz(0, DOMID_SELF).movz(1, XENMAPSPACE_shared_info, 32).orr(0, 0, 1).str(0, 19, 0);
  a.movz(0, 0).str(0, 19, 8).mov64(0, SHARED_INFO_GFN).str(0, 19, 16);
  hypercall(a, HYPERVISOR.memory_op, XENMEM_add_to_physmap, true);
  a.str(0, 20, P.RC_PHYSMAP);
  a.ldr(1, 20, P.PEER_DOMID);
  if (role === 'A') {
    // evtchn_alloc_unbound { dom u16 = DOMID_SELF, remote_dom u16, port u32 (out) }
    a.lsl(1, 1, 16).movz(0, DOMID_SELF).orr(0, 0, 1).str(0, 19, 0);
    hypercall(a, HYPERVISOR.event_channel_op, EVTCHNOP_alloc_unbound, true);
    a.str(0, 20, P.RC_EVTCHN);
    a.addImm(2, 19, 4).ldrW(23, 2);
  } else {
    // evtchn_bind_interdomain { remote_dom u16, pad, remote_port u32, local_port u32 (out) }
    a.ldr(2, 20, P.PEER_PORT).lsl(2, 2, 32).orr(0, 1, 2).str(0, 19, 0).movz(0, 0).str(0, 19, 8);
    hypercall(a, HYPERVISOR.event_channel_op, EVTCHNOP_bind_interdomain, true);
    a.str(0, 20, P.RC_EVTCHN);
    a.addImm(2, 19, 8).ldrW(23, 2);
  }
  a.str(23, 20, P.PORT);
  // x22 = 1 << x23 (LSLV); ports are below 64, so the bit is in evtchn_pending[0].
  a.movz(22, 1).word(0x9ac02000 | (23 << 16) | (22 << 5) | 22);
  // evtchn_send { port u32 } stays in ARGS from here on.
  a.movz(0, 0).str(0, 19, 0).strW(23, 19);
  // A new interdomain port starts pending (bind_interdomain raises it): take that one.
  if (role === 'B') waitAndClear(a, 'bound');
  a.movz(0, 1).str(0, 20, P.READY);
  a.label('loop');
  if (role === 'A') {
    waitAndClear(a, 'a');
    if (mode === 'pingpong') hypercall(a, HYPERVISOR.event_channel_op, EVTCHNOP_send, true);
  } else {
    hypercall(a, HYPERVISOR.event_channel_op, EVTCHNOP_send, true);
    if (mode === 'pingpong') waitAndClear(a, 'b');
  }
  a.addImm(24, 24, 1).str(24, 20, P.COUNT);
  a.b('loop');
  return arm64Image(a.assemble());
}

// ---- the worker side: domain_worker.ts plus "add-peer" ----

interface BenchDomain {
  readonly domid: number;
  readonly built: DomainBuilt;
  readonly proxy: DomainProxy;
  readonly mem: DataView;
  readonly log: string[];
  /** Set when the domain's thread failed or the domain stopped running. */
  problem(): string | null;
}

/** Starts a domain on its worker thread exactly as `xenon create` does (WorkerLauncher). */
async function launch(params: DomainBuildParams): Promise<BenchDomain> {
  const log: string[] = [];
  let problem: string | null = null;
  const proxy = await new WorkerLauncher().launch(params, {
    log: (line) => log.push(line),
    state: (state, reason) => {
      if (state === 'shutdown') problem = `shut down (${reason ?? 'no reason'})`;
    },
    failed: (message) => {
      problem = message;
    },
  });
  return { domid: params.domid, built: proxy.built, proxy, mem: new DataView(proxy.built.buffer), log, problem: () => problem };
}

function param(dom: BenchDomain, off: number): bigint {
  return dom.mem.getBigInt64(dom.built.layout.hostBase + PARAM - RAM0 + off, true);
}

function setParam(dom: BenchDomain, off: number, v: number): void {
  dom.mem.setBigInt64(dom.built.layout.hostBase + PARAM - RAM0 + off, BigInt(v), true);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function waitReady(dom: BenchDomain, who: string): Promise<void> {
  const t0 = Date.now();
  while (param(dom, P.READY) !== 1n) {
    const p = dom.problem();
    if (p !== null) throw new Error(`evtchn benchmark: domain ${who} ${p}\n${dom.log.join('\n')}`);
    if (param(dom, P.RC_PHYSMAP) < 0n || param(dom, P.RC_EVTCHN) < 0n) {
      throw new Error(`evtchn benchmark: domain ${who} set-up failed (add_to_physmap ${param(dom, P.RC_PHYSMAP)}, evtchn op ${param(dom, P.RC_EVTCHN)})`);
    }
    if (Date.now() - t0 > SETUP_TIMEOUT_MS) throw new Error(`evtchn benchmark: domain ${who} did not finish its set-up\n${dom.log.join('\n')}`);
    await sleep(2);
  }
}

export interface EvtchnBenchRow {
  readonly mode: Mode;
  readonly seconds: number;
  /** Round trips (ping-pong) or B's sends (one-way) per second. */
  readonly perSecond: number;
  /** One-way: notifications A found per second (coalesced sends count once). */
  readonly seenPerSecond: number;
  /** Empty polls (SCHEDOP_yield) per round trip / per notification seen, for A and B. */
  readonly emptyPollsA: number;
  readonly emptyPollsB: number;
}

export interface EvtchnBenchOptions {
  readonly print?: (line: string) => void;
  /** Measured seconds per run (after a half-second warm-up); default 2. */
  readonly seconds?: number;
  /** Runs per mode, each with fresh domains; default 3. */
  readonly repeats?: number;
}

async function runMode(mode: Mode, seconds: number): Promise<EvtchnBenchRow> {
  const hv = new Hypervisor();
  const ids = { A: hv.allocateDomid(), B: hv.allocateDomid() };
  const params = (role: Role): DomainBuildParams => ({
    domid: ids[role], name: `evtchn-${role}`, uuid: new Uint8Array(16), vcpus: 1, memoryBytes: 16 << 20, gicVersion: 3,
    kernel: guestImage(role, mode), rngSeed: new Uint8Array(128), bootUnixNs: 0n, peers: [hv.dom0Descriptor],
  });
  const [a, b] = await Promise.all([launch(params('A')), launch(params('B'))]);
  try {
    a.proxy.addPeer(b.built.evtchn);
    b.proxy.addPeer(a.built.evtchn);
    setParam(a, P.PEER_DOMID, b.domid);
    a.proxy.unpause();
    await waitReady(a, 'A');
    setParam(b, P.PEER_DOMID, a.domid);
    setParam(b, P.PEER_PORT, Number(param(a, P.PORT)));
    b.proxy.unpause();
    await waitReady(b, 'B');
    await sleep(WARMUP_MS);
    const sample = () => ({
      t: process.hrtime.bigint(), a: param(a, P.COUNT), b: param(b, P.COUNT), pa: param(a, P.EMPTY_POLLS), pb: param(b, P.EMPTY_POLLS),
    });
    const s0 = sample();
    await sleep(seconds * 1000);
    const s1 = sample();
    for (const [who, dom] of [['A', a], ['B', b]] as const) {
      const p = dom.problem();
      if (p !== null) throw new Error(`evtchn benchmark: domain ${who} ${p}\n${dom.log.join('\n')}`);
    }
    const dt = Number(s1.t - s0.t) / 1e9;
    const nA = Number(s1.a - s0.a);
    const nB = Number(s1.b - s0.b);
    if (nB === 0) throw new Error(`evtchn benchmark (${mode}): B made no progress in ${dt.toFixed(1)} s`);
    const per = mode === 'pingpong' ? nB : nA;
    return {
      mode, seconds: dt, perSecond: nB / dt, seenPerSecond: nA / dt,
      emptyPollsA: Number(s1.pa - s0.pa) / Math.max(1, per), emptyPollsB: Number(s1.pb - s0.pb) / Math.max(1, per),
    };
  } finally {
    await Promise.all([a.proxy.destroy(), b.proxy.destroy()]);
  }
}

/** Runs the ping-pong and the one-way flood `repeats` times each (fresh domains every time) and prints a markdown table. */
export async function benchEvtchn(opts: EvtchnBenchOptions = {}): Promise<EvtchnBenchRow[]> {
  const print = opts.print ?? ((line: string) => console.log(line));
  const seconds = opts.seconds ?? DEFAULT_SECONDS;
  const repeats = opts.repeats ?? DEFAULT_REPEATS;
  const rows: EvtchnBenchRow[] = [];
  for (let i = 0; i < repeats; i++) rows.push(await runMode('pingpong', seconds));
  for (let i = 0; i < repeats; i++) rows.push(await runMode('oneway', seconds));
  const pp = rows.filter((r) => r.mode === 'pingpong');
  const ow = rows.filter((r) => r.mode === 'oneway');
  const f = (x: number): string => Math.round(x).toLocaleString('en-US');
  const all = (rs: readonly EvtchnBenchRow[], pick: (r: EvtchnBenchRow) => number): string => rs.map((r) => f(pick(r))).join(', ');
  const best = (rs: readonly EvtchnBenchRow[], pick: (r: EvtchnBenchRow) => number): number => Math.max(...rs.map(pick));
  const polls = (rs: readonly EvtchnBenchRow[], pick: (r: EvtchnBenchRow) => number): string => rs.map((r) => pick(r).toFixed(0)).join(', ');
  print('');
  print(
    `Event channels between two domUs, each on its own worker thread (2-level ABI, polled pending bit + SCHEDOP_yield; ` +
      `${repeats} runs of ${seconds} s each after a ${WARMUP_MS} ms warm-up). Peer: none (Xen's own figure is not measured here).`,
  );
  print('| measurement | xenon, each run | xenon best | µs each (best) | empty polls per event, each run (A / B) | peer |');
  print('|---|---|---|---|---|---|');
  const rt = best(pp, (r) => r.perSecond);
  print(
    `| ping-pong: B sends, A sends back (round trips/s) | ${all(pp, (r) => r.perSecond)} | ${f(rt)} | ${(1e6 / rt).toFixed(1)} | ` +
      `${polls(pp, (r) => r.emptyPollsA)} / ${polls(pp, (r) => r.emptyPollsB)} | no peer |`,
  );
  const sends = best(ow, (r) => r.perSecond);
  print(`| one-way: B's EVTCHNOP_send to A (sends/s) | ${all(ow, (r) => r.perSecond)} | ${f(sends)} | ${(1e6 / sends).toFixed(2)} | — | no peer |`);
  const seen = best(ow, (r) => r.seenPerSecond);
  print(
    `| one-way: notifications A found (coalesced, /s) | ${all(ow, (r) => r.seenPerSecond)} | ${f(seen)} | ${(1e6 / seen).toFixed(1)} | ` +
      `${polls(ow, (r) => r.emptyPollsA)} / — | no peer |`,
  );
  return rows;
}
