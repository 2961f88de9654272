/**
 * A domain as the toolstack builds it, with every file already read: what `xenon create` hands the
 * domain manager after parsing an xl.cfg and loading the kernel and ramdisk.
 */

import type { NicSpec, VcpuAffinity } from './config/index.js';
import type { DomainDisk } from './disks.js';

/** What happens when a domain shuts down for a given reason (xl.cfg on_poweroff, on_reboot, ...). */
export type DomainAction = 'destroy' | 'restart' | 'preserve' | 'rename-restart' | 'coredump-destroy' | 'coredump-restart';

export interface DomainSpec {
  /** "pvh": a Xen arm64 guest; "hvm": Xenon's emulated `virt` board, for guests with no Xen awareness. */
  readonly type: 'pvh' | 'hvm';
  readonly name: string;
  /** Canonical 8-4-4-4-12 lowercase form. */
  readonly uuid: string;
  readonly vcpus: number;
  readonly memoryMiB: number;
  readonly maxMemoryMiB: number;
  readonly gicVersion: 2 | 3;
  readonly kernel: Uint8Array;
  readonly ramdisk?: Uint8Array;
  readonly cmdline?: string;
  readonly onPoweroff: DomainAction;
  readonly onReboot: DomainAction;
  readonly onCrash: DomainAction;
  readonly onWatchdog: DomainAction;
  /** credit2 weight (default 256) and cap (percent of one CPU; 0, the default, is none). */
  readonly weight?: number;
  readonly cap?: number;
  /** xl.cfg `cpus` and `cpus_soft`: each vCPU's hard and soft affinity; absent means all CPUs. */
  readonly cpus?: VcpuAffinity;
  readonly cpusSoft?: VcpuAffinity;
  /** Virtual disks (xl.cfg `disk`), served by blkback; a Xen guest only. */
  readonly disks?: readonly DomainDisk[];
  /** Virtual NICs (xl.cfg `vif`), served by netback on their bridges' switches; a Xen guest only. */
  readonly nics?: readonly NicSpec[];
}

/** The 16 bytes of a canonical UUID string. */
export function uuidBytes(uuid: string): Uint8Array {
  const hex = uuid.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new RangeError(`"${uuid}" is not a UUID`);
  return Uint8Array.from({ length: 16 }, (_, i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16));
}
