/**
 * virtio-mmio transport register map (Virtual I/O Device (VIRTIO) Version 1.2, 4.2.2 "MMIO Device
 * Register Layout"), and the identification values QEMU's transport (hw/virtio/virtio-mmio.c) gives.
 */
export const VIRTIO_MMIO_REGS = {
  MAGIC_VALUE: 0x000,
  VERSION: 0x004,
  DEVICE_ID: 0x008,
  VENDOR_ID: 0x00c,
} as const;

/** "virt" in little-endian ASCII: the value a driver checks before anything else. */
export const VIRTIO_MMIO_MAGIC = 0x7472_6976;
/** The non-legacy (virtio 1.x) register layout. */
export const VIRTIO_MMIO_VERSION_MODERN = 2;
/** "QEMU" in little-endian ASCII: QEMU's VIRT_VENDOR, kept so guests see the vendor they know. */
export const VIRTIO_MMIO_VENDOR_QEMU = 0x554d_4551;
/** Device ID 0 is reserved: "no device", so no virtio driver claims the transport. */
export const VIRTIO_DEVICE_ID_NONE = 0;
/** One transport's window, as on QEMU's `virt` (0x200: registers up to 0x100, then config space). */
export const VIRTIO_MMIO_SIZE = 0x200;
