/**
 * Field-by-field comparison of two outcomes, and the mismatch report: the case's words with
 * objdump's disassembly and our decoder's pattern names, then only the fields that differ.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { translateInsn } from '../../src/arch/arm64/interp/index.js';
import { CODE_BASE, CODE_SIZE, DATA_BASE, SIG, type Outcome, type TestCase } from './layout.js';

export interface FieldDiff {
  readonly field: string;
  readonly ours: string;
  readonly qemu: string;
  /** The initial value, where there is one. */
  readonly before?: string;
}

const hex64 = (v: bigint): string => '0x' + v.toString(16).padStart(16, '0');
const hex32 = (v: number): string => '0x' + (v >>> 0).toString(16).padStart(8, '0');
const bytesHex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
/** A V register as two 64-bit halves, high first, as debuggers show it. */
function vHex(v: Uint8Array, n: number): string {
  const dv = new DataView(v.buffer, v.byteOffset + 16 * n, 16);
  return hex64(dv.getBigUint64(8, true)) + ':' + hex64(dv.getBigUint64(0, true)).slice(2);
}
const TAG_MASK = (1n << 56n) - 1n;
const FPCR_FZ16 = 1 << 19;

export function signalName(sig: number): string {
  const names: Record<number, string> = { 4: 'SIGILL', 5: 'SIGTRAP', 7: 'SIGBUS', 8: 'SIGFPE', 11: 'SIGSEGV', 14: 'SIGALRM (endless loop)' };
  return names[sig] ?? `signal ${sig}`;
}

/** Where a run stopped, as "SIGTRAP at end" / "SIGILL at insn 2" / "SIGSEGV at pc 0x..., addr 0x...". */
export function describeStop(o: Outcome, nwords: number): string {
  const idx = Number(o.pc - BigInt(CODE_BASE)) / 4;
  const where =
    o.pc >= BigInt(CODE_BASE) && idx < 1024 && Number.isInteger(idx)
      ? idx === nwords
        ? 'end'
        : `insn ${idx}`
      : `pc ${hex64(o.pc)}`;
  const addr = o.signal === SIG.SEGV || o.signal === SIG.BUS ? `, addr ${hex64(o.addr)}` : '';
  return `${signalName(o.signal)} at ${where}${addr}`;
}

const USER_TOP = 1n << 48n;

/**
 * Fault addresses: Linux reports them without the tag byte, so compare the low 56 bits; and only
 * within the 48-bit user address range, since QEMU reports addresses beyond it (non-canonical once
 * the tag is ignored) as 0, and our CPU holds addresses as doubles, exact only for canonical ones.
 */
function sameAddr(a: bigint, b: bigint): boolean {
  const x = a & TAG_MASK;
  const y = b & TAG_MASK;
  return x === y || (x >= USER_TOP && y >= USER_TOP) || (x >= USER_TOP && y === 0n) || (y >= USER_TOP && x === 0n);
}

/**
 * The stop: signal and PC exact, with four exceptions where QEMU 7.2, or our number
 * representation, differs from hardware:
 * - fetch faults at tagged or non-canonical addresses (see sameAddr);
 * - a branch to a misaligned, unmapped address: hardware takes the PC alignment fault (SIGBUS, as
 *   we do), QEMU the translation fault (SIGSEGV);
 * - a faulting DC ZVA: QEMU reports the PC of the start of its translation block, not of the DC ZVA
 *   (the state is otherwise right);
 * - a misaligned access to a non-canonical address (below).
 */
function sameStop(tc: TestCase, a: Outcome, b: Outcome): boolean {
  if (a.signal === b.signal && a.pc === b.pc) return true;
  if (a.signal === SIG.SEGV && b.signal === SIG.SEGV && sameAddr(a.pc, b.pc)) return true;
  if (a.signal === SIG.BUS && b.signal === SIG.SEGV && sameAddr(a.pc, b.pc) && (a.pc & 3n) !== 0n && !inCodePage(a.pc)) return true;
  // A misaligned access to a non-canonical address: QEMU (and hardware) report the alignment fault;
  // our addresses are doubles, exact only for canonical addresses, so we see a translation fault.
  // Either way the access faults, and real programs never make one.
  if (a.signal === SIG.SEGV && b.signal === SIG.BUS && a.pc === b.pc && (a.addr & TAG_MASK) >= USER_TOP && (b.addr & TAG_MASK) >= USER_TOP) return true;
  if (a.signal === SIG.SEGV && b.signal === SIG.SEGV && inCodePage(a.pc) && inCodePage(b.pc) && b.pc < a.pc && a.addr === b.addr) {
    const w = tc.words[Number(a.pc - BigInt(CODE_BASE)) / 4];
    return w !== undefined && ((w & 0xffff_ffe0) >>> 0) === 0xd50b_7420; // DC ZVA
  }
  return false;
}

function inCodePage(pc: bigint): boolean {
  return pc >= BigInt(CODE_BASE) && pc < BigInt(CODE_BASE + CODE_SIZE);
}

