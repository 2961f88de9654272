/**
 * A vCPU's runstate (public/vcpu.h vcpu_runstate_info; common/sched/core.c vcpu_runstate_change):
 * which of running, runnable, blocked or offline it is in, since when, and the guest time it has
 * spent in each. A guest that registered an area (VCPUOP_register_runstate_memory_area) sees it
 * there, and Linux reads its steal time (runnable + offline) from it.
 */
import { RUNSTATE, RUNSTATE_INFO } from './shared_info.js';

export type RunstateName = keyof typeof RUNSTATE;

/** state_entry_time's top bit while the hypervisor updates the area (VMASST_TYPE_runstate_update_flag). */
const XEN_RUNSTATE_UPDATE = 1n << 63n;

export class VcpuRunstate {
  state: RunstateName = 'offline';
  private entryNs = 0;
  private readonly timeNs = [0, 0, 0, 0];

  /** Moves to `next` at guest time `nowNs`; false when nothing changed. */
  change(next: RunstateName, nowNs: number): boolean {
    if (next === this.state) return false;
    this.timeNs[RUNSTATE[this.state]]! += Math.max(0, nowNs - this.entryNs);
    this.state = next;
    this.entryNs = nowNs;
    return true;
  }

  /** Guest ns spent running, up to `nowNs` (xl vcpu-list's Time). */
  runningNs(nowNs: number): number {
    return this.timeNs[RUNSTATE.running]! + (this.state === 'running' ? Math.max(0, nowNs - this.entryNs) : 0);
  }

  /** The 48-byte vcpu_runstate_info; with `updating`, state_entry_time carries XEN_RUNSTATE_UPDATE. */
  bytes(updating = false): Uint8Array {
    const out = new Uint8Array(RUNSTATE_INFO.SIZE);
    const dv = new DataView(out.buffer);
    dv.setInt32(RUNSTATE_INFO.STATE, RUNSTATE[this.state], true);
    const entry = BigInt(Math.round(this.entryNs));
    dv.setBigUint64(RUNSTATE_INFO.STATE_ENTRY_TIME, updating ? entry | XEN_RUNSTATE_UPDATE : entry, true);
    this.timeNs.forEach((t, i) => dv.setBigUint64(RUNSTATE_INFO.TIME + i * 8, BigInt(Math.round(t)), true));
    return out;
  }
}
