/**
 * What the specialised AdvSIMD integer closures (simd_int_fast*.ts) share: lane views, the FPSR.QC
 * bit, and the switch tests use to compare them with the lane engine.
 */
import type { Cpu } from '../cpu.js';

export type LaneView = Uint8Array | Uint16Array | Uint32Array;

/** FPSR.QC, the cumulative saturation flag (Arm ARM DDI0487, FPSR bit 27). */
export const FPSR_QC = 0x0800_0000;

/** Tests switch the specialised closures off to compare them with the lane engine (factory time only). */
export const FAST_PATHS = { enabled: true };

/** The state's view with `bits`-bit lanes. */
export function laneView(c: Cpu, bits: number): LaneView {
  return bits === 8 ? c.v8 : bits === 16 ? c.v16 : c.v32;
}

/** 0xff in each byte of `x` that is zero, 0 elsewhere (a byte is non-zero iff adding 0x7f to its low 7 bits, or its top bit, sets bit 7). */
export function zeroBytes(x: number): number {
  return Math.imul((((((x & 0x7f7f_7f7f) + 0x7f7f_7f7f) | x) & 0x8080_8080) ^ 0x8080_8080) >>> 7, 0xff);
}
