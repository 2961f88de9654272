/**
 * A virtio-mmio transport with no device behind it, as QEMU's `virt` board creates 32 of them
 * (hw/virtio/virtio-mmio.c with no backend plugged): the magic value, version and vendor ID read as
 * usual, every other register reads as zero and every write is ignored. Linux's virtio_mmio driver
 * probes such a transport, sees device ID 0 and leaves it alone; firmware and bare-metal code written
 * for QEMU scan all 32 without taking an external abort.
 *
 * Version: QEMU's `force-legacy` property defaults to true, which reports version 1 (the legacy
 * layout); we answer 2, as QEMU does with `-global virtio-mmio.force-legacy=false`, because the
 * devices these transports will carry are virtio 1.x devices, which only the modern layout describes.
 */
import type { MmioDevice } from '../bus.js';
import { VirtioMmioMetrics } from './metrics.js';
import { restoreVirtioMmio, saveVirtioMmio } from './persist.js';
import {
  VIRTIO_DEVICE_ID_NONE, VIRTIO_MMIO_MAGIC, VIRTIO_MMIO_REGS as R, VIRTIO_MMIO_VENDOR_QEMU, VIRTIO_MMIO_VERSION_MODERN,
} from './regs.js';

/** An empty virtio-mmio transport (see the file comment). */
export class VirtioMmioTransport implements MmioDevice {
  readonly name = 'virtio-mmio';
  readonly metrics = new VirtioMmioMetrics();

  /**
   * QEMU answers an empty transport's reads of any width from the 32-bit register value, cut to the
   * access size (its memory core masks the result), so a byte read of MagicValue gives 'v'.
   */
  read(offset: number, sizeBytes: number): number {
    this.metrics.reads++;
    if ((offset & (sizeBytes - 1)) !== 0) {
      this.metrics.badAccesses++;
      return 0;
    }
    const value = this.register(offset);
    return sizeBytes === 4 ? value : value & ((1 << (8 * sizeBytes)) - 1);
  }

  /** Write-ignored, as QEMU's transport with no backend: there is nothing to configure. */
  write(offset: number, sizeBytes: number, _value: number): void {
    this.metrics.writes++;
    if ((offset & (sizeBytes - 1)) !== 0) this.metrics.badAccesses++;
  }

  private register(offset: number): number {
    switch (offset) {
      case R.MAGIC_VALUE: return VIRTIO_MMIO_MAGIC;
      case R.VERSION: return VIRTIO_MMIO_VERSION_MODERN;
      case R.DEVICE_ID: return VIRTIO_DEVICE_ID_NONE;
      case R.VENDOR_ID: return VIRTIO_MMIO_VENDOR_QEMU;
      default: return 0; // features, queues, status, interrupts and config space: read-as-zero
    }
  }

  /** The transport's state for save/restore (see persist.ts). */
  save(): Uint8Array {
    return saveVirtioMmio({ deviceId: VIRTIO_DEVICE_ID_NONE });
  }

  /** Restores a saved state; throws RangeError if it was saved with a device behind the transport. */
  restore(bytes: Uint8Array): void {
    const s = restoreVirtioMmio(bytes);
    if (s.deviceId !== VIRTIO_DEVICE_ID_NONE) {
      throw new RangeError(`virtio-mmio state carries device ID ${s.deviceId}, but this transport has no device`);
    }
  }
}
