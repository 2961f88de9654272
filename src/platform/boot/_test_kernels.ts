/**
 * Tiny bare-metal "kernels" for the loader tests, built by hand in each format `-kernel` accepts: an
 * arm64 Image, an AArch64 ELF and a raw binary. Each prints a message on the virt board's PL011 and
 * powers off through PSCI SYSTEM_OFF. Test helper only.
 */

const EM_AARCH64 = 183;

/** Position-independent code: print `msg` byte by byte to the UART at 0x0900_0000, then SYSTEM_OFF. */
export function printAndPowerOff(msg: string): Uint8Array {
  const words = [0xd2a12001]; // movz x1, #0x900, lsl #16
  for (const ch of Array.from(msg, (c) => c.charCodeAt(0) & 0xff)) {
    words.push(0x52800002 | (ch << 5)); // movz w2, #ch
    words.push(0xb9000022); // str w2, [x1]
  }
  words.push(
    0xd2800100, // movz x0, #8
    0xf2b08000, // movk x0, #0x8400, lsl #16  (PSCI SYSTEM_OFF)
    0xd4000002, // hvc #0
    0x14000000, // b .
  );
  const b = new Uint8Array(words.length * 4);
  const dv = new DataView(b.buffer);
  words.forEach((w, i) => dv.setUint32(4 * i, w, true));
  return b;
}

/** An arm64 Image: a 64-byte header whose first instruction branches over it to `code`. */
export function arm64Image(code: Uint8Array, opts: { textOffset?: number } = {}): Uint8Array {
  const b = new Uint8Array(64 + code.byteLength);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, 0x14000010, true); // b +0x40
  dv.setBigUint64(0x08, BigInt(opts.textOffset ?? 0), true);
  dv.setBigUint64(0x10, BigInt(b.byteLength + 0x1000), true); // image_size, with some room
  dv.setBigUint64(0x18, 0xan, true); // little-endian, 4 KiB pages, anywhere in RAM
  dv.setUint32(0x38, 0x644d5241, true);
  b.set(code, 64);
  return b;
}

export interface TestSegment {
  readonly paddr: number;
  /** Defaults to paddr. */
  readonly vaddr?: bigint;
  readonly data: Uint8Array;
  /** Defaults to data's length; larger means bss. */
  readonly memSize?: number;
}

/** An ELF64 ET_EXEC with one PT_LOAD per segment, file data after the program headers. */
export function kernelElf(opts: { entry: bigint | number; segments: readonly TestSegment[]; machine?: number; type?: number }): Uint8Array {
  const phoff = 64;
  let off = phoff + 56 * opts.segments.length;
  const offsets = opts.segments.map((s) => {
    const o = off;
    off += s.data.byteLength;
    return o;
  });
  const b = new Uint8Array(off);
  const dv = new DataView(b.buffer);
  b.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
  dv.setUint16(16, opts.type ?? 2, true);
  dv.setUint16(18, opts.machine ?? EM_AARCH64, true);
  dv.setUint32(20, 1, true);
  dv.setBigUint64(24, BigInt(opts.entry), true);
  dv.setBigUint64(32, BigInt(phoff), true);
  dv.setUint16(52, 64, true);
  dv.setUint16(54, 56, true);
  dv.setUint16(56, opts.segments.length, true);
  opts.segments.forEach((s, i) => {
    const p = phoff + 56 * i;
    dv.setUint32(p, 1, true); // PT_LOAD
    dv.setUint32(p + 4, 5, true); // R+X
    dv.setBigUint64(p + 8, BigInt(offsets[i]!), true);
    dv.setBigUint64(p + 16, s.vaddr ?? BigInt(s.paddr), true);
    dv.setBigUint64(p + 24, BigInt(s.paddr), true);
    dv.setBigUint64(p + 32, BigInt(s.data.byteLength), true);
    dv.setBigUint64(p + 40, BigInt(s.memSize ?? s.data.byteLength), true);
    dv.setBigUint64(p + 48, 0x1000n, true);
    b.set(s.data, offsets[i]!);
  });
  return b;
}
