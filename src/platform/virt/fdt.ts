/**
 * The device tree of our `virt` board, generated from its configuration with our own FDT writer.
 * Node names, properties and phandles follow what QEMU generates, trimmed to the devices we model.
 */
import { FdtTree, fdtToBlob } from '../fdt/index.js';
import { GICV3_REDIST_STRIDE, TIMER_PPI, VIRT, VIRT_SPI, VIRT_UART_CLOCK_HZ } from './layout.js';

export interface VirtFdtConfig {
  readonly ramBytes: number;
  readonly cpus: number;
  readonly gicVersion: 2 | 3;
  readonly bootargs: string;
  /** Physical range of the initrd, when there is one. */
  readonly initrd?: { readonly start: number; readonly end: number };
  /** 32 bytes for /chosen/rng-seed (no kaslr-seed: it would force KPTI on the kernel). */
  readonly rngSeed: Uint8Array;
}

const GIC_SPI = 0;
const GIC_PPI = 1;
const IRQ_EDGE_RISING = 1;
const IRQ_LEVEL_HIGH = 4;

export function buildVirtFdt(cfg: VirtFdtConfig): Uint8Array {
  if (cfg.rngSeed.length !== 32) throw new RangeError('rng-seed must be 32 bytes');
  const t = new FdtTree({ bootCpuidPhys: 0 });
  const r = t.root;
  r.setU32('#address-cells', 2).setU32('#size-cells', 2).setString('compatible', 'linux,dummy-virt');

  const gic = addGic(t, cfg);
  r.setCells('interrupt-parent', [gic]);
  const chosen = r.addNode('chosen');
  r.addNode(`memory@${VIRT.RAM.base.toString(16)}`).setString('device_type', 'memory').setReg([[VIRT.RAM.base, cfg.ramBytes]]);

  const cpus = r.addNode('cpus').setU32('#address-cells', 1).setU32('#size-cells', 0);
  for (let i = 0; i < cfg.cpus; i++) {
    cpus.addNode(`cpu@${i}`).setString('device_type', 'cpu').setString('compatible', 'arm,cortex-a53').setReg([[i, 0]]).setString('enable-method', 'psci');
  }
  r.addNode('psci').setStrings('compatible', ['arm,psci-1.0', 'arm,psci-0.2', 'arm,psci']).setString('method', 'hvc');

  // GICv2 PPI specifiers carry a CPU mask in bits 15..8; GICv3 has none.
  const ppiFlags = (cfg.gicVersion === 2 ? ((1 << cfg.cpus) - 1) << 8 : 0) | IRQ_LEVEL_HIGH;
  const ppis = [TIMER_PPI.SECURE_PHYS, TIMER_PPI.PHYS, TIMER_PPI.VIRT, TIMER_PPI.HYP].flatMap((p) => [GIC_PPI, p, ppiFlags]);
  r.addNode('timer').setString('compatible', 'arm,armv8-timer').setU32('interrupts', ...ppis).setEmpty('always-on');

  const clk = r.addNode('apb-pclk').setString('compatible', 'fixed-clock');
  clk.setU32('#clock-cells', 0).setU32('clock-frequency', VIRT_UART_CLOCK_HZ).setString('clock-output-names', 'clk24mhz');

  const uart = r.addNode(`pl011@${VIRT.UART.base.toString(16)}`).setStrings('compatible', ['arm,pl011', 'arm,primecell']);
  uart.setReg([[VIRT.UART.base, VIRT.UART.size]]).setU32('interrupts', GIC_SPI, VIRT_SPI.UART, IRQ_LEVEL_HIGH);
  uart.setCells('clocks', [clk, clk]).setStrings('clock-names', ['uartclk', 'apb_pclk']);

  const rtc = r.addNode(`pl031@${VIRT.RTC.base.toString(16)}`).setStrings('compatible', ['arm,pl031', 'arm,primecell']);
  rtc.setReg([[VIRT.RTC.base, VIRT.RTC.size]]).setU32('interrupts', GIC_SPI, VIRT_SPI.RTC, IRQ_LEVEL_HIGH);
  rtc.setCells('clocks', [clk]).setString('clock-names', 'apb_pclk');

  for (let i = 0; i < VIRT.VIRTIO_MMIO.count; i++) {
    const base = VIRT.VIRTIO_MMIO.base + i * VIRT.VIRTIO_MMIO.size;
    r.addNode(`virtio_mmio@${base.toString(16)}`)
      .setEmpty('dma-coherent')
      .setU32('interrupts', GIC_SPI, VIRT_SPI.VIRTIO_MMIO + i, IRQ_EDGE_RISING)
      .setReg([[base, VIRT.VIRTIO_MMIO.size]])
      .setString('compatible', 'virtio,mmio');
  }

  chosen.setString('bootargs', cfg.bootargs).setString('stdout-path', uart.path).setBytes('rng-seed', cfg.rngSeed);
  if (cfg.initrd !== undefined) chosen.setU64('linux,initrd-start', cfg.initrd.start).setU64('linux,initrd-end', cfg.initrd.end);
  return fdtToBlob(t);
}

function addGic(t: FdtTree, cfg: VirtFdtConfig) {
  const gic = t.root.addNode(`intc@${VIRT.GIC_DIST.base.toString(16)}`);
  gic.setU32('#interrupt-cells', 3).setEmpty('interrupt-controller').setU32('#address-cells', 2).setU32('#size-cells', 2).setEmpty('ranges');
  if (cfg.gicVersion === 2) {
    gic.setString('compatible', 'arm,cortex-a15-gic');
    gic.setReg([[VIRT.GIC_DIST.base, VIRT.GIC_DIST.size], [VIRT.GIC_CPU.base, VIRT.GIC_CPU.size]]);
  } else {
    gic.setString('compatible', 'arm,gic-v3').setU32('#redistributor-regions', 1);
    gic.setReg([[VIRT.GIC_DIST.base, VIRT.GIC_DIST.size], [VIRT.GIC_REDIST.base, cfg.cpus * GICV3_REDIST_STRIDE]]);
  }
  return gic;
}
