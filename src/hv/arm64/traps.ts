/**
 * What a vCPU's exits mean, as a chain of handlers the domain composes (Xen's traps.c, split per
 * exception class): each handler takes the exits it knows and leaves the rest to the next. A Xen
 * domU gets WFI/WFE, Xen hypercalls on HVC #0xEA1, SMCCC/PSCI on HVC/SMC #0, stage-2 aborts, and an
 * undefined-instruction exception for any other HVC or SMC; another kind of domain composes its own.
 */
import { EC, makeEsr, type VcpuExit } from '../../arch/arm64/exit.js';
import { XEN_HYPERCALL_TAG, type ShutdownReason } from '../../abi/xen.js';
import type { XenDomain } from '../common/domain.js';
import { domainPsciCall } from './psci.js';
import type { ArmVcpu } from './vcpu.js';

/** The parts of the domain a trap handler may use. */
export interface TrapHost {
  readonly d: XenDomain;
  readonly vcpus: readonly ArmVcpu[];
  /** Counts an exit by kind, for the debug counters. */
  count(kind: string): void;
  /** Ends the running vCPU's time slice after this exit. */
  endSlice(): void;
  shutdown(reason: ShutdownReason): void;
  /** Runs the Xen hypercall in vCPU v's registers. */
  hypercall(v: ArmVcpu): void;
}

/** Handles `exit` of vCPU v and returns true, or returns false for the next handler. */
export type TrapHandler = (v: ArmVcpu, exit: VcpuExit) => boolean;

/** WFI blocks the vCPU until an interrupt (traps.c do_trap_wfi_wfe); WFE, bounded by the timer event stream, continues. */
export function wfxTrap(h: TrapHost): TrapHandler {
  return (v, exit) => {
    if (exit.kind === 'wfe') {
      h.count('wfe');
      return true;
    }
    if (exit.kind !== 'wfi') return false;
    h.count('wfi');
    if (!v.irq) v.waiting = true;
    h.endSlice();
    return true;
  };
}

/** HVC #0xEA1: a Xen hypercall (traps.c do_trap_hypercall). */
export function xenHypercallTrap(h: TrapHost): TrapHandler {
  return (v, exit) => {
    if (exit.kind !== 'hvc' || exit.imm !== XEN_HYPERCALL_TAG) return false;
    h.count('hypercall');
    h.hypercall(v);
    return true;
  };
}

/** HVC #0 and SMC #0: SMCCC, which is PSCI for a domain (vsmc.c, vpsci.c). */
export function smcccTrap(h: TrapHost): TrapHandler {
  return (v, exit) => {
    if ((exit.kind !== 'hvc' && exit.kind !== 'smc') || exit.imm !== 0) return false;
    h.count('psci');
    const x = v.cpu.state.x64;
    const mem = h.d.mem;
    const r = domainPsciCall(v, Number(x[0]! & 0xffff_ffffn), [x[1]!, x[2]!, x[3]!], {
      vcpus: h.vcpus,
      isRam: (ipa) => mem.offsetOfGfn(Math.floor(ipa / 4096)) >= 0 && !mem.isMmio(ipa),
      shutdown: (reason) => h.shutdown(reason),
      log: (msg) => h.d.log.guest(h.d.domid, msg),
    });
    x[0] = BigInt.asUintN(64, BigInt(r));
    if (v.power === 'off') h.endSlice();
    return true;
  };
}

/**
 * A stage-2 abort nothing emulates: Xen injects a data or instruction abort with an empty ISS into
 * the guest at the faulting address (traps.c do_trap_stage2_abort_guest, inject_abt64_exception).
 * When the abort was at the very vector it is injected into, nothing the guest can do will change
 * the next try: the domain is crashed, as the CPU reports such a loop for its own exceptions,
 * instead of spinning its vCPU at full speed.
 */
export function stage2AbortTrap(h: TrapHost): TrapHandler {
  return (v, exit) => {
    if (exit.kind !== 'stage2') return false;
    h.count('stage2');
    const cpu = v.cpu;
    const isData = (exit.esr >>> 26) === EC.DABT_LOWER;
    const fromEl0 = ((cpu.state.pstate >>> 2) & 3) === 0;
    const ec = isData ? (fromEl0 ? EC.DABT_LOWER : EC.DABT_CUR) : (fromEl0 ? EC.IABT_LOWER : EC.IABT_CUR);
    h.d.log.guest(h.d.domid, `vcpu ${v.index}: stage-2 abort at IPA 0x${exit.ipa.toString(16)} (ESR_EL2 0x${exit.esr.toString(16)}), injected`);
    const at = cpu.state.pc;
    cpu.injectException(makeEsr(ec, 0), exit.far);
    if (cpu.state.pc === at) {
      h.d.log.guest(h.d.domid, `vcpu ${v.index}: its exception vector at 0x${BigInt.asUintN(64, BigInt(at)).toString(16)} aborts at stage 2 again: domain crashed`);
      h.shutdown('crash');
    }
    return true;
  };
}

/** Any other HVC or SMC immediate: an undefined instruction (traps.c do_trap_hvc_smccc). */
export function undefinedCallTrap(h: TrapHost): TrapHandler {
  return (v, exit) => {
    if (exit.kind !== 'hvc' && exit.kind !== 'smc') return false;
    h.count('undef-hvc');
    v.cpu.injectUndefined();
    return true;
  };
}

/** The chain of a Xen arm64 domU. */
export function xenDomuTraps(h: TrapHost): TrapHandler[] {
  return [wfxTrap(h), xenHypercallTrap(h), smcccTrap(h), stage2AbortTrap(h), undefinedCallTrap(h)];
}
