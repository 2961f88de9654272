/**
 * Delivering a signal to a guest handler and returning from it, with arm64 Linux's rt_sigframe
 * (arch/arm64/kernel/signal.c; uapi asm/sigcontext.h and asm/ucontext.h): siginfo (128 bytes), then
 * a ucontext whose sigcontext holds X0..X30, SP, PC, PSTATE and, in its reserved area, an
 * fpsimd_context record (FPSR, FPCR, V0..V31) followed by a terminating null record.
 */
import { copyFromGuest, copyToGuest } from './guest_memory.js';
import { SIGTRAMP_VA } from './loader.js';
import type { Thread } from './process.js';
import type { SigAction } from './signals.js';

const SIGINFO_SIZE = 128;
const UC_SIGMASK = 40;
const UC_MCONTEXT = 176;
const SC_REGS = 8;
const SC_SP = 256;
const SC_PC = 264;
const SC_PSTATE = 272;
const SC_RESERVED = 288;
const FPSIMD_MAGIC = 0x46508001;
const FPSIMD_SIZE = 528;
/** sizeof(struct rt_sigframe): siginfo + ucontext (with the 4 KiB reserved area). */
export const RT_SIGFRAME_SIZE = SIGINFO_SIZE + UC_MCONTEXT + SC_RESERVED + 4096;
const SA_NODEFER = 0x40000000;
const SA_RESTORER = 0x04000000;
const SA_RESETHAND = 0x80000000;

/** What a handler learns about the signal (siginfo_t's first fields and si_addr/si_pid). */
export interface SigInfo {
  readonly signo: number;
  readonly code: number;
  /** si_addr for faults, or si_pid (low 32 bits) and si_uid (high) for kill. */
  readonly addr?: number;
  readonly pid?: number;
  readonly uid?: number;
}

/**
 * Builds the frame on the thread's stack and redirects it to the handler; false if the stack is
 * unusable (the caller then kills the process with SIGSEGV, as Linux's force_sigsegv does).
 */
export function setupSignalFrame(t: Thread, act: SigAction, info: SigInfo): boolean {
  const s = t.cpu.state;
  const dv = (n: number): DataView => new DataView(new ArrayBuffer(n));
  const oldSp = Number(s.getX(31));
  const record = (oldSp - (oldSp % 16)) - 16;
  const frame = record - RT_SIGFRAME_SIZE - ((record - RT_SIGFRAME_SIZE) % 16);
  const f = dv(RT_SIGFRAME_SIZE);
  f.setInt32(0, info.signo, true);
  f.setInt32(8, info.code, true);
  if (info.addr !== undefined) f.setBigUint64(16, BigInt(info.addr), true);
  if (info.pid !== undefined) {
    f.setInt32(16, info.pid, true);
    f.setUint32(20, info.uid ?? 0, true);
  }
  const uc = SIGINFO_SIZE;
  f.setBigUint64(uc + UC_SIGMASK, t.savedSigmask ?? t.sigmask, true);
  t.savedSigmask = null;
  const sc = uc + UC_MCONTEXT;
  if (info.addr !== undefined) f.setBigUint64(sc, BigInt(info.addr), true);
  for (let r = 0; r < 31; r++) f.setBigUint64(sc + SC_REGS + 8 * r, s.getX(r), true);
  f.setBigUint64(sc + SC_SP, s.getX(31), true);
  f.setBigUint64(sc + SC_PC, BigInt.asUintN(64, BigInt(s.pc)), true);
  f.setBigUint64(sc + SC_PSTATE, BigInt(s.nzcv >>> 0), true);
  const fp = sc + SC_RESERVED;
  f.setUint32(fp, FPSIMD_MAGIC, true);
  f.setUint32(fp + 4, FPSIMD_SIZE, true);
  f.setUint32(fp + 8, s.fpsr, true);
  f.setUint32(fp + 12, s.fpcr, true);
  new Uint8Array(f.buffer).set(s.v8, fp + 16);
  const rec = dv(16);
  rec.setBigUint64(0, s.getX(29), true);
  rec.setBigUint64(8, s.getX(30), true);
  const as = t.proc.as;
  if (!copyToGuest(as, frame, new Uint8Array(f.buffer)) || !copyToGuest(as, record, new Uint8Array(rec.buffer))) return false;
  s.setX(0, BigInt(info.signo));
  s.setX(1, BigInt(frame));
  s.setX(2, BigInt(frame + uc));
  s.setX(29, BigInt(record));
  s.setX(30, BigInt(act.flags & SA_RESTORER ? act.restorer : SIGTRAMP_VA));
  s.setX(31, BigInt(frame));
  s.pc = act.handler;
  t.sigmask |= act.mask;
  if (!(act.flags & SA_NODEFER)) t.sigmask |= 1n << BigInt(info.signo - 1);
  if (act.flags & SA_RESETHAND) act.handler = 0;
  return true;
}

/** rt_sigreturn: restores the context saved in the frame at SP; false if the frame is unreadable. */
export function restoreSignalFrame(t: Thread): boolean {
  const s = t.cpu.state;
  const frame = Number(s.getX(31));
  const b = copyFromGuest(t.proc.as, frame, RT_SIGFRAME_SIZE);
  if (b === null) return false;
  const f = new DataView(b.buffer);
  const uc = SIGINFO_SIZE;
  const sc = uc + UC_MCONTEXT;
  t.sigmask = f.getBigUint64(uc + UC_SIGMASK, true) & ~((1n << 8n) | (1n << 18n));
  for (let r = 0; r < 31; r++) s.setX(r, f.getBigUint64(sc + SC_REGS + 8 * r, true));
  s.setX(31, f.getBigUint64(sc + SC_SP, true));
  s.pc = Number(BigInt.asIntN(64, f.getBigUint64(sc + SC_PC, true)));
  s.nzcv = Number(f.getBigUint64(sc + SC_PSTATE, true) & 0xf000_0000n);
  const fp = sc + SC_RESERVED;
  if (f.getUint32(fp, true) === FPSIMD_MAGIC) {
    s.fpsr = f.getUint32(fp + 8, true);
    s.fpcr = f.getUint32(fp + 12, true);
    s.v8.set(b.subarray(fp + 16, fp + 16 + 512));
  }
  return true;
}
