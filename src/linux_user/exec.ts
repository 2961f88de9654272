/**
 * execve: replacing a process's image with a new static executable (fs/exec.c: the new address
 * space is built first, so a failure leaves the caller running; then de_thread, exec_mmap,
 * close-on-exec descriptors and handler reset).
 */
import * as fs from 'node:fs';
import path from 'node:path';
import { AddressSpace } from './address_space.js';
import { parseElf, type ElfImage } from '../lib/elf.js';
import { E } from './errno.js';
import type { Kernel } from './kernel.js';
import { buildStack, loadSegments, MMAP_TOP, type LoadedImage } from './loader.js';
import { TPIDR_EL0_SLOT, type Thread } from './process.js';
import { SIG_DFL, SIG_IGN } from './signals.js';

export function execImage(k: Kernel, t: Thread, exe: string, argv: readonly string[], envp: readonly string[]): number {
  let bytes: Uint8Array;
  try {
    const st = fs.statSync(exe);
    if (st.isDirectory()) return -E.ACCES;
    if ((st.mode & 0o111) === 0) return -E.ACCES;
    bytes = fs.readFileSync(exe);
  } catch (e) {
    const code = (e as { code?: string }).code;
    return code === 'ENOENT' ? -E.NOENT : code === 'ENOTDIR' ? -E.NOTDIR : -E.ACCES;
  }
  let elf: ElfImage;
  try {
    elf = parseElf(bytes, exe);
  } catch {
    return -E.NOEXEC;
  }
  const p = t.proc;
  const as = new AddressSpace(k.frames, MMAP_TOP);
  let image: LoadedImage;
  let sp: number;
  try {
    image = loadSegments(as, elf);
    sp = buildStack(as, { argv, envp, execfn: exe, image, phnum: elf.phnum, uid: hostId('uid'), gid: hostId('gid') });
  } catch {
    as.destroy();
    return -E.NOMEM;
  }
  // Point of no return (de_thread, exec_mmap, flush_signal_handlers).
  for (const o of p.threads) if (o !== t && !o.exited) k.reapThread(o);
  if (p.ownsAs) p.as.destroy();
  p.as = as;
  p.ownsAs = true;
  p.vforkPending = false;
  p.exe = path.resolve(p.cwd, exe);
  p.fds.closeOnExec();
  for (const a of p.sigactions) if (a.handler !== SIG_IGN) Object.assign(a, { handler: SIG_DFL, flags: 0, mask: 0n, restorer: 0 });
  t.switchAddressSpace(as);
  const s = t.cpu.state;
  s.x32.fill(0);
  s.v32.fill(0);
  s.nzcv = 0;
  s.fpcr = 0;
  s.fpsr = 0;
  s.sys[TPIDR_EL0_SLOT] = 0n;
  s.setX(31, BigInt(sp));
  s.pc = image.entry;
  t.clearChildTid = 0;
  return 0;
}

/** The host's umask, which a process started from the shell inherits. */
export function hostUmask(): number {
  const m = process.umask(0o022);
  process.umask(m);
  return m;
}

export function hostId(which: 'uid' | 'gid'): number {
  const f = which === 'uid' ? process.getuid : process.getgid;
  return f === undefined ? 0 : f.call(process);
}

