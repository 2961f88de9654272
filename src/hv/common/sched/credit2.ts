/**
 * Xenon's credit2: how domain threads share the host's CPUs by weight and cap, as Xen's credit2
 * shares physical CPUs among vCPUs (xen/common/sched/credit2.c; xl's sched-credit2).
 *
 * The unit Xenon schedules is a domain's thread (it interleaves its own vCPUs), and a "pCPU" is a
 * licence to run on one host core: at most `nrPcpus` domain threads execute guest code at once, so
 * the host's scheduler never has to arbitrate between busy domains and weights mean what they mean
 * under Xen. A domain with work asks for a pCPU in its hard affinity; while it runs it burns credit
 * at `maxWeight / weight` ns per ns, so a domain of twice the weight runs twice as long for the same
 * credit; when the one running is out of credit every domain's credit is topped up (credit2's
 * reset). After each round the runner checks whether a waiter with more credit wants its pCPU, and
 * hands the pCPU over if so (after credit2's ratelimit). A cap is a budget of `cap`% of one pCPU in
 * each 10 ms period; a domain that has used its budget is parked until the period ends. Idle
 * domains hold no pCPU and cost nothing here.
 *
 * Everything is in one SharedArrayBuffer, so the toolstack's thread and every domain's thread see
 * the same board; each decision is taken under a spin lock (they are few and short: one per round
 * at most), and the plain reads and writes inside it are ordered by the lock's atomics.
 */

/** credit2.c CSCHED2_DEFAULT_WEIGHT; xl accepts 1..65535. */
export const DEFAULT_WEIGHT = 256;
export const MAX_WEIGHT = 65535;
/** Hard affinities are 32-bit masks, so at most 32 pCPUs. */
export const MAX_PCPUS = 32;
/** credit2.c CSCHED2_CREDIT_INIT: the credit a reset gives. */
export const CREDIT_INIT_NS = 10_000_000;
/** credit2.c CSCHED2_CARRYOVER_MAX: credit beyond CREDIT_INIT that survives a reset. */
export const CARRYOVER_MAX_NS = 500_000;
/** credit2.c CSCHED2_BDGT_REPL_PERIOD: caps are enforced over periods of this length. */
export const BUDGET_PERIOD_NS = 10_000_000;
/** The default sched_ratelimit_us: a domain keeps a pCPU at least this long before it is handed on. */
export const RATELIMIT_NS = 1_000_000;
/** A waiter re-checks the board at least this often, so no lost wake-up can strand it. */
const MAX_WAIT_MS = 100;

// Int32 words of the header.
const LOCK = 0;
const NR_PCPUS = 1;
const MAX_SLOTS = 2;
/** One past the highest slot in use: the scans each round stop there, not at MAX_SLOTS. */
const SLOTS_USED = 3;
const HEADER_WORDS = 4;
// Int32 words of a slot record.
const S_IN_USE = 0;
const S_DOMID = 1;
const S_WEIGHT = 2;
const S_CAP = 3;
const S_STATE = 4;
const S_PCPU = 5;
const S_AFFINITY = 6;
const S_WAKE = 7;
const S_SOFT = 8;
const SLOT_WORDS = 9;
// Float64 words of a slot record.
const F_CREDIT = 0;
const F_BUDGET_USED = 1;
const F_PERIOD_START = 2;
const SLOT_F64S = 4;

/** Where a domain stands with the scheduler. */
export type SchedState = 'blocked' | 'waiting' | 'running' | 'parked';
const STATES: readonly SchedState[] = ['blocked', 'waiting', 'running', 'parked'];
const BLOCKED = 0;
const WAITING = 1;
const RUNNING = 2;
const PARKED = 3;

export interface SchedParams {
  /** 1..65535; a domain of twice the weight gets twice the CPU under contention. */
  readonly weight: number;
  /** Percent of one pCPU per period, 0 for none. */
  readonly cap: number;
}

/** One domain as the board sees it (`xl sched-credit2`, `xl vcpu-list`). */
export interface SchedSlotInfo extends SchedParams {
  readonly domid: number;
  readonly state: SchedState;
  /** The pCPU it holds or last held (before it first ran, the first one its affinity allows). */
  readonly pcpu: number;
  readonly affinity: number;
  readonly creditNs: number;
}

