/**
 * A tiny AArch64 assembler for hand-written test guests: the handful of A64 instructions the hostile
 * guest, its neighbour and the hypercall benchmark need, emitted as instruction words with labels
 * resolved at the end, and an arm64 Image header around the result (Linux's booting.rst: magic
 * "ARM\x64" at byte 56, text_offset at 8, image_size at 16). Test helper only: registers are numbers
 * 0-30, 31 is XZR or SP as the instruction defines it.
 */

/** Condition codes (B.cond, CSEL). */
export const COND = { EQ: 0, NE: 1, HS: 2, LO: 3, MI: 4, PL: 5, HI: 8, LS: 9, GE: 10, LT: 11, GT: 12, LE: 13, AL: 14 } as const;

const XZR = 31;

interface Fixup {
  readonly at: number;
  readonly label: string;
  readonly kind: 'b26' | 'b19' | 'adr';
}

function reg(r: number): number {
  if (!Number.isInteger(r) || r < 0 || r > 31) throw new RangeError(`Bad register ${r}`);
  return r;
}

function uimm(v: number, bits: number, what: string): number {
  if (!Number.isInteger(v) || v < 0 || v >= 2 ** bits) throw new RangeError(`${what} ${v} does not fit in ${bits} bits`);
  return v;
}

export class Asm {
  private readonly words: number[] = [];
  private readonly labels = new Map<string, number>();
  private readonly fixups: Fixup[] = [];

  /** Byte offset of the next instruction from the start of the code. */
  get here(): number {
    return this.words.length * 4;
  }

  label(name: string): this {
    if (this.labels.has(name)) throw new Error(`Label ${name} defined twice`);
    this.labels.set(name, this.here);
    return this;
  }

  word(w: number): this {
    this.words.push(w >>> 0);
    return this;
  }

  /** Pads with NOPs to a multiple of `bytes` from the start of the code. */
  align(bytes: number): this {
    while (this.here % bytes !== 0) this.nop();
    return this;
  }

  // ---- moves and arithmetic ----

  movz(rd: number, imm16: number, shift = 0): this {
    return this.word(0xd2800000 | ((shift / 16) << 21) | (uimm(imm16, 16, 'MOVZ imm') << 5) | reg(rd));
  }

  movk(rd: number, imm16: number, shift = 0): this {
    return this.word(0xf2800000 | ((shift / 16) << 21) | (uimm(imm16, 16, 'MOVK imm') << 5) | reg(rd));
  }

  /** Any 64-bit constant: MOVZ then a MOVK per further non-zero halfword. */
  mov64(rd: number, value: bigint | number): this {
    const v = BigInt.asUintN(64, BigInt(value));
    const halves = [0, 1, 2, 3].map((i) => Number((v >> BigInt(16 * i)) & 0xffffn));
    this.movz(rd, halves[0]!, 0);
    for (let i = 1; i < 4; i++) if (halves[i] !== 0) this.movk(rd, halves[i]!, 16 * i);
    return this;
  }

  /** MOV Xd, Xm (ORR Xd, XZR, Xm). */
  mov(rd: number, rm: number): this {
    return this.word(0xaa000000 | (reg(rm) << 16) | (XZR << 5) | reg(rd));
  }

  addImm(rd: number, rn: number, imm12: number): this {
    return this.word(0x91000000 | (uimm(imm12, 12, 'ADD imm') << 10) | (reg(rn) << 5) | reg(rd));
  }

  subImm(rd: number, rn: number, imm12: number): this {
    return this.word(0xd1000000 | (uimm(imm12, 12, 'SUB imm') << 10) | (reg(rn) << 5) | reg(rd));
  }

  /** ADD Xd, Xn, Xm, LSL #lsl. */
  add(rd: number, rn: number, rm: number, lsl = 0): this {
    return this.word(0x8b000000 | (reg(rm) << 16) | (uimm(lsl, 6, 'shift') << 10) | (reg(rn) << 5) | reg(rd));
  }

  /** AND Xd, Xn, Xm. */
  and(rd: number, rn: number, rm: number): this {
    return this.word(0x8a000000 | (reg(rm) << 16) | (reg(rn) << 5) | reg(rd));
  }

  /** ORR Xd, Xn, Xm. */
  orr(rd: number, rn: number, rm: number): this {
    return this.word(0xaa000000 | (reg(rm) << 16) | (reg(rn) << 5) | reg(rd));
  }

