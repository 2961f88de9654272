/**
 * PSCI for a domain (arch/arm/vpsci.c over vsmc.c): CPU_ON/OFF of its vCPUs by MPIDR affinity, and
 * SYSTEM_OFF/RESET as domain shutdowns, the fallback Linux uses when SCHEDOP_shutdown is not reached.
 */
import { psciCall, type AffinityState, type PsciBoard } from '../../platform/psci/psci.js';
import type { ArmVcpu } from './vcpu.js';
import type { ShutdownReason } from '../../abi/xen.js';

export interface DomainPsciHooks {
  readonly vcpus: readonly ArmVcpu[];
  /** Is `ipa` RAM of the domain, where a vCPU may start? */
  isRam(ipa: number): boolean;
  shutdown(reason: ShutdownReason): void;
  log(msg: string): void;
}

/** Runs PSCI function `fn` for vCPU `caller`; returns the value for x0. */
export function domainPsciCall(caller: ArmVcpu, fn: number, args: readonly [bigint, bigint, bigint], h: DomainPsciHooks): number {
  const board: PsciBoard = {
    cpuIndexOf: (mpidr) => h.vcpus.findIndex((v) => v.affinity === mpidr),
    cpuState: (i): AffinityState => (h.vcpus[i]!.power === 'on' ? 'on' : 'off'),
    isEntryAddressValid: (pa) => pa % 4 === 0 && h.isRam(pa),
    startCpu: (i, entry, contextId) => {
      h.log(`vcpu ${caller.index}: PSCI CPU_ON vcpu ${i} at 0x${entry.toString(16)}`);
      h.vcpus[i]!.powerOn(entry, contextId);
    },
    stopCurrentCpu: () => {
      caller.power = 'off';
    },
    systemOff: () => h.shutdown('poweroff'),
    systemReset: () => h.shutdown('reboot'),
  };
  return psciCall(fn, args, board);
}
