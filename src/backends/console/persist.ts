/**
 * Saved state of a console backend: the input not yet accepted by the guest. The ring itself is
 * guest memory and travels with it.
 */
const MAGIC = 0x58434f4e; // "XCON"
const VERSION = 1;

export function saveConsoleState(pendingInput: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + pendingInput.byteLength);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, MAGIC, true);
  dv.setUint32(4, VERSION, true);
  dv.setUint32(8, pendingInput.byteLength, true);
  out.set(pendingInput, 12);
  return out;
}

export function restoreConsoleState(bytes: Uint8Array): Uint8Array {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 12 || dv.getUint32(0, true) !== MAGIC) throw new RangeError('Not a saved console backend state');
  const version = dv.getUint32(4, true);
  if (version !== VERSION) throw new RangeError(`Saved console backend state has version ${version}; this Xenon reads version ${VERSION}`);
  const n = dv.getUint32(8, true);
  if (12 + n > bytes.byteLength) throw new RangeError('Saved console backend state is truncated');
  return bytes.slice(12, 12 + n);
}