  /** EOR Xd, Xn, Xm, LSL #lsl. */
  eorLsl(rd: number, rn: number, rm: number, lsl: number): this {
    return this.word(0xca000000 | (reg(rm) << 16) | (uimm(lsl, 6, 'shift') << 10) | (reg(rn) << 5) | reg(rd));
  }

  /** EOR Xd, Xn, Xm, LSR #lsr. */
  eorLsr(rd: number, rn: number, rm: number, lsr: number): this {
    return this.word(0xca400000 | (reg(rm) << 16) | (uimm(lsr, 6, 'shift') << 10) | (reg(rn) << 5) | reg(rd));
  }

  /** UBFX Xd, Xn, #lsb, #width (UBFM Xd, Xn, #lsb, #lsb+width-1). */
  ubfx(rd: number, rn: number, lsb: number, width: number): this {
    if (width < 1 || lsb + width > 64) throw new RangeError(`Bad UBFX field ${lsb}+${width}`);
    return this.word(0xd3400000 | (lsb << 16) | ((lsb + width - 1) << 10) | (reg(rn) << 5) | reg(rd));
  }

  /** LSL Xd, Xn, #s (UBFM Xd, Xn, #(-s mod 64), #(63-s)). */
  lsl(rd: number, rn: number, s: number): this {
    uimm(s, 6, 'shift');
    return this.word(0xd3400000 | (((64 - s) % 64) << 16) | ((63 - s) << 10) | (reg(rn) << 5) | reg(rd));
  }

  /** CMP Xn, #imm12. */
  cmpImm(rn: number, imm12: number): this {
    return this.word(0xf1000000 | (uimm(imm12, 12, 'CMP imm') << 10) | (reg(rn) << 5) | XZR);
  }

  /** CMP Xn, Xm. */
  cmp(rn: number, rm: number): this {
    return this.word(0xeb000000 | (reg(rm) << 16) | (reg(rn) << 5) | XZR);
  }

  /** CSEL Xd, Xn, Xm, cond. */
  csel(rd: number, rn: number, rm: number, cond: number): this {
    return this.word(0x9a800000 | (reg(rm) << 16) | (cond << 12) | (reg(rn) << 5) | reg(rd));
  }

  // ---- loads and stores (base register + scaled unsigned offset, or + register) ----

  ldr(rt: number, rn: number, off = 0): this {
    return this.word(0xf9400000 | (uimm(off / 8, 12, 'LDR offset') << 10) | (reg(rn) << 5) | reg(rt));
  }

  str(rt: number, rn: number, off = 0): this {
    return this.word(0xf9000000 | (uimm(off / 8, 12, 'STR offset') << 10) | (reg(rn) << 5) | reg(rt));
  }

  ldrW(rt: number, rn: number): this {
    return this.word(0xb9400000 | (reg(rn) << 5) | reg(rt));
  }

  strW(rt: number, rn: number): this {
    return this.word(0xb9000000 | (reg(rn) << 5) | reg(rt));
  }

  ldrb(rt: number, rn: number): this {
    return this.word(0x39400000 | (reg(rn) << 5) | reg(rt));
  }

  strb(rt: number, rn: number): this {
    return this.word(0x39000000 | (reg(rn) << 5) | reg(rt));
  }

  strh(rt: number, rn: number): this {
    return this.word(0x79000000 | (reg(rn) << 5) | reg(rt));
  }

  /** LDR Xt, [Xn, Xm, LSL #3]. */
  ldrIdx(rt: number, rn: number, rm: number): this {
    return this.word(0xf8607800 | (reg(rm) << 16) | (reg(rn) << 5) | reg(rt));
  }

  /** STR Xt, [Xn, Xm, LSL #3]. */
  strIdx(rt: number, rn: number, rm: number): this {
    return this.word(0xf8207800 | (reg(rm) << 16) | (reg(rn) << 5) | reg(rt));
  }

  stp(rt: number, rt2: number, rn: number): this {
    return this.word(0xa9000000 | (reg(rt2) << 10) | (reg(rn) << 5) | reg(rt));
  }

  ldp(rt: number, rt2: number, rn: number): this {
    return this.word(0xa9400000 | (reg(rt2) << 10) | (reg(rn) << 5) | reg(rt));
  }

  // ---- branches ----

  b(label: string): this {
    this.fixups.push({ at: this.words.length, label, kind: 'b26' });
    return this.word(0x14000000);
  }