/** What `request` answers: run now on `pcpu`, or wait (at most `ms`) and ask again. */
export type SchedGrant = { readonly kind: 'run'; readonly pcpu: number } | { readonly kind: 'wait'; readonly ms: number };

/** The mask of pCPUs 0..n-1. */
export function allPcpus(n: number): number {
  return n >= 32 ? -1 : (1 << n) - 1;
}

function checkParams(p: SchedParams): void {
  if (!Number.isInteger(p.weight) || p.weight < 1 || p.weight > MAX_WEIGHT) throw new RangeError(`A weight is from 1 to ${MAX_WEIGHT}, not ${p.weight}`);
  if (!Number.isInteger(p.cap) || p.cap < 0 || p.cap > 100 * MAX_PCPUS) throw new RangeError(`A cap is a percentage of one CPU from 0 (none) to ${100 * MAX_PCPUS}, not ${p.cap}`);
}

/** The shared scheduler state: the pCPU table and one slot per domain. */
export class SchedBoard {
  readonly buffer: SharedArrayBuffer;
  readonly nrPcpus: number;
  readonly maxSlots: number;
  private readonly i32: Int32Array;
  private readonly f64: Float64Array;
  private readonly slotBase: number;

  /** A new board; `nrPcpus` host cores are shared among at most `maxSlots` domains. */
  static create(nrPcpus: number, maxSlots: number): SchedBoard {
    if (!Number.isInteger(nrPcpus) || nrPcpus < 1 || nrPcpus > MAX_PCPUS) throw new RangeError(`The scheduler takes 1 to ${MAX_PCPUS} pCPUs, not ${nrPcpus}`);
    if (!Number.isInteger(maxSlots) || maxSlots < 1 || maxSlots > 65536) throw new RangeError(`Bad number of scheduler slots ${maxSlots}`);
    const intWords = HEADER_WORDS + MAX_PCPUS + maxSlots * SLOT_WORDS;
    const f64Offset = Math.ceil((intWords * 4) / 8) * 8;
    const buffer = new SharedArrayBuffer(f64Offset + maxSlots * SLOT_F64S * 8);
    const i32 = new Int32Array(buffer, 0, intWords);
    i32[NR_PCPUS] = nrPcpus;
    i32[MAX_SLOTS] = maxSlots;
    return new SchedBoard(buffer);
  }

  /** The board created on another thread. */
  constructor(buffer: SharedArrayBuffer) {
    const head = new Int32Array(buffer, 0, HEADER_WORDS);
    this.nrPcpus = head[NR_PCPUS]!;
    this.maxSlots = head[MAX_SLOTS]!;
    const intWords = HEADER_WORDS + MAX_PCPUS + this.maxSlots * SLOT_WORDS;
    const f64Offset = Math.ceil((intWords * 4) / 8) * 8;
    if (this.nrPcpus < 1 || this.nrPcpus > MAX_PCPUS || buffer.byteLength !== f64Offset + this.maxSlots * SLOT_F64S * 8) {
      throw new RangeError('The scheduler board has a bad layout');
    }
    this.buffer = buffer;
    this.i32 = new Int32Array(buffer, 0, intWords);
    this.f64 = new Float64Array(buffer, f64Offset, this.maxSlots * SLOT_F64S);
    this.slotBase = HEADER_WORDS + MAX_PCPUS;
  }

  // --- the toolstack's side ---

  /**
   * Gives a new domain a slot, blocked until its thread asks to run: it may run on the pCPUs of
   * `affinity` (hard) and prefers those of `soft` among them.
   */
  addDomain(domid: number, params: SchedParams, affinity: number, soft = -1): number {
    checkParams(params);
    return this.locked(() => {
      for (let s = 0; s < this.maxSlots; s++) {
        const b = this.base(s);
        if (this.i32[b + S_IN_USE] !== 0) continue;
        this.i32[b + S_IN_USE] = 1;
        this.i32[SLOTS_USED] = Math.max(this.i32[SLOTS_USED]!, s + 1);
        this.i32[b + S_DOMID] = domid;
        this.i32[b + S_WEIGHT] = params.weight;
        this.i32[b + S_CAP] = params.cap;
        this.i32[b + S_STATE] = BLOCKED;
        this.i32[b + S_AFFINITY] = this.usable(affinity);
        this.i32[b + S_SOFT] = this.usable(soft);
        // Like a new vCPU's v->processor: the first pCPU it may run on, until it runs somewhere.
        this.i32[b + S_PCPU] = 31 - Math.clz32(this.i32[b + S_AFFINITY]! & -this.i32[b + S_AFFINITY]!);
        this.f64[s * SLOT_F64S + F_CREDIT] = CREDIT_INIT_NS;
        this.f64[s * SLOT_F64S + F_BUDGET_USED] = 0;
        this.f64[s * SLOT_F64S + F_PERIOD_START] = -Infinity;
        return s;
      }
      throw new RangeError(`No scheduler slot is free for domain ${domid} (at most ${this.maxSlots} domains)`);
    });
  }

