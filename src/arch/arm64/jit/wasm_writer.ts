/**
 * Writes WebAssembly binary modules (WebAssembly Core Specification 2.0, chapter 5): the opcodes the
 * JIT emits, LEB128 immediates, and the few sections a compiled block's module has.
 */

export const enum T {
  I32 = 0x7f,
  I64 = 0x7e,
  F64 = 0x7c,
  EXTERNREF = 0x6f,
}

/** Opcodes, by their text-format names. */
export const enum Op {
  block = 0x02, loop = 0x03, if = 0x04, else = 0x05, end = 0x0b, br = 0x0c, br_if = 0x0d, return = 0x0f,
  call = 0x10, return_call = 0x12, return_call_indirect = 0x13, drop = 0x1a, select = 0x1b,
  local_get = 0x20, local_set = 0x21, local_tee = 0x22,
  i32_load = 0x28, i64_load = 0x29, f64_load = 0x2b,
  i64_load8_s = 0x30, i64_load8_u = 0x31, i64_load16_s = 0x32, i64_load16_u = 0x33, i64_load32_s = 0x34, i64_load32_u = 0x35,
  i32_store = 0x36, i64_store = 0x37, f64_store = 0x39, i64_store8 = 0x3c, i64_store16 = 0x3d, i64_store32 = 0x3e,
  i32_const = 0x41, i64_const = 0x42, f64_const = 0x44,
  i32_eqz = 0x45, i32_eq = 0x46, i32_ne = 0x47, i32_lt_u = 0x49, i32_gt_s = 0x4a, i32_gt_u = 0x4b, i32_le_u = 0x4d,
  i32_ge_s = 0x4e, i32_ge_u = 0x4f,
  i64_eqz = 0x50, i64_eq = 0x51, i64_ne = 0x52, i64_lt_u = 0x54, i64_gt_s = 0x55, i64_gt_u = 0x56, i64_ge_s = 0x59, i64_ge_u = 0x5a,
  f64_eq = 0x61,
  i32_clz = 0x67, i32_add = 0x6a, i32_sub = 0x6b, i32_mul = 0x6c, i32_and = 0x71, i32_or = 0x72, i32_xor = 0x73,
  i32_shl = 0x74, i32_shr_s = 0x75, i32_shr_u = 0x76, i32_rotr = 0x78,
  i64_clz = 0x79, i64_add = 0x7c, i64_sub = 0x7d, i64_mul = 0x7e, i64_and = 0x83, i64_or = 0x84, i64_xor = 0x85,
  i64_shl = 0x86, i64_shr_s = 0x87, i64_shr_u = 0x88, i64_rotr = 0x8a,
  f64_add = 0xa0,
  i32_wrap_i64 = 0xa7, i32_trunc_f64_u = 0xab, i64_extend_i32_s = 0xac, i64_extend_i32_u = 0xad, i64_trunc_f64_s = 0xb0,
  f64_convert_i64_s = 0xb9,
  i64_extend8_s = 0xc2, i64_extend16_s = 0xc3, i64_extend32_s = 0xc4,
}

/** SIMD opcodes, after the 0xfd prefix. */
export const enum SimdOp {
  v128_load = 0x00, v128_store = 0x0b,
}

/** The block type of a structured instruction that yields nothing. */
export const VOID = 0x40;

const F64 = new Float64Array(1);
const F64_BYTES = new Uint8Array(F64.buffer);

/** A growable byte buffer with the binary format's integer encodings. */
export class Bytes {
  private buf = new Uint8Array(256);
  length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  byte(b: number): this {
    if (this.length === this.buf.length) this.reserve(1);
    this.buf[this.length++] = b;
    return this;
  }

