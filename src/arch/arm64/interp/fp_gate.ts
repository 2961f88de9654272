/**
 * When the fast kernels (fp/fast.ts) may run: under RN, and with FPCR.FZ only when no operand is a
 * denormal (flushing would change it and raise IDC). The kernels already leave every possibly-tiny
 * result to the exact core, so output flushing needs no test here.
 */
import { FPCR_FZ, FPCR_RMODE_SHIFT, FPCR_SLOW } from '../fp/fpcr.js';

export const FPCR_RMODE = 3 << FPCR_RMODE_SHIFT;
export const MIN_S = 1.1754943508222875e-38;
export const MIN_D = 2.2250738585072014e-308;

function den(x: number, min: number): boolean {
  return x !== 0 && Math.abs(x) < min;
}
export function ok1(fpcr: number, x: number, min: number): boolean {
  return (fpcr & FPCR_SLOW) === 0 || ((fpcr & FPCR_FZ) !== 0 && !den(x, min));
}
export function ok2(fpcr: number, x: number, y: number, min: number): boolean {
  return (fpcr & FPCR_SLOW) === 0 || ((fpcr & FPCR_FZ) !== 0 && !den(x, min) && !den(y, min));
}
export function ok3(fpcr: number, z: number, x: number, y: number, min: number): boolean {
  return (fpcr & FPCR_SLOW) === 0 || ((fpcr & FPCR_FZ) !== 0 && !den(z, min) && !den(x, min) && !den(y, min));
}