  /** Frees a destroyed domain's slot and passes on the pCPU it may still hold. */
  removeDomain(slot: number): void {
    this.checkSlot(slot);
    this.locked(() => {
      const b = this.base(slot);
      if (this.i32[b + S_STATE] === RUNNING) this.giveUp(slot);
      this.i32[b + S_IN_USE] = 0;
      this.i32[b + S_STATE] = BLOCKED;
      let used = this.i32[SLOTS_USED]!;
      while (used > 0 && this.i32[this.base(used - 1) + S_IN_USE] === 0) used--;
      this.i32[SLOTS_USED] = used;
    });
    this.kickWaiters();
  }

  setParams(slot: number, params: SchedParams): void {
    this.checkSlot(slot);
    checkParams(params);
    this.locked(() => {
      const b = this.base(slot);
      this.i32[b + S_WEIGHT] = params.weight;
      this.i32[b + S_CAP] = params.cap;
    });
    this.kickWaiters();
  }

  /**
   * The pCPUs the domain may run on, and those it prefers (pCPUs the host lacks are dropped; none
   * left means all).
   */
  setAffinity(slot: number, affinity: number, soft = -1): void {
    this.checkSlot(slot);
    this.locked(() => {
      this.i32[this.base(slot) + S_AFFINITY] = this.usable(affinity);
      this.i32[this.base(slot) + S_SOFT] = this.usable(soft);
    });
    this.kickWaiters();
  }

  info(slot: number): SchedSlotInfo {
    this.checkSlot(slot);
    return this.locked(() => {
      const b = this.base(slot);
      return {
        domid: this.i32[b + S_DOMID]!, weight: this.i32[b + S_WEIGHT]!, cap: this.i32[b + S_CAP]!,
        state: STATES[this.i32[b + S_STATE]!]!, pcpu: this.i32[b + S_PCPU]!, affinity: this.i32[b + S_AFFINITY]!,
        creditNs: this.f64[slot * SLOT_F64S + F_CREDIT]!,
      };
    });
  }

  // --- a domain thread's side ---

  /** The word a domain's thread sleeps on while it waits for a pCPU. */
  wakeWord(slot: number): { readonly words: Int32Array; readonly index: number } {
    this.checkSlot(slot);
    return { words: this.i32, index: this.base(slot) + S_WAKE };
  }

  /** Ends the wait of a slot's thread (a grant, or a control request for it). */
  wake(slot: number): void {
    const w = this.base(slot) + S_WAKE;
    Atomics.add(this.i32, w, 1);
    Atomics.notify(this.i32, w);
  }

  /**
   * A domain has work: a pCPU if one is free in its affinity (or it was handed one), otherwise it
   * waits, and is parked until its period ends when its cap's budget is used up.
   */
  request(slot: number, nowNs: number): SchedGrant {
    this.checkSlot(slot);
    return this.locked((): SchedGrant => {
      const b = this.base(slot);
      if (this.i32[b + S_IN_USE] === 0) return { kind: 'wait', ms: MAX_WAIT_MS };
      if (this.i32[b + S_STATE] === RUNNING) return { kind: 'run', pcpu: this.i32[b + S_PCPU]! };
      const parkedMs = this.budgetLeftMs(slot, nowNs);
      if (parkedMs > 0) {
        this.i32[b + S_STATE] = PARKED;
        return { kind: 'wait', ms: parkedMs };
      }
      const affinity = this.i32[b + S_AFFINITY]!;
      const last = this.i32[b + S_PCPU]!;
      // A free pCPU of its soft affinity first, then any of its hard affinity (credit2's two
      // balancing steps); in each, the one it last ran on first, as credit2 keeps a vCPU where it was.
      for (const allowed of [affinity & this.i32[b + S_SOFT]!, affinity]) {
        for (let k = 0; k < this.nrPcpus; k++) {
          const p = (Math.max(0, last) + k) % this.nrPcpus;
          if ((allowed & (1 << p)) === 0 || this.i32[HEADER_WORDS + p] !== 0) continue;
          this.take(slot, p);
          return { kind: 'run', pcpu: p };
        }
      }
      this.i32[b + S_STATE] = WAITING;
      return { kind: 'wait', ms: MAX_WAIT_MS };
    });
  }

