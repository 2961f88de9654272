/**
 * The architectural state of one AArch64 vCPU, held in a single ArrayBuffer so it can be saved,
 * restored, shared with a worker or placed inside a WebAssembly.Memory without touching JS objects.
 *
 * General registers are stored as 64-bit little-endian slots and viewed both as 32-bit halves
 * (`x32[2n]` low, `x32[2n+1]` high: the hot path works on these as plain numbers) and as BigUint64
 * (`x64[n]`: for multiply/divide and other wide operations). Slot numbering:
 *   0..30  X0..X30
 *   31     the current stack pointer (SP_EL0 or SP_ELx, swapped on exception entry/return and SPSel)
 *   32     XZR as a source: always zero, never written
 *   33     XZR as a destination: a discard slot, never read
 * The decoder resolves register field 31 to 31, 32 or 33 by the instruction's rules, so handlers never test for 31.
 */

export const REG_SP = 31;
export const REG_ZR_READ = 32;
export const REG_ZR_WRITE = 33;
const X_SLOTS = 34;

/** Byte offsets of each area of the state buffer. */
export const STATE_LAYOUT = {
  x: 0, // 34 * 8
  pc: 288, // f64: PC as a sign-extended canonical address (exact in a double)
  nzcv: 296, // u32, bits 31..28 as in the NZCV register
  pstate: 300, // u32: EL, SPSel, DAIF and the rest of PSTATE, PSR layout
  fpcr: 304, // u32
  fpsr: 308, // u32
  jit: 312, // 24 bytes the JS side and compiled code pass values through (jit/emitter.ts)
  v: 512, // 32 * 16: SIMD&FP registers
  sys: 1024, // u64 system registers, indexed by the sysreg table
  size: 4096,
} as const;

export const SYSREG_SLOTS = (STATE_LAYOUT.size - STATE_LAYOUT.sys) / 8;

export class CpuState {
  readonly buffer: ArrayBufferLike;
  /** The whole state as bytes. */
  private readonly bytes: Uint8Array;
  /** X registers as 32-bit halves. */
  readonly x32: Uint32Array;
  /** X registers as signed 32-bit halves (for sign tests and address arithmetic). */
  readonly xi32: Int32Array;
  /** X registers as 64-bit values. */
  readonly x64: BigUint64Array;
  /** SIMD&FP registers, in every element width. */
  readonly v8: Uint8Array;
  readonly v16: Uint16Array;
  readonly v32: Uint32Array;
  readonly v64: BigUint64Array;
  readonly vf32: Float32Array;
  readonly vf64: Float64Array;
  /** Scalar control state: PC (f64), NZCV, PSTATE, FPCR, FPSR. */
  private readonly f64: Float64Array;
  private readonly u32: Uint32Array;
  /** System registers, indexed by `SysregInfo.slot`. */
  readonly sys: BigUint64Array;

  /** Where the state starts in `buffer` (a vCPU's JIT area inside guest memory, or 0). */
  readonly byteOffset: number;

  constructor(buffer: ArrayBufferLike = new ArrayBuffer(STATE_LAYOUT.size), byteOffset = 0) {
    if (byteOffset % 8 !== 0 || byteOffset < 0 || byteOffset + STATE_LAYOUT.size > buffer.byteLength) {
      throw new RangeError(`CPU state needs ${STATE_LAYOUT.size} bytes at an 8-byte aligned offset, not offset ${byteOffset} of ${buffer.byteLength}`);
    }
    const o = byteOffset;
    this.buffer = buffer;
    this.byteOffset = o;
    this.x32 = new Uint32Array(buffer, o + STATE_LAYOUT.x, X_SLOTS * 2);
    this.xi32 = new Int32Array(buffer, o + STATE_LAYOUT.x, X_SLOTS * 2);
    this.x64 = new BigUint64Array(buffer, o + STATE_LAYOUT.x, X_SLOTS);
    this.v8 = new Uint8Array(buffer, o + STATE_LAYOUT.v, 512);
    this.v16 = new Uint16Array(buffer, o + STATE_LAYOUT.v, 256);
    this.v32 = new Uint32Array(buffer, o + STATE_LAYOUT.v, 128);
    this.v64 = new BigUint64Array(buffer, o + STATE_LAYOUT.v, 64);
    this.vf32 = new Float32Array(buffer, o + STATE_LAYOUT.v, 128);
    this.vf64 = new Float64Array(buffer, o + STATE_LAYOUT.v, 64);
    this.f64 = new Float64Array(buffer, o, STATE_LAYOUT.size / 8);
    this.u32 = new Uint32Array(buffer, o, STATE_LAYOUT.size / 4);
    this.bytes = new Uint8Array(buffer, o, STATE_LAYOUT.size);
    this.sys = new BigUint64Array(buffer, o + STATE_LAYOUT.sys, SYSREG_SLOTS);
  }

  get pc(): number {
    return this.f64[STATE_LAYOUT.pc / 8];
  }
  set pc(va: number) {
    this.f64[STATE_LAYOUT.pc / 8] = va;
  }
  get nzcv(): number {
    return this.u32[STATE_LAYOUT.nzcv / 4];
  }
  set nzcv(v: number) {
    this.u32[STATE_LAYOUT.nzcv / 4] = v;
  }
  get pstate(): number {
    return this.u32[STATE_LAYOUT.pstate / 4];
  }
  set pstate(v: number) {
    this.u32[STATE_LAYOUT.pstate / 4] = v;
  }
  get fpcr(): number {
    return this.u32[STATE_LAYOUT.fpcr / 4];
  }
  set fpcr(v: number) {
    this.u32[STATE_LAYOUT.fpcr / 4] = v;
  }
  get fpsr(): number {
    return this.u32[STATE_LAYOUT.fpsr / 4];
  }
  set fpsr(v: number) {
    this.u32[STATE_LAYOUT.fpsr / 4] = v;
  }

  /** Reads X register `n` (0..30, 31 = SP) as a BigInt; for tools and tests, not the hot path. */
  getX(n: number): bigint {
    return this.x64[n];
  }
  setX(n: number, value: bigint): void {
    this.x64[n] = BigInt.asUintN(64, value);
  }

  /** Copies the whole state out as bytes (save/restore, migration, differential tests). */
  save(): Uint8Array {
    return this.bytes.slice();
  }
  restore(bytes: Uint8Array): void {
    if (bytes.byteLength !== STATE_LAYOUT.size) {
      throw new RangeError(`Saved CPU state must be ${STATE_LAYOUT.size} bytes, got ${bytes.byteLength}`);
    }
    this.bytes.set(bytes);
  }
}
