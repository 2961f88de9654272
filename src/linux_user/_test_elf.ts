/** Test helper: builds small ELF64 AArch64 images in memory (and on disk) without a toolchain. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface TestSegment {
  readonly type?: number;
  readonly flags: number;
  readonly vaddr: number;
  readonly data: Uint8Array;
  readonly memSize?: number;
}

export interface TestElfOptions {
  readonly type?: number;
  readonly machine?: number;
  readonly entry?: number;
  readonly segments: readonly TestSegment[];
}

/**
 * An ELF file: header, program headers, then each segment's data at a file offset congruent to its
 * address modulo the page size (so the loader's checks pass).
 */
export function makeElf(o: TestElfOptions): Uint8Array {
  const phoff = 64;
  let off = phoff + 56 * o.segments.length;
  const placed = o.segments.map((s) => {
    const want = s.vaddr % 4096;
    off = off - (off % 4096) + want + (off % 4096 > want ? 4096 : 0);
    const at = off;
    off += s.data.length;
    return at;
  });
  const out = new Uint8Array(off);
  const dv = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
  dv.setUint16(16, o.type ?? 2, true);
  dv.setUint16(18, o.machine ?? 183, true);
  dv.setUint32(20, 1, true);
  dv.setBigUint64(24, BigInt(o.entry ?? o.segments[0]?.vaddr ?? 0), true);
  dv.setBigUint64(32, BigInt(phoff), true);
  dv.setUint16(52, 64, true);
  dv.setUint16(54, 56, true);
  dv.setUint16(56, o.segments.length, true);
  o.segments.forEach((s, i) => {
    const p = phoff + 56 * i;
    dv.setUint32(p, s.type ?? 1, true);
    dv.setUint32(p + 4, s.flags, true);
    dv.setBigUint64(p + 8, BigInt(placed[i]!), true);
    dv.setBigUint64(p + 16, BigInt(s.vaddr), true);
    dv.setBigUint64(p + 24, BigInt(s.vaddr), true);
    dv.setBigUint64(p + 32, BigInt(s.data.length), true);
    dv.setBigUint64(p + 40, BigInt(s.memSize ?? s.data.length), true);
    dv.setBigUint64(p + 48, 4096n, true);
    out.set(s.data, placed[i]!);
  });
  return out;
}

/** Instruction words as little-endian bytes. */
export function code(words: readonly number[]): Uint8Array {
  const b = new Uint8Array(4 * words.length);
  const dv = new DataView(b.buffer);
  words.forEach((w, i) => dv.setUint32(4 * i, w >>> 0, true));
  return b;
}

/** The test process's one temporary directory for programs, removed when the process exits. */
let programsDir: string | null = null;

function testProgramsDir(): string {
  if (programsDir === null) {
    const dir = mkdtempSync(path.join(tmpdir(), 'xenon-lu-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    programsDir = dir;
  }
  return programsDir;
}

/** Writes a static executable running `words` at 0x400000 to a temporary file (named "prog") and returns its path. */
export function writeTestProgram(words: readonly number[]): string {
  const file = path.join(mkdtempSync(path.join(testProgramsDir(), 'p-')), 'prog');
  writeFileSync(file, makeElf({ segments: [{ flags: 5, vaddr: 0x400000, data: code(words) }] }), { mode: 0o755 });
  return file;
}
