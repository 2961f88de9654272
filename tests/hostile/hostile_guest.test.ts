/**
 * A hostile domU beside an innocent one in the same Hypervisor: the hostile guest (hostile_guest.ts)
 * throws random hypercalls, garbage structs, undefined HVC/SMC immediates and wild loads and stores
 * at the hypervisor for a few million instructions per seed, while the neighbour increments a
 * counter. Whatever the hostile guest does, no exception may escape the hypervisor, the neighbour's
 * memory (RAM, magic pages, grant frames) must be unchanged apart from its counter, which must keep
 * advancing, its hypervisor state untouched, and the hostile domain may at most have stopped itself
 * with a reason. The host clock is virtual (it advances per reading) so a seed replays exactly.
 *
 * A seed that fails is a regression case: add it to SEEDS with a comment naming the defect.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { HostClock } from '../../src/host/common/clock.js';
import { DomainRuntime } from '../../src/hv/domain_runtime.js';
import { Hypervisor } from '../../src/hv/hypervisor.js';
import { MAX_ENOSYS_NAMES } from '../../src/hv/common/domain.js';
import { hypercallName } from '../../src/hv/common/hypercall/dispatch.js';
import { counterImage, hostileImage, RAM0, STAT, STATS } from './hostile_guest.js';

const MIB = 1024 * 1024;
/** The neighbour's counter: its own page, excluded from the checksum. */
const COUNTER_IPA = RAM0 + 0x20_0000;
/** Guest instructions the hostile domain runs per seed (it may stop earlier by itself). */
const HOSTILE_INSNS = 6_000_000;
/** Seeds of the hostile guest's xorshift64 PRNG. Failing seeds stay here as regression cases. */
const SEEDS = [
  0x1n, 0x9e37_79b9_7f4a_7c15n, 0xdead_beef_cafe_f00dn, 0x0123_4567_89ab_cdefn, 0x5151_5151n, 0xfeed_face_0bad_c0den, 0x2an, 0x8000_0000_0000_0001n,
];

/** Hypercall numbers with a handler (dispatch.ts); every other number must answer -ENOSYS and be counted. */
const HANDLED = new Set<number>([7, 12, 13, 17, 18, 20, 21, 24, 29, 32, 33, 34, 35, 36]);

/** A host clock that advances 1 µs per reading: guest time depends only on what the guests do. */
function virtualClock(): HostClock {
  let ns = 1_000_000_000;
  return { monotonicNs: () => (ns += 1000), wallClockMs: () => 1_767_225_600_000 };
}

function sha256(u8: Uint8Array): string {
  return createHash('sha256').update(u8).digest('hex');
}

/** Hash of the neighbour's whole buffer (RAM, magic pages, grant frames) with the counter page zeroed. */
function neighbourDigest(h: DomainRuntime): string {
  const copy = h.d.mem.u8.slice();
  const off = h.d.mem.offsetOfGfn(COUNTER_IPA / 4096);
  copy.fill(0, off, off + 4096);
  return sha256(copy);
}

function counter(h: DomainRuntime): bigint {
  return h.d.mem.dv.getBigUint64(h.d.mem.offsetOfGpa(COUNTER_IPA, 8), true);
}

/** The hypervisor-side state of a domain that another domain must never change. */
function hvState(h: DomainRuntime): string {
  const d = h.d;
  return JSON.stringify({
    state: d.state, reason: d.shutdownReason, code: d.shutdownCode, params: [...d.hvmParams].map(String), sharedInfo: d.sharedInfoGfn,
    vcpuInfo: d.vcpuInfoOffsets, runstate: d.runstateVa, flag: d.runstateUpdateFlag, calls: [...d.hypercallCounts], enosys: [...d.enosysCounts],
    faults: d.mem.stage2Faults, released: d.mem.releasedFrames, pages: d.mem.mappedPages(),
    ports: [h.built.storePort, h.built.consolePort].map((p) => d.evtchn.status(p, d.domid)),
  });
}

interface Outcome {
  readonly hostile: DomainRuntime;
  readonly neighbour: DomainRuntime;
  readonly hv: Hypervisor;
  readonly hostileInsns: number;
  readonly before: { digest: string; counter: bigint; state: string; dom0: string };
  readonly neighbourDom0Ports: readonly number[];
}

/** Domain-0's ends of the neighbour's channels (the hostile guest may close its own, which unbinds Domain-0's end). */
function dom0State(hv: Hypervisor, ports: readonly number[]): string {
  return JSON.stringify(ports.map((p) => hv.dom0Evtchn.status(p, 0)));
}

/** Builds a domU as the toolstack does (a DomainRuntime, every other domain its peer) and unpauses it. */
function startDomain(hv: Hypervisor, clock: HostClock, o: { name: string; kernel: Uint8Array; gicVersion: 2 | 3 }): DomainRuntime {
  const rt = new DomainRuntime(
    {
      domid: hv.allocateDomid(), name: o.name, uuid: new Uint8Array(16).fill(o.name.length), vcpus: 1, memoryBytes: 16 * MIB, gicVersion: o.gicVersion,
      kernel: o.kernel, rngSeed: new Uint8Array(128).fill(7), bootUnixNs: 0n, peers: [hv.dom0Descriptor],
    },
    {
      clock, sleep: () => Promise.resolve(), yieldNow: () => Promise.resolve(), log: () => undefined, stateChanged: () => undefined,
    },
  );
  hv.addDomain(rt.built.evtchn);
  return rt;
}

