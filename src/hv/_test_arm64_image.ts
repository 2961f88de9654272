/**
 * Test helper: tiny hand-encoded arm64 Images (the 64-byte header Linux's booting.rst defines, then
 * a few instructions run with the MMU off) for tests that build real domains without a kernel.
 * Encodings were checked with `llvm-mc -triple=aarch64 -show-encoding`.
 */

export const A64 = {
  WFI: 0xd503207f,
  /** B . (spin) */
  B_SELF: 0x14000000,
  /** B .-4 */
  B_BACK1: 0x17ffffff,
  /** HVC #0 (PSCI) */
  HVC_0: 0xd4000002,
  /** HVC #0xEA1 (Xen hypercall) */
  HVC_XEN: 0xd401d422,
} as const;

export const ARM64_IMAGE_MAGIC = 0x644d5241;
export const IMAGE_HEADER_BYTES = 64;

/** MOVZ W0, #lo; MOVK W0, #hi, LSL #16: w0 = value. */
function movW0(value: number): number[] {
  return [0x52800000 | ((value & 0xffff) << 5), 0x72a00000 | (((value >>> 16) & 0xffff) << 5)];
}

/** wfi; b .-4: idles forever. */
export const WFI_LOOP: readonly number[] = [A64.WFI, A64.B_BACK1];

/** A PSCI call with function id `fn` (x0), then spinning. */
export function psciThenSpin(fn: number): number[] {
  return [...movW0(fn), A64.HVC_0, A64.B_SELF];
}

export const PSCI_CPU_OFF = 0x8400_0002;
export const PSCI_SYSTEM_OFF = 0x8400_0008;
export const PSCI_SYSTEM_RESET = 0x8400_0009;

/**
 * Writes "hi" into the console ring's output half (IPA 0x3900_0000, the magic CONSOLE page), bumps
 * out_prod to 2, then EVTCHNOP_send on port 2 (the console port) through HVC #0xEA1 with the
 * struct at IPA 0x4000_0800, and idles.
 */
export const CONSOLE_HI_THEN_WFI: readonly number[] = [
  0xd2a72001, // movz x1, #0x3900, lsl #16
  0x52800d02, // mov  w2, #'h'
  0x39100022, // strb w2, [x1, #1024]
  0x52800d22, // mov  w2, #'i'
  0x39100422, // strb w2, [x1, #1025]
  0x52800042, // mov  w2, #2
  0xb90c0c22, // str  w2, [x1, #3084]     out_prod = 2
  0xd2a80003, // movz x3, #0x4000, lsl #16
  0x91200063, // add  x3, x3, #0x800
  0x52800044, // mov  w4, #2
  0xb9000064, // str  w4, [x3]            evtchn_send.port = 2
  0xd2800410, // mov  x16, #32            __HYPERVISOR_event_channel_op
  0xd2800080, // mov  x0, #4              EVTCHNOP_send
  0xaa0303e1, // mov  x1, x3
  A64.HVC_XEN,
  ...WFI_LOOP,
];

export interface ImageOptions {
  readonly textOffset?: number | bigint;
  /** image_size in the header; default: the file size. */
  readonly imageSize?: number | bigint;
  /** Pads the file to this many bytes. */
  readonly fileBytes?: number;
  /** Overrides the magic at byte 56. */
  readonly magic?: number;
  /** flags (bit 0: big-endian). */
  readonly flags?: number;
}

/** An arm64 Image: code0 branches over the header to `code` at byte 64. */
export function arm64Image(code: readonly number[], o: ImageOptions = {}): Uint8Array {
  const bytes = Math.max(o.fileBytes ?? 0, IMAGE_HEADER_BYTES + code.length * 4);
  const img = new Uint8Array(bytes);
  const dv = new DataView(img.buffer);
  dv.setUint32(0, 0x14000000 | (IMAGE_HEADER_BYTES / 4), true); // b +64
  dv.setBigUint64(8, BigInt(o.textOffset ?? 0), true);
  dv.setBigUint64(16, BigInt(o.imageSize ?? bytes), true);
  dv.setBigUint64(24, BigInt(o.flags ?? 0), true);
  dv.setUint32(56, o.magic ?? ARM64_IMAGE_MAGIC, true);
  code.forEach((w, i) => dv.setUint32(IMAGE_HEADER_BYTES + i * 4, w >>> 0, true));
  return img;
}
