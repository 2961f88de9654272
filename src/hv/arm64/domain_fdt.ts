/**
 * The device tree of an arm64 domU as Xen's toolstack builds it (libxl_arm.c libxl__prepare_dtb and
 * its make_* helpers): node order, names, compatibles and interrupt specifiers as real Xen 4.17
 * gives them (the oracle's captured domU-min.dts), so Linux takes the same paths it takes on Xen.
 */
import {
  GUEST, GUEST_EVTCHN_PPI, GUEST_TIMER_PHYS_NS_PPI, GUEST_TIMER_PHYS_S_PPI, GUEST_TIMER_VIRT_PPI,
} from '../../abi/xen.js';
import { XEN_MAJOR, XEN_MINOR } from '../../abi/xen_version.js';
import { FdtTree, fdtToBlob } from '../../platform/fdt/index.js';

/** libxl's GUEST_PHANDLE_GIC (device_tree_defs.h). */
const GUEST_PHANDLE_GIC = 65000;
/** The IPA size domUs get (p2m_ipa_bits for a 40-bit host); bounds the extended regions. */
export const GUEST_IPA_BITS = 40;
/** An extended region smaller than this is not offered (libxl_arm.c EXT_REGION_MIN_SIZE). */
const EXT_REGION_MIN_SIZE = 64 * 1024 * 1024;
const SZ_2M = 2 * 1024 * 1024;
/** Interrupt specifier flags: CPU mask 0xf in bits 15..8, level-low trigger (libxl_arm.c set_interrupt). */
const PPI_FLAGS = 0xf08;

export interface DomainFdtConfig {
  readonly ramBytes: number;
  readonly vcpus: number;
  readonly gicVersion: 2 | 3;
  readonly bootargs?: string;
  readonly initrd?: { readonly start: number; readonly end: number };
  /** 128 bytes for /chosen/rng-seed. */
  readonly rngSeed: Uint8Array;
}

/** MPIDR affinity of vCPU n as libxl computes it (libxl_arm.h libxl__compute_mpdir). */
export function vcpuAffinity(n: number): number {
  return (n & 0xf) | (((n >> 4) & 0xff) << 8);
}

function ppi(intid: number): number[] {
  return [1, intid - 16, PPI_FLAGS];
}

/** The unused guest-physical ranges above each RAM bank that Linux may use for foreign mappings. */
export function extendedRegions(ramBytes: number): [number, number][] {
  const bank0 = Math.min(ramBytes, GUEST.RAM0_SIZE);
  const banks: [number, number, number][] = [
    [GUEST.RAM0_BASE, GUEST.RAM0_SIZE, bank0],
    [GUEST.RAM1_BASE, GUEST.RAM1_SIZE, ramBytes - bank0],
  ];
  const limit = 2 ** GUEST_IPA_BITS - 1;
  const out: [number, number][] = [];
  for (const [base, max, used] of banks) {
    const start = base + Math.ceil(used / SZ_2M) * SZ_2M;
    const end = Math.min(base + max - 1, limit);
    if (end > start && end - start + 1 >= EXT_REGION_MIN_SIZE) out.push([start, end - start + 1]);
  }
  return out;
}

export function buildDomainFdt(cfg: DomainFdtConfig): Uint8Array {
  const t = new FdtTree();
  const r = t.root;
  r.setString('model', `XENVM-${XEN_MAJOR}.${XEN_MINOR}`);
  r.setStrings('compatible', [`xen,xenvm-${XEN_MAJOR}.${XEN_MINOR}`, 'xen,xenvm']);
  r.setU32('interrupt-parent', GUEST_PHANDLE_GIC).setU32('#address-cells', 2).setU32('#size-cells', 2);

  const chosen = r.addNode('chosen');
  if (cfg.bootargs !== undefined) chosen.setString('bootargs', cfg.bootargs);
  if (cfg.initrd !== undefined) chosen.setU64('linux,initrd-start', cfg.initrd.start).setU64('linux,initrd-end', cfg.initrd.end);
  chosen.setBytes('rng-seed', cfg.rngSeed);

  const cpus = r.addNode('cpus').setU32('#address-cells', 1).setU32('#size-cells', 0);
  for (let i = 0; i < cfg.vcpus; i++) {
    const aff = vcpuAffinity(i);
    cpus.addNode(`cpu@${aff.toString(16)}`).setString('device_type', 'cpu').setString('compatible', 'arm,armv8')
      .setString('enable-method', 'psci').setU32('reg', aff);
  }
  r.addNode('psci').setStrings('compatible', ['arm,psci-1.0', 'arm,psci-0.2', 'arm,psci']).setString('method', 'hvc')
    .setU32('cpu_off', 1).setU32('cpu_on', 2);

  const bank0 = Math.min(cfg.ramBytes, GUEST.RAM0_SIZE);
  r.addNode(`memory@${GUEST.RAM0_BASE.toString(16)}`).setString('device_type', 'memory').setReg([[GUEST.RAM0_BASE, bank0]]);
  if (cfg.ramBytes > bank0) {
    r.addNode(`memory@${GUEST.RAM1_BASE.toString(16)}`).setString('device_type', 'memory').setReg([[GUEST.RAM1_BASE, cfg.ramBytes - bank0]]);
  }

  const gic = r.addNode(`interrupt-controller@${GUEST.GICD_BASE.toString(16)}`);
  if (cfg.gicVersion === 2) {
    gic.setStrings('compatible', ['arm,cortex-a15-gic', 'arm,cortex-a9-gic']);
  } else {
    gic.setString('compatible', 'arm,gic-v3');
  }
  gic.setU32('#interrupt-cells', 3).setU32('#address-cells', 0).setEmpty('interrupt-controller');
  if (cfg.gicVersion === 2) {
    gic.setReg([[GUEST.GICD_BASE, 0x1000], [GUEST.GICC_BASE, GUEST.GICC_SIZE]]);
  } else {
    gic.setReg([[GUEST.GICV3_GICD_BASE, GUEST.GICV3_GICD_SIZE], [GUEST.GICV3_GICR0_BASE, GUEST.GICV3_GICR0_SIZE]]);
  }
  gic.setU32('linux,phandle', GUEST_PHANDLE_GIC).setU32('phandle', GUEST_PHANDLE_GIC);

  r.addNode('timer').setString('compatible', 'arm,armv8-timer')
    .setU32('interrupts', ...ppi(GUEST_TIMER_PHYS_S_PPI), ...ppi(GUEST_TIMER_PHYS_NS_PPI), ...ppi(GUEST_TIMER_VIRT_PPI))
    .setU32('interrupt-parent', GUEST_PHANDLE_GIC);

  r.addNode('hypervisor').setStrings('compatible', [`xen,xen-${XEN_MAJOR}.${XEN_MINOR}`, 'xen,xen'])
    .setReg([[GUEST.GNTTAB_BASE, GUEST.GNTTAB_SIZE], ...extendedRegions(cfg.ramBytes)])
    .setU32('interrupts', ...ppi(GUEST_EVTCHN_PPI)).setU32('interrupt-parent', GUEST_PHANDLE_GIC);
  return fdtToBlob(t);
}
