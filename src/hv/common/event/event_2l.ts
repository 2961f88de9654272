/**
 * The 2-level ABI (xen/common/event_2l.c): pending and mask bitmaps in shared_info, a per-vCPU
 * selector word in vcpu_info, and an upcall on the selector's 0 -> 1 edge.
 *
 * Xen's shared_info page exists from domain creation; ours is the guest page Linux hands over
 * with XENMEM_add_to_physmap, so ports raised before that (Linux's hvc console sends on its port
 * before mapping shared_info) are remembered here and raised when sharedInfoMapped() is called.
 */
import {
  EVTCHN_2L_NR_CHANNELS,
  SHARED_INFO_EVTCHN_MASK,
  SHARED_INFO_EVTCHN_PENDING,
  VCPU_INFO_EVTCHN_PENDING_SEL,
} from './abi.js';
import { clearBit, testAndClearBit, testAndSetBit, testBit } from './bitops.js';
import { isUsableOffset, vcpuMarkEventsPending, type EvtchnDeliveryCounters, type EvtchnGuestHooks, type EvtchnPortOps } from './port_ops.js';
import { PortField, type PortTable } from './port_table.js';

/** sizeof(struct shared_info) on arm64. */
const SHARED_INFO_BYTES = 1088;
/** Bits per selector/bitmap word on a 64-bit guest (BITS_PER_EVTCHN_WORD). */
const BITS_PER_EVTCHN_WORD = 64;

export class Evtchn2l implements EvtchnPortOps {
  readonly abi = '2l';
  readonly maxEvtchns = EVTCHN_2L_NR_CHANNELS;
  /** 2-level has no priorities: EVTCHNOP_set_priority gets -ENOSYS (event_channel.h evtchn_port_set_priority). */
  readonly setPriority = null;
  /** Ports raised while shared_info was not mapped yet. */
  private readonly early = new Set<number>();

  constructor(
    private readonly table: PortTable,
    private readonly g: EvtchnGuestHooks,
    private readonly counters: EvtchnDeliveryCounters,
  ) {}

  private sharedInfo(): number {
    const off = this.g.sharedInfoOffset();
    return isUsableOffset(this.g.mem, off, SHARED_INFO_BYTES) ? off : -1;
  }

  /**
   * Test-and-set of selector bit `w` of vCPU v. A vCPU without vcpu_info counts as "already set":
   * Xen writes to a dummy there, and registering the real one marks every word pending.
   */
  private testAndSetSelector(v: number, w: number): boolean {
    const off = this.g.vcpuInfoOffset(v);
    if (!isUsableOffset(this.g.mem, off, 16)) return true;
    return testAndSetBit(this.g.mem.i32, off + VCPU_INFO_EVTCHN_PENDING_SEL, w);
  }

  /** evtchn_2l_set_pending: the bit operations in Xen's strict order. */
  setPending(v: number, port: number): void {
    if (port >= EVTCHN_2L_NR_CHANNELS) return;
    const si = this.sharedInfo();
    if (si < 0) {
      this.early.add(port);
      return;
    }
    const i32 = this.g.mem.i32;
    if (testAndSetBit(i32, si + SHARED_INFO_EVTCHN_PENDING, port)) return;
    if (!testBit(i32, si + SHARED_INFO_EVTCHN_MASK, port) && !this.testAndSetSelector(v, Math.floor(port / BITS_PER_EVTCHN_WORD))) {
      vcpuMarkEventsPending(this.g, v, this.counters);
    }
  }

  clearPending(port: number): void {
    const si = this.sharedInfo();
    if (si < 0) this.early.delete(port);
    else if (port < EVTCHN_2L_NR_CHANNELS) clearBit(this.g.mem.i32, si + SHARED_INFO_EVTCHN_PENDING, port);
  }

  /** evtchn_2l_unmask: re-raise only if the mask bit was set and the port is pending. */
  unmask(port: number): void {
    const si = this.sharedInfo();
    if (si < 0 || port >= EVTCHN_2L_NR_CHANNELS) return;
    const v = this.table.get(port, PortField.NOTIFY_VCPU);
    const i32 = this.g.mem.i32;
    if (
      testAndClearBit(i32, si + SHARED_INFO_EVTCHN_MASK, port) &&
      testBit(i32, si + SHARED_INFO_EVTCHN_PENDING, port) &&
      !this.testAndSetSelector(v, Math.floor(port / BITS_PER_EVTCHN_WORD))
    ) {
      vcpuMarkEventsPending(this.g, v, this.counters);
    }
  }

  isPending(port: number): boolean {
    const si = this.sharedInfo();
    if (si < 0) return this.early.has(port);
    return port < EVTCHN_2L_NR_CHANNELS && testBit(this.g.mem.i32, si + SHARED_INFO_EVTCHN_PENDING, port);
  }

  isMasked(port: number): boolean {
    const si = this.sharedInfo();
    if (si < 0) return false;
    return port >= EVTCHN_2L_NR_CHANNELS || testBit(this.g.mem.i32, si + SHARED_INFO_EVTCHN_MASK, port);
  }

  isBusy(): boolean {
    return false;
  }

  /** evtchn_2l_print_state: the selector bit of the port's word on its notify vCPU. */
  printState(port: number): string {
    const off = this.g.vcpuInfoOffset(this.table.get(port, PortField.NOTIFY_VCPU));
    if (!isUsableOffset(this.g.mem, off, 16)) return '?';
    return testBit(this.g.mem.i32, off + VCPU_INFO_EVTCHN_PENDING_SEL, Math.floor(port / BITS_PER_EVTCHN_WORD)) ? '1' : '0';
  }

  /** shared_info just became visible: raise what was raised before, lowest port first. */
  sharedInfoMapped(): void {
    if (this.sharedInfo() < 0) return;
    const ports = [...this.early].sort((a, b) => a - b);
    this.early.clear();
    for (const p of ports) this.setPending(this.table.get(p, PortField.NOTIFY_VCPU), p);
  }

  /** Ports remembered before shared_info was mapped (save). */
  earlyPorts(): number[] {
    return [...this.early].sort((a, b) => a - b);
  }

  /** Restores the remembered ports (restore). */
  loadEarlyPorts(ports: readonly number[]): void {
    this.early.clear();
    for (const p of ports) this.early.add(p);
  }
}
