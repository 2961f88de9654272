/** Reading system call arguments (X0..X5) and the types every system call group shares. */
import type { Blocked } from '../files.js';
import type { Kernel } from '../kernel.js';
import type { Thread } from '../process.js';

/** The call did not return to its caller in the usual way (exit, successful execve, rt_sigreturn): leave X0 alone. */
export const NO_RETURN = Symbol('NoReturn');

export type SysResult = number | Blocked | typeof NO_RETURN;

export interface SyscallDef {
  readonly nr: number;
  readonly name: string;
  /** How many arguments --trace prints. */
  readonly argc: number;
  readonly fn: (k: Kernel, t: Thread) => SysResult;
}

const TWO32 = 2 ** 32;

/** Argument `i` as an unsigned 64-bit number (exact below 2^53; pointers, sizes). */
export function u64(t: Thread, i: number): number {
  const x = t.cpu.x32;
  return x[2 * i + 1]! * TWO32 + x[2 * i]!;
}

/** Argument `i` as a signed 64-bit number (offsets; exact while |v| < 2^53). */
export function i64(t: Thread, i: number): number {
  const x = t.cpu.x32;
  return (x[2 * i + 1]! | 0) * TWO32 + x[2 * i]!;
}

/** The low 32 bits of argument `i`, signed (int arguments: fds, flags). */
export function i32(t: Thread, i: number): number {
  return t.cpu.x32[2 * i]! | 0;
}

/** The low 32 bits of argument `i`, unsigned. */
export function u32(t: Thread, i: number): number {
  return t.cpu.x32[2 * i]!;
}

/** Writes a system call result into X0 (negative numbers as two's complement). */
export function setResult(t: Thread, v: number): void {
  const x = t.cpu.x32;
  x[0] = v;
  x[1] = Math.floor(v / TWO32);
}

export function def(nr: number, name: string, argc: number, fn: SyscallDef['fn']): SyscallDef {
  return { nr, name, argc, fn };
}