export function compareOutcomes(tc: TestCase, ours: Outcome, qemu: Outcome): FieldDiff[] {
  const d: FieldDiff[] = [];
  const n = tc.words.length;
  // Both sides stuck in the same endless loop: where each was stopped is arbitrary.
  if (ours.signal === SIG.ALRM && qemu.signal === SIG.ALRM) return d;
  if (!sameStop(tc, ours, qemu)) {
    d.push({ field: 'stop', ours: describeStop(ours, n), qemu: describeStop(qemu, n) });
  } else if ((qemu.signal === SIG.SEGV || qemu.signal === SIG.BUS) && !sameAddr(ours.addr, qemu.addr)) {
    d.push({ field: 'fault addr', ours: hex64(ours.addr), qemu: hex64(qemu.addr) });
  }
  for (let i = 0; i < 32; i++) {
    if (ours.x[i] !== qemu.x[i]) {
      d.push({ field: i === 31 ? 'sp' : `x${i}`, ours: hex64(ours.x[i]!), qemu: hex64(qemu.x[i]!), before: hex64(tc.state.x[i]!) });
    }
  }
  if (ours.nzcv !== qemu.nzcv) d.push({ field: 'nzcv', ours: hex32(ours.nzcv), qemu: hex32(qemu.nzcv), before: hex32(tc.state.nzcv) });
  // FPCR.FZ16 (bit 19) exists on the cortex-a76 (FP16) and is RES0 on our ARMv8.0 CPU.
  if (((ours.fpcr ^ qemu.fpcr) & ~FPCR_FZ16) !== 0) d.push({ field: 'fpcr', ours: hex32(ours.fpcr), qemu: hex32(qemu.fpcr), before: hex32(tc.state.fpcr) });
  if (ours.fpsr !== qemu.fpsr) d.push({ field: 'fpsr', ours: hex32(ours.fpsr), qemu: hex32(qemu.fpsr), before: hex32(tc.state.fpsr) });
  for (let i = 0; i < 32; i++) {
    for (let b = 0; b < 16; b++) {
      if (ours.v[16 * i + b] !== qemu.v[16 * i + b]) {
        d.push({ field: `v${i}`, ours: vHex(ours.v, i), qemu: vHex(qemu.v, i), before: vHex(tc.state.v, i) });
        break;
      }
    }
  }
  const offsets = new Set([...ours.chunks.keys(), ...qemu.chunks.keys()]);
  for (const off of [...offsets].sort((a, b) => a - b)) {
    const a = ours.chunks.get(off);
    const b = qemu.chunks.get(off);
    if (a !== undefined && b !== undefined && bytesHex(a) === bytesHex(b)) continue;
    d.push({
      field: `mem ${hex64(BigInt(DATA_BASE + off))}`,
      ours: a === undefined ? '(unchanged)' : bytesHex(a),
      qemu: b === undefined ? '(unchanged)' : bytesHex(b),
    });
  }
  return d;
}

/** objdump's disassembly of each word ("?" when objdump is unavailable). */
export function disassemble(words: readonly number[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'xenon-diff-'));
  try {
    const file = join(dir, 'insns.bin');
    const buf = Buffer.alloc(4 * words.length);
    words.forEach((w, i) => buf.writeUInt32LE(w >>> 0, 4 * i));
    writeFileSync(file, buf);
    const r = spawnSync('aarch64-linux-gnu-objdump', ['-D', '-b', 'binary', '-m', 'aarch64', file], { encoding: 'utf8' });
    const out = words.map(() => '?');
    for (const line of (r.stdout ?? '').split('\n')) {
      const m = /^\s*([0-9a-f]+):\s+[0-9a-f]{8}\s+(.*)$/.exec(line);
      if (m) {
        const i = parseInt(m[1]!, 16) / 4;
        if (i < out.length) out[i] = m[2]!.replace(/\s+/g, ' ').trim();
      }
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function formatMismatch(tc: TestCase, diffs: readonly FieldDiff[]): string {
  const lines = [`MISMATCH ${tc.label}`];
  const dis = disassemble(tc.words);
  tc.words.forEach((w, i) => {
    const name = translateInsn(w).name;
    lines.push(`  [${i}] ${(w >>> 0).toString(16).padStart(8, '0')}  ${dis[i]!.padEnd(40)}  ${name}`);
  });
  const s = tc.state;
  lines.push(`  initial: nzcv=${hex32(s.nzcv)} fpcr=${hex32(s.fpcr)} fpsr=${hex32(s.fpsr)} dataSeed=${hex32(s.dataSeed)}`);
  const w = Math.max(...diffs.map((x) => x.field.length), 5);
  lines.push(`  ${'field'.padEnd(w)}  ${'ours'.padEnd(37)}  ${'qemu'.padEnd(37)}  before`);
  for (const x of diffs) lines.push(`  ${x.field.padEnd(w)}  ${x.ours.padEnd(37)}  ${x.qemu.padEnd(37)}  ${x.before ?? ''}`);
  return lines.join('\n');
}
