/** The system call table, keyed by arm64 (asm-generic) system call number. Anything absent returns -ENOSYS. */
import type { SyscallDef } from './args.js';
import { FS_SYSCALLS } from './fs.js';
import { IO_SYSCALLS } from './io.js';
import { MEMORY_SYSCALLS } from './memory.js';
import { PROC_SYSCALLS } from './proc.js';
import { SIGNAL_TIME_SYSCALLS } from './signal_time.js';
import { STAT_SYSCALLS } from './stat.js';

export const SYSCALLS: ReadonlyMap<number, SyscallDef> = (() => {
  const m = new Map<number, SyscallDef>();
  for (const d of [...MEMORY_SYSCALLS, ...IO_SYSCALLS, ...FS_SYSCALLS, ...STAT_SYSCALLS, ...PROC_SYSCALLS, ...SIGNAL_TIME_SYSCALLS]) {
    if (m.has(d.nr)) throw new Error(`System call ${d.nr} (${d.name}) is defined twice`);
    m.set(d.nr, d);
  }
  return m;
})();