function runSeed(seed: bigint): Outcome {
  const clock = virtualClock();
  const hv = new Hypervisor();
  const hostile = startDomain(hv, clock, { name: 'hostile', kernel: hostileImage(seed), gicVersion: 3 });
  const neighbour = startDomain(hv, clock, { name: 'neighbour', kernel: counterImage(COUNTER_IPA), gicVersion: 2 });
  // Each may reach the other's event channels (as any domU may try to), and Domain-0 binds their rings' ports.
  hostile.addPeer(neighbour.built.evtchn);
  neighbour.addPeer(hostile.built.evtchn);
  const dom0Ports = [hostile, neighbour].map((h) => [h.built.storePort, h.built.consolePort].map((p) => hv.bindDom0(h.d.domid, p, () => undefined)));
  const neighbourDom0Ports = dom0Ports[1]!;
  hostile.unpause();
  neighbour.unpause();
  const before = { digest: neighbourDigest(neighbour), counter: counter(neighbour), state: hvState(neighbour), dom0: dom0State(hv, neighbourDom0Ports) };
  const hostileInsns = (): number => hostile.arch.instructionsRetired();
  // Rounds alternate between the domains as the domain manager's run loop does.
  for (let round = 0; hostileInsns() < HOSTILE_INSNS && round < 10 * HOSTILE_INSNS; round++) {
    try {
      const o = hostile.arch.runRound();
      neighbour.arch.runRound();
      hv.processEvents();
      if (o.kind !== 'ran') break;
    } catch (e) {
      assert.fail(`seed 0x${seed.toString(16)}: an exception escaped the hypervisor after ${hostileInsns()} hostile instructions: ${e instanceof Error ? e.stack : String(e)}`);
    }
  }
  // The neighbour gets its share even when the hostile domain stopped early.
  for (let i = 0; i < 5; i++) neighbour.arch.runRound();
  return { hostile, neighbour, hv, hostileInsns: hostileInsns(), before, neighbourDom0Ports };
}

function stat(h: DomainRuntime, at: number): bigint {
  return h.d.mem.dv.getBigUint64(h.d.mem.offsetOfGpa(STATS + at, 8), true);
}

describe('hostile guest beside a neighbour', () => {
  for (const seed of SEEDS) {
    test(`seed 0x${seed.toString(16)}: the hypervisor survives and the neighbour is untouched`, () => {
      const { hostile, neighbour, hv, hostileInsns, before, neighbourDom0Ports } = runSeed(seed);
      const tag = `seed 0x${seed.toString(16)}`;
      const log = hostile.d.log.read() + neighbour.d.log.read() + hv.log.read();
      assert.doesNotMatch(log, /BUG in hypercall/, `${tag}: a hypercall handler threw:\n${log.slice(-4000)}`);
      assert.doesNotMatch(log, /unexpected exit/, `${tag}: the run loop met an exit it does not handle:\n${log.slice(-4000)}`);

      // The neighbour: same bytes, same hypervisor state, still counting.
      assert.equal(neighbour.d.state, 'running', `${tag}: the neighbour stopped`);
      assert.ok(counter(neighbour) > before.counter + 100_000n, `${tag}: the neighbour's counter did not advance (${counter(neighbour)})`);
      assert.equal(neighbourDigest(neighbour), before.digest, `${tag}: the neighbour's memory changed outside its counter page`);
      assert.equal(hvState(neighbour), before.state, `${tag}: the neighbour's hypervisor state changed`);
      assert.equal(dom0State(hv, neighbourDom0Ports), before.dom0, `${tag}: Domain-0's event channels changed`);

      // The hostile domain: alive, or stopped by its own doing with a reason.
      const d = hostile.d;
      assert.ok(d.state === 'running' || (d.state === 'shutdown' && d.shutdownReason !== null), `${tag}: hostile domain in state ${d.state}`);
      const iterations = stat(hostile, STAT.ITERATIONS);
      const calls = [...d.hypercallCounts.values()].reduce((a, b) => a + b, 0);
      const enosys = [...d.enosysCounts.values()].reduce((a, b) => a + b, 0);
      assert.ok(iterations > 0n && calls > 0, `${tag}: the hostile guest never got going`);
      assert.ok(enosys > 0, `${tag}: no unimplemented hypercall was counted`);
      // Every call without a handler that the guest made is counted by name as ENOSYS.
      for (const nr of d.hypercallCounts.keys()) {
        if (HANDLED.has(nr)) continue;
        const name = hypercallName(nr);
        // Past MAX_ENOSYS_NAMES distinct names the counter lumps new ones under "other" (bounded memory).
        const counted = (d.enosysCounts.get(name) ?? 0) > 0 || (d.enosysCounts.size > MAX_ENOSYS_NAMES && (d.enosysCounts.get('other') ?? 0) > 0);
        assert.ok(counted, `${tag}: hypercall ${nr} (${name}) was not counted as ENOSYS`);
      }
      console.log(
        `${tag}: hostile ${d.state}${d.shutdownReason === null ? '' : ` (${d.shutdownReason})`} after ${hostileInsns} insns, ` +
          `${iterations} iterations, ${calls} hypercalls (${enosys} ENOSYS, ${d.enosysCounts.size} kinds), ` +
          `${stat(hostile, STAT.EXCEPTIONS)} guest exceptions, exits ${JSON.stringify([...hostile.arch.exitCounts])}, ` +
          `${d.mem.releasedFrames} frames ballooned out; neighbour counter ${counter(neighbour)}`,
      );
    });
  }
});
