/**
 * An empty virtio-mmio transport's state as bytes, for save/restore and migration. It has no
 * guest-writable state, so the record only says which device sat behind it: restoring it into a
 * transport with a different device (a backend plugged on one side only) is refused rather than
 * silently handing the guest a device that changed under it.
 */
export interface VirtioMmioState {
  /** The virtio device ID behind the transport (0: none). */
  readonly deviceId: number;
}

const VERSION = 1;
const SIZE = 8;

/** Serialises the state: format version, then the device ID (little-endian u32 each). */
export function saveVirtioMmio(s: VirtioMmioState): Uint8Array {
  const out = new Uint8Array(SIZE);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, VERSION, true);
  dv.setUint32(4, s.deviceId, true);
  return out;
}

/** Parses bytes from `saveVirtioMmio`; throws RangeError on a wrong size or unknown version. */
export function restoreVirtioMmio(bytes: Uint8Array): VirtioMmioState {
  if (bytes.byteLength !== SIZE) throw new RangeError(`virtio-mmio state must be ${SIZE} bytes, got ${bytes.byteLength}`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = dv.getUint32(0, true);
  if (version !== VERSION) throw new RangeError(`virtio-mmio state version ${version} is not supported`);
  return { deviceId: dv.getUint32(4, true) };
}