  /**
   * After a round in which the domain ran `ranNs` on its pCPU (held for `heldNs`): its credit and
   * budget burn, and it keeps the pCPU or gives it up (to a waiter with more credit, for its cap,
   * or because its affinity no longer has it). 'yield' means the domain no longer holds a pCPU;
   * 'contended' that it keeps it while another domain waits for it, or under a cap (its rounds
   * should be short).
   */
  account(slot: number, ranNs: number, heldNs: number, nowNs: number): 'keep' | 'contended' | 'yield' {
    this.checkSlot(slot);
    return this.locked(() => {
      const b = this.base(slot);
      const f = slot * SLOT_F64S;
      if (this.i32[b + S_STATE] !== RUNNING) return 'yield';
      this.f64[f + F_CREDIT] = this.f64[f + F_CREDIT]! - (ranNs * this.maxWeight()) / this.i32[b + S_WEIGHT]!;
      if (this.i32[b + S_CAP]! > 0) this.f64[f + F_BUDGET_USED] = this.f64[f + F_BUDGET_USED]! + ranNs;
      const pcpu = this.i32[b + S_PCPU]!;
      if (this.budgetLeftMs(slot, nowNs) > 0) {
        this.giveUp(slot);
        this.i32[b + S_STATE] = PARKED;
        return 'yield';
      }
      if ((this.i32[b + S_AFFINITY]! & (1 << pcpu)) === 0) {
        this.giveUp(slot);
        this.i32[b + S_STATE] = WAITING;
        return 'yield';
      }
      const next = this.bestWaiter(pcpu);
      const nextCredit = next < 0 ? -Infinity : this.f64[next * SLOT_F64S + F_CREDIT]!;
      // As credit2 resets when even the best candidate has no credit left.
      if (this.f64[f + F_CREDIT]! <= 0 && nextCredit <= 0) this.resetCredits(this.f64[f + F_CREDIT]!);
      const credit = this.f64[f + F_CREDIT]!;
      if (next >= 0 && this.f64[next * SLOT_F64S + F_CREDIT]! > credit && (heldNs >= RATELIMIT_NS || credit <= 0)) {
        this.giveUp(slot);
        this.i32[b + S_STATE] = WAITING;
        return 'yield';
      }
      // A capped domain's rounds are short too, so it overruns its budget by little.
      return next >= 0 || this.i32[b + S_CAP]! > 0 ? 'contended' : 'keep';
    });
  }

  /** The domain has nothing to run (or is paused): its pCPU goes to the best waiter. */
  release(slot: number): void {
    this.checkSlot(slot);
    this.locked(() => {
      const b = this.base(slot);
      if (this.i32[b + S_STATE] === RUNNING) this.giveUp(slot);
      this.i32[b + S_STATE] = BLOCKED;
    });
  }

  // --- inside the lock ---

  private take(slot: number, pcpu: number): void {
    const b = this.base(slot);
    this.i32[HEADER_WORDS + pcpu] = slot + 1;
    this.i32[b + S_STATE] = RUNNING;
    this.i32[b + S_PCPU] = pcpu;
  }

  /** Frees the slot's pCPU and hands it to the waiter with the most credit that may run there. */
  private giveUp(slot: number): void {
    const pcpu = this.i32[this.base(slot) + S_PCPU]!;
    this.i32[HEADER_WORDS + pcpu] = 0;
    const next = this.bestWaiter(pcpu, slot);
    if (next < 0) return;
    this.take(next, pcpu);
    this.wake(next);
  }

