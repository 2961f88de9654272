/**
 * The memory map and interrupt assignments of QEMU's `virt` machine (hw/arm/virt.c, base_memmap and
 * a15irqmap), so software written for that board runs unmodified on ours.
 */
export const VIRT = {
  GIC_DIST: { base: 0x0800_0000, size: 0x1_0000 },
  GIC_CPU: { base: 0x0801_0000, size: 0x1_0000 },
  /** GICv3 redistributors: 128 KiB per CPU (RD and SGI frames). */
  GIC_REDIST: { base: 0x080a_0000, size: 0x00f6_0000 },
  UART: { base: 0x0900_0000, size: 0x1000 },
  RTC: { base: 0x0901_0000, size: 0x1000 },
  /** 32 virtio-mmio transports of 0x200 bytes each. */
  VIRTIO_MMIO: { base: 0x0a00_0000, size: 0x200, count: 32 },
  RAM: { base: 0x4000_0000 },
} as const;

/** SPI numbers (INTID - 32) of the board's devices. */
export const VIRT_SPI = {
  UART: 1,
  RTC: 2,
  /** First virtio-mmio transport; transport n uses VIRTIO_MMIO + n. */
  VIRTIO_MMIO: 16,
} as const;

/** PPIs (INTID - 16) of the generic timer: secure physical, non-secure physical, virtual, hypervisor. */
export const TIMER_PPI = { SECURE_PHYS: 13, PHYS: 14, VIRT: 11, HYP: 10 } as const;

/** GICR stride per CPU for GICv3 (RD_base + SGI_base frames). */
export const GICV3_REDIST_STRIDE = 0x2_0000;
/** Interrupt IDs the board's GIC implements (32 SGI/PPI + 256 SPIs), as QEMU's virt. */
export const VIRT_GIC_IRQS = 288;
/** The UART's fixed reference clock. */
export const VIRT_UART_CLOCK_HZ = 24_000_000;