  bytes(b: ArrayLike<number>): this {
    this.reserve(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
    return this;
  }

  u32(v: number): this {
    let x = v >>> 0;
    do {
      const low = x & 0x7f;
      x >>>= 7;
      this.byte(x === 0 ? low : low | 0x80);
    } while (x !== 0);
    return this;
  }

  /** Signed LEB128 of a 32-bit integer. */
  s32(v: number): this {
    let x = v | 0;
    for (;;) {
      const low = x & 0x7f;
      x >>= 7;
      if ((x === 0 && (low & 0x40) === 0) || (x === -1 && (low & 0x40) !== 0)) return this.byte(low);
      this.byte(low | 0x80);
    }
  }

  /** Signed LEB128 of a 64-bit integer. */
  s64(v: bigint): this {
    let x = BigInt.asIntN(64, v);
    for (;;) {
      const low = Number(x & 0x7fn);
      x >>= 7n;
      if ((x === 0n && (low & 0x40) === 0) || (x === -1n && (low & 0x40) !== 0)) return this.byte(low);
      this.byte(low | 0x80);
    }
  }

  f64(v: number): this {
    F64[0] = v;
    return this.bytes(F64_BYTES);
  }

  name(s: string): this {
    const b = new TextEncoder().encode(s);
    return this.u32(b.length).bytes(b);
  }

  /** A length-prefixed copy of `other` (a section or function body). */
  sized(other: Bytes): this {
    return this.u32(other.length).bytes(other.view());
  }

  view(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}

export interface FuncType {
  readonly params: readonly T[];
  readonly results: readonly T[];
}

export interface ModuleSpec {
  readonly types: readonly FuncType[];
  /** Imported functions (module "f" unless named, name) with their type indices; they take function indices 0..n-1. */
  readonly funcImports: readonly { readonly module?: string; readonly name: string; readonly type: number }[];
  /** The imported shared memory ("m", "mem"), up to this many pages; null: none. */
  readonly memoryMaxPages: number | null;
  /** Also import a function table ("m", "tab"), table 0. */
  readonly table: boolean;
  /** The module's functions, exported as "f0", "f1", ... in order. */
  readonly funcs: readonly { readonly type: number; readonly locals: readonly T[]; readonly body: Bytes }[];
}

function section(out: Bytes, id: number, content: Bytes): void {
  out.byte(id).sized(content);
}

export function writeModule(m: ModuleSpec): Uint8Array {
  const out = new Bytes().bytes([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
  const types = new Bytes().u32(m.types.length);
  for (const t of m.types) types.byte(0x60).u32(t.params.length).bytes(t.params).u32(t.results.length).bytes(t.results);
  section(out, 1, types);
  const imports = new Bytes().u32(m.funcImports.length + (m.memoryMaxPages === null ? 0 : 1) + (m.table ? 1 : 0));
  if (m.memoryMaxPages !== null) imports.name('m').name('mem').byte(0x02).byte(0x03).u32(0).u32(m.memoryMaxPages);
  if (m.table) imports.name('m').name('tab').byte(0x01).byte(0x70).byte(0x00).u32(0);
  for (const f of m.funcImports) imports.name(f.module ?? 'f').name(f.name).byte(0x00).u32(f.type);
  section(out, 2, imports);
  const fns = new Bytes().u32(m.funcs.length);
  for (const f of m.funcs) fns.u32(f.type);
  section(out, 3, fns);
  const exports = new Bytes().u32(m.funcs.length);
  m.funcs.forEach((_, i) => exports.name(`f${i}`).byte(0x00).u32(m.funcImports.length + i));
  section(out, 7, exports);
  const code = new Bytes().u32(m.funcs.length);
  for (const f of m.funcs) {
    const body = new Bytes();
    // Locals as runs of one type.
    const runs: [number, T][] = [];
    for (const t of f.locals) {
      const last = runs[runs.length - 1];
      if (last !== undefined && last[1] === t) last[0]++;
      else runs.push([1, t]);
    }
    body.u32(runs.length);
    for (const [n, t] of runs) body.u32(n).byte(t);
    body.bytes(f.body.view()).byte(Op.end);
    code.sized(body);
  }
  section(out, 10, code);
  return out.view().slice();
}