  private bestWaiter(pcpu: number, except = -1): number {
    let best = -1;
    for (let s = 0, n = this.slotsUsed(); s < n; s++) {
      const b = this.base(s);
      if (s === except || this.i32[b + S_IN_USE] === 0 || this.i32[b + S_STATE] !== WAITING) continue;
      if ((this.i32[b + S_AFFINITY]! & (1 << pcpu)) === 0) continue;
      if (best < 0 || this.f64[s * SLOT_F64S + F_CREDIT]! > this.f64[best * SLOT_F64S + F_CREDIT]!) best = s;
    }
    return best;
  }

  /**
   * credit2's reset_credit: everyone gains as many CREDIT_INITs as bring the runner's `overdraw`
   * back above zero, and none keeps more than CREDIT_INIT plus credit2's carry-over.
   */
  private resetCredits(overdraw: number): void {
    const m = 1 + Math.floor(-overdraw / CREDIT_INIT_NS);
    for (let s = 0, n = this.slotsUsed(); s < n; s++) {
      if (this.i32[this.base(s) + S_IN_USE] === 0) continue;
      const f = s * SLOT_F64S + F_CREDIT;
      this.f64[f] = Math.min(CREDIT_INIT_NS + CARRYOVER_MAX_NS, this.f64[f]! + m * CREDIT_INIT_NS);
    }
  }

  private maxWeight(): number {
    let w = 1;
    for (let s = 0, n = this.slotsUsed(); s < n; s++) {
      const b = this.base(s);
      if (this.i32[b + S_IN_USE] !== 0) w = Math.max(w, this.i32[b + S_WEIGHT]!);
    }
    return w;
  }

  /**
   * How long a capped domain must still wait (0 when it may run). Each period that begins gives
   * back one period's budget, so a round that overran the budget is paid for in the next periods,
   * as credit2's budget goes negative.
   */
  private budgetLeftMs(slot: number, nowNs: number): number {
    const cap = this.i32[this.base(slot) + S_CAP]!;
    if (cap === 0) return 0;
    const budget = (cap * BUDGET_PERIOD_NS) / 100;
    const f = slot * SLOT_F64S;
    const start = this.f64[f + F_PERIOD_START]!;
    if (nowNs - start >= BUDGET_PERIOD_NS) {
      const periods = start === -Infinity ? Infinity : Math.floor((nowNs - start) / BUDGET_PERIOD_NS);
      this.f64[f + F_PERIOD_START] = start === -Infinity ? nowNs : start + periods * BUDGET_PERIOD_NS;
      this.f64[f + F_BUDGET_USED] = Math.max(0, this.f64[f + F_BUDGET_USED]! - periods * budget);
    }
    const used = this.f64[f + F_BUDGET_USED]!;
    if (used < budget) return 0;
    // Whole periods of overdraw, then the rest of this one.
    const periodsOwed = Math.floor(used / budget) - 1;
    return Math.max(1, Math.ceil((this.f64[f + F_PERIOD_START]! + BUDGET_PERIOD_NS * (1 + periodsOwed) - nowNs) / 1e6));
  }

  // --- plumbing ---

  private usable(affinity: number): number {
    const m = affinity & allPcpus(this.nrPcpus);
    return m === 0 ? allPcpus(this.nrPcpus) : m;
  }

  private kickWaiters(): void {
    for (let s = 0, n = this.slotsUsed(); s < n; s++) {
      const st = Atomics.load(this.i32, this.base(s) + S_STATE);
      if (st === WAITING || st === PARKED) this.wake(s);
    }
  }

  private slotsUsed(): number {
    return Atomics.load(this.i32, SLOTS_USED);
  }

  private base(slot: number): number {
    return this.slotBase + slot * SLOT_WORDS;
  }

  private checkSlot(slot: number): void {
    if (!Number.isInteger(slot) || slot < 0 || slot >= this.maxSlots) throw new RangeError(`Bad scheduler slot ${slot}`);
  }

  private locked<T>(fn: () => T): T {
    while (Atomics.compareExchange(this.i32, LOCK, 0, 1) !== 0) {
      // Held for a few hundred ns by another thread; spin.
    }
    try {
      return fn();
    } finally {
      Atomics.store(this.i32, LOCK, 0);
    }
  }
}
