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