  bl(label: string): this {
    this.fixups.push({ at: this.words.length, label, kind: 'b26' });
    return this.word(0x94000000);
  }

  bcond(cond: number, label: string): this {
    this.fixups.push({ at: this.words.length, label, kind: 'b19' });
    return this.word(0x54000000 | cond);
  }

  cbz(rt: number, label: string): this {
    this.fixups.push({ at: this.words.length, label, kind: 'b19' });
    return this.word(0xb4000000 | reg(rt));
  }

  cbnz(rt: number, label: string): this {
    this.fixups.push({ at: this.words.length, label, kind: 'b19' });
    return this.word(0xb5000000 | reg(rt));
  }

  /** ADR Xd, label (within ±1 MiB). */
  adr(rd: number, label: string): this {
    this.fixups.push({ at: this.words.length, label, kind: 'adr' });
    return this.word(0x10000000 | reg(rd));
  }

  blr(rn: number): this {
    return this.word(0xd63f0000 | (reg(rn) << 5));
  }

  ret(): this {
    return this.word(0xd65f03c0);
  }

  // ---- system ----

  hvc(imm16: number): this {
    return this.word(0xd4000002 | (uimm(imm16, 16, 'HVC imm') << 5));
  }

  smc(imm16: number): this {
    return this.word(0xd4000003 | (uimm(imm16, 16, 'SMC imm') << 5));
  }

  eret(): this {
    return this.word(0xd69f03e0);
  }

  isb(): this {
    return this.word(0xd5033fdf);
  }

  nop(): this {
    return this.word(0xd503201f);
  }

  msrVbarEl1(rt: number): this {
    return this.word(0xd518c000 | reg(rt));
  }

  mrsElrEl1(rt: number): this {
    return this.word(0xd5384020 | reg(rt));
  }

  msrElrEl1(rt: number): this {
    return this.word(0xd5184020 | reg(rt));
  }

  /** The code with every label resolved, as little-endian bytes. */
  assemble(): Uint8Array {
    const w = [...this.words];
    for (const f of this.fixups) {
      const target = this.labels.get(f.label);
      if (target === undefined) throw new Error(`Undefined label ${f.label}`);
      const delta = target - f.at * 4;
      if (f.kind === 'b26') w[f.at] = (w[f.at]! | ((delta / 4) & 0x3ff_ffff)) >>> 0;
      else if (f.kind === 'b19') w[f.at] = (w[f.at]! | (((delta / 4) & 0x7_ffff) << 5)) >>> 0;
      else w[f.at] = (w[f.at]! | ((delta & 3) << 29) | (((delta >> 2) & 0x7_ffff) << 5)) >>> 0;
    }
    const out = new Uint8Array(w.length * 4);
    const dv = new DataView(out.buffer);
    w.forEach((x, i) => dv.setUint32(i * 4, x, true));
    return out;
  }
}

/** Byte offset of the code inside the Image (the header's first word branches there). */
export const IMAGE_CODE_OFFSET = 64;

/**
 * An arm64 Image (text_offset 0, little-endian): a 64-byte header whose first word branches to the
 * code at IMAGE_CODE_OFFSET, then `code`, then `data` placed at byte `dataOffset` of the Image.
 * image_size covers everything, so the loader keeps it all.
 */
export function arm64Image(code: Uint8Array, extra: { data?: Uint8Array; dataOffset?: number } = {}): Uint8Array {
  const dataOffset = extra.dataOffset ?? 0;
  const end = Math.max(IMAGE_CODE_OFFSET + code.byteLength, extra.data === undefined ? 0 : dataOffset + extra.data.byteLength);
  if (extra.data !== undefined && dataOffset < IMAGE_CODE_OFFSET + code.byteLength) throw new RangeError('Image data overlaps the code');
  const b = new Uint8Array(end);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, 0x14000000 | (IMAGE_CODE_OFFSET / 4), true); // b code
  dv.setBigUint64(8, 0n, true); // text_offset
  dv.setBigUint64(16, BigInt(end), true); // image_size
  dv.setBigUint64(24, 0xan, true); // flags: little-endian, 4 KiB pages, anywhere
  dv.setUint32(56, 0x644d5241, true); // "ARM\x64"
  b.set(code, IMAGE_CODE_OFFSET);
  if (extra.data !== undefined) b.set(extra.data, dataOffset);
  return b;
}
