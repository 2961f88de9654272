/**
 * The hashing workloads' input: 8 MiB from a fixed xorshift32 sequence, the same bytes for the
 * user-mode runs (`bench/run.ts`, a file under the cache) and the system-mode ones
 * (`bench/system_hot.ts`, a file in the guest's initramfs), so their instruction counts compare.
 */
export function benchData(): Uint8Array {
  const bytes = new Uint8Array(8 << 20);
  let s = 0x9e3779b9;
  for (let i = 0; i < bytes.length; i++) {
    s = (s ^ (s << 13)) >>> 0;
    s = (s ^ (s >>> 17)) >>> 0;
    s = (s ^ (s << 5)) >>> 0;
    bytes[i] = s & 0xff;
  }
  return bytes;
}
